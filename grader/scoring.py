"""Points from a rubric (TOML): the only place where checks become a score."""

from __future__ import annotations

import fnmatch
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import tomllib

from grader.result import Check, Result


class RubricError(ValueError):
    """The rubric file is missing, not TOML, or has entries of the wrong shape."""


@dataclass
class Rubric:
    """Points and required flags per check id or pattern, plus PSNR scoring parameters."""

    entries: list[tuple[str, float, bool]]
    warn_factor: float = 1.0
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    psnr: dict[str, float] = field(default_factory=dict)
    source: str = "built-in"
    digest: str = ""

    def lookup(self, check_id: str) -> tuple[float, bool]:
        """(points, required) for a check id: the exact entry, else the first matching pattern, else (0, False)."""
        for key, points, required in self.entries:
            if key == check_id:
                return points, required
        for key, points, required in self.entries:
            if any(ch in key for ch in "*?[") and fnmatch.fnmatchcase(check_id, key):
                return points, required
        return 0.0, False


def load_rubric(path: str | Path | None = None) -> Rubric:
    """Read a rubric file (the built-in grader/rubric.toml when `path` is None)."""
    if path is None:
        text = resources.files("grader").joinpath("rubric.toml").read_text()
        source = "built-in"
    else:
        path = Path(path)
        try:
            text = path.read_text()
        except OSError as exc:
            raise RubricError(f"cannot read rubric {path}: {exc.strerror}") from None
        source = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"rubric {source} is not valid TOML: {exc}") from None
    entries = []
    for key, value in data.get("checks", {}).items():
        if not isinstance(value, dict) or not isinstance(value.get("points", 0), (int, float)):
            raise RubricError(f"rubric {source}: checks.{key!r} must be a table like {{ points = 2, required = true }}")
        entries.append((key, float(value.get("points", 0)), bool(value.get("required", False))))
    if not entries:
        raise RubricError(f"rubric {source} has no [checks] entries")
    return Rubric(
        entries=entries,
        warn_factor=float(data.get("scoring", {}).get("warn_factor", 1.0)),
        alternatives={k: list(v) for k, v in data.get("alternatives", {}).items()},
        psnr={k: float(v) for k, v in data.get("psnr", {}).items()},
        source=source,
        digest=hashlib.sha256(text.encode()).hexdigest()[:16],
    )


def _fraction(check: Check, rubric: Rubric) -> float:
    if check.status == "pass":
        fraction = 1.0
    elif check.status == "warn":
        fraction = rubric.warn_factor
    else:
        return 0.0
    if check.id == "model.pretrained_psnr" and "gain_db" in check.details:
        zero = rubric.psnr.get("zero_points_gain_db", 0.0)
        full = rubric.psnr.get("full_points_gain_db", 3.0)
        fraction *= min(1.0, max(0.0, (check.details["gain_db"] - zero) / max(1e-9, full - zero)))
    return fraction


def score(result: Result, rubric: Rubric) -> Result:
    """Fill each check's score, max_score and required flag, and the result's totals (in place)."""
    for check in result.checks:
        points, required = rubric.lookup(check.id)
        check.required = required
        if check.details.get("not_applicable"):
            check.max_score, check.score = 0.0, 0.0
            continue
        check.max_score = points
        check.score = round(points * _fraction(check, rubric), 4)
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
    return result
