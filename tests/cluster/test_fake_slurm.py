"""The Slurm path end to end: dask-jobqueue submits worker jobs to a fake sbatch that runs them here."""

from __future__ import annotations

import json
import os
import time
from dataclasses import replace
from pathlib import Path

import torch
from cluster_helpers import alive, judge_starts, make_subs

from grader.batch import run_batch
from grader.cluster import ClusterSpec
from grader.data import N2NData, export_course_data
from grader.grade import load_grading_data

FAKE_SLURM = Path(__file__).resolve().parent / "fake_slurm"


def test_slurm_jobs_grade_the_batch_and_are_cancelled_at_the_end(tmp_path, fake_grader, tiny_options, monkeypatch):
    grade, log = fake_grader
    state = tmp_path / "slurm"
    state.mkdir()
    monkeypatch.setenv("FAKE_SLURM_DIR", str(state))
    monkeypatch.setenv("PATH", f"{FAKE_SLURM}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.chdir(tmp_path)  # the run's certificate goes to a private folder here (a shared filesystem)
    paths = make_subs(tmp_path / "subs", ["team_a", "team_b", "team_c"])
    course = tmp_path / "course"  # the course's data files: sent to each worker, not read from this folder there
    x = torch.randint(0, 256, (24, 3, 32, 32), dtype=torch.uint8)
    export_course_data(N2NData(x, x.flip(0), x[:8], x[8:16]), course)
    options = replace(tiny_options, data_dir=course)
    config = tmp_path / "daemonic.yaml"  # daemonic workers: judges started with exec (the other path than local's)
    config.write_text("distributed:\n  worker:\n    daemon: true\n")
    spec = ClusterSpec("slurm", jobs=2, cores=2, memory="2GB", walltime="00:10:00", queue="cpu", config_file=config)
    report = run_batch(paths, tmp_path / "out", options, jobs=2, grade_fn=grade, timeout=60, cluster=spec)

    assert sorted((o.task.name, o.state) for o in report.outcomes) == [
        ("team_a", "graded"),
        ("team_b", "graded"),
        ("team_c", "graded"),
    ]
    assert judge_starts(log) == {"team_a": 1, "team_b": 1, "team_c": 1}
    jobs = sorted(p.stem for p in state.glob("*.sh"))
    assert len(jobs) == 2  # one job per worker
    script = (state / f"{jobs[0]}.sh").read_text()
    assert "#SBATCH --cpus-per-task=2" in script and "#SBATCH -p cpu" in script and "#SBATCH -t 00:10:00" in script
    assert "--tls-ca-file" in script and "export DASK_DISTRIBUTED__WORKER__DAEMON=True" in script
    for team in ("team_a", "team_b", "team_c"):
        env = json.loads((tmp_path / "out" / team / "result.json").read_text())["environment"]
        assert env["node"]["job_id"] in jobs  # graded inside one of the Slurm jobs
        assert env["node"]["cores"] == min(2, os.cpu_count() or 1)  # SLURM_CPUS_PER_TASK / the job's cores
        assert env["data_id"] == load_grading_data(options, progress=False).data_id
        assert env["data_source"].startswith("course:") and str(course) not in env["data_source"]  # a worker's copy
    deadline = time.monotonic() + 30
    pids = [int((state / f"{job}.pid").read_text()) for job in jobs]
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(alive(p) for p in pids)  # every job ended with the batch
    assert not list(tmp_path.glob(".n2n-grade-tls-*"))  # the run's certificate was removed
