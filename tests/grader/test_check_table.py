"""The check ids, their points, required flags, order and descriptions are a stable interface.

check_table.json pins the table as `grade checks` printed it before the checks
were declared next to their code. New checks may be added anywhere; a pinned
one may not change. `grade checks --format json` is read here, as a script would.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.scoring import load_rubric

PINNED = json.loads((Path(__file__).with_name("check_table.json")).read_text())


def _current() -> list[dict]:
    result = CliRunner().invoke(main, ["checks", "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_every_pinned_check_keeps_its_points_flag_and_description():
    """Pinned keys keep their values (new keys, such as warn_only, may be added)."""
    current = {row["id"]: row for row in _current()}
    kept = {row["id"]: {k: current.get(row["id"], {}).get(k) for k in row} for row in PINNED}
    changed = [(row, current.get(row["id"])) for row in PINNED if kept[row["id"]] != row]
    assert changed == []


def test_warn_only_checks_are_marked_and_listed():
    """Issue 14 item 6: the checks that can only warn say so in `grade checks` (json and table)."""
    warn_only = {row["id"] for row in _current() if row["warn_only"]}
    assert {"structure.folder_name", "structure.report", "rules.risky_code", "blocks.Conv2d.init"} <= warn_only
    assert not warn_only & {"model.predict_other_size", "model.trained_psnr", "blocks.Conv2d.forward"}
    table = CliRunner().invoke(main, ["checks"]).output
    line = next(line for line in table.splitlines() if line.startswith("structure.report "))
    assert "warns only" in table and " yes " in line.replace("yes (", "")
    assert "--fast" in next(line for line in table.splitlines() if line.startswith("model.trained_psnr"))


def test_pinned_checks_keep_their_order():
    pinned = [row["id"] for row in PINNED]
    order = [row["id"] for row in _current() if row["id"] in set(pinned)]
    assert order == pinned


def test_the_builtin_rubric_overrides_nothing_and_a_printed_rubric_reads_back_the_same(tmp_path):
    rubric = load_rubric()
    assert rubric.overrides == []  # the points are the checks' own declarations
    printed = CliRunner().invoke(main, ["checks", "--format", "toml"]).output
    (tmp_path / "mine.toml").write_text(printed)
    mine = load_rubric(tmp_path / "mine.toml")
    assert mine.table() == rubric.table() and (mine.psnr, mine.alternatives) == (rubric.psnr, rubric.alternatives)


def test_a_rubric_entry_overrides_only_what_it_sets(tmp_path):
    (tmp_path / "r.toml").write_text('[checks]\n"model.api" = { points = 7 }\n"blocks.*.name" = { required = true }\n')
    rubric = load_rubric(tmp_path / "r.toml")
    assert rubric.lookup("model.api") == (7.0, True)  # still required, as declared
    assert rubric.lookup("blocks.ReLU.name") == (0.5, True)  # still its declared points
    assert rubric.lookup("blocks.ReLU.forward") == (1.5, True)  # untouched
