"""The drift shims a grading needed, as notes on the checks they saved (see grader.sandbox.shims).

The worker reports each shim that changed something on the reply of the
request in flight; the client keeps those events with the request's context.
Here each shim's first event is put on the check that request belongs to (a
scheduler built in Model() saved `model.api`, a CUDA checkpoint
`model.load_pretrained`, a stand-in import `structure.import`): the check's
message gets the note, its details list the shims, and a pass becomes a
warning. What a shim costs is the rubric's `[shims]` table (default: nothing,
as the course's VM would have run the code; grader.scoring).

Events come from the worker, where student code runs: only known shim names
are read, and notes are cut short. A forged event can only turn a pass into a
warning.

A stand-in that was called (the code needs the package, not just its import)
fails the check that called it. Where the project's rules allow the package
(project 1's torchvision, by default) that failure is the grading
environment's, not the code's: `no_verdict_without` makes it an `error` (left
out of the score; the result asks for a regrade in a course environment).
Where the rules forbid it (project 2), the code that needs it is wrong anyway
and the failure stands.
"""

from __future__ import annotations

from collections.abc import Iterable

from grader.result import Check, Result, Status
from grader.sandbox.shims import SHIMS
from grader.sandbox.standins import REAL_ONE, PackageNotAvailable

# The request a shim acted in -> the check that request serves (first match; prefixes of the context).
CONTEXT_CHECKS = (
    ("import", "structure.import"),
    ("Model.__init__", "model.api"),
    ("Model.load_pretrained_model", "model.load_pretrained"),
    ("Model.predict", "model.predict_shape"),
    ("Model.train", "model.train_odd_n"),  # the first train() call of a grading (then model.train_time's)
)
NOTE_LIMIT = 400


def check_for(context: str) -> str | None:
    """The check id a request context belongs to (None: no model check; the note goes to the result)."""
    return next((check_id for prefix, check_id in CONTEXT_CHECKS if context.startswith(prefix)), None)


def add_shim_note(check: Check, shim: str, note: str) -> None:
    """Record that `shim` made `check` run: the note in its message and details; a pass becomes a warning."""
    used = check.details.setdefault("shims", [])
    if any(u["shim"] == shim for u in used):
        return
    used.append({"shim": shim, "note": note})
    check.message = f"{check.message}; {note}" if check.message else note
    if check.status == Status.PASS:
        check.status = Status.WARN
        check.details["warned_by_shims"] = True  # scored by the rubric's [shims] table, not its warn_factor


def attach_shim_events(result: Result, events: list[dict]) -> dict:
    """Put each shim's note on the check it saved; returns {shim: note} of what the grading used."""
    by_shim: dict[str, list[dict]] = {}
    for event in events:
        shim = event.get("shim")
        if shim in SHIMS and isinstance(event.get("note"), str):
            by_shim.setdefault(shim, []).append(event)
    used = {}
    for shim, group in by_shim.items():
        note = standin_note(group) if shim == "standins" else group[0]["note"][:NOTE_LIMIT]
        used[shim] = note
        check = result.check(check_for(str(group[0].get("context", ""))) or "")
        if check is not None:
            add_shim_note(check, shim, note)
        else:
            result.notes.append(f"shim {shim}: {note}")
    return used


def standin_names(events: list[dict]) -> dict[str, list[str]]:
    """{'imported': [...], 'used': [...], 'called': [...]}: what the submission took from the stand-ins."""
    out: dict[str, list[str]] = {"imported": [], "used": [], "called": []}
    for event in events:
        detail = event.get("detail") or {}
        name = detail.get("name")
        if not isinstance(name, str):
            continue
        kind = "called" if detail.get("called") else "imported" if detail.get("module") else "used"
        if name[:200] not in out[kind]:
            out[kind].append(name[:200])
    return out


def standin_note(events: list[dict]) -> str:
    names = standin_names(events)
    packages = sorted({n.split(".")[0] for kind in names.values() for n in kind}) or ["a package"]
    taken = names["imported"] + names["used"]
    text = (
        f"{', '.join(packages)} is not installed in the grading environment: a stand-in let your import succeed "
        f"(took {', '.join(taken[:8])}{', ...' if len(taken) > 8 else ''})"
    )
    if names["called"]:
        text += f"; calling {', '.join(names['called'][:4])} failed"
    hint = "; ".join(REAL_ONE.get(p, f"grade env create DIR --with {p}") for p in packages)
    return f"{text} (the real one: {hint}, then --worker-python DIR)"[:NOTE_LIMIT]


def no_verdict_without(checks: list[Check], allowed: Iterable[str], events: list[dict]) -> list[str]:
    """Checks that failed because the code called a stand-in of a package its project allows: `error` (in place).

    Only a failure whose exception is the stand-in's PackageNotAvailable, for a package the worker reported
    calling, changes. Returns the ids changed.
    """
    called = {name.split(".")[0] for name in standin_names(events)["called"]} & set(allowed)
    changed = []
    for check in checks:
        exception = check.details.get("exception")
        if check.status != Status.FAIL or not isinstance(exception, dict):
            continue
        if exception.get("type") != PackageNotAvailable.__name__:
            continue
        package = str(exception.get("message", "")).split(":", 1)[0].split(".", 1)[0]
        if package not in called:
            continue
        check.status = Status.ERROR
        check.details["environment_lacks"] = package
        check.message += (
            f"; no verdict: this project allows {package} and the course's VM had it, but this grading environment "
            "has only a stand-in: regrade with a course environment"
        )
        changed.append(check.id)
    return changed
