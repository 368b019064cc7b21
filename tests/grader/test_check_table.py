"""The check ids, their points, required flags, order and descriptions are a stable interface.

check_table.json pins the table as it stood before checks were declared next to their code
(`grade checks` printed it). New checks may be added anywhere; a pinned one may not change.
"""

from __future__ import annotations

import json
from pathlib import Path

from grader.checks.catalog import CATALOG
from grader.scoring import load_rubric

PINNED = json.loads((Path(__file__).with_name("check_table.json")).read_text())


def _current() -> list[dict]:
    rubric = load_rubric()
    return [
        {"id": i, "points": rubric.lookup(i)[0], "required": rubric.lookup(i)[1], "description": text}
        for i, text in CATALOG.items()
    ]


def test_every_pinned_check_keeps_its_points_flag_and_description():
    current = {row["id"]: row for row in _current()}
    changed = [(row, current.get(row["id"])) for row in PINNED if current.get(row["id"]) != row]
    assert changed == []


def test_pinned_checks_keep_their_order():
    pinned = [row["id"] for row in PINNED]
    order = [row["id"] for row in _current() if row["id"] in set(pinned)]
    assert order == pinned
