"""The verdict of a check that could not run to its end: who failed decides the status.

- The student's code raised: the submission is wrong there, the check fails
  (or warns, for a clause the handout leaves open), with the exception in its details.
- The worker failed because of what the student's code did (it printed without
  end, ended the process itself with os._exit, ran out of its memory, wrote an
  oversized file): that is the code's doing, so the check fails like a raise.
- The worker failed otherwise (it hung, was killed by a signal, broke the
  protocol) or the grader itself failed: `error`. An error is no verdict on the
  code: it is left out of the score and the result asks for a regrade
  (grader.scoring, issue 14 item 7).
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.machine import busy
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised
from grader.sandbox.supervisor import WorkerFailure

# What the judge may catch around a worker request: the student's exception or the worker's failure.
RUN_FAILURES = (StudentRaised, WorkerFailure)
# WorkerFailure reasons (grader.sandbox.supervisor) that the student's code caused, and what to tell them
STUDENT_CAUSED = {
    "output": "your code printed too much output",
    "exited": "your code ended the worker process itself (os._exit or similar)",
    "memory": "your code ran out of the memory the grader allows",
    "file_size": "your code wrote an oversized file",
}


def failure_check(
    check_id: str, exc: Exception, *, prefix: str = "", student: Status = Status.FAIL, details: dict | None = None
) -> Check:
    """The check's verdict when running it raised `exc` (a StudentRaised or WorkerFailure; anything else propagates).

    `prefix` opens the message (what was being done); `student` is the status when the student's code raised
    or made the worker fail (STUDENT_CAUSED).
    """
    if isinstance(exc, WorkerFailure):
        details = {**(details or {}), "worker": exc.to_dict()}
        if exc.reason in STUDENT_CAUSED:
            return Check(check_id, student, f"{prefix}{exc.message} ({STUDENT_CAUSED[exc.reason]})", details=details)
        return Check(check_id, Status.ERROR, f"{prefix}{exc.message}", details=details)
    if isinstance(exc, StudentRaised):
        return Check(check_id, student, f"{prefix}{exc}", details={**(details or {}), "exception": exc.info})
    raise exc


def failure_checks(check_ids: Iterable[str], exc: Exception, **how) -> list[Check]:
    """`failure_check` for each of several checks that one failure stopped."""
    return [failure_check(check_id, exc, **how) for check_id in check_ids]


def grader_failure_checks(check_ids: Iterable[str], exc: BaseException) -> list[Check]:
    """`error` checks for checks the grader could not run because of its own bug."""
    message = (
        f"the grader failed while running this check ({type(exc).__name__}: {exc}); this is a bug in "
        "the grader, not in the submission: please report it"
    )
    return [Check(i, Status.ERROR, message, details={"grader_error": repr(exc)}) for i in check_ids]


def over_budget_on_a_busy_machine(check: Check, others_load: float | None, threads: int, device: str) -> bool:
    """Turn a timed epoch that went over budget while other work held the cores into an `error` (in place).

    `others_load` is the load other processes put on the machine during the epoch. An epoch slowed by a
    busy machine says nothing about the code: it is not charged, and the result asks for a regrade on quiet
    cores. True when the check was changed.
    """
    over = check.status == Status.FAIL and (check.details.get("worker") or {}).get("reason") == "timeout"
    if not over or not busy(others_load, threads, device):
        return False
    check.status = Status.ERROR
    check.details["machine_busy"] = {"others_load": round(others_load, 2), "threads": threads}
    check.message = (
        f"{check.message}; but other work kept this machine busy during the epoch (load average "
        f"{others_load:.1f} besides the worker's {threads} thread(s)): not charged, regrade on quiet cores"
    )
    return True
