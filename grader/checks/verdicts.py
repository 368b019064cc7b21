"""The verdict of a check that could not run to its end: who failed decides the status.

- The student's code raised: the submission is wrong there, the check fails
  (or warns, for a clause the handout leaves open), with the exception in its details.
- The worker failed (hung, died, broke a limit): that says nothing about the code
  being checked, so the check is an `error`, with the worker's report in its details.
- The grader itself failed: `error` again, saying it is the grader's bug.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.result import Check, Status
from grader.sandbox.client import StudentRaised
from grader.sandbox.supervisor import WorkerFailure

# What the judge may catch around a worker request: the student's exception or the worker's failure.
RUN_FAILURES = (StudentRaised, WorkerFailure)


def failure_check(
    check_id: str, exc: Exception, *, prefix: str = "", student: Status = Status.FAIL, details: dict | None = None
) -> Check:
    """The check's verdict when running it raised `exc` (a StudentRaised or WorkerFailure; anything else propagates).

    `prefix` opens the message (what was being done); `student` is the status when the student's code raised.
    """
    if isinstance(exc, WorkerFailure):
        return Check(
            check_id, Status.ERROR, f"{prefix}{exc.message}", details={**(details or {}), "worker": exc.to_dict()}
        )
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
