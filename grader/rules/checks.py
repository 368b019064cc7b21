"""Turn static findings and the worker's runtime trace into graded `rules.*` checks.

Static checks (from `scan_submission`):

- `rules.syntax`        a file that does not parse (it could not be scanned either)
- `rules.static_imports` forbidden torch API, computational libraries (fail),
                        utility / unknown third-party libraries (warn)
- `rules.autograd_static` autograd hints; mostly warnings because a static scan
                        cannot tell a tensor's `.backward()` from a block's
- `rules.tampering`     monkeypatching, grader references, frame walking, gc
                        hunting, dispatch hooks, ctypes
- `rules.risky_code`    dynamic code, subprocesses, network, environment reads,
                        process-wide torch settings: warn or note, never fail

Runtime checks (from the worker's trace, see `runtime_checks`):

- `rules.runtime_forbidden` forbidden torch calls, by block method and function
- `rules.autograd`          autograd used while running (fail), `.grad_fn` reads (warn)
- `rules.runtime_tampering` tampering the worker detected (e.g. its trace switched off)
- `rules.import_side_effects` default dtype / grad mode changed by importing (never fail)

A check's status is the worst severity among its findings (note counts as
pass). Scores are left at 0: the rubric assigns points.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.result import Check
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
from grader.rules.static_scan import Finding, iter_python_files, scan_submission

LISTED_IN_MESSAGE = 5

# check id -> (categories, what a clean result says)
STATIC_CHECKS: dict[str, tuple[frozenset[str], str]] = {
    "rules.syntax": (frozenset({SYNTAX}), "every Python file parses"),
    "rules.static_imports": (
        frozenset({FORBIDDEN_TORCH, FORBIDDEN_IMPORT, THIRD_PARTY}),
        "no forbidden imports or torch calls found",
    ),
    "rules.autograd_static": (frozenset({AUTOGRAD}), "no sign of autograd in the source"),
    "rules.tampering": (frozenset({TAMPERING}), "no monkeypatching, frame walking or grader references found"),
    "rules.risky_code": (
        frozenset({OBFUSCATION, PROCESS, NETWORK, ENVIRONMENT, GLOBAL_STATE}),
        "no dynamic code, subprocesses, network use or global torch settings",
    ),
}

_RANK = {NOTE: 0, WARN: 1, FAIL: 2}
_STATUS = {NOTE: "pass", WARN: "warn", FAIL: "fail"}


def _worst(severities: Iterable[str]) -> str:
    return max(severities, key=_RANK.__getitem__, default=NOTE)


# ---------------------------------------------------------------- static


def static_checks(root: Path) -> list[Check]:
    """Scan the Miniproject_2 folder `root` and return the static `rules.*` checks."""
    root = Path(root)
    return checks_from_findings(scan_submission(root), len(iter_python_files(root)))


def checks_from_findings(findings: list[Finding], files_scanned: int) -> list[Check]:
    """The static checks for these findings; 'skipped' when there was no Python file."""
    checks = []
    for check_id, (categories, clean) in STATIC_CHECKS.items():
        mine = [f for f in findings if f.category in categories]
        if files_scanned == 0:
            checks.append(Check(check_id, "skipped", "no Python files to scan", {"files_scanned": 0, "findings": []}))
            continue
        status = _STATUS[_worst(f.severity for f in mine)]
        details = {"files_scanned": files_scanned, "findings": [dataclasses.asdict(f) for f in mine]}
        checks.append(Check(check_id, status, _static_message(mine, status, clean, files_scanned), details))
    return checks


def _static_message(findings: list[Finding], status: str, clean: str, files_scanned: int) -> str:
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
    check_id: str, entries: list[dict], clean: str, extra_fail: list[str] = (), details: dict | None = None
) -> Check:
    severities = [e["severity"] for e in entries] + [FAIL] * len(extra_fail)
    status = _STATUS[_worst(severities)]
    details = {"calls": entries, **(details or {})}
    if status == "pass":
        return Check(check_id, "pass", clean, details)
    worst = _worst(severities)
    top = [e for e in entries if e["severity"] == worst]
    parts = list(extra_fail) + [f"{e['context']} called {e['name']} ({e['count']}x)" for e in top[:LISTED_IN_MESSAGE]]
    more = len(extra_fail) + len(top) - len(parts)
    message = "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
    reason = top[0]["reason"] if top else ""
    return Check(check_id, status, message + (f". {reason}" if reason else ""), details)


def runtime_checks(trace: dict[str, Any] | list[dict] | None) -> list[Check]:
    """Checks from the worker's runtime trace; all 'skipped' when there is no trace.

    `trace` = {"calls": {"Conv2d.forward": {"torch.nn.functional.conv2d": 3}, ...}
                        (or a list of Tracer.drain() dicts; a bare list is taken as "calls"),
               "grad_mode_enabled_after": ["Model.train", ...],
               "torch_patched": ["zeros", ...],        # torch functions replaced at import
               "import_side_effects": {...}}           # see import_side_effects_check
    """
    if isinstance(trace, list):
        trace = {"calls": trace}
    ids = ("rules.runtime_forbidden", "rules.autograd", "rules.runtime_tampering", "rules.import_side_effects")
    if not trace:
        return [Check(i, "skipped", "no runtime trace: the submission's code did not run") for i in ids]
    entries = _runtime_entries(trace)
    autograd = [e for e in entries if e["category"] == AUTOGRAD]
    tampering = [e for e in entries if e["category"] == TAMPERING]
    forbidden = [e for e in entries if e["category"] not in (AUTOGRAD, TAMPERING)]
    patched = [str(n) for n in trace.get("torch_patched") or []]
    patched_msgs = [f"torch.{n} was replaced (monkeypatched) while importing the code" for n in patched]
    grad_after = [str(c) for c in trace.get("grad_mode_enabled_after") or []]
    grad_msgs = [f"grad mode was on after {c}" for c in grad_after]
    if grad_msgs:
        grad_msgs[-1] += " (the code must run with torch.set_grad_enabled(False); something switched autograd back on)"
    return [
        _runtime_check("rules.runtime_forbidden", forbidden, "no forbidden torch calls while running"),
        _runtime_check(
            "rules.autograd",
            autograd,
            "no autograd use while running",
            grad_msgs,
            {"grad_mode_enabled_after": grad_after},
        ),
        _runtime_check(
            "rules.runtime_tampering",
            tampering,
            "no tampering detected while running",
            patched_msgs,
            {"torch_patched": patched},
        ),
        import_side_effects_check(trace.get("import_side_effects") or trace.get("side_effects") or {}),
    ]


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
        return Check("rules.import_side_effects", "warn", "; ".join(warnings + notes), details)
    return Check(
        "rules.import_side_effects",
        "pass",
        "; ".join(notes) if notes else "importing the code changed no global torch state",
        details,
    )
