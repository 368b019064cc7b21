"""`--cluster local --jobs 2` gives the verdicts of `-j 2` on a few fast sample teams (scripts/cluster_verdicts.py
compares the whole set)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.batch import run_batch
from grader.cluster import ClusterSpec

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "submissions" / "_build"), str(REPO / "scripts")]
from cluster_verdicts import RUN_DEPENDENT  # noqa: E402
from cluster_verdicts import verdicts as all_verdicts  # noqa: E402
from sample_expected import grade_options, load_expected, mismatches  # noqa: E402

TEAMS = ["team_x", "team_mse_sum", "team_syntax_error"]


def verdicts(report) -> dict[str, dict[str, tuple]]:
    return {
        team: {k: v for k, v in checks.items() if k not in RUN_DEPENDENT}
        for team, checks in all_verdicts(report).items()
    }


@pytest.mark.slow
def test_a_local_cluster_gives_the_verdicts_of_the_local_pool(tmp_path):
    expected = [load_expected(REPO / "submissions" / team) for team in TEAMS]
    assert all(not e.options for e in expected)  # one set of grading options for all three
    options = grade_options(expected[0])
    paths = [e.target for e in expected]
    pool = run_batch(paths, tmp_path / "pool", options, jobs=2)
    cluster = run_batch(paths, tmp_path / "cluster", options, jobs=2, cluster=ClusterSpec("local", jobs=2))
    assert {o.state for o in pool.outcomes} == {o.state for o in cluster.outcomes} == {"graded"}
    assert verdicts(cluster) == verdicts(pool)
    assert all(len(checks) > 40 for checks in verdicts(pool).values())
    for exp in expected:
        result = next(o.result for o in cluster.outcomes if o.task.path == exp.target)
        assert not mismatches(exp, result), (exp.team, mismatches(exp, result))
    again = run_batch(paths, tmp_path / "cluster", options, jobs=2, cluster=ClusterSpec("local", jobs=2))
    assert [o.state for o in again.outcomes] == ["skipped"] * 3  # resume: up to date, whatever node graded them


@pytest.mark.slow
def test_the_grade_command_grades_on_a_local_cluster(tmp_path):
    import subprocess

    team = load_expected(REPO / "submissions" / "team_syntax_error")
    grade = Path(sys.executable).with_name("grade")
    run = subprocess.run(
        [
            str(grade),
            str(team.target),
            "--out",
            str(tmp_path / "out"),
            "--cluster",
            "local",
            "--jobs",
            "1",
            "--fast",
            "--no-train",
            "--no-reference",
            "--val-pairs",
            "8",
            "--threads",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 1, run.stderr  # graded: a required check failed
    assert "1 graded (0 passed, 1 failed a required check)" in run.stderr
    assert "1 worker(s) on cluster local" in run.stderr and "TLS" in run.stderr
    assert (tmp_path / "out" / team.target.name / "report.html").is_file()  # the driver wrote every view
