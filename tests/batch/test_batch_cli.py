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
    assert run.returncode == 1, run.stderr  # required checks failed; every submission was graded
    assert "leaving out" in run.stderr and "README.md" in run.stderr and "_build" in run.stderr
    assert "3 graded (1 passed, 2 failed a required check), 0 up to date" in run.stderr
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
    schema.validate(json.loads((out / "summary.json").read_text()), "summary")
    assert len(ET.parse(out / "junit.xml").getroot().findall("testsuite")) == 3

    summary = _grade("summary", str(out), "--format", "github")
    assert summary.returncode == 0, summary.stderr
    lines = summary.stdout.splitlines()
    assert lines[0] == "## Class results"
    assert any(line.startswith("| Proj_123456_654321 ") and "| pass " in line for line in lines)
    assert any(line.startswith("| Proj_111111_222222 ") and "rules.static_imports" in line for line in lines)

    again = _grade(*sorted(str(p) for p in subs.iterdir()), "--out", str(out), "-j", "2", "--fast")
    assert again.returncode == 1
    # the two submissions are unchanged: skipped; the folder without a package has no hash: graded again
    assert "1 graded (0 passed, 1 failed a required check), 2 up to date (skipped)" in again.stderr
    assert json.loads((out / "Proj_123456_654321" / "result.json").read_text()) == good


def test_jobs_without_out_is_a_usage_error(tmp_path):
    run = _grade(str(tmp_path), "-j", "2")
    assert run.returncode == 2 and "--out" in run.stderr
