"""What a grading must leave behind: no process, no changed file (helpers for test_teams.py)."""

from __future__ import annotations

import glob
import hashlib
import os
import time
from pathlib import Path

WORKER_UIDS = range(61000, 65000)  # the uids the sandbox gives its workers (grader/sandbox/supervisor.py)
SKIP_DIRS = {
    ".venv",
    ".git",
    "__pycache__",
    ".pytest_cache",
    ".benchmarks",
    "node_modules",
    ".mypy_cache",
    ".ruff_cache",
}
HASH_LIMIT = 8 * 2**20
CANARY = "n2n_pwned"  # hostile teams put this in the name of every file they try to write
CANARY_PLACES = ["/tmp", "/var/tmp", "/dev/shm", "/", str(Path.home())]


# ------------------------------------------------------------------ processes


def _stat(pid: int) -> tuple[int, str, int] | None:
    """(ppid, state, start time in clock ticks) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0], int(fields[19])


def _uid(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _table() -> dict[int, tuple[int, str, int]]:
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            info = _stat(int(entry))
            if info is not None:
                table[int(entry)] = info
    return table


def clock_ticks_now() -> int:
    """The current time in the unit of /proc/<pid>/stat's start time."""
    return int(float(Path("/proc/uptime").read_text().split()[0]) * os.sysconf("SC_CLK_TCK"))


def _ancestors(pid: int, table) -> list[int]:
    """Parent, grandparent, ... up to init (or a process that is gone)."""
    chain = []
    while pid > 1 and pid not in chain:
        info = table.get(pid) or _stat(pid)  # a process started while the table was read is looked up live
        if info is None:
            break
        pid = info[0]
        chain.append(pid)
    return chain


def leftover_processes(since_ticks: int, *, me: int | None = None) -> list[str]:
    """Running processes a grading left behind, described.

    Two kinds: descendants of this process started since `since_ticks` (the
    judge is a subreaper, so the orphans of its workers come back to it), and processes with a sandbox uid,
    started since `since_ticks`, that were reparented to init (orphans that
    escaped the judge; other workers of the same pytest-xdist run, and other
    programs' graders, still have their parents). Zombies are not running and
    are left out.
    """
    me = me or os.getpid()
    session = os.getppid()
    table = _table()
    found = []
    for pid, (_ppid, state, start) in table.items():
        if pid == me or state in ("Z", "X"):
            continue
        chain = _ancestors(pid, table)
        if me in chain:
            # started by this grading (a multiprocessing helper an earlier test of this process left
            # running, like its resource tracker, is not the grading's)
            if start >= since_ticks:
                found.append(f"pid {pid} (child of the test) {_cmdline(pid)[:120]!r}")
            continue
        uid = _uid(pid)
        orphan = bool(chain) and chain[-1] == 1  # reparented to init (a parent that just exited: look again)
        if uid in WORKER_UIDS and start >= since_ticks and orphan and session not in chain:
            found.append(
                f"pid {pid} (uid {uid}, parents {chain}; this test: {me} under {session}) {_cmdline(pid)[:120]!r}"
            )
    return found


def wait_for_no_leftovers(since_ticks: int, timeout: float = 5.0) -> list[str]:
    """leftover_processes, given a few seconds for killed processes to disappear."""
    deadline = time.monotonic() + timeout
    while True:
        found = leftover_processes(since_ticks)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


# ------------------------------------------------------------------ files


def snapshot(root: Path, *, skip_names=SKIP_DIRS) -> dict[str, tuple]:
    """path -> (size, mtime_ns, sha256, owner uid) for every file under root (sha256 up to HASH_LIMIT bytes)."""
    out = {}
    root = Path(root)
    if not root.exists():
        return out
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip_names and not d.endswith(".egg-info")]
        for name in files:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
                digest = None
                if st.st_size <= HASH_LIMIT and os.path.isfile(path) and not os.path.islink(path):
                    with open(path, "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
            except OSError:
                continue
            out[os.path.relpath(path, root)] = (st.st_size, st.st_mtime_ns, digest, st.st_uid)
    return out


def looks_written_by_a_submission(path: Path) -> bool:
    """True for a file owned by a sandbox uid or holding the hostile teams' canary text."""
    try:
        if os.lstat(path).st_uid in WORKER_UIDS:
            return True
        with open(path, "rb") as fh:
            return CANARY.encode() in fh.read(HASH_LIMIT)
    except OSError:
        return False


def changes(before: dict, after: dict, *, ignore=lambda rel: False) -> list[str]:
    """Files added, removed or changed between two snapshots."""
    out = []
    for rel in sorted(set(before) | set(after)):
        if ignore(rel):
            continue
        if rel not in before:
            out.append(f"added {rel}")
        elif rel not in after:
            out.append(f"removed {rel}")
        elif before[rel] != after[rel]:
            out.append(f"changed {rel}")
    return out


def canaries() -> list[str]:
    """Files named like the hostile teams' writes, in the usual places outside the repository."""
    found = []
    for place in CANARY_PLACES:
        found += glob.glob(os.path.join(place, f"*{CANARY}*"))
        found += (
            glob.glob(os.path.join(place, ".cache", "**", f"*{CANARY}*"), recursive=True)
            if place == str(Path.home())
            else []
        )
    return sorted(set(found))
