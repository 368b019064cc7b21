"""Grade every sample team with the local pool (-j N) and with `--cluster local --jobs N`; list what differs.

    .venv/bin/python scripts/cluster_verdicts.py [--jobs 2] [TEAM ...]

Teams are graded with their EXPECTED.toml options (sample_expected.GRADING_DEFAULTS and overrides),
grouped by options. Exit status 1 when a verdict differs outside RUN_DEPENDENT (checks that vary from
run to run on a loaded machine in either executor); those differences are listed apart.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

from grader.projects import MP1

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "submissions" / "_build"))

# the epoch's time under the machine's load, and the PSNR after a short training, whose verdict flips
# between runs for teams near its threshold (three runs of the local pool alone: fail, fail, pass for team_mse_sum);
# in each project (whole submissions such as team_syntax_error grade project 1 too)
RUN_DEPENDENT = frozenset(
    check_id for check in ("model.train_time", "model.trained_psnr") for check_id in (check, MP1.check_id(check))
)


def verdicts(report) -> dict[str, dict[str, tuple]]:
    """{team folder name: {check id: (status, score)}} of a batch report."""
    return {o.task.name: {c.id: (c.status, c.score) for c in o.result.checks} for o in report.outcomes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("teams", nargs="*", help="team folder names (default: every team)")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    from sample_expected import grade_options, load_expected, team_dirs

    from grader.batch import run_batch
    from grader.cluster import ClusterSpec

    teams = [d for d in team_dirs() if not args.teams or d.name in args.teams]
    groups = defaultdict(list)
    for team in teams:
        exp = load_expected(team)
        groups[tuple(sorted(exp.grading.items()))].append(exp)
    strict, loose = [], []
    with tempfile.TemporaryDirectory() as out:
        for n, exps in enumerate(groups.values()):
            options, paths = grade_options(exps[0]), [e.target for e in exps]
            pool = verdicts(run_batch(paths, Path(out, f"pool{n}"), options, jobs=args.jobs))
            cluster = verdicts(
                run_batch(
                    paths,
                    Path(out, f"cluster{n}"),
                    options,
                    jobs=args.jobs,
                    cluster=ClusterSpec("local", jobs=args.jobs),
                )
            )
            for exp in exps:
                name = exp.target.name
                a, b = pool.get(name, {}), cluster.get(name, {})
                for check_id in sorted(set(a) | set(b)):
                    if a.get(check_id) != b.get(check_id):
                        row = f"{exp.team}: {check_id}: -j {a.get(check_id)} / cluster {b.get(check_id)}"
                        (loose if check_id in RUN_DEPENDENT else strict).append(row)
    print(f"{len(teams)} teams graded both ways; {len(strict)} difference(s), {len(loose)} in run-dependent checks")
    for row in strict:
        print("DIFF", row)
    for row in loose:
        print("run-dependent", row)
    return 1 if strict else 0


if __name__ == "__main__":
    sys.exit(main())
