"""Turn static findings and the worker's runtime trace into graded `rules.*` checks.

The static checks (STATIC, from `scan_submission`) each grade some finding
categories of the policy; the runtime checks (RUNTIME, from the worker's trace,
see `runtime_checks`) grade what the code did while the judge ran it. A check's
status is the worst severity among its findings (note counts as pass); a static
scan cannot tell a tensor's `.backward()` from a block's, so its autograd hints
are mostly warnings and the runtime trace decides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.checks.declare import CheckSpec, check
from grader.result import Check, Status
from grader.rules import policy
from grader.rules.policy import (
    AUTOGRAD,
    ENVIRONMENT,
    FAIL,
    FORBIDDEN_IMPORT,
    FORBIDDEN_TORCH,
    GLOBAL_STATE,
    NETWORK,
    NOTE,
    OBFUSCATION,
    PROCESS,
    SYNTAX,
    TAMPERING,
    THIRD_PARTY,
    WARN,
)
from grader.rules.static_scan import NOT_PARSED, Finding, iter_python_files, scan_submission

LISTED_IN_MESSAGE = 5


@dataclass(frozen=True)
class StaticCheck:
    """A static check: its declaration, the finding categories it grades, what it says when there is none."""

    spec: CheckSpec
    categories: frozenset[str]
    clean: str


SYNTAX_CHECK = check("rules.syntax", 0, "every .py file parses", required=True)
STATIC = (
    StaticCheck(
        SYNTAX_CHECK,
        frozenset({SYNTAX}),
        "every Python file parses",
    ),
    StaticCheck(
        check(
            "rules.static_imports",
            5,
            "no forbidden imports or torch calls in the source (file and line for each)",
            required=True,
        ),
        frozenset({FORBIDDEN_TORCH, FORBIDDEN_IMPORT, THIRD_PARTY}),
        "no forbidden imports or torch calls found",
    ),
    StaticCheck(
        check("rules.autograd_static", 0, "no sign of autograd in the source (hints; the runtime trace decides)"),
        frozenset({AUTOGRAD}),
        "no sign of autograd in the source",
    ),
    StaticCheck(
        check(
            "rules.tampering",
            0.5,
            "no monkeypatching, frame walking, gc hunting or grader references in the source",
            required=True,
        ),
        frozenset({TAMPERING}),
        "no monkeypatching, frame walking or grader references found",
    ),
    StaticCheck(
        check(
            "rules.risky_code",
            0,
            "dynamic code, subprocesses, network, environment reads (warning at most)",
            warn_only=True,
        ),
        frozenset({OBFUSCATION, PROCESS, NETWORK, ENVIRONMENT, GLOBAL_STATE}),
        "no dynamic code, subprocesses, network use or global torch settings",
    ),
)

RUNTIME_FORBIDDEN = check(
    "rules.runtime_forbidden",
    5,
    "no forbidden torch function called while the judge ran the code (block.method named)",
    required=True,
)
RUNTIME_AUTOGRAD = check(
    "rules.autograd", 4, "no autograd while running: requires_grad, backward(), grad mode switched on", required=True
)
RUNTIME_TAMPERING = check(
    "rules.runtime_tampering", 0.5, "the worker's trace and torch functions were left intact", required=True
)
IMPORT_SIDE_EFFECTS = check(
    "rules.import_side_effects", 0, "global torch state changed by importing (default dtype, grad mode): notes only"
)
RUNTIME = (RUNTIME_FORBIDDEN, RUNTIME_AUTOGRAD, RUNTIME_TAMPERING, IMPORT_SIDE_EFFECTS)
CHECKS = (*(static.spec for static in STATIC), *RUNTIME)

_RANK = {NOTE: 0, WARN: 1, FAIL: 2}
_STATUS = {NOTE: Status.PASS, WARN: Status.WARN, FAIL: Status.FAIL}


def _worst(severities: Iterable[str]) -> str:
    return max(severities, key=_RANK.__getitem__, default=NOTE)


# ---------------------------------------------------------------- static


def static_checks(root: Path, *, adjust=None, statics: tuple[StaticCheck, ...] = STATIC) -> list[Check]:
    """Scan the package folder `root` and return the static `rules.*` checks.

    Project 2's policy by default; project 1 passes its own `adjust` (see scan_submission) and `statics`.
    """
    root = Path(root)
    return checks_from_findings(scan_submission(root, adjust), len(iter_python_files(root)), statics)


def checks_from_findings(
    findings: list[Finding], files_scanned: int, statics: tuple[StaticCheck, ...] = STATIC
) -> list[Check]:
    """The static checks for these findings; 'skipped' when there was no Python file."""
    checks = []
    for static in statics:
        check_id = static.spec.id
        mine = [f for f in findings if f.category in static.categories]
        if files_scanned == 0:
            checks.append(
                Check(check_id, Status.SKIPPED, "no Python files to scan", {"files_scanned": 0, "findings": []})
            )
            continue
        status = _STATUS[_worst(f.severity for f in mine)]
        details = {"files_scanned": files_scanned, "findings": [dataclasses.asdict(f) for f in mine]}
        checks.append(Check(check_id, status, _static_message(mine, static.clean, files_scanned), details))
    _not_parsed(checks, [f for f in findings if f.category == SYNTAX and f.name in NOT_PARSED])
    return checks


def _not_parsed(checks: list[Check], syntax: list[Finding]) -> None:
    """No free points for code that was not checked (issue 14 item 4).

    A file that does not parse was not scanned. When grading runs it (model.py imports it, or reachability is
    unknown: its finding is a fail), a static check that found nothing elsewhere cannot vouch for the
    submission: it is skipped because rules.syntax failed, and loses its points as the rubric's
    `[proportion] follow_on` says. Files grading never runs only get a mention.
    """
    blocking = sorted({f.file for f in syntax if f.severity == FAIL})
    ignored = sorted({f.file for f in syntax if f.severity != FAIL} - set(blocking))
    for static in checks:
        if static.id == SYNTAX_CHECK.id or static.status in (Status.FAIL, Status.SKIPPED):
            continue
        if blocking:
            static.details["because"] = SYNTAX_CHECK.id
            static.details["not_checked"] = blocking
            static.message = (
                f"skipped (because {SYNTAX_CHECK.id} failed): {', '.join(blocking)} "
                f"{'does' if len(blocking) == 1 else 'do'} not parse, so what grading would run there was not "
                f"checked. In the other files: {static.message}"
            )
            static.status = Status.SKIPPED
        elif ignored:
            static.details["not_checked"] = ignored
            static.message += f"; not checked: {', '.join(ignored)} (does not parse; model.py never imports it)"


def _static_message(findings: list[Finding], clean: str, files_scanned: int) -> str:
    if not findings:
        return f"{clean} ({files_scanned} file{'s' if files_scanned != 1 else ''} scanned)"
    worst = _worst(f.severity for f in findings)
    top = [f for f in findings if f.severity == worst]
    listed = ", ".join(
        f"{f.name} ({f.location()}{'' if f.count == 1 else f' +{f.count - 1}'})" for f in top[:LISTED_IN_MESSAGE]
    )
    more = f" and {len(top) - LISTED_IN_MESSAGE} more" if len(top) > LISTED_IN_MESSAGE else ""
    others = len(findings) - len(top)
    tail = f"; {others} lesser finding{'s' if others != 1 else ''} in details" if others else ""
    label = {FAIL: "found", WARN: "to check", NOTE: "notes"}[worst]
    return f"{label}: {listed}{more}{tail}. First: {top[0].message}"


# ---------------------------------------------------------------- runtime


def _runtime_entries(trace: dict[str, Any]) -> list[dict[str, Any]]:
    """Normalise the trace's calls to dicts with context, name, count, category, severity, reason.

    Accepted shapes: {"calls": {context: {name: count}}} (names re-classified by
    the policy; allowed names are dropped), and a list of dicts with at least
    context, name and count (what grader.sandbox.tracer.Tracer.drain returns),
    under "calls" or "findings".
    """
    raw: list[dict[str, Any]] = []
    calls = trace.get("calls") or {}
    if isinstance(calls, dict):
        for context, names in calls.items():
            for name, count in (names or {}).items():
                entry = dict(count) if isinstance(count, dict) else {"count": count}
                raw.append({"context": context, "name": name, **entry})
    else:
        raw.extend(dict(e) for e in calls)
    raw.extend(dict(e) for e in trace.get("findings") or [])
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in raw:
        name = str(entry.get("name", "?"))
        if "category" not in entry or "severity" not in entry:
            verdict = policy.classify_name(name)
            if verdict is None or verdict.severity == NOTE:
                continue
            entry.setdefault("category", verdict.category)
            entry.setdefault("severity", verdict.severity)
            entry.setdefault("reason", verdict.reason)
        entry.setdefault("reason", "")
        entry["context"] = str(entry.get("context", "?"))
        entry["name"] = name
        entry["count"] = int(entry.get("count", 1))
        if entry["severity"] not in _RANK:
            entry["severity"] = FAIL
        key = (entry["context"], entry["name"])  # the same call reported by several replies
        if key in merged:
            merged[key]["count"] += entry["count"]
        else:
            merged[key] = entry
    out = list(merged.values())
    out.sort(key=lambda e: (-_RANK[e["severity"]], e["context"], e["name"]))
    return out


def _runtime_check(
    check_id: str, entries: list[dict], clean: str, extra: list[tuple[str, str]] = (), details: dict | None = None
) -> Check:
    """The check's verdict: the worst severity among `entries` and the `extra` (severity, message) findings."""
    severities = [e["severity"] for e in entries] + [severity for severity, _ in extra]
    status = _STATUS[_worst(severities)]
    details = {"calls": entries, **(details or {})}
    if status == Status.PASS:
        return Check(check_id, Status.PASS, clean, details)
    worst = _worst(severities)
    top = [e for e in entries if e["severity"] == worst]
    parts = [message for severity, message in extra if severity == worst] + [
        f"{e['context']} called {e['name']} ({e['count']}x{', at ' + e['where'] if e.get('where') else ''})"
        for e in top[:LISTED_IN_MESSAGE]
    ]
    more = len(top) - min(len(top), LISTED_IN_MESSAGE)
    message = "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    reason = top[0]["reason"] if top else ""
    return Check(check_id, status, message + (f". {reason}" if reason else ""), details)


# Grad mode switched on: the names the policy and the worker give it (see grader.rules.policy, sandbox.ops).
GRAD_SWITCHES = policy.GRAD_ON_NAMES | {"grad mode enabled"}
NO_GRAPH = (
    "grad mode was switched on, but no tensor required grad and no backward ran: no graph was built, so "
    "autograd computed nothing (a warning; keep autograd off with torch.set_grad_enabled(False))"
)


def _builds_a_graph(entry: dict) -> bool:
    """Evidence that autograd recorded or used a graph: a tensor requiring grad, a backward, torch.nn parameters."""
    if entry["category"] == AUTOGRAD:
        return entry["severity"] == FAIL and entry["name"] not in GRAD_SWITCHES
    name = entry["name"]
    return name.startswith("torch.nn.") and not name.startswith(("torch.nn.functional.", "torch.nn.init."))


def _grad_switch_only(entries: list[dict]) -> None:
    """Issue 9 item 6c: grad mode switched on without building any graph is a warning, not an autograd violation."""
    if any(_builds_a_graph(e) for e in entries):
        return
    for entry in entries:
        if entry["category"] == AUTOGRAD and entry["name"] in GRAD_SWITCHES and entry["severity"] == FAIL:
            entry["severity"] = WARN
            entry["reason"] = NO_GRAPH


def runtime_checks(trace: dict[str, Any] | list[dict] | None) -> list[Check]:
    """Checks from the worker's runtime trace; all 'skipped' when there is no trace.

    `trace` = {"calls": {"Conv2d.forward": {"torch.nn.functional.conv2d": 3}, ...}
                        (or a list of Tracer.drain() dicts; a bare list is taken as "calls"),
               "grad_mode_enabled_after": ["Model.train", ...],
               "torch_patched": ["zeros", ...],        # torch functions replaced at import
               "import_side_effects": {...}}           # see import_side_effects_check

    A trace the code tampered with cannot vouch for it: then no forbidden call and
    no autograd found is no pass.
    """
    if isinstance(trace, list):
        trace = {"calls": trace}
    if not trace:
        return [
            Check(spec.id, Status.SKIPPED, "no runtime trace: the submission's code did not run") for spec in RUNTIME
        ]
    entries = _runtime_entries(trace)
    _grad_switch_only(entries)
    autograd = [e for e in entries if e["category"] == AUTOGRAD]
    tampering = [e for e in entries if e["category"] == TAMPERING]
    forbidden = [e for e in entries if e["category"] not in (AUTOGRAD, TAMPERING)]
    patched = [str(n) for n in trace.get("torch_patched") or []]
    patched_msgs = [(FAIL, f"torch.{n} was replaced (monkeypatched) while importing the code") for n in patched]
    grad_after = [str(c) for c in trace.get("grad_mode_enabled_after") or []]
    graph = any(_builds_a_graph(e) for e in entries)
    grad_msgs = [(FAIL if graph else WARN, f"grad mode was on after {c}") for c in grad_after]
    if grad_msgs:
        severity, last = grad_msgs[-1]
        tail = (
            " (the code must run with torch.set_grad_enabled(False); something switched autograd back on)"
            if graph
            else f" ({NO_GRAPH})"
        )
        grad_msgs[-1] = (severity, last + tail)
    checks = [
        _runtime_check(RUNTIME_FORBIDDEN.id, forbidden, "no forbidden torch calls while running"),
        _runtime_check(
            RUNTIME_AUTOGRAD.id,
            autograd,
            "no autograd use while running",
            grad_msgs,
            {"grad_mode_enabled_after": grad_after},
        ),
        _runtime_check(
            RUNTIME_TAMPERING.id,
            tampering,
            "no tampering detected while running",
            patched_msgs,
            {"torch_patched": patched},
        ),
        import_side_effects_check(trace.get("import_side_effects") or trace.get("side_effects") or {}),
    ]
    if checks[2].status == Status.FAIL:
        for vouched in checks[:2]:
            if vouched.status == Status.PASS:
                vouched.status = Status.FAIL
                vouched.message = (
                    "the code tampered with the grader's runtime trace (see rules.runtime_tampering), "
                    "so the absence of forbidden calls cannot be established"
                )
    return checks


def import_side_effects_check(effects: dict[str, Any]) -> Check:
    """`rules.import_side_effects`: global torch state changed by importing the code (warn at most).

    Accepts {"default_dtype": "torch.float64" | None, "grad_enabled": bool (right after
    import), "grad_enabled_before": bool (default False)} and the worker's
    {"default_dtype": "float64", "default_dtype_changed": bool, "grad_enabled_changed": bool}.
    """
    warnings, notes = [], []
    dtype = effects.get("default_dtype")
    if "default_dtype_changed" in effects:
        dtype_changed = bool(effects["default_dtype_changed"])
    else:
        dtype_changed = bool(dtype) and str(dtype) not in ("torch.float32", "float32")
    if dtype_changed:
        warnings.append(
            f"importing your code changed torch's default dtype to {dtype} "
            "(torch.set_default_dtype at import): every tensor made without a dtype "
            "changes, in the grader's checks too; set the dtype on your own tensors"
        )
    before = bool(effects.get("grad_enabled_before", False))
    after = effects.get("grad_enabled")
    if after is not None:
        grad_changed = bool(after) != before
    else:
        grad_changed = bool(effects.get("grad_enabled_changed", False))
    if grad_changed and after is False:
        notes.append(
            "importing your code calls torch.set_grad_enabled(False): a global "
            "side effect, harmless here since the rules require autograd off; "
            "prefer doing it in Model.__init__ or train"
        )
    elif grad_changed:
        warnings.append(
            "importing your code switched torch's grad mode "
            + (
                "on (torch.set_grad_enabled(True) at import); the rules require it off"
                if after
                else "(torch.set_grad_enabled at import): a global side effect"
            )
        )
    details = {
        "default_dtype": dtype,
        "default_dtype_changed": dtype_changed,
        "grad_enabled": after,
        "grad_enabled_before": before,
        "grad_enabled_changed": grad_changed,
        "notes": notes,
    }
    if warnings:
        return Check(IMPORT_SIDE_EFFECTS.id, Status.WARN, "; ".join(warnings + notes), details)
    return Check(
        IMPORT_SIDE_EFFECTS.id,
        Status.PASS,
        "; ".join(notes) if notes else "importing the code changed no global torch state",
        details,
    )
