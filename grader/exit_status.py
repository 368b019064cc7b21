"""The exit status a result gives `grade`: one rule for the CLI, `grade ci`, batches and the sample-team tests.

0 every required check passed; 1 a required check failed; 2 nothing to score: the path held no gradable
submission (bad input: give another path), or the result is incomplete (a check the grader could not run:
regrade).
"""

from __future__ import annotations

from grader.result import Result

PASSED, FAILED, NOT_SCORED = 0, 1, 2


def exit_status(result: Result) -> int:
    """0, 1 or 2 for this result (see the module's docstring)."""
    if result.not_gradable or result.incomplete:
        return NOT_SCORED
    return FAILED if result.failed_required else PASSED
