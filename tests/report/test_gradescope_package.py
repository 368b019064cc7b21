"""`grade gradescope-package`: the zip, then its run_autograder run against a fake /autograder tree (issue 14
item 9). setup.sh is not run here (it installs torch from the network); the grader under test stands in for the
virtualenv it makes (N2N_AUTOGRADER_PYTHON)."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main
from grader.report import schema

REPO = Path(__file__).resolve().parents[2]
SMALL = ["--fast", "--no-train", "--no-reference", "--val-pairs", "16", "--train-pairs", "64"]
RUBRIC = """
[gradescope]
visibility = "after_published"
stdout_visibility = "visible"
[gradescope.tests]
"model.*" = "after_due_date"
"rules.static_imports" = "hidden"

[late]
percent_per_day = 10
cap_percent = 25
"""


def _unzip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            zf.extract(info, dest)
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(dest / info.filename, mode & 0o777)


def _autograder(tmp_path: Path, submission_from: Path | None, created_at: str) -> Path:
    rubric = tmp_path / "course.toml"
    rubric.write_text(RUBRIC)
    archive = tmp_path / "autograder.zip"
    run = CliRunner().invoke(main, ["gradescope-package", "--out", str(archive), "--rubric", str(rubric), *SMALL])
    assert run.exit_code == 0, run.output
    root = tmp_path / "autograder"
    _unzip(archive, root / "source")
    (root / "submission").mkdir(parents=True)
    if submission_from is not None:
        shutil.copytree(
            submission_from, root / "submission" / "Miniproject_2", ignore=shutil.ignore_patterns("__pycache__")
        )
    (root / "submission_metadata.json").write_text(
        json.dumps({"created_at": created_at, "assignment": {"due_date": "2022-05-27T23:59:00.000000+02:00"}})
    )
    return root


def _run(root: Path) -> tuple[subprocess.CompletedProcess, dict]:
    env = {**os.environ, "N2N_AUTOGRADER_ROOT": str(root), "N2N_AUTOGRADER_PYTHON": sys.executable}
    run = subprocess.run(
        [str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True, timeout=600
    )
    return run, json.loads((root / "results" / "results.json").read_text())


def test_the_zip_holds_what_gradescope_runs(tmp_path):
    archive = tmp_path / "a.zip"
    assert CliRunner().invoke(main, ["gradescope-package", "--out", str(archive), "--fast"]).exit_code == 0
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        setup = zf.read("setup.sh").decode()
        config = json.loads(zf.read("gradescope.json"))
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in zf.infolist()}
    assert {"setup.sh", "run_autograder", "rubric.toml", "gradescope.json", "n2n-grade/pyproject.toml"} <= names
    assert "n2n-grade/grader/rubric.toml" in names and "n2n-grade/reference_impl/Miniproject_2/model.py" in names
    assert not [n for n in names if "__pycache__" in n]
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert "torch==2.13.0" in setup and "--index-url https://download.pytorch.org/whl/cpu" in setup
    assert 'grade" data' in setup  # the embedded data is built once, at setup
    assert config["fast"] is True and config["data"] is None


def test_run_autograder_grades_with_visibility_and_lateness(tmp_path):
    root = _autograder(tmp_path, REPO / "reference_impl" / "Miniproject_2", "2022-05-30T01:00:00+02:00")
    run, results = _run(root)
    assert run.returncode == 0, run.stderr[-3000:]
    schema.validate(results, "gradescope")
    assert results["visibility"] == "after_published" and results["stdout_visibility"] == "visible"
    by_id = {t["name"].split(" ")[0]: t for t in results["tests"]}
    assert by_id["model.api"]["visibility"] == "after_due_date"
    assert by_id["rules.static_imports"]["visibility"] == "hidden"
    assert by_id["blocks.Conv2d.forward"]["visibility"] == "after_published"
    late = results["extra_data"]["late"]
    assert late["days"] == 3 and late["penalty_percent"] == 25  # 2 days and 1 hour: 3 started days, capped at 25
    graded = sum(t["score"] for t in results["tests"] if "alternative" not in t["output"])
    assert 0 < results["score"] < graded and "25% off" in results["output"]
    assert "fast mode" in results["output"]


def test_on_time_and_not_gradable(tmp_path):
    root = _autograder(tmp_path, None, "2022-05-27T20:00:00+02:00")  # nothing uploaded
    (root / "submission" / "notes.txt").write_text("oops")
    run, results = _run(root)
    assert run.returncode == 0, run.stderr[-3000:]
    assert results["score"] == 0 and "not gradable" in results["output"]
    assert results["extra_data"]["late"]["days"] == 0
