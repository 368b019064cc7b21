"""Finding and killing every process a worker left behind (judge side, Linux /proc).

A worker runs in its own session; student code may fork, change its process
group, call setsid or double-fork to escape. We find its processes by four
marks: the worker's session id, descent from the worker, the worker's
dedicated uid (when the judge runs as root), and orphans re-parented to the
judge (which makes itself a child subreaper for that purpose).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36
_subreaper_set = False


def become_subreaper() -> bool:
    """Make orphans of our descendants re-parent to this process (Linux only)."""
    global _subreaper_set
    if _subreaper_set or not sys.platform.startswith("linux"):
        return _subreaper_set
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        _subreaper_set = libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except OSError:
        _subreaper_set = False
    return _subreaper_set


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, pgid, sid) of a process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    fields = data[data.rfind(b")") + 2:].split()
    return int(fields[1]), int(fields[2]), int(fields[3])


def _uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("Uid:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _all_pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def worker_processes(worker_pid: int, *, uid: int | None = None) -> set[int]:
    """Every live process belonging to the worker `worker_pid` (the worker included)."""
    me = os.getpid()
    table = {pid: st for pid in _all_pids() if (st := _stat(pid)) is not None}
    found = {pid for pid, (ppid, pgid, sid) in table.items()
             if pid != me and (sid == worker_pid or pgid == worker_pid)}
    if uid is not None:
        found |= {pid for pid in table if pid != me and _uid(pid) == uid}
    # descendants of anything found so far
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _pgid, _sid) in table.items():
            if pid not in found and ppid in found and pid != me:
                found.add(pid)
                changed = True
    return {pid for pid in found if pid in table}


def adopted_orphans(known_children: set[int]) -> set[int]:
    """Session leaders re-parented to us that we did not start (escaped student processes)."""
    me = os.getpid()
    orphans = set()
    for pid in _all_pids():
        st = _stat(pid)
        if st and st[0] == me and pid not in known_children and st[2] == pid:
            orphans.add(pid)
    return orphans


def kill_all(pids: set[int]) -> None:
    """SIGKILL each process (stop them first so none can fork in between)."""
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        for pid in pids:
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                pass


def reap(pids: set[int], timeout: float = 2.0) -> None:
    """Collect the exit status of those of `pids` that are our children."""
    deadline = time.monotonic() + timeout
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:  # not our child, or already collected
                pending.discard(pid)
                continue
            if done:
                pending.discard(pid)
        if pending:
            time.sleep(0.01)


def kill_worker_tree(worker_pid: int, *, uid: int | None, known_children: set[int]) -> set[int]:
    """Kill the worker and everything it started; return the pids that were killed."""
    killed: set[int] = set()
    for _ in range(5):  # repeat: a process may fork while we scan
        pids = worker_processes(worker_pid, uid=uid) | adopted_orphans(known_children)
        if not pids:
            break
        kill_all(pids)
        killed |= pids
        time.sleep(0.02)
    reap(killed - {worker_pid})
    return killed
