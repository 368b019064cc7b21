"""What the batch's dispatch loop and its executors share: a Task goes in, Events come out, and a judge grades
one task (`grade_task`) the same way in a local judge process and on a cluster node.

grader.batch owns the loop and the local executor (JudgePool); grader.cluster
the Dask one. Both import these from here, so neither imports the other.
"""

from __future__ import annotations

import inspect
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.grade import GradeError
from grader.options import GradeOptions
from grader.result import Check, Result


@dataclass
class Task:
    """One submission to grade: its path and the output folder name (unique within the batch)."""

    index: int
    path: Path
    name: str


@dataclass
class Event:
    """What an executor reports about a task: progress, done (a Result's dict), failed (no result), or retry
    (its worker was lost before it finished: grade it again elsewhere)."""

    kind: str
    task: Task
    message: str = ""
    state: str = ""  # done: graded | error
    result: dict | None = None
    samples: object = None
    seconds: float = 0.0
    check_id: str = ""  # failed: grader.crashed | grader.timeout | grader.node_lost


class NoWorkers(Exception):
    """Raised by an executor's poll when no worker is left, nor will come, to grade the pending tasks."""


def error_result(task: Task, check_id: str, message: str, expected: dict) -> Result:
    """The stand-in result of a submission the grader could not grade (never reused by a re-run)."""
    result = Result(submission=task.name, source=str(task.path))
    result.checks = [Check(check_id, "error", message, required=True)]
    result.environment = {**expected, "batch_error": True}
    result.notes = ["the grader could not grade this submission; running the batch again retries it"]
    return result


class _Stopped(BaseException):
    """Raised in a judge by SIGTERM: unwinds the grade so its sandbox session kills its worker."""


def _on_sigterm(signum, frame):
    raise _Stopped()


def _capture_kwargs(grade_fn: Callable, box: list) -> dict:
    """Ask grade_fn for the pretrained predictions when it offers the `on_predictions` hook."""
    try:
        accepts = "on_predictions" in inspect.signature(grade_fn).parameters
    except (TypeError, ValueError):
        accepts = False
    if not accepts:
        return {}

    def on_predictions(label, noisy, output, clean):
        from grader.report.images import samples_from

        try:  # pictures are a nicety: odd predictions must not disturb the grade
            box.append(samples_from(noisy, output, clean, label=label))
        except (TypeError, ValueError) as exc:
            print(f"n2n-grade: no pictures for this report: {exc}", file=sys.stderr)

    return {"on_predictions": on_predictions}


def grade_task(
    task: Task, options: GradeOptions, data, reference: dict, grade_fn: Callable, progress: Callable[[str], None]
) -> tuple[str, Result, object, str]:
    """Grade one task in this (judge) process: (state, result, pictures or None, message).

    A grader bug or a GradeError costs this submission only: it becomes an error result.
    """
    samples: list = []
    try:
        result = grade_fn(
            task.path, options, data=data, reference=reference, progress=progress, **_capture_kwargs(grade_fn, samples)
        )
        state, message = "graded", ""
    except GradeError as exc:
        state, message = "error", str(exc)
        result = error_result(task, "grader.could_not_grade", message, {})
    except Exception as exc:  # a grader bug must cost one submission, not the batch
        state, message = "error", f"{type(exc).__name__}: {exc}"
        result = error_result(
            task, "grader.crashed", f"the grader crashed: {message}\n" + "".join(traceback.format_exc(limit=8)), {}
        )
    return state, result, samples[0] if samples else None, message
