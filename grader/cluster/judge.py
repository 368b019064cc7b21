"""A judge process for a cluster task: forked by the worker's judge server (`forked`), or `python -m
grader.cluster.judge JOB.pkl OUT.pkl` in a daemonic Dask worker (`main`).

Three jobs, each in a fresh process: `prepare` (the node's facts; the data
set rebuilt or read from the node's cache, or the course files the task
wrote, checked against the driver's data id and saved for the next judges),
`reference` (the reference's measurement on this node) and `grade` (the
same judge as a local batch's: grader.batch.grade_task). A judge runs in
its own session, dies with its parent (the judge server, which ends with
its worker; or the task's thread), unwinds on SIGTERM (so its sandboxed
worker is killed), reports progress for the task to relay, and writes its
answer with pickle: every process on this side is the grader's own; student
code only ever runs in the sandboxed worker, which never sees these files
(they live in the worker's scratch folder, hidden from it).
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path

MARKER = "N2N-GRADE-PROGRESS "  # a judge's progress line on its stdout (exec'd judges)
STARTED = "started"  # the progress message that starts the judge's clock (its imports and data are done)


def _say(message: str) -> None:
    print(MARKER + message.replace("\n", " "), flush=True)


def _load_function(ref: tuple[str, str, list[str]]):
    module_name, qualname, path = ref
    sys.path[:0] = [p for p in path if p not in sys.path]
    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def node_options(spec: dict):
    """The driver's options on this node: this worker's threads, its data copy, its scratch folder hidden."""
    options = pickle.loads(spec["options"])
    sandbox = replace(options.sandbox, hide=[*options.sandbox.hide, spec["scratch"]])
    if spec.get("threads"):
        sandbox = replace(sandbox, threads=spec["threads"])
    return replace(
        options, sandbox=sandbox, data_dir=Path(spec["data_dir"]) if spec.get("data_dir") else options.data_dir
    )


def save_data(data, path: Path) -> None:
    """The grading data as tensors (read back with weights_only) and its info as JSON.

    Each tensor is saved as a compact copy: a subset is a view, and torch.save writes a view's whole storage
    (the full embedded set, 313 MB for a 2,000-pair subset), which every grade's judge would then read."""
    import torch

    from grader.data.checksums import ARRAY_NAMES

    tmp = path.with_suffix(".tmp")
    tensors = {name: getattr(data, name).clone() for name in ARRAY_NAMES}
    torch.save({**tensors, "info": json.dumps(data.info, default=str)}, tmp)
    os.replace(tmp, path)


def load_data_file(path: str | Path):
    """The data set a prepare judge saved."""
    import torch

    from grader.data import N2NData
    from grader.data.checksums import ARRAY_NAMES

    saved = torch.load(path, weights_only=True)
    return N2NData(**{name: saved[name] for name in ARRAY_NAMES}, info=json.loads(saved["info"]))


def prepare(spec: dict, options) -> dict:
    from grader.cluster.nodes import node_facts
    from grader.grade import GradeError, load_grading_data

    facts = node_facts()
    try:
        data = load_grading_data(options, progress=False)
    except GradeError as exc:
        return {"error": f"{facts['host']}: the grading data cannot be loaded: {exc}"}
    if data.data_id != spec["data_id"]:
        return {
            "error": f"the data built on {facts['host']} has id {data.data_id}, the driver's has "
            f"{spec['data_id']}: the nodes need the driver's environment (same versions of the grader, "
            "torch, numpy, scikit-image) and the same course files"
        }
    data_file = Path(spec["scratch"]) / f"data-{data.data_id}.pt"
    if not data_file.exists():
        save_data(data, data_file)
    return {**facts, "data_file": str(data_file), "data_dir": spec.get("data_dir")}


def serve(job_file: str, out_file: str, say) -> None:
    """Do the job in `job_file`, telling progress to `say`, and write the answer to `out_file`."""
    from grader.dispatch import Task, _on_sigterm, grade_task

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    with open(job_file, "rb") as fh:
        spec = pickle.load(fh)
    options = node_options(spec)
    import torch

    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    if spec["mode"] == "prepare":
        say(STARTED)
        reply = prepare(spec, options)
    else:
        data = load_data_file(spec["data_file"])
        say(STARTED)
        started = time.monotonic()
        if spec["mode"] == "reference":
            from grader.grade import measure_reference_for

            reply = measure_reference_for(options, data) if options.measure_reference else {}
        else:
            task = Task(spec["index"], Path(spec["path"]), spec["name"])
            state, result, samples, message = grade_task(
                task, options, data, spec.get("reference") or {}, _load_function(spec["grade_fn"]), say
            )
            reply = {
                "state": state,
                "result": result.to_dict(),
                "samples": samples,
                "seconds": round(time.monotonic() - started, 2),
                "message": message,
            }
    tmp = out_file + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(reply, fh)
    os.replace(tmp, out_file)


def forked(job_file: str, out_file: str, log_file: str, progress, worker_pid: int) -> None:
    """A judge forked by a worker's judge server (multiprocessing's forkserver, torch already imported): its own
    session, dying with the server (which ends with the worker), output to `log_file`, progress on a pipe."""
    from grader.sandbox.jail import die_with_parent

    os.setsid()
    die_with_parent()
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.environ["N2N_GRADE_WORKER_PID"] = str(worker_pid)  # the Dask worker this judge grades for
    serve(job_file, out_file, progress.send)


def main(argv: list[str]) -> int:
    """`python -m grader.cluster.judge JOB OUT`: a judge started with exec (a daemonic Dask worker)."""
    from grader.sandbox.jail import die_with_parent

    die_with_parent()
    if str(os.getppid()) != os.environ.get("N2N_GRADE_PARENT"):
        return 70  # the task that started us is already gone
    serve(*argv, say=_say)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except SystemExit:
        raise
    except BaseException:  # _Stopped (SIGTERM) and the like: the task reports why it stopped us
        import traceback

        traceback.print_exc()
        sys.exit(75)
