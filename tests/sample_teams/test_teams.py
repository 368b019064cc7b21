"""Every sample team in submissions/ gets the verdicts its EXPECTED.toml states, and leaves nothing behind.

One test per team (pytest-xdist spreads them): grade it with the options of
sample_expected.GRADING_DEFAULTS, compare each expectation, then check that no process
survived and that no file outside the grader's temporary folders changed.
team_x, the README's first example, is graded through the `grade` command.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

import isolation
import pytest
from known_bugs import KNOWN_BUGS
from sample_expected import cli_arguments, grade_options, load_expected, mismatches, team_dirs

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "n2n-grade"
STATS_PORT = 47631  # team_network phones home to 127.0.0.1 on this port
CLI_TEAMS = {"team_x"}

TEAMS = team_dirs()


def _cache_ignored(rel: str) -> bool:
    """Files the grader itself may add to its cache while other tests run: reference timings, data sets."""
    first = rel.split(os.sep, 1)[0]
    return first.startswith("reference-measurements") or first.startswith("embedded-") or first.endswith(".tmp")


def _concurrent_edit(rel: str) -> bool:
    """A change that developers editing the repository while the suite runs can explain.

    submissions/ and the top-level files must not change at all; elsewhere
    (grader/, tests/, reference_impl/, ...) a change counts only when the file
    is owned by a sandbox uid or holds the hostile teams' canary text.
    """
    parts = Path(rel).parts
    if parts[0] == "submissions" or len(parts) == 1:
        return False
    return not isolation.looks_written_by_a_submission(REPO / rel)


@contextmanager
def stats_server():
    """Listens where team_network phones home; yields the list of what arrived."""
    received: list[bytes] = []
    try:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", STATS_PORT))
        server.listen()
        server.settimeout(0.2)
    except OSError:  # the port is taken: the check below cannot be made
        yield None
        return
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                try:
                    received.append(conn.recv(4096) or b"(connected)")
                except OSError:
                    received.append(b"(connected)")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        stop.set()
        thread.join(2)
        server.close()


def _grade_api(exp, data):
    from grader.grade import grade_submission

    options = grade_options(exp)
    n_train, n_val = options.sizes(len(data.train_input), len(data.val_input))
    return grade_submission(exp.target, options, data=data.subset(n_train, n_val))


def _grade_cli(exp, tmp_path):
    """`grade PATH --json` in a child pinned to one CPU (so the sandbox uses one thread, as in _grade_api)."""
    from grader.result import Result

    cpu = sorted(os.sched_getaffinity(0))[hash(exp.team) % len(os.sched_getaffinity(0))]
    cmd = [
        str(Path(sys.executable).with_name("grade")),
        str(exp.target),
        *cli_arguments(exp),
        "--json",
        "--out",
        str(tmp_path / "out"),
    ]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, preexec_fn=lambda: os.sched_setaffinity(0, {cpu})
    )
    assert proc.returncode in (0, 1), f"grade exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    result = Result.from_dict(json.loads(proc.stdout))
    saved = list((tmp_path / "out").glob("*/result.json"))
    assert len(saved) == 1, f"--out wrote {saved}"
    return result, proc.returncode


@pytest.mark.parametrize("team_dir", TEAMS, ids=[t.name for t in TEAMS])
def test_team_verdicts(team_dir, grading_data, tmp_path):
    exp = load_expected(team_dir)
    assert exp.target.exists(), f"{exp.target} does not exist: run submissions/_build/build.py"
    repo_before = isolation.snapshot(REPO)
    cache_before = isolation.snapshot(CACHE)
    home_before = {p.name for p in Path.home().iterdir()}
    canaries_before = isolation.canaries()
    started = isolation.clock_ticks_now()

    with stats_server() as received:
        try:
            if exp.team in CLI_TEAMS:
                result, code = _grade_cli(exp, tmp_path)
                assert code == (0 if result.passed_required else 1), "the exit code disagrees with the result"
            else:
                result = _grade_api(exp, grading_data)
        except Exception:
            if (exp.team, "crash") in KNOWN_BUGS:
                pytest.xfail(f"known grader bug: {KNOWN_BUGS[(exp.team, 'crash')]}")
            raise
    if (exp.team, "crash") in KNOWN_BUGS:
        pytest.fail(f"{exp.team}: the grader no longer crashes: remove its 'crash' entry from known_bugs.py")

    # nothing left running, nothing written outside the grader's own temporary folders
    leftovers = isolation.wait_for_no_leftovers(started)
    assert not leftovers, f"{exp.team}: processes survived the grading:\n" + "\n".join(leftovers)
    repo_changes = isolation.changes(repo_before, isolation.snapshot(REPO), ignore=_concurrent_edit)
    assert not repo_changes, f"{exp.team}: the repository changed during grading: {repo_changes}"
    cache_changes = isolation.changes(cache_before, isolation.snapshot(CACHE), ignore=_cache_ignored)
    assert not cache_changes, f"{exp.team}: the grader's cache changed: {cache_changes}"
    new_canaries = sorted(set(isolation.canaries()) - set(canaries_before))
    assert not new_canaries, f"{exp.team}: files written outside the sandbox: {new_canaries}"
    new_home = sorted({p.name for p in Path.home().iterdir()} - home_before)
    assert not [n for n in new_home if "n2n" in n], f"{exp.team}: new files in the home folder: {new_home}"
    if received is not None and result.protections.get("network_isolated"):
        assert not received, f"{exp.team}: reached a server on the judge's loopback: {received}"

    # the verdicts
    problems = mismatches(exp, result)
    known = {m.key: KNOWN_BUGS[(exp.team, m.key)] for m in problems if (exp.team, m.key) in KNOWN_BUGS}
    unexpected = [m for m in problems if m.key not in known]
    fixed = [key for (team, key) in KNOWN_BUGS if team == exp.team and key not in {m.key for m in problems}]
    assert not unexpected, f"{exp.team} ({exp.summary}):\n  " + "\n  ".join(map(str, unexpected))
    assert not fixed, f"{exp.team}: known grader bug(s) fixed: remove {fixed} from tests/sample_teams/known_bugs.py"
    if known:
        pytest.xfail("known grader bug(s): " + "; ".join(f"{k}: {v}" for k, v in known.items()))
