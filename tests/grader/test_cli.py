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


def _bad_inputs(tmp_path: Path) -> dict[str, Path]:
    """An empty folder, a text file named .zip, and a folder with two Miniproject_2 folders."""
    (tmp_path / "empty_team").mkdir()
    (tmp_path / "x.zip").write_text("not a zip\n")
    for team in ("a", "b"):
        (tmp_path / "two" / team / "Miniproject_2").mkdir(parents=True)
        (tmp_path / "two" / team / "Miniproject_2" / "model.py").write_text("")
    return {"empty": tmp_path / "empty_team", "zip": tmp_path / "x.zip", "two": tmp_path / "two"}


def test_bad_input_is_not_gradable_exit_2_one_message(tmp_path):
    """Bad input is refused, never scored (issue 14 item 2): one message, the candidates, what to give instead."""
    paths = _bad_inputs(tmp_path)
    expected = {
        "empty": ["it is empty", "give the team's Proj_... folder"],
        "zip": ["not a readable zip archive", "give the team's Proj_... folder"],
        "two": [str(paths["two"] / "a" / "Miniproject_2"), str(paths["two"] / "b" / "Miniproject_2"), "Candidates"],
    }
    for name, path in paths.items():
        result = CliRunner().invoke(main, [str(path), *SMALL], env={"COLUMNS": "250"})  # long tmp paths
        assert result.exit_code == 2, (name, result.output)
        assert result.stdout == ""  # nothing on stdout: no table, no score
        said = " ".join(result.stderr.split())  # the message is wrapped to the terminal's width
        assert said.startswith("grade: not gradable: ") and "Score" not in said
        assert len(result.stderr.splitlines()) < 10, result.stderr
        for text in expected[name]:
            assert text in said, (name, text, said)


def test_bad_input_as_json_says_not_gradable(tmp_path):
    result = CliRunner().invoke(main, [str(_bad_inputs(tmp_path)["two"]), "--json", *SMALL])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert [c["id"] for c in data["checks"]] == ["structure.layout"]
    layout = data["checks"][0]
    assert layout["details"]["not_gradable"] and len(layout["details"]["candidates"]) == 2
    assert data["max_score"] == 0


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


def test_grade_help_shows_the_grading_options():
    """Issue 14 item 12: `grade --help` lists what `grade PATH` takes, not only the subcommands."""
    text = CliRunner().invoke(main, ["--help"]).output
    assert "Grading options (grade PATH... [options])" in text
    for option in ("--fast", "--out", "--json", "--rubric", "--data", "--jobs"):
        assert option in text


def test_grade_ci_fast_means_the_default_and_fast_with_full_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["ci", str(tmp_path), "--fast", "--full"])
    assert result.exit_code == 2 and "contradict" in result.output
