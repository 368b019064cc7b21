"""`grade PATH... --out DIR -j 2` on real fixture submissions, then `grade summary DIR`, then a re-run."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from grader.report import schema
from grader.report.views import FILES

GRADE = str(Path(sys.executable).parent / "grade")
# the workflow-style size knobs (click envvars): a few images, no training, no reference measurement
SMALL = {
    "N2N_GRADE_NO_TRAIN": "1",
    "N2N_GRADE_TRAIN_PAIRS": "64",
    "N2N_GRADE_VAL_PAIRS": "16",
    "N2N_GRADE_NO_REFERENCE": "1",
    "N2N_GRADE_DEVICE": "cpu",
}


def _grade(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [GRADE, *args], capture_output=True, text=True, cwd=cwd, timeout=600, env={**os.environ, **SMALL}
    )


@pytest.mark.slow
def test_batch_then_summary_then_rerun(tmp_path, reference_copy, make_zip):
    subs = tmp_path / "subs"
    reference_copy(subs / "Proj_123456_654321")
    broken = reference_copy(tmp_path / "build" / "Proj_111111_222222")
    model = broken / "Miniproject_2" / "model.py"
    model.write_text("import numpy\n" + model.read_text())
    make_zip(broken, subs / "Proj_111111_222222.zip")
    (subs / "no_package").mkdir()
    (subs / "no_package" / "notes.txt").write_text("no code here")
    (subs / "README.md").write_text("not a submission")
    reference_copy(subs / "_build" / "template")  # a helper folder next to the teams
    out = tmp_path / "out"

    run = _grade(*sorted(str(p) for p in subs.iterdir()), "--out", str(out), "-j", "2", "--fast")
    assert run.returncode == 2, run.stderr  # no_package is not gradable (bad input); the others were graded
    assert "leaving out" in run.stderr and "README.md" in run.stderr and "_build" in run.stderr
    assert "2 graded (1 passed, 1 failed a required check), 0 up to date (skipped), 1 not gradable" in run.stderr
    assert "[1/3] " in run.stderr and "; ETA " in run.stderr  # one line per submission in a log, with an ETA
    teams = {"Proj_123456_654321", "Proj_111111_222222", "no_package"}
    assert {p.name for p in out.iterdir() if p.is_dir()} == teams
    for team in teams:
        assert sorted(p.name for p in (out / team).iterdir()) == sorted(FILES)
        schema.validate(json.loads((out / team / "result.json").read_text()), "result")
        schema.validate(json.loads((out / team / "results.json").read_text()), "gradescope")
        ET.parse(out / team / "junit.xml")
    good = json.loads((out / "Proj_123456_654321" / "result.json").read_text())
    bad = json.loads((out / "Proj_111111_222222" / "result.json").read_text())
    assert good["environment"]["n_val"] == 16 and good["environment"]["batch_jobs"] == 2
    assert not [c["id"] for c in good["checks"] if c["required"] and c["status"] in ("fail", "error")]
    static = next(c for c in bad["checks"] if c["id"] == "rules.static_imports")
    assert static["status"] == "fail" and static["details"]["findings"][0]["line"] == 1
    assert bad["source"].endswith("Proj_111111_222222.zip")

    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert sorted(r["sciper"] for r in rows) == ["", "111111", "123456", "222222", "654321"]
    (no_package,) = [r for r in rows if r["team"] == "no_package"]
    assert no_package["status"] == "not_gradable" and no_package["score"] == ""
    schema.validate(json.loads((out / "summary.json").read_text()), "summary")
    assert len(ET.parse(out / "junit.xml").getroot().findall("testsuite")) == 3

    summary = _grade("summary", str(out), "--format", "github")
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert lines[0] == "## Class results"
    assert any(line.startswith("| Proj_123456_654321 ") and "| pass " in line for line in lines)
    assert any(line.startswith("| Proj_111111_222222 ") and "rules.static_imports" in line for line in lines)

    again = _grade(*sorted(str(p) for p in subs.iterdir()), "--out", str(out), "-j", "2", "--fast")
    assert again.returncode == 2
    # the two submissions are unchanged: skipped; the folder without a package is looked at again
    assert "0 graded (0 passed, 0 failed a required check), 2 up to date (skipped), 1 not gradable" in again.stderr
    assert json.loads((out / "Proj_123456_654321" / "result.json").read_text()) == good


def test_bad_inputs_in_a_batch_are_not_gradable_never_scored(tmp_path):
    """Issue 14 item 2: their own status in the batch and in every summary, no 0 in the grade column, exit 2."""
    subs = tmp_path / "subs"
    (subs / "empty_team").mkdir(parents=True)
    (subs / "x.zip").write_text("a text file named .zip\n")
    for team in ("a", "b"):
        (subs / "two" / team / "Miniproject_2").mkdir(parents=True)
    out = tmp_path / "out"
    run = _grade(*sorted(str(p) for p in subs.iterdir()), "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert "0 graded (0 passed, 0 failed a required check), 0 up to date (skipped), 3 not gradable" in run.stderr
    assert "grade: not gradable (no submission found there; give another path): " in run.stderr
    assert "to regrade" not in run.stderr  # regrading the same path cannot help
    summary = json.loads((out / "summary.json").read_text())
    schema.validate(summary, "summary")
    assert summary["not_gradable"] == 3 and summary["to_regrade"] == [] and summary["checks"] == []
    assert {r["status"] for r in summary["rows"]} == {"not_gradable"}
    assert all(r["score"] is None and r["families"] == {} for r in summary["rows"])
    rows = list(csv.DictReader((out / "summary.csv").open()))
    assert [(r["status"], r["score"], r["max_score"]) for r in rows] == [("not_gradable", "", "")] * 3
    table = _grade("summary", str(out), "--format", "github")
    assert table.returncode == 0, table.stderr
    team_lines = [line for line in table.stdout.splitlines() if line.startswith(("| empty_team", "| x ", "| two"))]
    assert len(team_lines) == 3 and all("NOT GRADABLE" in line and "| 0" not in line for line in team_lines)
    assert "3 not gradable" in table.stdout
    for team in ("empty_team", "x", "two"):
        schema.validate(json.loads((out / team / "result.json").read_text()), "result")


def test_jobs_without_out_is_a_usage_error(tmp_path):
    run = _grade(str(tmp_path), "-j", "2")
    assert run.returncode == 2 and "--out" in run.stderr
