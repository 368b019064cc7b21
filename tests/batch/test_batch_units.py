"""The batch runner's pieces: output names, the up-to-date test, crash / hang / bug isolation, interrupts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.batch import (
    SKIP_KEYS,
    Task,
    error_result,
    expected_environment,
    is_up_to_date,
    output_names,
    run_batch,
    stored_result,
)
from grader.options import GradeOptions
from grader.report import schema
from grader.result import Check, Result

OPTIONS = GradeOptions(fast=True, train=False, measure_reference=False, device="cpu")


def test_output_names_are_unique_and_safe():
    paths = [Path("subs/Proj_1_2.zip"), Path("subs/Proj_1_2"), Path("other/Proj_1_2.ZIP"), Path("a b/t€am!"), Path(".")]
    names = output_names(paths)
    assert names[:3] == ["Proj_1_2", "Proj_1_2-2", "Proj_1_2-3"]
    assert names[3] == "t_am_"
    assert names[4] == Path.cwd().name
    assert len(set(names)) == len(names)


def test_up_to_date_needs_the_same_settings_and_the_same_content(tmp_path, reference_copy, tiny_data):
    team = reference_copy(tmp_path / "Proj_123456_654321")
    from grader.submission import submission_hash

    expected = expected_environment(OPTIONS, tiny_data, "cpu", "digest")
    assert set(expected) == set(SKIP_KEYS)
    stored = Result(
        "Proj_123456_654321", environment={**expected, "submission_hash": submission_hash(team / "Miniproject_2")}
    )
    assert is_up_to_date(stored, expected, team)
    assert not is_up_to_date(stored, {**expected, "n_val": 999}, team)
    assert not is_up_to_date(stored, {**expected, "train": True}, team)
    (team / "Miniproject_2" / "model.py").write_text((team / "Miniproject_2" / "model.py").read_text() + "\n# edit\n")
    assert not is_up_to_date(stored, expected, team)  # the content changed
    assert not is_up_to_date(None, expected, team)
    error = error_result(Task(0, team, "x"), "grader.timeout", "slow", expected)
    assert not is_up_to_date(error, expected, team)  # a failed grade is always retried
    stored.checks = [Check("model.train_time", "error", "the machine was busy")]
    assert not is_up_to_date(stored, expected, team)  # an incomplete one too


def test_incomplete_results_are_listed_for_regrading(tmp_path, fake_grader, tiny_data):
    grade, _ = fake_grader
    subs = tmp_path / "subs"
    for name in ("good_a", "busy_b"):
        (subs / name).mkdir(parents=True)
    report = run_batch(sorted(subs.iterdir()), tmp_path / "out", OPTIONS, jobs=1, data=tiny_data, grade_fn=grade)
    assert [o.task.name for o in report.to_regrade] == ["busy_b"]
    assert report.exit_code == 2


def test_a_stored_result_that_is_not_json_is_ignored(tmp_path):
    (tmp_path / "result.json").write_text("{half")
    assert stored_result(tmp_path) is None


def test_a_crash_a_hang_and_a_grader_bug_cost_one_submission_each(tmp_path, fake_grader, tiny_data, alive):
    grade, log = fake_grader
    subs = tmp_path / "subs"
    for name in ("good_a", "crash_b", "hang_c", "raise_d", "good_e"):
        (subs / name).mkdir(parents=True)
    out = tmp_path / "out"
    seen = []
    report = run_batch(
        sorted(subs.iterdir()), out, OPTIONS, jobs=2, timeout=4, data=tiny_data, grade_fn=grade, on_outcome=seen.append
    )
    states = {o.task.name: (o.state, o.result.checks[0].id) for o in report.outcomes}
    assert states == {
        "good_a": ("graded", "structure.layout"),
        "good_e": ("graded", "structure.layout"),
        "crash_b": ("error", "grader.crashed"),
        "hang_c": ("error", "grader.timeout"),
        "raise_d": ("error", "grader.crashed"),
    }
    assert "exit code 3" in report.outcomes[[o.task.name for o in report.outcomes].index("crash_b")].message
    assert report.exit_code == 2 and len(seen) == 5
    for name in states:  # every submission has a complete, valid result folder
        data = json.loads((out / name / "result.json").read_text())
        schema.validate(data, "result")
    raised = json.loads((out / "raise_d" / "result.json").read_text())
    assert "RuntimeError: grader bug on raise_d" in raised["checks"][0]["message"]
    assert raised["environment"]["batch_error"] is True
    hung_pid = int((log / "hang_c").read_text())
    assert not alive(hung_pid)  # the judge that hung was stopped


def test_skipped_submissions_are_not_regraded(tmp_path, fake_grader, tiny_data):
    grade, log = fake_grader
    sub = tmp_path / "subs" / "good_a"
    sub.mkdir(parents=True)
    out = tmp_path / "out"
    (out / "good_a").mkdir(parents=True)
    stale = Result("good_a", environment={"grader_version": "0.0.0"})
    (out / "good_a" / "result.json").write_text(stale.to_json())
    report = run_batch([sub], out, OPTIONS, data=tiny_data, grade_fn=grade)
    assert [o.state for o in report.outcomes] == ["graded"]  # stale settings: graded again
    assert stored_result(out / "good_a").score == 1.0


INTERRUPTED = """
import sys
from pathlib import Path
from grader.batch import run_batch
from grader.options import GradeOptions
import fake_grader, torch
from grader.data import N2NData

if __name__ == "__main__":
    # as in a terminal: a test run started in the background (`make test &`) inherits SIGINT ignored
    import signal
    signal.signal(signal.SIGINT, signal.default_int_handler)
    x = torch.zeros(4, 3, 8, 8, dtype=torch.uint8)
    data = N2NData(x, x, x[:2], x[:2], info={"data_id": "tiny"})
    subs = sorted(Path(sys.argv[1]).iterdir())
    report = run_batch(subs, sys.argv[2], GradeOptions(train=False, measure_reference=False, device="cpu"),
                       jobs=2, data=data, grade_fn=fake_grader.grade,
                       on_outcome=lambda o: print("done", o.task.name, flush=True))
    print("interrupted", report.interrupted, report.pending, flush=True)
    sys.exit(report.exit_code)
"""


def test_ctrl_c_keeps_finished_results_and_stops_the_judges(tmp_path, fake_grader, alive):
    grade, log = fake_grader
    subs = tmp_path / "subs"
    for name in ("good_a", "slow_b", "slow_c"):
        (subs / name).mkdir(parents=True)
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path / "fake_module"), *sys.path])}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(subs), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 240  # a wait, not a timing: starting Python + torch took over 60 s at load 16
    while time.monotonic() < deadline and not (
        (out / "good_a" / "result.json").is_file() and (log / "slow_b").is_file()
    ):
        time.sleep(0.2)
    assert (out / "good_a" / "result.json").is_file(), proc.stderr.read() if proc.poll() is not None else ""
    while time.monotonic() < deadline and not ((log / "slow_c").is_file() or (log / "slow_b").is_file()):
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    try:  # judges get STOP_GRACE_SECONDS (15 s) each, in parallel, then SIGKILL: far below this on any load
        stdout, stderr = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        stdout, stderr = proc.communicate()
        pytest.fail(f"the interrupted batch did not end within 120 s\nstdout: {stdout}\nstderr: {stderr[-3000:]}")
    assert proc.returncode == 130, stderr
    assert "done good_a" in stdout and "interrupted True" in stdout
    assert not (out / "slow_b" / "result.json").exists() and not (out / "slow_c" / "result.json").exists()
    assert not list(out.rglob("*.tmp"))  # no half-written file
    judges = [int((log / n).read_text()) for n in ("good_a", "slow_b", "slow_c") if (log / n).is_file()]
    assert judges and not any(alive(pid) for pid in judges)


def test_predictions_offered_by_the_grader_become_the_picture_grid(tmp_path, fake_grader_with_pictures, tiny_data):
    grade, _ = fake_grader_with_pictures
    sub = tmp_path / "subs" / "good_pics"
    sub.mkdir(parents=True)
    report = run_batch([sub], tmp_path / "out", OPTIONS, data=tiny_data, grade_fn=grade)
    assert [o.state for o in report.outcomes] == ["graded"]
    page = (tmp_path / "out" / "good_pics" / "report.html").read_text()
    assert "Validation images (pretrained model)" in page and page.count("data:image/png;base64,") == 2


def test_parallel_timed_epochs_carry_a_contention_note(monkeypatch):
    from dataclasses import replace

    from grader.batch import annotate, contention_warning, share_cores
    from grader.sandbox.supervisor import SandboxSettings

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    timed = replace(OPTIONS, train=True, sandbox=SandboxSettings(threads=2))
    # two grades at once on two cores: each worker gets one thread, so no contention
    assert share_cores(timed, 2).sandbox.threads == 1 and contention_warning(timed, 2) == ""
    assert contention_warning(timed, 1) == "" and contention_warning(OPTIONS, 2) == ""
    assert "model.train_time may fail" in contention_warning(timed, 3)  # 3 grades on 2 cores
    pinned = replace(timed, sandbox=SandboxSettings(threads=3))  # threads chosen explicitly are kept
    assert share_cores(pinned, 2).sandbox.threads == 3 and contention_warning(pinned, 2)
    # noted even when the epoch did not finish (the case where it matters most)
    result = Result("t", checks=[Check("model.train_time", "fail", "did not finish within the budget")])
    assert any("3 at a time" in n for n in annotate(result, timed, 3).notes)
    assert not annotate(Result("t"), timed, 3).notes  # no timed epoch, no note
