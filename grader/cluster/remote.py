"""What runs on a Dask worker: prepare the node's data, measure the reference, grade one submission.

Each grade (and each reference measurement) is a fresh judge subprocess
(`python -m grader.cluster.judge`, its own session, dying with the task's
thread); the multi-threaded worker process itself never forks. The task
enforces the grade's timeout, stops the judge when the driver sets the run's
stop event (Ctrl-C, a cancelled batch), relays the judge's progress lines as
worker events, and returns plain data: the Result's dict, the pictures, or
why there is none.

Nothing assumes a shared filesystem: the submission arrives as bytes (a zip,
or a folder packed as one), course data files arrive once per worker, and
the embedded data set is rebuilt (or read from the node's cache) here and
checked against the driver's data id.
"""

from __future__ import annotations

import hashlib
import io
import json
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
from dataclasses import replace
from pathlib import Path

TOPIC = "n2n-grade-progress"
MARKER = "N2N-GRADE-PROGRESS "  # a judge's progress line on its stdout
STARTED = "started"
START_TIMEOUT = 300.0  # seconds for a judge to start (import torch, load the data)
STOP_GRACE = 15.0  # a stopped judge gets this long to kill its sandboxed worker itself
STOP_POLL = 2.0  # how often a running task asks the scheduler whether the run was stopped


class DataMismatch(Exception):
    """The data built on this node is not the driver's (another version of a library, or other files)."""


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


# ---------------------------------------------------------------- data


def _save_data(data, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "train_input": data.train_input,
            "train_target": data.train_target,
            "val_input": data.val_input,
            "val_target": data.val_target,
            "info": json.dumps(data.info, default=str),
        },
        tmp,
    )
    os.replace(tmp, path)


def load_data_file(path: str | Path):
    """The data set a prepared worker saved (tensors only: weights_only)."""
    import torch

    from grader.data import N2NData

    saved = torch.load(path, weights_only=True)
    return N2NData(
        saved["train_input"],
        saved["train_target"],
        saved["val_input"],
        saved["val_target"],
        info=json.loads(saved["info"]),
    )


def prepare(run: dict, course: dict[str, bytes] | None = None) -> dict:
    """Ready this worker: its node's facts, and the grading data saved where its judges read it."""
    from grader.cluster.nodes import node_facts
    from grader.grade import load_grading_data

    facts = node_facts()
    folder = _scratch()
    options = run["options"]
    if course:  # the course's files, written once per worker (a node-local folder)
        digest = hashlib.sha256(b"".join(course[k] for k in sorted(course))).hexdigest()[:16]
        data_dir = folder / f"course-{digest}"
        data_dir.mkdir(exist_ok=True)
        for file, payload in course.items():
            (data_dir / file).write_bytes(payload)
        options = replace(options, data_dir=data_dir)
    data = load_grading_data(options, progress=False)
    if data.data_id != run["data_id"]:
        raise DataMismatch(
            f"the data built on {facts['host']} has id {data.data_id}, the driver's has "
            f"{run['data_id']}: the nodes need the driver's environment (same versions of the grader, "
            "torch, numpy, scikit-image) and the same course files"
        )
    data_file = folder / f"data-{data.data_id}.pt"
    if not data_file.exists():
        _save_data(data, data_file)
    return {**facts, "data_file": str(data_file), "data_dir": str(options.data_dir) if course else None}


# ---------------------------------------------------------------- judges


def measure(run: dict, job: dict) -> dict:
    """The reference's measurement on this node (see grader.reference; cached on the node's disk)."""
    reply = _run_judge(run, {**job, "mode": "reference"})
    if reply.get("kind") == "reference":
        return reply["reference"]
    return {"error": reply.get("message", "the reference could not be measured")}


def grade(run: dict, job: dict) -> dict:
    """Grade one submission in a judge subprocess; plain data back (see _run_judge)."""
    reply = _run_judge(run, {**job, "mode": "grade"})
    if reply.get("kind") == "done":
        env = reply["result"].setdefault("environment", {})
        env["node"] = {
            **{k: job["facts"].get(k) for k in ("host", "cpu", "gpu", "cpus", "cores", "job_id")},
            "threads": job["threads"],
            "worker": job.get("worker"),
        }
    return reply


def _run_judge(run: dict, job: dict) -> dict:
    """Start the judge, relay its progress, stop it on timeout or on the run's stop event."""
    workdir = Path(tempfile.mkdtemp(prefix="task-", dir=_scratch()))
    try:
        options = run["options"]
        sandbox = replace(
            options.sandbox, threads=job["threads"], hide=[*options.sandbox.hide, str(_scratch())]
        )  # the data file lives there
        spec = {
            "mode": job["mode"],
            "options": replace(options, sandbox=sandbox, data_dir=job.get("data_dir") or options.data_dir),
            "data_file": job["data_file"],
            "reference": job.get("reference"),
            "grade_fn": run["grade_fn"],
            "threads": job["threads"],
        }
        if job["mode"] == "grade":
            kind, name, payload = job["submission"]
            (workdir / "sub").mkdir()
            spec["path"] = str(unpack_submission(kind, name, payload, workdir / "sub"))
            spec["index"], spec["name"] = job["index"], job["name"]
        (workdir / "job.pkl").write_bytes(pickle.dumps(spec))
        return _watch(workdir, job, run)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _watch(workdir: Path, job: dict, run: dict) -> dict:
    out = workdir / "out.pkl"
    env = {**os.environ, "N2N_GRADE_PARENT": str(os.getpid()), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cluster.judge", str(workdir / "job.pkl"), str(out)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
        cwd=str(workdir),
    )
    started, tail = [None], deque(maxlen=40)
    launched = time.monotonic()
    reader = threading.Thread(target=_relay, args=(proc, job, started, tail, _this_worker()), daemon=True)
    reader.start()
    stop, checked, why = _stop_event(run), 0.0, None
    while proc.poll() is None:
        try:
            proc.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
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
            _stop(proc)
            break
    reader.join(timeout=5)
    seconds = round(time.monotonic() - (started[0] or launched), 2)
    if why:
        return {"kind": "failed", "check_id": why[0], "message": why[1], "seconds": seconds}
    try:
        reply = pickle.loads(out.read_bytes())  # written by our own judge process, never by student code
    except (OSError, EOFError, pickle.UnpicklingError):
        code = proc.returncode
        text = "\n".join(list(tail)[-8:])
        return {
            "kind": "failed",
            "check_id": "grader.crashed",
            "seconds": seconds,
            "message": f"the grading process died (exit code {code}) on this node" + (f":\n{text}" if text else ""),
        }
    reply.setdefault("seconds", seconds)
    return reply


def _this_worker():
    """The Dask worker running this task (None outside one); only the task's own thread can ask."""
    try:
        from distributed import get_worker

        return get_worker()
    except ValueError:
        return None


def _relay(proc, job: dict, started: list, tail: deque, worker) -> None:
    """Read the judge's output: progress lines become worker events, the rest is kept for messages."""
    for raw in proc.stdout:
        line = raw.decode("utf-8", "replace").rstrip("\n")
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


def _stop(proc) -> None:
    """SIGTERM the judge's session (it unwinds and kills its sandboxed worker), SIGKILL after a grace."""
    for sig, grace in ((signal.SIGTERM, STOP_GRACE), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


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
