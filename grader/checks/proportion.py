"""One root cause, one failed check: follow-on checks and checks that failed for the same cause.

Two ways one slip shows up in many checks (issue 9 item 6b, issue 14 item 3):

- **Follow-ons**: a check that could not examine its aspect because another
  check failed first (model.py did not import; the same exception, raised at
  the same line of the student's code, stopped several checks of one block or
  of the Model). It becomes `skipped` with details["because"] = the id of the
  first check; the message says so. Its points are lost or not per the
  rubric's `[proportion] follow_on` (grader.scoring): the code was never
  checked there, so by default they are lost, as before, but the failure
  tables show one failure.
- **Same cause**: checks that ran and failed for a cause the grader diagnosed
  (details["cause"], set where the block and model checks can tell, e.g. a
  Conv2d built with (out, in) channels: every configuration fails, every one
  would pass without that slip). The first (in check order) is charged; the
  others keep their status and get details["same_cause_as"] and the rubric's
  `[proportion] same_cause` deduction (default none).

Everything here works on a result's checks after they ran, in place.
"""

from __future__ import annotations

from grader.result import Check, Status

IMPORT_ID = "structure.import"


def follow_on(check: Check, because: str, why: str) -> None:
    """Mark `check` as skipped because check `because` failed (in place); `why` says what stopped it."""
    if check.details.get("not_applicable") or check.status == Status.PASS:
        return
    check.details["because"] = because
    if check.message and "not_run_message" not in check.details:
        check.details["not_run_message"] = check.message
    check.status = Status.SKIPPED
    check.message = f"skipped (because {because} failed): {why}"


def after_failed_import(checks: list[Check]) -> None:
    """model.py did not import: every block and model check, and the runtime rules, follow from that."""
    for check in checks:
        runtime_rule = check.family == "rules" and check.status == Status.SKIPPED and not check.details.get("because")
        if check.family in ("blocks", "model") or runtime_rule:
            follow_on(check, IMPORT_ID, "model.py did not import, so this was not run")


# A skipped check that names no reason follows from the first of these that failed (the Model checks skip
# without naming it: no Model() to call, no pretrained model loaded, no finished epoch).
PREREQUISITES = {
    "model.pretrained_psnr": ("model.load_pretrained", "model.api"),
    "model.trained_psnr": ("model.train_time", "model.api"),
}
_MODEL_API = ("model.api",)


def skipped_for_a_failure(checks: list[Check]) -> None:
    """Give a skipped Model check whose prerequisite failed its details["because"] (in place)."""
    by_id = {c.id: c for c in checks}
    for check in checks:
        if check.status != Status.SKIPPED or check.details.get("because") or check.details.get("not_applicable"):
            continue
        if check.family != "model" or check.id == "model.api":
            continue
        for prerequisite in PREREQUISITES.get(check.id, _MODEL_API):
            cause = by_id.get(prerequisite)
            if cause is not None and (cause.status in (Status.FAIL, Status.ERROR) or cause.details.get("because")):
                follow_on(check, cause.id, check.message or "not run")
                break


def _group(check: Check) -> str:
    """Checks of one block ('blocks.Conv2d') or of the Model ('model') share a crash group."""
    parts = check.id.split(".")
    return ".".join(parts[:2]) if parts[0] == "blocks" else parts[0]


def _crash_key(check: Check) -> tuple | None:
    """(group, exception type, the innermost student frame) of a failed check that raised, or (group, how the
    worker failed) for one whose worker the code stopped (os._exit, an output flood)."""
    if check.status != Status.FAIL or check.details.get("same_cause_as"):
        return None
    worker = check.details.get("worker")
    if isinstance(worker, dict) and worker.get("reason"):
        return _group(check), f"worker failure ({worker['reason']})", ""
    exception = check.details.get("exception")
    if not isinstance(exception, dict):
        return None
    where = exception.get("where") if exception.get("own", True) else None
    # the line of the submission that raised it; with none, the exception type alone (the message varies with
    # the configuration: "no weight of shape [5, 3, 3, 3]" and "[4, 3, 3, 3]" are one slip)
    place = str(where[-1]).split(" in ", 1)[0] if where else "no line of the submission"
    return _group(check), str(exception.get("type")), place


SYNTAX_ID = "rules.syntax"
_SYNTAX_ERRORS = ("SyntaxError", "IndentationError", "TabError")


def _import_failed_on_syntax(checks: list[Check]) -> None:
    """The import raised the SyntaxError rules.syntax already reported: one cause, charged there."""
    by_id = {c.id: c for c in checks}
    syntax, imported = by_id.get(SYNTAX_ID), by_id.get(IMPORT_ID)
    if syntax is None or imported is None or syntax.status != Status.FAIL or imported.status != Status.FAIL:
        return
    if (imported.details.get("exception") or {}).get("type") in _SYNTAX_ERRORS:
        for check in (syntax, imported):
            check.details.setdefault("cause", "syntax_error")
            check.details.setdefault("cause_text", "a file model.py imports does not parse")


def charge_once(checks: list[Check]) -> None:
    """Diagnosed causes charged at their first check; repeated crashes turned into follow-ons (in place)."""
    _import_failed_on_syntax(checks)
    first_by_cause: dict[str, Check] = {}
    for check in checks:
        cause = check.details.get("cause")
        if check.status != Status.FAIL or not cause or check.details.get("not_applicable"):
            continue
        first = first_by_cause.setdefault(str(cause), check)
        if first is not check:
            check.details["same_cause_as"] = first.id
            text = first.details.get("cause_text") or check.details.get("cause_text") or str(cause)
            check.message = f"same cause as {first.id}, charged there ({text}): {check.message}"
    first_by_crash: dict[tuple, Check] = {}
    for check in checks:
        key = _crash_key(check)
        if key is None or check.details.get("not_applicable"):
            continue
        first = first_by_crash.setdefault(key, check)
        if first is not check:
            follow_on(check, first.id, f"the same {key[1]} stopped this check too ({check.message})")
