"""What runs on a Dask worker: prepare the worker, measure the reference, grade one submission.

Each of them is a fresh judge subprocess (`python -m grader.cluster.judge`,
its own session, dying with the task's thread); the multi-threaded worker
process itself never forks. The task enforces the judge's timeout, stops it
when the driver sets the run's stop event (Ctrl-C, a cancelled batch),
relays its progress lines as worker events, and hands its answer back as
bytes for the driver (or says why there is none). The worker process stays
light: it never imports torch or the grader's checks (the grading options
travel pickled and only the judge opens them), so it starts and stops
quickly and holds little memory beside the grades.

Nothing assumes a shared filesystem: the submission arrives as bytes (a zip,
or a folder packed as one), course data files arrive once per worker, and
the embedded data set is rebuilt (or read from the node's cache) by the
prepare judge and checked against the driver's data id.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections import deque
from pathlib import Path

from grader.cluster.judge import MARKER, STARTED, forked  # judge's own imports (torch...) are inside its functions

TOPIC = "n2n-grade-progress"
START_TIMEOUT = 300.0  # seconds for a judge to start (import torch, load the data)
STOP_GRACE = 15.0  # a stopped judge gets this long to kill its sandboxed worker itself
STOP_POLL = 2.0  # how often a running task asks the scheduler whether the run was stopped
ANSWERS = {"prepare": "prepared", "reference": "reference", "grade": "done"}  # judge mode -> kind of answer
# What the judge server imports once, so that no judge forked from it imports them again: the judge itself, and
# what torch imports lazily on first use in every grade (the first Tensor.backward imports sympy through
# symbolic_shapes, the first torch.optim.SGD imports torch._dynamo): about 1.5 s of CPU per grade otherwise.
# A name this torch lacks is skipped (multiprocessing ignores a preload's ImportError).
JUDGE_PRELOAD = ("grader.cluster.judge", "grader.batch", "torch.fx.experimental.symbolic_shapes", "torch._dynamo")


def _scratch() -> Path:
    """This worker's local folder (Dask's local directory: node-local, removed with the worker)."""
    worker = _this_worker()
    if worker is not None:
        folder = Path(worker.local_directory) / "n2n-grade"
    else:  # not on a worker (a direct call in tests)
        folder = Path(tempfile.gettempdir()) / f"n2n-grade-{os.getpid()}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# ---------------------------------------------------------------- submissions as bytes


def pack_submission(path: Path, max_bytes: int) -> tuple[str, str, bytes]:
    """(kind, name, bytes) of a submission: a zip's own bytes, or a folder packed as a zip (links left out,
    as the grader's own copy leaves them out). Raises OSError when it is too large or unreadable."""
    path = Path(path)
    name = path.resolve().name if path.name in ("", ".", "..") else path.name
    if path.is_file():
        if path.stat().st_size > max_bytes:
            raise OSError(f"{path}: {path.stat().st_size} bytes, more than the {max_bytes} bytes a submission may have")
        return "file", name, path.read_bytes()
    buffer, total = io.BytesIO(), 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not os.path.islink(os.path.join(folder, d)))
            rel = os.path.relpath(folder, path)
            if rel != "." and not files and not dirs:
                archive.writestr(rel + "/", b"")
            for file in sorted(files):
                full = os.path.join(folder, file)
                if os.path.islink(full) or not os.path.isfile(full):
                    continue
                total += os.path.getsize(full)
                if total > max_bytes:
                    raise OSError(f"{path}: more than the {max_bytes} bytes a submission may have")
                archive.write(full, os.path.normpath(os.path.join(rel, file)))
    return "folder", name, buffer.getvalue()


def unpack_submission(kind: str, name: str, payload: bytes, dest: Path) -> Path:
    """Where the submission lies on this node: dest/name (the zip, or the folder unpacked)."""
    target = dest / name
    if kind == "file":
        target.write_bytes(payload)
        return target
    target.mkdir()
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:  # packed by pack_submission: relative paths only
        archive.extractall(target)
    return target


# ---------------------------------------------------------------- tasks


def prepare(run: dict, course: dict[str, bytes] | None = None) -> dict:
    """Ready this worker: its node's facts, and the grading data (checked against the driver's) saved where its
    judges read it. Course data files arrive here once and are written to the worker's own folder."""
    data_dir = None
    if course:
        digest = hashlib.sha256(b"".join(course[k] for k in sorted(course))).hexdigest()[:16]
        data_dir = _scratch() / f"course-{digest}"
        data_dir.mkdir(exist_ok=True)
        for file, payload in course.items():
            (data_dir / file).write_bytes(payload)
    reply = _run_judge(run, {"mode": "prepare", "data_dir": str(data_dir) if data_dir else None})
    if reply["kind"] != "prepared":
        raise RuntimeError(reply["message"])
    facts = pickle.loads(reply["payload"])  # plain data: the judge checked the data set
    if "error" in facts:
        raise RuntimeError(facts["error"])
    return facts


def measure(run: dict, job: dict) -> dict:
    """The reference's measurement on this node (see grader.reference; cached on the node's disk)."""
    reply = _run_judge(run, {**job, "mode": "reference"})
    if reply["kind"] == "reference":
        return pickle.loads(reply["payload"])  # plain numbers
    return {"error": reply["message"]}


def grade(run: dict, job: dict) -> dict:
    """Grade one submission: {"kind": "done", "payload": the judge's answer, for the driver to open} or
    {"kind": "failed", "check_id", "message", "seconds"}."""
    return _run_judge(run, {**job, "mode": "grade"})


def _run_judge(run: dict, job: dict) -> dict:
    """Start a judge on `job` in a fresh folder, watch it, remove the folder."""
    workdir = Path(tempfile.mkdtemp(prefix="task-", dir=_scratch()))
    try:
        spec = {k: v for k, v in job.items() if k != "submission"}
        spec.update(options=run["options"], data_id=run["data_id"], grade_fn=run["grade_fn"], scratch=str(_scratch()))
        if job["mode"] == "grade":
            kind, name, payload = job["submission"]
            (workdir / "sub").mkdir()
            spec["path"] = str(unpack_submission(kind, name, payload, workdir / "sub"))
        (workdir / "job.pkl").write_bytes(pickle.dumps(spec))
        return _watch(workdir, job, run)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _watch(workdir: Path, job: dict, run: dict) -> dict:
    out = workdir / "out.pkl"
    judge = _start_judge(workdir, out)
    started, tail = [None], deque(maxlen=40)
    launched = time.monotonic()
    reader = threading.Thread(target=_relay, args=(judge.lines, job, started, tail, _this_worker()), daemon=True)
    reader.start()
    stop, checked, why = _stop_event(run), 0.0, None
    while judge.poll() is None:
        if judge.wait(0.5) is not None:
            break
        now = time.monotonic()
        if started[0] is None and now - launched > START_TIMEOUT:
            why = ("grader.crashed", f"the judge did not start within {START_TIMEOUT:g} s")
        elif started[0] is not None and job.get("timeout") and now - started[0] > job["timeout"]:
            why = ("grader.timeout", f"grading took longer than --timeout {job['timeout']:g} s and was stopped")
        elif stop is not None and now - checked > STOP_POLL:
            checked = now
            if _is_set(stop):
                why = ("grader.stopped", "the batch was stopped")
        if why:
            _stop(judge)
            break
    reader.join(timeout=5)
    seconds = round(time.monotonic() - (started[0] or launched), 2)
    if why:
        return {"kind": "failed", "check_id": why[0], "message": why[1], "seconds": seconds}
    try:
        payload = out.read_bytes()  # written by our own judge process, never by student code
    except OSError:
        text = "\n".join([*tail, *judge.log_tail()][-8:])
        return {
            "kind": "failed",
            "check_id": "grader.crashed",
            "seconds": seconds,
            "message": f"the grading process died (exit code {judge.poll()}) on this node"
            + (f":\n{text}" if text else ""),
        }
    return {"kind": ANSWERS[job["mode"]], "payload": payload, "seconds": seconds}


class _Judge:
    """A running judge: its pid (a session leader), exit code, progress lines and log."""

    def __init__(self, proc, lines, log: Path | None = None):
        self.proc, self.lines, self.log = proc, lines, log
        self.pid = proc.pid

    def poll(self) -> int | None:
        return self.proc.poll() if isinstance(self.proc, subprocess.Popen) else self.proc.exitcode

    def wait(self, seconds: float) -> int | None:
        if isinstance(self.proc, subprocess.Popen):
            try:
                return self.proc.wait(timeout=seconds)
            except subprocess.TimeoutExpired:
                return None
        self.proc.join(seconds)
        return self.proc.exitcode

    def log_tail(self) -> list[str]:
        try:
            return self.log.read_text(errors="replace").splitlines()[-8:] if self.log else []
        except OSError:
            return []


def _start_judge(workdir: Path, out: Path) -> _Judge:
    """A judge on workdir/job.pkl: forked by this worker's judge server, which imported torch and the grader once
    (a judge then starts in milliseconds), or, in a daemonic worker (which may not have children of its own
    through multiprocessing), started as `python -m grader.cluster.judge` (a second or more of imports)."""
    import multiprocessing

    if multiprocessing.current_process().daemon:
        env = {
            **os.environ,
            "N2N_GRADE_PARENT": str(os.getpid()),
            "N2N_GRADE_WORKER_PID": str(os.getpid()),
            "PYTHONUNBUFFERED": "1",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "grader.cluster.judge", str(workdir / "job.pkl"), str(out)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            cwd=str(workdir),
        )
        return _Judge(proc, (raw.decode("utf-8", "replace").rstrip("\n") for raw in proc.stdout))
    ctx = _judge_server()
    receive, send = ctx.Pipe(duplex=False)
    log = workdir / "judge.log"
    proc = ctx.Process(
        target=forked,
        args=(str(workdir / "job.pkl"), str(out), str(log), send, os.getpid()),
        name="n2n-grade-judge",
        daemon=True,  # a worker that exits terminates it (a non-daemonic one would be waited for)
    )
    proc.start()
    send.close()
    return _Judge(proc, _messages(receive), log)


def _messages(connection):
    """The progress lines a forked judge sends, until it ends."""
    while True:
        try:
            yield MARKER + connection.recv()
        except (EOFError, OSError):
            connection.close()
            return


_SERVER = []


def _judge_server():
    """multiprocessing's fork server for this worker, with the judge's modules imported once (JUDGE_PRELOAD; a
    separate, single-threaded process started with exec: this multi-threaded worker never forks)."""
    import multiprocessing

    if not _SERVER:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(list(JUDGE_PRELOAD))
        _SERVER.append(ctx)
    return _SERVER[0]


def _this_worker():
    """The Dask worker running this task (None outside one); only the task's own thread can ask."""
    try:
        from distributed import get_worker

        return get_worker()
    except ValueError:
        return None


def _relay(lines, job: dict, started: list, tail: deque, worker) -> None:
    """Read the judge's lines: progress becomes worker events, the rest is kept for messages."""
    for line in lines:
        if not line.startswith(MARKER):
            tail.append(line)
            continue
        message = line[len(MARKER) :]
        if message == STARTED and started[0] is None:
            started[0] = time.monotonic()
        if worker is not None and job.get("key"):
            try:
                worker.log_event(TOPIC, {"key": job["key"], "message": message})
            except Exception:  # progress is a nicety
                pass


def _stop(judge: _Judge) -> None:
    """SIGTERM the judge's session (it unwinds and kills its sandboxed worker), SIGKILL after a grace."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(judge.pid, sig)
        except ProcessLookupError:  # not a session leader yet
            try:
                os.kill(judge.pid, sig)
            except ProcessLookupError:
                pass
        except PermissionError:
            pass
        if judge.wait(grace) is not None:
            return


def _stop_event(run: dict):
    if not run.get("stop_event"):
        return None
    worker = _this_worker()
    if worker is None:
        return None
    from distributed import Event

    return Event(run["stop_event"], client=worker.client)


def _is_set(event) -> bool:
    try:
        return event.is_set()
    except Exception:  # the scheduler went away: the worker is going too
        return False
