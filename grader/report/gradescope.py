"""Gradescope's autograder `results.json`: one test per check, the total as the score.

Schema (Gradescope's "Autograder Specifications"): top-level `score`,
`execution_time`, `output` (+ `output_format`), `visibility`,
`stdout_visibility`, `extra_data`, and `tests`, each with `name`, `score`,
`max_score`, `status` ("passed"/"failed"), `output`, `tags`, `visibility`.
A top-level `score` overrides the sum of the tests' scores, which keeps
alternative checks that do not count (the unused upsampling variant) out of it.
"""

from __future__ import annotations

import json

from grader.projects import project_of
from grader.report import markdown
from grader.report.details import graded_projects, key_numbers, locations, package_of, shown, status_of
from grader.report.settings import mode
from grader.result import Check, Result

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")


def _status(check: Check) -> str | None:
    """passed/failed; None for a warning: Gradescope then shows the test without a verdict (a note)."""
    if check.status == "warn":
        return None
    if check.status == "pass":
        return "passed"
    if check.status == "skipped" and not check.max_score:
        return "passed"
    return "failed"


def _output(check: Check, package: str) -> str:
    label = "NOTE (a warning, not a failure)" if check.status == "warn" else check.status.upper()
    lines = [f"{label}: {check.message}" if check.message else label]
    numbers = key_numbers(check)
    if numbers:
        lines.append(", ".join(f"{k} {v}" for k, v in numbers))
    for loc in locations(check, package)[:10]:
        lines.append(f"{loc.path}:{loc.line}: {loc.message}")
    if check.details.get("counted") is False:
        lines.append(f"not counted: the better alternative {check.details.get('alternative_of')} counts")
    return "\n".join(lines)


def to_gradescope(result: Result, *, visibility: str = "visible", stdout_visibility: str = "hidden") -> dict:
    """The results.json dict for one graded submission."""
    if visibility not in VISIBILITIES or stdout_visibility not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}")
    tests = []
    for number, check in enumerate((c for c in result.checks if shown(c)), start=1):
        tags = (
            [check.family, f"project{project_of(check.id).number}"]
            + (["required"] if check.required else [])
            + (["note"] if check.status == "warn" else [])
        )
        test = {
            "name": check.id
            + (" (required)" if check.required else "")
            + (" (note)" if check.status == "warn" else ""),
            "number": str(number),
            "score": float(check.score),
            "max_score": float(check.max_score),
            "status": _status(check),
            "output": _output(check, package_of(result, check)),
            "tags": tags,
            "visibility": visibility,
        }
        tests.append({k: v for k, v in test.items() if v is not None})
    execution = result.timing.get("grading_seconds")
    return {
        "score": float(result.score),
        "execution_time": float(execution) if isinstance(execution, (int, float)) else 0.0,
        "output": markdown.headline(result),
        "output_format": "md",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "extra_data": {
            "status": status_of(result),
            "mode": mode(result),
            "max_score": result.max_score,
            "projects": {p.key: {k: e.get(k) for k in ("score", "max_score")} for p, e in graded_projects(result)},
            "psnr": {k: v for k, v in result.psnr.items() if v is not None},
            "environment": {
                k: result.environment.get(k)
                for k in ("grader_version", "submission_hash", "data_id", "rubric_digest", "device")
                if k in result.environment
            },
        },
        "tests": tests,
    }


def render(result: Result, **kwargs) -> str:
    """results.json as text."""
    return json.dumps(to_gradescope(result, **kwargs), indent=2, allow_nan=False)
