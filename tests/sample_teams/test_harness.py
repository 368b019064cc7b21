"""The team tests' own machinery can fail: expectations that are not met, a process left running, a file
written are all reported (fast, no grading)."""

from __future__ import annotations

import subprocess
import sys
import time

import isolation
import pytest
from sample_expected import ExpectedError, load_expected, mismatches

from grader.result import Check, Result

EXPECTED = """summary = "demo"
path = "Proj_123456_654321"
exit_code = 1
score_min = 10.0
score_max = 20.0
pretrained_psnr_max = 30.0

[expect]
"blocks.SGD.step" = "fail"
"model.api" = "pass"

[contains]
"blocks.SGD.step" = "up the gradient"
"""


def _result(
    step_status="fail",
    step_message="p + lr·g: the step goes up the gradient",
    score=15.0,
    psnr=22.0,
    required_fail=True,
):
    checks = [
        Check("blocks.SGD.step", step_status, step_message, required=required_fail),
        Check("model.api", "pass", "ok", required=True),
    ]
    return Result(submission="demo", score=score, max_score=100.0, checks=checks, psnr={"pretrained": psnr})


@pytest.fixture
def expected(tmp_path):
    (tmp_path / "EXPECTED.toml").write_text(EXPECTED)
    return load_expected(tmp_path)


def test_a_result_as_expected_has_no_mismatch(expected):
    assert mismatches(expected, _result()) == []


@pytest.mark.parametrize(
    "result, key",
    [
        (_result(step_status="warn"), "blocks.SGD.step"),
        (_result(step_message="wrong"), "blocks.SGD.step message"),
        (_result(required_fail=False), "exit_code"),
        (_result(score=25.0), "score"),
        (_result(score=5.0), "score"),
        (_result(psnr=48.0), "pretrained_psnr"),
    ],
)
def test_each_broken_expectation_is_reported(expected, result, key):
    assert key in [m.key for m in mismatches(expected, result)]


def test_project_scores_and_project_1_psnr_are_checked(tmp_path):
    (tmp_path / "EXPECTED.toml").write_text(EXPECTED + '\n[project_scores]\n"1" = [85, 100]\n"2" = [0, 20]\n')
    expected = load_expected(tmp_path)
    result = _result()
    result.projects = {
        "1": {"score": 90.0, "max_score": 100.0, "psnr": {"pretrained": 24.0}},
        "2": {"score": 15.0, "max_score": 100.0},
    }
    assert mismatches(expected, result) == []
    result.projects["1"].update(score=60.0, psnr={"pretrained": 80.0})
    del result.projects["2"]["score"]
    keys = [m.key for m in mismatches(expected, result)]
    assert keys == ["project 1 score", "project 2 score", "pretrained_psnr (project 1)"]


def test_project_scores_must_be_ranges_of_a_project(tmp_path):
    (tmp_path / "EXPECTED.toml").write_text(EXPECTED + '\n[project_scores]\n"3" = [0, 20]\n')
    with pytest.raises(ExpectedError, match="project_scores"):
        load_expected(tmp_path)


def test_a_missing_check_is_reported(expected):
    result = _result()
    result.checks = [c for c in result.checks if c.id != "model.api"]
    assert [m.key for m in mismatches(expected, result)] == ["model.api"]


def test_bad_expected_files_name_the_file(tmp_path):
    (tmp_path / "EXPECTED.toml").write_text(EXPECTED.replace('"fail"', '"failed"'))
    with pytest.raises(ExpectedError, match="EXPECTED.toml"):
        load_expected(tmp_path)


def test_a_child_left_running_is_found():
    since = isolation.clock_ticks_now()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        found = isolation.leftover_processes(since)
        assert any(f"pid {child.pid} " in line for line in found)
    finally:
        child.kill()
        child.wait()
    assert not any(f"pid {child.pid} " in line for line in isolation.leftover_processes(since))


def test_a_written_file_is_found(tmp_path):
    (tmp_path / "a.txt").write_text("one")
    before = isolation.snapshot(tmp_path)
    time.sleep(0.01)
    (tmp_path / "a.txt").write_text("two")
    (tmp_path / "b.txt").write_text(f"{isolation.CANARY}")
    assert isolation.changes(before, isolation.snapshot(tmp_path)) == ["changed a.txt", "added b.txt"]
    assert isolation.looks_written_by_a_submission(tmp_path / "b.txt")
    assert not isolation.looks_written_by_a_submission(tmp_path / "a.txt")
