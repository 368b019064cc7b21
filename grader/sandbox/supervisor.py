"""The judge's side of the trust boundary: start, talk to, time out and kill workers.

`Worker` owns one sandboxed worker process at a time. `request()` sends one
request and waits for its reply under a wall-clock timeout; if the worker
hangs, dies, floods its output or breaks the protocol, the whole process tree
is killed and `WorkerFailure` says why (timeout, exit code, signal, memory,
output, the last lines of its stderr). The next request starts a fresh worker
on a fresh private copy of the submission, and `on_start` callbacks (e.g. the
submission import) run again.
"""

from __future__ import annotations

import atexit
import collections
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import queue
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from grader.sandbox import jail, protocol, reaper

GiB = 2**30
_live: set["Worker"] = set()
_uid_lock = threading.Lock()
_uid_counter = 0


@dataclass
class SandboxSettings:
    """Limits and protections for workers; every field is reported in the result."""

    threads: int = field(default_factory=lambda: max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)))
    address_space_bytes: int | None = 8 * GiB
    max_processes: int = 512  # threads count against this too
    max_file_bytes: int = 512 * 2**20
    max_open_files: int = 1024
    cpu_seconds: int | None = 6 * 3600  # lifetime CPU of one worker; requests have wall timeouts
    output_tail_bytes: int = 16 * 1024  # kept from stdout/stderr for messages
    output_limit_bytes: int = 64 * 2**20  # more than this is a flood: the worker is killed
    reply_limit_bytes: int = 2 * GiB
    isolate_network: bool = True
    drop_privileges: bool = True
    hide: list[str] = field(default_factory=list)  # extra folders to hide (data, outputs, caches)
    device: str = "cpu"  # "cpu" hides GPUs from the worker; "cuda" shows them
    start_timeout: float = 120.0


class WorkerFailure(Exception):
    """The worker could not answer: it hung, died, or broke the protocol."""

    def __init__(self, reason: str, message: str, detail: dict | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.detail = detail or {}

    def to_dict(self) -> dict:
        return {"reason": self.reason, "message": self.message, **self.detail}


class _OutputDrain(threading.Thread):
    """Reads the worker's stdout+stderr, keeping the tail and counting the bytes."""

    def __init__(self, stream, tail_bytes: int, limit: int, on_flood: Callable[[], None]):
        super().__init__(daemon=True)
        self.stream, self.limit, self.on_flood = stream, limit, on_flood
        self.tail: collections.deque[bytes] = collections.deque()
        self.tail_bytes, self.kept, self.total, self.flooded = tail_bytes, 0, 0, False

    def run(self) -> None:
        while True:
            try:
                chunk = self.stream.read1(65536)
            except (OSError, ValueError):
                return
            if not chunk:
                return
            self.total += len(chunk)
            self.tail.append(chunk)
            self.kept += len(chunk)
            while self.kept > self.tail_bytes and len(self.tail) > 1:
                self.kept -= len(self.tail.popleft())
            if self.total > self.limit and not self.flooded:
                self.flooded = True
                self.on_flood()

    def text(self, max_lines: int = 30) -> str:
        data = b"".join(self.tail)[-self.tail_bytes:]
        lines = data.decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-max_lines:])


def _pick_uid() -> int:
    """A uid no live process uses, for one worker (judge running as root)."""
    global _uid_counter
    with _uid_lock:
        for _ in range(4000):
            _uid_counter += 1
            uid = 61000 + (os.getpid() * 7 + _uid_counter) % 4000
            if not any(reaper._uid(pid) == uid for pid in reaper._all_pids()):
                return uid
    raise RuntimeError("no free uid for a worker")


class Worker:
    """One sandboxed worker process at a time, restarted after each failure.

    `source` is the folder holding the submission's `Miniproject_2` (it is
    copied afresh for every start). `copy_fn(source, dest)` makes that copy.
    """

    def __init__(self, source: Path | None, settings: SandboxSettings | None = None,
                 copy_fn: Callable[[Path, Path], Any] | None = None):
        self.source = Path(source) if source else None
        self.settings = settings or SandboxSettings()
        self.copy_fn = copy_fn or _copy_tree
        self.on_start: list[Callable[["Worker"], None]] = []
        self.proc: subprocess.Popen | None = None
        self.box: Path | None = None
        self.uid: int | None = None
        self.hello: dict = {}
        self.starts = 0
        self.failures: list[dict] = []
        self._drain: _OutputDrain | None = None
        self._requests = self._replies = None
        self._flood = threading.Event()

    # -- lifecycle ----------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def submission_root(self) -> str | None:
        return str(self.box / "sub") if self.box else None

    def start(self) -> dict:
        """Start a fresh worker (killing any previous one); returns its hello with the jail report."""
        self.close()
        reaper.become_subreaper()
        self.starts += 1
        self._flood.clear()
        s = self.settings
        self.box = Path(tempfile.mkdtemp(prefix="n2n-grade-box-"))
        for sub in ("tmp", "home", "work"):
            (self.box / sub).mkdir()
        if self.source is not None:
            self.copy_fn(self.source, self.box / "sub")
        root = os.geteuid() == 0
        self.uid = _pick_uid() if (root and s.drop_privileges and sys.platform.startswith("linux")) else None
        if self.uid is not None:
            for dirpath, dirnames, filenames in os.walk(self.box):
                for name in [*dirnames, *filenames]:
                    os.lchown(os.path.join(dirpath, name), self.uid, self.uid)
            os.chown(self.box, self.uid, self.uid)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.box / "home"),
            "TMPDIR": str(self.box / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OMP_NUM_THREADS": str(s.threads),
            "MKL_NUM_THREADS": str(s.threads),
            "CUDA_VISIBLE_DEVICES": os.environ.get("CUDA_VISIBLE_DEVICES", "0") if s.device == "cuda" else "",
        }
        cmd = [sys.executable, "-I", "-m", "grader.sandbox.worker_main", "--rfd", str(req_r), "--wfd", str(rep_w)]
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(req_r, rep_w), env=env, cwd=str(self.box / "work"), start_new_session=True)
        os.close(req_r)
        os.close(rep_w)
        self._requests = os.fdopen(req_w, "wb", buffering=1 << 20)
        self._replies = os.fdopen(rep_r, "rb", buffering=1 << 20)
        self._drain = _OutputDrain(self.proc.stdout, s.output_tail_bytes, s.output_limit_bytes, self._on_flood)
        self._drain.start()
        _live.add(self)
        cfg = jail.JailConfig(
            box=str(self.box), keep=jail.default_keep_paths(), hide=self._hidden_paths(), uid=self.uid,
            isolate_network=s.isolate_network, address_space_bytes=s.address_space_bytes,
            max_processes=s.max_processes, max_file_bytes=s.max_file_bytes, max_open_files=s.max_open_files,
            cpu_seconds=s.cpu_seconds)
        self.hello = self._exchange({"jail": asdict(cfg), "threads": s.threads, "cwd": str(self.box / "work")},
                                    s.start_timeout, what="start-up")["result"]
        for callback in self.on_start:
            callback(self)
        return self.hello

    def _hidden_paths(self) -> list[str]:
        paths = [tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), os.getcwd(),
                 *self.settings.hide]
        if self.source is not None:
            paths.append(str(self.source))
        return [p for p in dict.fromkeys(paths) if p]

    def _on_flood(self) -> None:
        self._flood.set()
        self._kill()

    def _kill(self) -> set[int]:
        if self.proc is None:
            return set()
        known = {w.proc.pid for w in _live if w.proc is not None}
        killed = reaper.kill_worker_tree(self.proc.pid, uid=self.uid, known_children=known)
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return killed

    def close(self) -> None:
        """Kill the worker and everything it started; remove its private folder."""
        if self.proc is not None:
            self._kill()
            for stream in (self._requests, self._replies, self.proc.stdout):
                try:
                    if stream:
                        stream.close()
                except OSError:
                    pass
            if self._drain is not None:
                self._drain.join(timeout=2)
            _live.discard(self)
            self.proc = None
        if self.box is not None:
            shutil.rmtree(self.box, ignore_errors=True)
            self.box = None

    def __enter__(self) -> "Worker":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests -----------------------------------------------------------------
    def request(self, payload: dict, timeout: float) -> dict:
        """Send one request; return the worker's reply dict (`ok`, `result` or `error`, `trace`).

        A fresh worker is started first if none is alive. Raises WorkerFailure
        (after killing the worker) on timeout, death, flood or protocol error.
        """
        if not self.alive:
            self.start()
        return self._exchange(payload, timeout, what=payload.get("op", "request"))

    def _exchange(self, payload: dict, timeout: float, *, what: str) -> dict:
        box: queue.Queue = queue.Queue()

        def read_reply():
            try:
                box.put(("ok", protocol.read_message(self._replies, max_bytes=self.settings.reply_limit_bytes)))
            except BaseException as exc:  # EOF, protocol error: reported below
                box.put(("error", exc))

        started = time.monotonic()
        try:
            protocol.write_message(self._requests, payload)
        except (BrokenPipeError, OSError):
            return self._fail(what, started, timeout, None)
        reader = threading.Thread(target=read_reply, daemon=True)
        reader.start()
        try:
            kind, value = box.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            reader.join(timeout=5)
            return self._fail(what, started, timeout, "timeout")
        if kind == "error":
            return self._fail(what, started, timeout, value)
        if self._flood.is_set():
            return self._fail(what, started, timeout, None)
        return value

    def _fail(self, what: str, started: float, timeout: float, cause) -> dict:
        seconds = round(time.monotonic() - started, 2)
        if cause != "timeout":
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                pass
            self._kill()
        if self._drain is not None:
            self._drain.join(timeout=2)
        code = self.proc.returncode if self.proc else None
        detail = {"seconds": seconds, "exit_code": code, "output_tail": self._drain.text() if self._drain else "",
                  "output_bytes": self._drain.total if self._drain else 0, "during": what}
        if self._flood.is_set():
            reason, message = "output", (f"the worker printed more than {self.settings.output_limit_bytes // 2**20} MiB"
                                         f" during {what} and was stopped")
        elif cause == "timeout":
            reason, message = "timeout", f"{what} did not finish within {timeout:.0f} s; the worker was killed"
        elif isinstance(cause, protocol.ProtocolError):
            reason, message = "protocol", f"the worker sent a malformed reply during {what}: {cause}"
        elif code is not None and code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            reason = "memory" if "MemoryError" in detail["output_tail"] else "signal"
            message = f"the worker was killed by {sig} during {what}"
            if -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
                message += (f" (possibly the {self.settings.address_space_bytes / GiB:.0f} GiB memory limit)"
                            if self.settings.address_space_bytes else "")
            if -code == signal.SIGXCPU:
                reason, message = "cpu", f"the worker exceeded its CPU-time limit during {what}"
            if -code == signal.SIGXFSZ:
                reason, message = "file_size", f"the worker wrote a file larger than the {self.settings.max_file_bytes // 2**20} MiB limit during {what}"
        else:
            reason, message = "exited", f"the worker exited with code {code} during {what}"
        detail["signal"] = -code if code is not None and code < 0 else None
        failure = WorkerFailure(reason, message, detail)
        self.failures.append(failure.to_dict())
        self.close()
        raise failure

    # -- report -------------------------------------------------------------------
    def protections(self) -> dict:
        """What confined the worker, as measured at its last start."""
        s = self.settings
        report = dict(self.hello.get("jail", {}))
        report.update({"own_process_group": True, "wall_timeout_per_request": True,
                       "clean_images_sent": False, "threads": s.threads, "device": s.device})
        return report


def _copy_tree(source: Path, dest: Path) -> None:
    """Copy regular files and folders only; links are skipped (they could point anywhere)."""
    def ignore(folder, names):
        return [n for n in names if os.path.islink(os.path.join(folder, n))]

    shutil.copytree(source, dest, symlinks=False, ignore=ignore)


@atexit.register
def _close_all() -> None:
    for worker in list(_live):
        worker.close()
