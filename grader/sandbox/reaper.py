"""Finding and killing every process a worker left behind (judge side, Linux /proc).

A worker runs in its own session; student code may fork, change its process
group, call setsid or double-fork to escape. Where the OS allows, the worker
is the init of its own PID namespace, so killing it takes every process it
started with it (the kernel does that). Without one, we find its processes by
four marks: the worker's session id, descent from the worker, the worker's
dedicated uid (when the judge runs as root; `kill_uid` then kills them all in
one atomic kill(-1) as that uid, which a fork bomb cannot outrun), and orphans
re-parented to the judge (only when it made itself a child subreaper, which
the supervisor does only for workers without a PID namespace).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
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
    fields = data[data.rfind(b")") + 2 :].split()
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
    found = {pid for pid, (ppid, pgid, sid) in table.items() if pid != me and (sid == worker_pid or pgid == worker_pid)}
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
    """Session leaders re-parented to us that we did not start (escaped student processes).

    Only meaningful when this process is a child subreaper (see become_subreaper).
    """
    if not _subreaper_set:
        return set()
    me = os.getpid()
    orphans = set()
    for pid in _all_pids():
        st = _stat(pid)
        if st and st[0] == me and pid not in known_children and st[2] == pid:
            orphans.add(pid)
    return orphans


def kill_uid(uid: int) -> bool:
    """SIGKILL every process running as `uid` in one kill(-1) made as that uid (judge running as root).

    kill(-1) walks the process list under the kernel's task-list lock, so no
    process of that uid can fork its way out of it. Returns False when it
    could not be done (not root, or no way to run the kill).
    """
    if os.geteuid() != 0 or uid == 0:
        return False
    kill = shutil.which("kill", path="/usr/bin:/bin")
    cmd = (
        [kill, "-s", "KILL", "--", "-1"]
        if kill
        else [sys.executable, "-S", "-I", "-c", "import os, signal; os.kill(-1, signal.SIGKILL)"]
    )
    try:
        subprocess.run(
            cmd,
            user=uid,
            group=uid,
            extra_groups=[],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            close_fds=True,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return True


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
    if uid is not None:
        kill_uid(uid)
    for attempt in range(5):  # repeat: a process may fork while we scan
        pids = worker_processes(worker_pid, uid=uid) | adopted_orphans(known_children)
        pids = {pid for pid in pids if _state(pid) not in ("Z", "X", None)} | ({worker_pid} & pids)
        if not pids:
            break
        kill_all(pids)
        killed |= pids
        time.sleep(0.005 * (attempt + 1))
    reap(killed - {worker_pid})
    return killed


def _state(pid: int) -> str | None:
    """The one-letter state of a process (R, S, Z, ...), or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    return data[data.rfind(b")") + 2 :].split()[0].decode()
