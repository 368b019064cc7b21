"""`grade PATH`: exit codes (0 pass, 1 a required check failed, 2 could not run) and outputs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from grader.cli import main

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl"
SMALL = ["--fast", "--no-train", "--train-pairs", "50", "--val-pairs", "20", "--no-reference"]


def test_a_missing_path_cannot_be_graded(tmp_path):
    result = CliRunner().invoke(main, [str(tmp_path / "nope"), *SMALL])
    assert result.exit_code == 2
    assert "no such file or folder" in result.output


def test_a_bad_rubric_cannot_be_graded(tmp_path):
    rubric = tmp_path / "r.toml"
    rubric.write_text("not toml [")
    result = CliRunner().invoke(main, [str(REFERENCE), "--rubric", str(rubric), *SMALL])
    assert result.exit_code == 2
    assert "not valid TOML" in result.output


def test_a_folder_without_a_submission_is_graded_zero(tmp_path):
    (tmp_path / "empty_team").mkdir()
    result = CliRunner().invoke(main, [str(tmp_path / "empty_team"), "--json", *SMALL])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["score"] == 0 and data["checks"][0]["id"] == "structure.layout"
    assert data["checks"][0]["status"] == "fail"


def test_json_and_out_folder(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [str(REFERENCE), "--json", "--out", str(out), "--threads", "1", *SMALL])
    data = json.loads(result.stdout)
    assert data["protections"]["threads"] == 1 == data["environment"]["threads"]  # --threads reached the worker
    written = json.loads((out / data["submission"] / "result.json").read_text())
    assert written["checks"] == data["checks"]
    # the reference fails no required check, except a missing bestmodel.pth while it is being trained
    failed = [c["id"] for c in data["checks"] if c["required"] and c["status"] in ("fail", "error")]
    assert failed == [] and result.exit_code == 0


def test_subcommand_help_and_checks_listing():
    runner = CliRunner()
    assert runner.invoke(main, ["--help"]).exit_code == 0
    listing = runner.invoke(main, ["checks"])
    assert listing.exit_code == 0 and "blocks.Conv2d.backward_weight" in listing.output


def test_an_incomplete_result_exits_2_and_says_regrade(monkeypatch):
    """A check in error (the grader's or the machine's failure) is no verdict: exit 2, regrade (issue 14 item 7)."""
    from grader.cli import grade_cmd
    from grader.result import Check, Result
    from grader.scoring import load_rubric, score

    def grade(path, options, **kwargs):
        checks = [Check("model.api", "pass"), Check("model.train_time", "error", "the machine was busy")]
        return score(Result("Proj_123456_654321", checks=checks), load_rubric())

    monkeypatch.setattr(grade_cmd, "grade_submission", grade)
    monkeypatch.setattr(grade_cmd, "load_grading_data", lambda options: None)
    result = CliRunner().invoke(main, [str(REFERENCE), *SMALL])
    assert result.exit_code == 2
    assert "incomplete: regrade" in result.output and "Score: 3 / 3" in result.output
