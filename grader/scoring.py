"""Points from a rubric: the only place where checks become a score.

Every check declares its default points and required flag next to its code
(grader.checks.declare); a rubric file (TOML, the built-in grader/rubric.toml
or `grade --rubric FILE`) overrides them per check id or fnmatch pattern, and
sets the scoring rules: the share of points a warning keeps, the alternatives
of which only the better counts, the PSNR bounds of partial credit, and the
proportion policy ([proportion]: which forbidden calls void a check, what a
check failing for the same cause as an earlier one, or skipped because an
earlier one failed, still costs).

A check in `error` (the grader or the machine failed, not the code) is left
out of the score and of its maximum, with the checks that follow from it; the
result then says it is incomplete and needs a regrade.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import tomllib

from grader.checks.catalog import catalog
from grader.checks.declare import PSNR_GAIN, CheckSpec
from grader.projects import PROJECTS
from grader.result import Check, Result, Status
from grader.sandbox.shims import ALL, SHIMS


class RubricError(ValueError):
    """The rubric file is missing, not TOML, or has entries of the wrong shape."""


@dataclass(frozen=True)
class Override:
    """A rubric entry: a check id or pattern and what it changes (None: the declared value stands)."""

    key: str
    points: float | None = None
    required: bool | None = None

    @property
    def is_pattern(self) -> bool:
        return any(ch in self.key for ch in "*?[")


VOID_POLICIES = ("own_job", "any", "none")  # see grader.checks.voiding
INCOMPLETE_NOTE = "incomplete: regrade"
NOT_REQUESTED_NOTE = "not graded on request"


@dataclass(frozen=True)
class Proportion:
    """The rubric's [proportion] table: how one slip is charged (issue 9 item 6, issue 14 items 3 and 7)."""

    void: str = "own_job"  # which forbidden calls void the checks whose numbers they produced
    same_cause: float = 0.0  # share of its points a check failing for an already charged cause still loses
    follow_on: float = 1.0  # share of its points a check skipped because another failed still loses

    def __post_init__(self):
        if self.void not in VOID_POLICIES:
            raise ValueError(f"void must be one of {', '.join(VOID_POLICIES)}, not {self.void!r}")
        for name in ("same_cause", "follow_on"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number from 0 to 1, not {value!r}")


@dataclass
class Rubric:
    """The declared points and required flags, a rubric file's overrides, and the scoring rules."""

    overrides: list[Override] = field(default_factory=list)
    declared: dict[str, CheckSpec] = field(default_factory=dict)
    warn_factor: float = 1.0
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    psnr: dict[str, float] = field(default_factory=dict)
    shims: dict[str, float] = field(default_factory=dict)  # share of points kept: "keep" for all, or per shim
    worker_python: str | None = None  # [worker] python: the interpreter or virtualenv of the sandboxed worker
    worker_shims: tuple[str, ...] | None = None  # [worker] shims: those switched on (None: all)
    proportion: Proportion = field(default_factory=Proportion)
    mp1: dict[str, str] = field(default_factory=dict)  # [mp1]: torchvision = "warn" | "fail"
    reports: dict[str, str] = field(default_factory=dict)  # [reports]: severity = "warn" | "fail"
    source: str = "built-in"
    digest: str = ""

    def shim_keep(self, shim: str) -> float:
        """The share of a check's points kept when `shim` made it run (1.0 unless the rubric says otherwise)."""
        return self.shims.get(shim, self.shims.get("keep", 1.0))

    def override(self, check_id: str) -> Override | None:
        """The entry for a check id: the exact one, else the first matching pattern."""
        exact = next((o for o in self.overrides if o.key == check_id), None)
        if exact is not None:
            return exact
        return next((o for o in self.overrides if o.is_pattern and fnmatch.fnmatchcase(check_id, o.key)), None)

    def lookup(self, check_id: str) -> tuple[float, bool]:
        """(points, required) for a check id: the rubric's entry where it sets them, else the declaration,
        else (0, False) for an id nothing declares."""
        entry = self.override(check_id) or Override(check_id)
        spec = self.declared.get(check_id)
        points = entry.points if entry.points is not None else (spec.points if spec else 0.0)
        required = entry.required if entry.required is not None else (spec.required if spec else False)
        return points, required

    def table(self) -> list[dict]:
        """Every declared check with the points and required flag this rubric gives it, in order."""
        rows = []
        for check_id, spec in self.declared.items():
            points, required = self.lookup(check_id)
            rows.append(
                {
                    "id": check_id,
                    "points": points,
                    "required": required,
                    "description": spec.description,
                    "warn_only": spec.warn_only,
                }
            )
        return rows

    def to_toml(self) -> str:
        """This rubric as a complete file (every check listed), to copy and edit for `grade --rubric FILE`."""
        lines = [
            f"# Rubric generated by `grade checks --format toml` from {self.source}; edit and pass it with --rubric.",
            "",
            "[scoring]",
            f"warn_factor = {self.warn_factor!r}",
            "",
            "[alternatives]",
            *(f"{name} = {json.dumps(prefixes)}" for name, prefixes in self.alternatives.items()),
            "",
            "[psnr]",
            *(f"{name} = {value!r}" for name, value in self.psnr.items()),
            "",
            "[shims]",
            *(f"{name} = {value!r}" for name, value in self.shims.items()),
            "",
            "[proportion]",
            f"void = {json.dumps(self.proportion.void)}",
            f"same_cause = {self.proportion.same_cause!r}",
            f"follow_on = {self.proportion.follow_on!r}",
            "",
            "[mp1]",
            *(f"{name} = {json.dumps(value)}" for name, value in self.mp1.items()),
            "",
            "[reports]",
            *(f"{name} = {json.dumps(value)}" for name, value in self.reports.items()),
            "",
            "[checks]",
        ]
        for row in self.table():
            flag = "true" if row["required"] else "false"
            lines.append(f'"{row["id"]}" = {{ points = {row["points"]:g}, required = {flag} }}  # {row["description"]}')
        return "\n".join(lines) + "\n"


def _read(path: str | Path | None) -> tuple[str, str]:
    if path is None:
        return resources.files("grader").joinpath("rubric.toml").read_text(), "built-in"
    path = Path(path)
    try:
        return path.read_text(), str(path)
    except OSError as exc:
        raise RubricError(f"cannot read rubric {path}: {exc.strerror}") from None


def _override(source: str, key: str, value: Any) -> Override:
    points, required = (value.get("points"), value.get("required")) if isinstance(value, dict) else (None, None)
    if (
        not isinstance(value, dict)
        or not (points is None or (isinstance(points, (int, float)) and not isinstance(points, bool)))
        or not (required is None or isinstance(required, bool))
    ):
        raise RubricError(f"rubric {source}: checks.{key!r} must be a table like {{ points = 2, required = true }}")
    return Override(key, None if points is None else float(points), required)


def _shims(source: str, table: Any) -> dict[str, float]:
    if not isinstance(table, dict):
        raise RubricError(f"rubric {source}: [shims] must be a table like {{ keep = 1.0 }}")
    out = {}
    for key, value in table.items():
        if key != "keep" and key not in SHIMS:
            raise RubricError(f"rubric {source}: shims.{key}: not a shim (keep, or one of {', '.join(SHIMS)})")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise RubricError(f"rubric {source}: shims.{key} must be a share of the points between 0 and 1")
        out[key] = float(value)
    return out


def _worker(source: str, path: Path | None, table: Any) -> tuple[str | None, tuple[str, ...] | None]:
    """[worker] python (relative to the rubric's folder) and shims (a list, "all" or "none")."""

    if not isinstance(table, dict) or set(table) - {"python", "shims"}:
        raise RubricError(f'rubric {source}: [worker] takes python = "PATH" and shims = [...]')
    python = table.get("python")
    if python is not None:
        if not isinstance(python, str) or not python:
            raise RubricError(f"rubric {source}: worker.python must be a path")
        if path is not None and not Path(python).expanduser().is_absolute():
            python = str((path.parent / python).resolve())
    shims = table.get("shims")
    if shims is not None:
        try:
            shims = parse_shims(shims)
        except ValueError as exc:
            raise RubricError(f"rubric {source}: worker.shims: {exc}") from None
    return python, shims


def parse_shims(value: Any) -> tuple[str, ...]:
    """Shim names from "all", "none", "a,b" or a list; ValueError for a name that is not a shim."""
    if isinstance(value, str):
        if value.strip() in ("all", ""):
            return ALL
        value = [] if value.strip() == "none" else [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError('a list of shim names, "all" or "none"')
    unknown = [v for v in value if v not in SHIMS]
    if unknown:
        raise ValueError(f"{', '.join(unknown)}: not a shim (known: {', '.join(SHIMS)})")
    return tuple(dict.fromkeys(value))


def load_rubric(path: str | Path | None = None) -> Rubric:
    """The declared points with a rubric file's overrides (the built-in grader/rubric.toml when `path` is None)."""
    text, source = _read(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric {source} is not valid TOML: {exc}") from None
    overrides = [_override(source, key, value) for key, value in data.get("checks", {}).items()]
    try:
        proportion = Proportion(**data.get("proportion", {}))
    except (TypeError, ValueError) as exc:
        raise RubricError(f"rubric {source}: [proportion]: {exc}") from None
    mp1 = {k: str(v) for k, v in data.get("mp1", {}).items()}
    if mp1.get("torchvision", "warn") not in ("warn", "fail") or set(mp1) - {"torchvision"}:
        raise RubricError(f'rubric {source}: [mp1]: only torchvision = "warn" or "fail" is known, not {mp1}')
    reports = {k: str(v) for k, v in data.get("reports", {}).items()}
    if reports.get("severity", "warn") not in ("warn", "fail") or set(reports) - {"severity"}:
        raise RubricError(f'rubric {source}: [reports]: only severity = "warn" or "fail" is known, not {reports}')
    worker_python, worker_shims = _worker(source, None if path is None else Path(path), data.get("worker", {}))
    declared = catalog()
    table = [[s.id, s.points, s.required, s.credit] for s in declared.values()]
    return Rubric(
        overrides=overrides,
        declared=declared,
        warn_factor=float(data.get("scoring", {}).get("warn_factor", 1.0)),
        alternatives={k: list(v) for k, v in data.get("alternatives", {}).items()},
        psnr={k: float(v) for k, v in data.get("psnr", {}).items()},
        shims=_shims(source, data.get("shims", {})),
        worker_python=worker_python,
        worker_shims=worker_shims,
        proportion=proportion,
        mp1=mp1,
        reports=reports,
        source=source,
        # the file and the declarations it overrides: changing either changes the points
        digest=hashlib.sha256((text + json.dumps(table)).encode()).hexdigest()[:16],
    )


def _fraction(check: Check, rubric: Rubric) -> float:
    if check.status == Status.PASS:
        fraction = 1.0
    elif check.status == Status.WARN:  # a warning only a shim raised is the [shims] table's to charge
        fraction = 1.0 if check.details.get("warned_by_shims") else rubric.warn_factor
    elif check.status == Status.FAIL and check.details.get("same_cause_as"):
        return 1.0 - rubric.proportion.same_cause  # charged once, at the first check with this cause
    else:
        return 0.0
    for used in check.details.get("shims", []):
        fraction *= rubric.shim_keep(used["shim"])
    spec = rubric.declared.get(check.id)
    if spec is not None and spec.credit == PSNR_GAIN and "gain_db" in check.details:
        zero = rubric.psnr.get("zero_points_gain_db", 0.0)
        full = rubric.psnr.get("full_points_gain_db", 3.0)
        fraction *= min(1.0, max(0.0, (check.details["gain_db"] - zero) / max(1e-9, full - zero)))
    return fraction


def _max_points(check: Check, points: float, result: Result, rubric: Rubric) -> float:
    """What a check counts for in the total: nothing for a grader error and what follows from one; a follow-on
    of a failure counts for the rubric's follow_on share of its points."""
    if check.status == Status.ERROR or (check.status == Status.SKIPPED and check.details.get("not_requested")):
        return 0.0
    if check.status == Status.SKIPPED and check.details.get("because"):
        if result.root_cause(check).status == Status.ERROR:
            return 0.0
        return points * rubric.proportion.follow_on
    return points


def score(result: Result, rubric: Rubric) -> Result:
    """Fill each check's score, max_score and required flag, and the result's totals (in place)."""
    for check in result.checks:
        points, required = rubric.lookup(check.id)
        check.required = required
        if check.details.get("not_applicable"):
            check.max_score, check.score = 0.0, 0.0
            continue
        check.max_score = _max_points(check, points, result, rubric)
        check.score = round(check.max_score * _fraction(check, rubric), 4)
    for prefixes in rubric.alternatives.values():
        totals = {p: sum(c.score for c in result.checks if c.id.startswith(p + ".")) for p in prefixes}
        present = [p for p in prefixes if any(c.id.startswith(p + ".") and c.max_score for c in result.checks)]
        if len(present) > 1:  # both variants graded: the better one counts
            best = max(present, key=lambda p: totals[p])
            for c in result.checks:
                if any(c.id.startswith(p + ".") for p in present if p != best):
                    c.details["counted"] = False
                    c.details["alternative_of"] = best
                    c.max_score, c.score = 0.0, 0.0
    result.score = round(sum(c.score for c in result.checks), 2)
    result.max_score = round(sum(c.max_score for c in result.checks), 2)
    _project_totals(result)
    _incomplete_note(result, rubric)
    _not_requested_note(result, rubric)
    return result


def _project_totals(result: Result) -> None:
    """Each graded mini-project's score and maximum in result.projects (the total is their sum)."""
    for project in PROJECTS.values():
        entry = result.projects.get(project.key)
        if entry is None or not entry.get("graded"):
            continue
        mine = [c for c in result.checks if project.owns(c.id)]
        entry["score"] = round(sum(c.score for c in mine), 2)
        entry["max_score"] = round(sum(c.max_score for c in mine), 2)
        counted = [c for c in mine if not c.details.get("not_applicable") and c.details.get("counted", True)]
        entry["passed_required"] = not any(c in counted for c in result.failed_required)


def _not_requested_note(result: Result, rubric: Rubric) -> None:
    """Say, once, which checks the options switched off (e.g. --no-train) and the points they leave out."""
    result.notes = [n for n in result.notes if not n.startswith(NOT_REQUESTED_NOTE)]
    off = [c for c in result.checks if c.status == Status.SKIPPED and c.details.get("not_requested")]
    if off:
        points = sum(rubric.lookup(c.id)[0] for c in off)
        options = sorted({str(c.details["not_requested"]) for c in off})
        result.notes.append(
            f"{NOT_REQUESTED_NOTE} ({', '.join(options)}): {', '.join(c.id for c in off)}; "
            f"{points:g} points are left out of the maximum"
        )


def _incomplete_note(result: Result, rubric: Rubric) -> None:
    """Say, once, that checks in error were left out of the score and the submission needs a regrade."""
    result.notes = [n for n in result.notes if not n.startswith(INCOMPLETE_NOTE)]
    errors = result.incomplete
    if not errors:
        return
    left_out = [c for c in result.checks if c in errors or result.root_cause(c) in errors]
    points = sum(rubric.lookup(c.id)[0] for c in left_out if c.details.get("counted", True))
    busy = any(c.details.get("machine_busy") for c in errors)
    result.notes.insert(
        0,
        f"{INCOMPLETE_NOTE}: the grader could not run {', '.join(c.id for c in errors)} "
        f"({'the machine was busy' if busy else 'a grader or machine failure, not a verdict on the code'}); "
        f"{points:g} points are left out of the score until it is graded again" + (" on quiet cores" if busy else ""),
    )
