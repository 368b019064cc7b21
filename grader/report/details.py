"""What every view pulls out of a check's details: its key numbers and its source locations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.projects import MP1, PROJECTS, Project, project_of
from grader.result import Check, Result

_TITLES = {"structure": "Structure", "rules": "Rules", "blocks": "Blocks", "model": "Model"}
FAMILY_ORDER = (*_TITLES, *(MP1.prefix + f for f in ("structure", "rules", "model")))
FAMILY_TITLES = {
    **_TITLES,
    **{MP1.prefix + f: f"Mini-project 1: {t.lower()}" for f, t in _TITLES.items()},
    "grader": "Grader",
}

# "Miniproject_2/model.py:80 in load_pretrained_model: state = ..." (an exception frame)
_FRAME = re.compile(r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+)(?: in (?P<func>[^:]+))?(?::\s*(?P<code>.*))?$")
_SEVERITY = {"fail": "error", "warn": "warning", "note": "notice"}
# details keys shown as a check's numbers, in this order, when present
_NUMBER_KEYS = (
    "psnr",
    "gain_db",
    "noisy_input",
    "reference",
    "seconds",
    "budget_seconds",
    "ratio_to_reference",
    "pairs",
    "images",
    "min",
    "max",
    "dtype",
    "shape",
    "bound",
    "max_abs_weight",
)


@dataclass
class Location:
    """A place in the submission a check points at: path relative to the submission root, 1-based line."""

    path: str
    line: int
    message: str
    severity: str  # error | warning | notice (GitHub's annotation levels)
    title: str = ""


def is_error_record(result: Result) -> bool:
    """True for the stand-in result of a submission the grader itself could not grade (crash, timeout)."""
    return any(c.family == "grader" for c in result.checks)


def status_of(result: Result) -> str:
    """'not_gradable' (the path held no submission: bad input), 'error' (not graded), 'incomplete' (a check
    the grader could not run: regrade), 'fail' (a required check failed) or 'pass'."""
    if result.not_gradable:
        return "not_gradable"
    if is_error_record(result):
        return "error"
    if result.incomplete:
        return "incomplete"
    return "fail" if result.failed_required else "pass"


def pts(value: float) -> str:
    """Points as every view writes them: at most two decimals, no trailing zeros ('14.67', '2.5', '5')."""
    return f"{round(float(value), 2):g}"


def points(score: float | None, max_score: float | None) -> str:
    """'3/5' for something worth points, '' for one worth none or not graded (score None)."""
    return f"{pts(score)}/{pts(max_score)}" if score is not None and max_score else ""


def families(result: Result) -> dict[str, list[Check]]:
    """Checks grouped by family, the usual families first."""
    groups: dict[str, list[Check]] = {f: [] for f in FAMILY_ORDER}
    for check in result.checks:
        groups.setdefault(check.family, []).append(check)
    return {k: v for k, v in groups.items() if v}


def family_points(result: Result) -> dict[str, tuple[float, float]]:
    """{family: (score, max_score)} over the checks that count."""
    return {
        fam: (round(sum(c.score for c in checks), 2), round(sum(c.max_score for c in checks), 2))
        for fam, checks in families(result).items()
    }


def shown(check: Check, verbose: bool = False) -> bool:
    """Whether a view lists this check: not-applicable ones only when verbose."""
    return verbose or not check.details.get("not_applicable")


def fmt_number(value: Any) -> str:
    """A compact, human-readable form of a details value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.2e}"
        return f"{value:.4g}"
    if isinstance(value, list):
        return "×".join(str(v) for v in value) if all(isinstance(v, int) for v in value) else str(value)
    return str(value)


def key_numbers(check: Check, limit: int = 4) -> list[tuple[str, str]]:
    """The few measured numbers that explain a verdict, as (label, text) pairs."""
    details = check.details
    comparisons = details.get("comparisons")
    if isinstance(comparisons, list) and comparisons:
        worst = max(
            (c for c in comparisons if isinstance(c, dict)),
            key=lambda c: (not c.get("ok", True), _ratio(c)),
            default=None,
        )
        if worst is not None:
            out = [(k, fmt_number(worst[k])) for k in ("max_abs_err", "tolerance", "max_rel_err") if k in worst]
            return out[:limit]
    out = [(k, fmt_number(details[k])) for k in _NUMBER_KEYS if _simple(details.get(k))]
    return out[:limit]


def _simple(value: Any) -> bool:
    if isinstance(value, list):
        return 0 < len(value) <= 6 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
    return isinstance(value, (int, float, str)) and value != ""


def _ratio(comparison: dict) -> float:
    try:
        return float(comparison.get("max_abs_err", 0)) / max(float(comparison.get("tolerance", 1)), 1e-30)
    except (TypeError, ValueError):
        return 0.0


def package_name(result: Result) -> str:
    """The submission's package folder name (Miniproject_2 unless a near-miss spelling was accepted)."""
    layout = result.check("structure.layout")
    return (layout.details.get("package_name") if layout else None) or "Miniproject_2"


def package_dir(result: Result) -> Path | None:
    """Where the graded package folder was (a temporary folder for zips)."""
    layout = result.check("structure.layout")
    value = layout.details.get("package_dir") if layout else None
    return Path(value) if value else None


def graded_projects(result: Result) -> list[tuple[Project, dict]]:
    """The mini-projects this result graded, in order, with their entry in result.projects (score, figures).

    A result written before project 1 was graded (no `projects`) is project 2's alone.
    """
    if not result.projects:
        return [
            (
                PROJECTS[2],
                {
                    "graded": True,
                    "score": result.score,
                    "max_score": result.max_score,
                    "psnr": result.psnr,
                    "timing": result.timing,
                },
            )
        ]
    return [(p, result.projects[p.key]) for p in PROJECTS.values() if result.projects.get(p.key, {}).get("graded")]


def project_scores(result: Result) -> str:
    """'project 1: 80/100, project 2: 95/100' when the result holds more than one project; else ''."""
    graded = graded_projects(result)
    if len(graded) < 2:
        return ""
    return ", ".join(f"project {p.number}: {e.get('score', 0):g}/{e.get('max_score', 0):g}" for p, e in graded)


def package_of(result: Result, check: Check) -> str:
    """The package folder a check's locations are in (`Miniproject_1` for an mp1.* check)."""
    project = project_of(check.id)
    entry = result.projects.get(project.key) or {}
    if project.prefix:
        return entry.get("package") or project.package
    return package_name(result)


def locations(check: Check, package: str = "Miniproject_2") -> list[Location]:
    """Source locations of a check: its rule findings (file/line), the lines that made its runtime findings'
    calls, and the innermost student frame of an exception."""
    out: list[Location] = []
    for finding in check.details.get("findings") or []:
        if not isinstance(finding, dict) or not finding.get("file"):
            continue
        severity = _SEVERITY.get(str(finding.get("severity")), "warning")
        count = int(finding.get("count") or 1)
        more = f" (and {count - 1} more in this file)" if count > 1 else ""
        out.append(
            Location(
                f"{package}/{finding['file']}",
                int(finding.get("line") or 1),
                f"{finding.get('message') or finding.get('name')}{more}",
                severity,
                f"{check.id}: {finding.get('name', '')}".rstrip(": "),
            )
        )
    for call in check.details.get("calls") or []:  # a runtime finding, at the line that made the call
        match = _FRAME.match(str(call.get("where", ""))) if isinstance(call, dict) else None
        if match and match["path"].startswith(f"{package}/") and call.get("severity") in _SEVERITY:
            text = f"{call.get('context')} called {call.get('name')}: {call.get('reason', '')}".rstrip(": ")
            out.append(Location(match["path"], int(match["line"]), text, _SEVERITY[call["severity"]], check.id))
    exception = check.details.get("exception")
    if isinstance(exception, dict) and check.status in ("fail", "error") and exception.get("own", True):
        for frame in reversed(exception.get("where") or []):  # innermost student frame first
            match = _FRAME.match(str(frame))
            # a frame outside the package (the grader's `ops.py:129`, torch's) is not the student's mistake
            if match and match["path"].startswith(f"{package}/"):
                text = f"{exception.get('type')}: {exception.get('message')}"
                out.append(Location(match["path"], int(match["line"]), text, "error", check.id))
                break
    return out
