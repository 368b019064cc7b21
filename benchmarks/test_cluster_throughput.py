"""Throughput of the batch on a Dask LocalCluster: 2 workers vs 1, and 2 workers vs the plain local pool (-j 2).

Run: python -m pytest benchmarks/test_cluster_throughput.py --benchmark-only -p no:xdist -s
     (N2N_BENCH_TEAMS copies of team_x, default 6; N2N_BENCH_TRAIN_PAIRS pairs in the timed epoch, default 2000)

Each batch is run once (a batch is minutes long), in this one process, on the same copies of a sample
team, every grade with one sandbox thread. The ratios are printed and checked against the targets of
issue 12: 2 workers grade >= 1.8x as many submissions per second as 1, and the cluster's wall time is
<= 1.10x the local pool's. The pool's own -j 2 vs -j 1 ratio is printed beside them (not checked): what
this machine allows two grades at once. Meaningful only on a machine with 2 idle cores (`uptime` load < 0.5).
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "submissions" / "_build"))

TEAMS = int(os.environ.get("N2N_BENCH_TEAMS", "6"))
TRAIN_PAIRS = int(os.environ.get("N2N_BENCH_TRAIN_PAIRS", "2000"))
WALLS: dict[str, float] = {}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """(paths, options): TEAMS copies of team_x and the sample teams' grading options with a longer epoch."""
    pytest.importorskip("distributed")
    from sample_expected import grade_options, load_expected

    from grader.grade import load_grading_data

    exp = load_expected(REPO / "submissions" / "team_x")
    options = replace(grade_options(exp), n_train=TRAIN_PAIRS, n_val=64)
    load_grading_data(options, progress=False)  # the data cache is built before any timing
    WALLS["load at start"] = os.getloadavg()[0]
    root = tmp_path_factory.mktemp("teams")
    paths = []
    for i in range(TEAMS):
        dest = root / f"team_{i:02d}"
        shutil.copytree(exp.target, dest / exp.target.name)
        paths.append(dest / exp.target.name)
    return paths, options


def _bench(benchmark, name: str, batch, tmp_path, jobs: int, cluster: bool) -> None:
    """Grade the batch once, timed by pytest-benchmark and kept in WALLS[name]."""
    from grader.batch import run_batch
    from grader.cluster import ClusterSpec

    paths, options = batch

    def run():
        started = time.monotonic()
        spec = ClusterSpec("local", jobs=jobs) if cluster else None
        report = run_batch(paths, tmp_path / name, options, force=True, jobs=jobs, cluster=spec)
        WALLS[name] = time.monotonic() - started
        assert [o.state for o in report.outcomes] == ["graded"] * len(paths)

    benchmark.pedantic(run, rounds=1, iterations=1)


@pytest.mark.benchmark(group="class batch (wall seconds, one round)")
def test_local_pool_two_judges(benchmark, batch, tmp_path):
    _bench(benchmark, "pool-j2", batch, tmp_path, jobs=2, cluster=False)


@pytest.mark.benchmark(group="class batch (wall seconds, one round)")
def test_local_cluster_two_workers(benchmark, batch, tmp_path):
    _bench(benchmark, "cluster-2", batch, tmp_path, jobs=2, cluster=True)


@pytest.mark.benchmark(group="class batch (wall seconds, one round)")
def test_local_pool_one_judge(benchmark, batch, tmp_path):
    _bench(benchmark, "pool-j1", batch, tmp_path, jobs=1, cluster=False)


@pytest.mark.benchmark(group="class batch (wall seconds, one round)")
def test_local_cluster_one_worker_and_the_ratios(benchmark, batch, tmp_path):
    _bench(benchmark, "cluster-1", batch, tmp_path, jobs=1, cluster=True)
    if {"pool-j2", "cluster-2"} - set(WALLS):
        pytest.skip("run the whole module: the ratios need the other two batches")
    speedup = WALLS["cluster-1"] / WALLS["cluster-2"]
    overhead = WALLS["cluster-2"] / WALLS["pool-j2"]
    pool_j1 = WALLS.get("pool-j1", float("nan"))  # the pool's own 2-vs-1 ratio: what two grades at once get here
    print(
        f"\n{TEAMS} copies of team_x, {TRAIN_PAIRS} training pairs, 1 sandbox thread each, load average "
        f"{WALLS['load at start']:.2f} at the start, {os.getloadavg()[0]:.2f} at the end: pool -j 2 "
        f"{WALLS['pool-j2']:.1f} s, -j 1 {pool_j1:.1f} s, cluster 2 workers "
        f"{WALLS['cluster-2']:.1f} s, 1 worker {WALLS['cluster-1']:.1f} s; 2 vs 1 worker throughput {speedup:.2f}x "
        f"(target >= 1.8; the pool's -j 2 vs -j 1: {pool_j1 / WALLS['pool-j2']:.2f}x); cluster / pool wall time "
        f"{overhead:.3f} (target <= 1.10)"
    )
    assert speedup >= 1.8
    assert overhead <= 1.10
