"""The student workflow: its grade step's command, run as is in a fixture repository."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.ci import workflow_text
from grader.cli import main
from grader.report import schema

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl" / "Miniproject_2"
BIN = str(Path(sys.executable).parent)
SMALL = {
    "N2N_GRADE_NO_TRAIN": "1",
    "N2N_GRADE_TRAIN_PAIRS": "64",
    "N2N_GRADE_VAL_PAIRS": "16",
    "N2N_GRADE_NO_REFERENCE": "1",
    "N2N_GRADE_DEVICE": "cpu",
}


def grade_step_command() -> str:
    """The `run:` of the workflow step with `id: grade`."""
    match = re.search(r"^\s*id: grade\n\s*run: (.+)$", workflow_text(), re.MULTILINE)
    assert match, "the workflow has no step with id: grade followed by run:"
    return match[1].strip()


def test_the_workflow_is_valid_yaml_with_a_grade_step():
    yaml = pytest.importorskip("yaml", reason="pyyaml is not installed")
    flow = yaml.safe_load(workflow_text())
    steps = flow["jobs"]["grade"]["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout"))
    assert checkout["with"]["lfs"] is True
    grade = next(s for s in steps if s.get("id") == "grade")
    assert grade["run"].strip() == grade_step_command()
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    assert set(flow[True] if True in flow else flow["on"]) >= {"push", "pull_request"}  # YAML 1.1 reads on: as True


def test_print_workflow_prints_the_shipped_file():
    result = CliRunner().invoke(main, ["ci", "--print-workflow"])
    assert result.exit_code == 0 and result.output == workflow_text()


@pytest.mark.slow
def test_the_workflow_command_in_a_student_repository(tmp_path):
    repo = tmp_path / "student-repo"
    shutil.copytree(REFERENCE, repo / "Miniproject_2", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    model = repo / "Miniproject_2" / "model.py"
    model.write_text("import numpy\n" + model.read_text())  # a forbidden import at line 1
    summary = tmp_path / "step_summary.md"
    env = {
        **os.environ,
        **SMALL,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "PATH": BIN + os.pathsep + os.environ.get("PATH", ""),
    }
    command = grade_step_command()
    run = subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stdout[-2000:] + run.stderr[-2000:]
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert (
        "::error file=Miniproject_2/model.py,line=1,title=rules.static_imports (required)::forbidden import numpy"
    ) in "\n".join(annotations)
    assert all(re.match(r"^::(error|warning|notice)( [^:]+)?::", line) for line in annotations)
    text = summary.read_text()
    assert text.startswith("## ❌ student-repo") and "| ❌ | `rules.static_imports` \\*" in text
    results = tmp_path / "runner" / "grade-results"  # outside the working tree
    assert sorted(p.name for p in repo.iterdir()) == ["Miniproject_2"]
    checks = json.loads((results / "result.json").read_text())["checks"]
    folder_name = next(c for c in checks if c["id"] == "structure.folder_name")
    assert folder_name["id"] == "structure.folder_name" and folder_name["details"]["not_applicable"]
    suite = ET.parse(results / "junit.xml").getroot().find("testsuite")
    failed = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
    assert "rules.static_imports" in failed
    schema.validate(json.loads((results / "result.json").read_text()), "result")
    assert (results / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_grade_dash_dash_ci_is_grade_ci(monkeypatch, tmp_path):
    calls = []
    import grader.ci.run as ci_run

    monkeypatch.setattr(ci_run, "run_ci", lambda path, options, **kw: calls.append((path, options, kw)) or 1)
    result = CliRunner().invoke(main, ["--ci", str(tmp_path)])
    assert result.exit_code == 1
    ((path, options, kw),) = calls
    assert path == tmp_path and options.fast and kw["out"] == Path("grade-results")
    result = CliRunner().invoke(main, ["--ci", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2 and "one PATH" in result.output


def test_without_github_actions_there_are_no_annotations(monkeypatch, tmp_path):
    from grader.ci import run as ci_run
    from grader.result import Check, Result

    failed = Result("t", checks=[Check("blocks.ReLU.forward", "fail", "wrong", required=True)])
    monkeypatch.setattr(ci_run, "grade_submission", lambda path, options, progress=None: failed)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    result = CliRunner().invoke(
        main, ["ci", str(tmp_path), "--out", str(tmp_path / "o"), "--junit", str(tmp_path / "j.xml")]
    )
    assert result.exit_code == 1 and "::error" not in result.output
    assert ET.parse(tmp_path / "j.xml").getroot().get("failures") == "1"
    result = CliRunner().invoke(main, ["ci", str(tmp_path), "--annotations", "--out", str(tmp_path / "o")])
    assert "::error title=blocks.ReLU.forward (required)::wrong" in result.output
