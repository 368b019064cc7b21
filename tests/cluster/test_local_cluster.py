"""The batch on a Dask LocalCluster: lost workers, exactly-once writes, TLS, per-node preparation."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
import torch
from cluster_helpers import alive, judge_starts, make_subs

from grader.batch import run_batch
from grader.cluster import ClusterSpec
from grader.data import N2NData
from grader.report import schema


def test_a_lost_worker_costs_one_attempt_then_the_submission_is_recorded_as_node_lost(
    tmp_path, fake_grader, tiny_options, monkeypatch
):
    """victim_* kills its worker on its first start (graded again elsewhere); killer_* kills every worker that
    grades it (recorded as grader.node_lost after two); the rest are graded once. Every result is written once."""
    grade, log = fake_grader
    monkeypatch.setenv("FAKE_GRADER_SECONDS", "1")
    names = ["good_a", "victim_b", "good_c", "killer_d", "good_e"]
    paths = make_subs(tmp_path / "subs", names)
    writes: Counter = Counter()
    progress: list[str] = []

    def write(result, folder, samples):
        writes[folder.name] += 1
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(result.to_json())

    report = run_batch(
        paths,
        tmp_path / "out",
        tiny_options,
        jobs=2,
        grade_fn=grade,
        write=write,
        timeout=120,
        cluster=ClusterSpec("local", jobs=2),
        on_progress=lambda task, m: progress.append(m),
    )
    states = {o.task.name: (o.state, o.result.checks[0].id) for o in report.outcomes}
    assert states == {
        "good_a": ("graded", "structure.layout"),
        "victim_b": ("graded", "structure.layout"),
        "good_c": ("graded", "structure.layout"),
        "killer_d": ("error", "grader.node_lost"),
        "good_e": ("graded", "structure.layout"),
    }
    assert writes == Counter({name: 1 for name in names})  # exactly one write per submission
    assert judge_starts(log) == {"good_a": 1, "victim_b": 2, "good_c": 1, "killer_d": 2, "good_e": 1}
    assert report.exit_code == 2 and report.pending == 0
    lost = json.loads((tmp_path / "out" / "killer_d" / "result.json").read_text())
    schema.validate(lost, "result")
    assert "lost 2 times" in lost["checks"][0]["message"] and lost["environment"]["batch_error"] is True
    graded = json.loads((tmp_path / "out" / "good_a" / "result.json").read_text())
    node = graded["environment"]["node"]
    assert node["host"] and node["cpu"] and node["threads"] >= 1 and node["worker"].startswith("tls://127.0.0.1:")
    assert graded["source"] == str(paths[0])  # the driver's path, not the worker's copy
    assert any("working on good_a" in m for m in progress)


def test_a_client_without_the_run_certificate_cannot_submit(tmp_path):
    from distributed import Client
    from distributed.security import Security

    from grader.cluster.jobs import start_cluster
    from grader.cluster.security import run_security

    spec = ClusterSpec("local", jobs=1)
    security = run_security(spec)
    cluster, client = start_cluster(spec, security)
    try:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")  # TLS, on loopback only
        assert client.submit(sum, [1, 2]).result(timeout=60) == 3  # the run's own client works
        with pytest.raises((OSError, TimeoutError)):
            Client(address.replace("tls://", "tcp://"), timeout=3)  # no TLS at all
        with pytest.raises((OSError, TimeoutError)):
            Client(address, security=Security.temporary(), timeout=3)  # TLS, another certificate
    finally:
        client.close()
        cluster.close()
        security.close()


def test_no_grade_starts_on_a_worker_whose_job_ends_too_soon(tmp_path, fake_grader, tiny_options, monkeypatch):
    grade, log = fake_grader
    monkeypatch.setenv("N2N_GRADE_JOB_END", str(int(time.time()) + 200))  # the workers' job: 200 s left
    paths = make_subs(tmp_path / "subs", ["team_a", "team_b"])
    report = run_batch(
        paths,
        tmp_path / "out",
        tiny_options,
        jobs=2,
        grade_fn=grade,
        timeout=60,  # needs 360 s
        cluster=ClusterSpec("local", jobs=2, wait_seconds=5),
    )
    assert {o.task.name: (o.state, o.result.checks[0].id) for o in report.outcomes} == {
        "team_a": ("error", "grader.node_lost"),
        "team_b": ("error", "grader.node_lost"),
    }
    assert "no worker available" in report.outcomes[0].message
    assert judge_starts(log) == {}  # nothing was started that could not finish


def test_a_node_whose_data_is_not_the_drivers_grades_nothing(tmp_path, fake_grader, tiny_options):
    grade, log = fake_grader
    x = torch.zeros(4, 3, 8, 8, dtype=torch.uint8)
    other = N2NData(x, x, x, x, info={"data_id": "not-the-embedded-data"})
    report = run_batch(
        make_subs(tmp_path / "subs", ["team_a"]),
        tmp_path / "out",
        tiny_options,
        jobs=1,
        grade_fn=grade,
        data=other,
        cluster=ClusterSpec("local", jobs=1),
    )
    outcome = report.outcomes[0]
    assert outcome.state == "error" and "no worker can grade" in outcome.message
    assert "the data built on" in outcome.message and "not-the-embedded-data" in outcome.message
    assert judge_starts(log) == {}


def test_ctrl_c_keeps_finished_results_and_stops_the_running_judges(tmp_path, fake_grader, tiny_options):
    grade, log = fake_grader
    paths = make_subs(tmp_path / "subs", ["good_a", "slow_b"])

    # Ctrl-C once good_a is written and slow_b's judge is grading, whichever comes last. Both callbacks
    # run in the driver's loop: waiting inside one would stop slow_b from ever being sent to a worker.
    seen = {"good_a": False, "slow_b": False}

    def note(name):
        seen[name] = True
        if all(seen.values()):
            raise KeyboardInterrupt

    def on_outcome(outcome):
        note(outcome.task.name)

    def on_progress(task, message):
        if task.name == "slow_b" and (log / "slow_b").exists():
            note("slow_b")

    report = run_batch(
        paths,
        tmp_path / "out",
        tiny_options,
        jobs=2,
        grade_fn=grade,
        on_outcome=on_outcome,
        on_progress=on_progress,
        cluster=ClusterSpec("local", jobs=2),
    )
    assert report.interrupted and report.exit_code == 130 and report.pending == 1
    assert (tmp_path / "out" / "good_a" / "result.json").is_file()
    assert not (tmp_path / "out" / "slow_b").exists()
    judge = int((log / "slow_b").read_text().split()[0])
    deadline = time.monotonic() + 60  # at worst: the worker ends, then its judge server, then the judge with it
    while alive(judge) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(judge)  # the judge grading slow_b was stopped with the batch
