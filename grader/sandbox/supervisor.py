"""The judge's side of the trust boundary: start, talk to, time out and kill workers.

`Worker` owns one sandboxed worker process at a time. `request()` sends one
request and waits for its reply under a wall-clock timeout; if the worker
hangs, dies, floods its output or breaks the protocol, the whole process tree
is killed and `WorkerFailure` says why (timeout, exit code, signal, memory,
output, protocol, the last lines of its output). The next request starts a
fresh worker on a fresh private copy of the submission, and `on_start`
callbacks (e.g. the submission import) run again.

Each request carries a random id that its reply must echo: a reply that is
not for the request in flight (a stale one, or one forged by student code
writing to the pipe) is a protocol error, never a result.
"""

from __future__ import annotations

import atexit
import collections
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.machine import gpu_devices, usable_cores
from grader.sandbox import jail, protocol, reaper, shims
from grader.sandbox.channel import Channel, WorkerGone
from grader.sandbox.interpreter import worker_python

GiB = 2**30
_live: set[Worker] = set()
_uid_lock = threading.Lock()
_uid_counter = 0
UID_RANGE = (61000, 65000)  # dedicated worker uids (judge running as root)
BOX_PREFIX = "n2n-grade-box-"  # then the judge's pid: stale boxes of dead judges can be told apart

# worker_main's own exit codes
EXIT_REASONS = {
    65: ("protocol", "the worker could not read the grader's request"),
    66: ("protocol", "the worker's request pipe was closed or replaced (by student code?)"),
    71: ("protocol", "the worker's reply pipe was closed or replaced (by student code?)"),
}
# stderr lines that mean the worker ran out of memory rather than crashed
_MEMORY_MARKERS = (
    "MemoryError",
    "std::bad_alloc",
    "Cannot allocate memory",
    "can't allocate memory",
    "out of memory",
    "not enough memory",
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass
class SandboxSettings:
    """Limits and protections for workers; every field is reported in the result."""

    threads: int = field(default_factory=lambda: max(1, usable_cores()))
    address_space_bytes: int | None = 8 * GiB
    max_processes: int = 512  # threads count against this too
    max_file_bytes: int = 512 * 2**20
    max_open_files: int = 1024
    cpu_seconds: int | None = 6 * 3600  # lifetime CPU of one worker; requests have wall timeouts
    output_tail_bytes: int = 16 * 1024  # kept from stdout/stderr for messages
    output_limit_bytes: int = 64 * 2**20  # more than this is a flood: the worker is killed
    reply_limit_bytes: int = 1 * GiB  # arrays in one reply; predictions for 1000 images are ~25 MB
    isolate_network: bool = True
    drop_privileges: bool = True
    hide: list[str] = field(default_factory=list)  # extra folders to hide (data, outputs, caches)
    device: str = "cpu"  # "cpu" hides GPUs from the worker; "cuda" shows them
    start_timeout: float = 120.0
    scratch_bytes: int | None = 1 * GiB  # what the worker may write in its box, beyond the submission
    temp_bytes: int = 64 * 2**20  # size of its private /tmp, /var/tmp and /dev/shm, each
    namespaces: bool = True  # False: none at all (no network or filesystem isolation): for debugging
    fresh_root: bool = True  # False: read-only host root with sensitive folders hidden (the fallback)
    python: str | None = None  # the worker's interpreter or virtualenv (None: the judge's own; see interpreter.py)
    shims: tuple[str, ...] = shims.ALL  # the drift shims switched on in the worker (see shims.py)


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
        """The last lines printed, with control characters (terminal escapes) made harmless."""
        data = b"".join(self.tail)[-self.tail_bytes :]
        lines = data.decode("utf-8", "replace").splitlines()
        return "\n".join(_CONTROL.sub("\ufffd", line) for line in lines[-max_lines:])


def _claim_uid() -> tuple[int, socket.socket | None]:
    """A uid for one worker (judge running as root), held until released.

    The claim is an abstract Unix socket named after the uid: unique across
    every judge process on this machine, released by the kernel when the
    judge exits, and it leaves no file behind. A uid that some live process
    still runs as (a leftover of a killed judge) is skipped.
    """
    global _uid_counter
    low, high = UID_RANGE
    with _uid_lock:
        for _ in range(high - low):
            _uid_counter += 1
            uid = low + (os.getpid() * 7 + _uid_counter) % (high - low)
            claim = None
            if hasattr(socket, "AF_UNIX") and sys.platform.startswith("linux"):
                claim = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                try:
                    claim.bind(f"\0n2n-grade-uid-{uid}")
                except OSError:
                    claim.close()
                    continue
            if any(reaper._uid(pid) == uid for pid in reaper._all_pids()):
                if claim is not None:
                    claim.close()
                continue
            return uid, claim
    raise RuntimeError("no free uid for a worker")


def _pick_uid() -> int:
    """A uid no live process uses (kept for callers of the old API; prefer Worker's own claim)."""
    uid, claim = _claim_uid()
    if claim is not None:
        claim.close()
    return uid


class Worker:
    """One sandboxed worker process at a time, restarted after each failure.

    `source` is the folder holding the submission's `Miniproject_2` (it is
    copied afresh for every start, into a folder named `folder_name`: the team
    folder keeps its name, as when the course ran test.py beside it).
    `copy_fn(source, dest)` makes that copy.
    Start workers from a thread that outlives them (the main thread, say):
    a worker dies with the thread that started it.
    """

    def __init__(
        self,
        source: Path | None,
        settings: SandboxSettings | None = None,
        copy_fn: Callable[[Path, Path], Any] | None = None,
        folder_name: str | None = None,
    ):
        self.source = Path(source) if source else None
        self.folder_name = box_folder_name(folder_name or (self.source.name if self.source else ""))
        self.settings = settings or SandboxSettings()
        self.copy_fn = copy_fn or _copy_tree
        self.on_start: list[Callable[[Worker], None]] = []
        self.proc: subprocess.Popen | None = None
        self.box: Path | None = None  # the live worker's private folder
        self._box_path: Path | None = None  # reused by every restart, so submission_root stays valid
        self.uid: int | None = None
        self.hello: dict = {}
        self.starts = 0
        self.failures: list[dict] = []
        self.last_seconds: float | None = None  # judge-measured wall time of the last request
        self._drain: _OutputDrain | None = None
        self._channel: Channel | None = None
        self._uid_claim: socket.socket | None = None
        self._flood = threading.Event()

    # -- lifecycle ----------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def submission_root(self) -> str | None:
        """Where the worker sees the submission's copy: the same path across restarts (None before the first)."""
        box = self.box or self._box_path
        return str(box / "sub" / self.folder_name) if box else None

    @property
    def python(self):
        """The interpreter this worker runs under (a WorkerPython; raises WorkerPythonError when unusable)."""
        return worker_python(self.settings.python)

    def start(self) -> dict:
        """Start a fresh worker (killing any previous one); returns its hello with the jail report."""
        self.close()
        self.starts += 1
        self._flood.clear()
        try:
            self._launch()
        except BaseException:
            self.close()
            raise
        s = self.settings
        cuda = s.device == "cuda"
        cfg = jail.JailConfig(
            box=str(self.box),
            keep=self.python.keep_paths(),
            hide=self._hidden_paths(),
            uid=self.uid,
            isolate_network=s.isolate_network,
            # CUDA reserves virtual address space far beyond the memory it uses: an RLIMIT_AS breaks it
            address_space_bytes=None if cuda else s.address_space_bytes,
            max_processes=s.max_processes,
            max_file_bytes=s.max_file_bytes,
            max_open_files=s.max_open_files,
            cpu_seconds=s.cpu_seconds,
            scratch_bytes=s.scratch_bytes,
            temp_bytes=s.temp_bytes,
            namespaces=s.namespaces,
            fresh_root=s.fresh_root,
            devices=gpu_devices() if cuda else [],
            show_sys=cuda,
        )
        self.hello = self._exchange(
            {
                "jail": asdict(cfg),
                "threads": s.threads,
                "cwd": str(self.box / "work"),
                "reply_limit": s.reply_limit_bytes,
                "shims": list(s.shims),
            },
            s.start_timeout,
            what="start-up",
        )["result"]
        if cuda and s.address_space_bytes:
            self.hello.setdefault("jail", {})["limit_address_space_detail"] = (
                "not set on a GPU: CUDA reserves virtual address space far beyond the memory it uses"
            )
        if not self.hello.get("jail", {}).get("pid_namespace"):
            reaper.become_subreaper()  # without a PID namespace, escaped orphans must come back to us
        for callback in self.on_start:
            callback(self)
        return self.hello

    def _launch(self) -> None:
        s = self.settings
        _remove_stale_boxes()
        self.box = self._make_box()
        for sub in ("tmp", "home", "work"):
            (self.box / sub).mkdir()
        if self.source is not None:
            (self.box / "sub").mkdir()
            self.copy_fn(self.source, Path(self.submission_root))
        root = os.geteuid() == 0
        if root and s.drop_privileges and sys.platform.startswith("linux"):
            self.uid, self._uid_claim = _claim_uid()
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
        cmd = [*self.python.command(), "--rfd", str(req_r), "--wfd", str(rep_w)]
        try:
            self.proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, rep_w),
                env=env,
                cwd=str(self.box / "work"),
                start_new_session=True,
            )
        finally:
            os.close(req_r)
            os.close(rep_w)
        self._channel = Channel(rep_r, req_w, self.proc)
        _live.add(self)
        self._drain = _OutputDrain(self.proc.stdout, s.output_tail_bytes, s.output_limit_bytes, self._on_flood)
        self._drain.start()

    def _make_box(self) -> Path:
        """The same folder as the previous start when it can be made afresh, else a new one."""
        if self._box_path is not None:
            try:
                os.mkdir(self._box_path, 0o700)  # fails if anything (a planted link, say) holds the name
                return self._box_path
            except OSError:
                pass
        self._box_path = Path(tempfile.mkdtemp(prefix=f"{BOX_PREFIX}{os.getpid()}-"))
        return self._box_path

    def _hidden_paths(self) -> list[str]:
        """Folders the worker must not see (most are simply absent from its fresh root anyway)."""
        import grader

        repo = Path(grader.__file__).resolve().parents[1]
        paths = [
            tempfile.gettempdir(),
            "/tmp",
            "/var/tmp",
            "/dev/shm",
            os.path.expanduser("~"),
            os.getcwd(),
            str(repo / "reference_impl"),
            *self.settings.hide,
        ]
        if self.source is not None:
            paths.append(str(self.source))
            if self.source.resolve().parent != Path("/"):  # other submissions of the batch
                paths.append(str(self.source.resolve().parent))
        return [p for p in dict.fromkeys(paths) if p and os.path.isdir(p)]

    def _on_flood(self) -> None:
        self._flood.set()
        self._kill()

    def _kill(self) -> set[int]:
        proc = self.proc
        if proc is None:
            return set()
        known = {w.proc.pid for w in list(_live) if w.proc is not None}
        killed = reaper.kill_worker_tree(proc.pid, uid=self.uid, known_children=known)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        return killed

    def close(self) -> None:
        """Kill the worker and everything it started; remove its private folder."""
        if self.proc is not None:
            self._kill()
            if self._channel is not None:
                self._channel.close()
                self._channel = None
            try:
                if self.proc.stdout:
                    self.proc.stdout.close()
            except OSError:
                pass
            if self._drain is not None:
                self._drain.join(timeout=2)
            self.proc = None
        _live.discard(self)
        if self._uid_claim is not None:
            self._uid_claim.close()
            self._uid_claim = None
        if self.box is not None:
            shutil.rmtree(self.box, ignore_errors=True)
            self.box = None

    def __enter__(self) -> Worker:
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
        return self._exchange(payload, timeout, what=payload.get("context") or payload.get("op", "request"))

    def _exchange(self, payload: dict, timeout: float, *, what: str) -> dict:
        rid = secrets.token_hex(8)
        started = time.monotonic()
        deadline = started + timeout
        try:
            self._channel.send({**payload, "request_id": rid}, deadline)
            reply = self._channel.receive(deadline, self.settings.reply_limit_bytes)
        except protocol.UnsendableValue:
            raise  # the judge's own payload: nothing was written, the worker is intact
        except TimeoutError:
            self._kill()
            return self._fail(what, started, timeout, "timeout")
        except WorkerGone:
            return self._fail(what, started, timeout, "exited")
        except (EOFError, OSError):  # EOF on replies, or EPIPE on requests: it closed a pipe
            return self._fail(what, started, timeout, "closed")
        except protocol.ProtocolError as exc:
            return self._fail(what, started, timeout, exc)
        if self._flood.is_set():
            return self._fail(what, started, timeout, None)
        if not isinstance(reply, dict) or reply.get("request_id") != rid:
            return self._fail(
                what,
                started,
                timeout,
                protocol.ProtocolError(
                    "a reply that does not answer the request in flight (stale, or written by student code)"
                ),
            )
        del reply["request_id"]
        self.last_seconds = time.monotonic() - started
        return reply

    def _fail(self, what: str, started: float, timeout: float, cause) -> dict:
        seconds = round(time.monotonic() - started, 2)
        proc = self.proc
        closed_alive = False
        if cause == "closed":  # usually the worker exiting; if it lives on, it cut the pipe itself
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                closed_alive = True
        elif cause == "exited":
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        self._kill()
        if self._drain is not None:
            self._drain.join(timeout=2)
        code = proc.returncode if proc else None
        tail = self._drain.text() if self._drain else ""
        detail = {
            "seconds": seconds,
            "exit_code": code,
            "output_tail": tail,
            "output_bytes": self._drain.total if self._drain else 0,
            "during": what,
        }
        limit = self.settings.address_space_bytes
        if self._flood.is_set():
            reason, message = (
                "output",
                (
                    f"the worker printed more than {self.settings.output_limit_bytes // 2**20} MiB"
                    f" during {what} and was stopped"
                ),
            )
        elif cause == "timeout":
            reason, message = "timeout", f"{what} did not finish within {timeout:.0f} s; the worker was killed"
        elif isinstance(cause, protocol.ProtocolError):
            reason, message = "protocol", f"the worker sent a malformed reply during {what}: {cause}"
        elif closed_alive:
            reason, message = "protocol", f"the worker closed its pipes to the grader during {what} (student code?)"
        elif code in EXIT_REASONS:
            reason, message = EXIT_REASONS[code][0], f"{EXIT_REASONS[code][1]} during {what}"
        elif code is not None and code < 0:
            sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
            last = "\n".join(tail.splitlines()[-5:])  # what it printed as it died, not a MemoryError long caught
            reason = "memory" if any(m in last for m in _MEMORY_MARKERS) else "signal"
            message = f"the worker was killed by {sig} during {what}"
            if reason == "memory":
                message += " after running out of memory"
            elif -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS) and limit:
                message += f" (possibly the {limit / GiB:.0f} GiB memory limit)"
            if -code == signal.SIGXCPU:
                reason, message = "cpu", f"the worker exceeded its CPU-time limit during {what}"
            if -code == signal.SIGXFSZ:
                reason, message = (
                    "file_size",
                    (
                        f"the worker wrote a file larger than the "
                        f"{self.settings.max_file_bytes // 2**20} MiB limit during {what}"
                    ),
                )
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
        report.update(
            {
                "own_process_group": True,
                "own_session": True,
                "wall_timeout_per_request": True,
                "request_ids_checked": True,
                "clean_images_sent": False,
                "threads": s.threads,
                "device": s.device,
                "output_limit_bytes": s.output_limit_bytes,
                "reply_limit_bytes": s.reply_limit_bytes,
            }
        )
        return report


def box_folder_name(name: str) -> str:
    """The submission folder's name inside the box: the team's own when it is a plain name, else 'submission'."""
    if name and name not in (".", "..") and len(name) <= 100 and re.fullmatch(r"[\w.+@-]+", name):
        return name
    return "submission"


def _remove_stale_boxes() -> None:
    """Remove the boxes of judges that died without closing their workers (SIGKILL, power cut)."""
    folder = tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(BOX_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(BOX_PREFIX) :].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
            continue  # its judge still runs
        except ProcessLookupError:
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)
        except PermissionError:
            continue


def _copy_tree(source: Path, dest: Path) -> None:
    """Copy regular files and folders only; links are skipped (they could point anywhere)."""

    def ignore(folder, names):
        return [n for n in names if os.path.islink(os.path.join(folder, n))]

    shutil.copytree(source, dest, symlinks=False, ignore=ignore)


@atexit.register
def _close_all() -> None:
    for worker in list(_live):
        worker.close()
