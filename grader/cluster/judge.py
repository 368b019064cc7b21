"""A judge subprocess started by a cluster task: `python -m grader.cluster.judge JOB.pkl OUT.pkl`.

The same judge as a local batch's (grader.batch.grade_task), one submission
per process. It dies with the task thread that started it, unwinds on
SIGTERM (so its sandboxed worker is killed), prints progress lines for the
task to relay, and writes its answer with pickle: every process on this side
is the grader's own; student code only ever runs in the sandboxed worker,
which never sees these files (they live in the worker's hidden scratch folder).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import time

from grader.cluster.remote import MARKER, STARTED, load_data_file


def _say(message: str) -> None:
    print(MARKER + message.replace("\n", " "), flush=True)


def _load_function(ref: tuple[str, str, list[str]]):
    module_name, qualname, path = ref
    sys.path[:0] = [p for p in path if p not in sys.path]
    import importlib

    obj = importlib.import_module(module_name)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def main(argv: list[str]) -> int:
    from grader.sandbox.jail import die_with_parent

    die_with_parent()
    if str(os.getppid()) != os.environ.get("N2N_GRADE_PARENT"):
        return 70  # the task that started us is already gone
    from grader.batch import Task, _on_sigterm, grade_task

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    job_file, out_file = argv
    with open(job_file, "rb") as fh:
        spec = pickle.load(fh)
    import torch

    torch.set_num_threads(spec["threads"])
    data = load_data_file(spec["data_file"])
    _say(STARTED)
    started = time.monotonic()
    options = spec["options"]
    if spec["mode"] == "reference":
        from grader.grade import measure_reference_for

        reply = {
            "kind": "reference",
            "reference": measure_reference_for(options, data) if options.measure_reference else {},
        }
    else:
        grade_fn = _load_function(spec["grade_fn"])
        task = Task(spec["index"], spec["path"], spec["name"])
        from pathlib import Path

        task.path = Path(task.path)
        state, result, samples, message = grade_task(task, options, data, spec.get("reference") or {}, grade_fn, _say)
        reply = {
            "kind": "done",
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
