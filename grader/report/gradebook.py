"""Instructor bookkeeping on a class summary: roster, late penalties, manual adjustments, gradebook exports,
and what changed between two runs.

Nothing here changes a result: the final grade of each student is computed
from the summary's score, then

- minus the late penalty (grader.late: the rubric's [late] policy, a deadline,
  and each team's submission time from a CSV `team,submitted`),
- plus the manual adjustments of adjustments.toml:

      [[adjustment]]
      team = "Proj_123456_654321"
      points = 2
      reason = "bestmodel.pth sent by email before the deadline"

The roster (a CSV with `sciper,name,email`) names each student, and lists the
ones without any result ("no submission"). Moodle's and Canvas's grade imports
are two layouts of the same rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import tomllib

from grader.late import LatePolicy, days_late, parse_time
from grader.report.summary import ClassSummary, Row


class BookkeepingError(Exception):
    """A roster, adjustments or times file that cannot be read as documented."""


@dataclass
class GradeRow:
    """One student's line of the gradebook."""

    sciper: str
    name: str = ""
    email: str = ""
    team: str = ""
    status: str = "no submission"
    score: float | None = None
    max_score: float | None = None
    late_days: int = 0
    late_percent: float = 0.0
    adjustment: float = 0.0
    reasons: list[str] = field(default_factory=list)

    @property
    def final(self) -> float | None:
        """The grade after the late penalty and the adjustments (None when there is nothing to grade)."""
        if self.score is None:
            return None
        return round(max(0.0, self.score * (1 - self.late_percent / 100) + self.adjustment), 2)


def _csv_rows(path: Path) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            return [
                {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)
            ]
    except OSError as exc:
        raise BookkeepingError(f"{path}: cannot read ({exc.strerror})") from None


def load_roster(path: Path) -> dict[str, dict[str, str]]:
    """{sciper: {'name', 'email'}} from a CSV with a `sciper` column (and `name`, `email`)."""
    rows = _csv_rows(path)
    if rows and "sciper" not in rows[0]:
        raise BookkeepingError(f"{path}: no 'sciper' column (columns: {', '.join(rows[0])})")
    return {r["sciper"]: {"name": r.get("name", ""), "email": r.get("email", "")} for r in rows if r.get("sciper")}


def load_adjustments(path: Path) -> dict[str, list[tuple[float, str]]]:
    """{team: [(points, reason), ...]} from adjustments.toml."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BookkeepingError(f"{path}: {exc}") from None
    out: dict[str, list[tuple[float, str]]] = {}
    for i, item in enumerate(data.get("adjustment", []), start=1):
        points, team, reason = item.get("points"), item.get("team"), item.get("reason")
        if not team or not isinstance(points, (int, float)) or isinstance(points, bool) or not reason:
            raise BookkeepingError(f"{path}: adjustment {i} needs team, points (a number) and reason")
        out.setdefault(str(team), []).append((float(points), str(reason)))
    return out


def load_times(path: Path) -> dict[str, datetime]:
    """{team: submission time} from a CSV `team,submitted` (ISO 8601 times with a zone)."""
    out = {}
    for row in _csv_rows(path):
        try:
            out[row["team"]] = parse_time(row["submitted"])
        except (KeyError, ValueError) as exc:
            raise BookkeepingError(f"{path}: {exc}; expected columns team,submitted (ISO 8601 with a zone)") from None
    return out


def gradebook(
    summary: ClassSummary,
    *,
    roster: dict[str, dict[str, str]] | None = None,
    adjustments: dict[str, list[tuple[float, str]]] | None = None,
    deadline: datetime | None = None,
    times: dict[str, datetime] | None = None,
    policy: LatePolicy | None = None,
) -> list[GradeRow]:
    """One row per student: every SCIPER of a graded team, then roster students without a result."""
    roster, adjustments, times = roster or {}, adjustments or {}, times or {}
    out: list[GradeRow] = []
    for row in summary.rows:
        late = days_late(times[row.team], deadline) if deadline and row.team in times else 0
        extra = adjustments.get(row.team, [])
        for sciper in row.scipers or [""]:
            out.append(
                GradeRow(
                    sciper=sciper,
                    **roster.get(sciper, {}),
                    team=row.team,
                    status=row.status,
                    score=row.score,
                    max_score=row.max_score,
                    late_days=late,
                    late_percent=(policy or LatePolicy()).penalty_percent(late),
                    adjustment=sum(p for p, _ in extra),
                    reasons=[f"{p:+g}: {r}" for p, r in extra],
                )
            )
    seen = {r.sciper for r in out}
    out += [GradeRow(sciper=s, **info) for s, info in sorted(roster.items()) if s not in seen]
    unknown = sorted(set(adjustments) - {r.team for r in summary.rows})
    if unknown:
        raise BookkeepingError(f"adjustments for teams with no result: {', '.join(unknown)}")
    return out


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def render_gradebook(rows: list[GradeRow], fmt: str, *, column: str = "n2n-grade") -> str:
    """gradebook (every column), moodle (ID number, email, grade, feedback) or canvas (its import layout)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if fmt == "moodle":
        writer.writerow(["ID number", "Email address", "Name", column, "Feedback"])
        for r in rows:
            feedback = "; ".join(
                [r.status, *r.reasons] + ([f"late {r.late_days} day(s): -{r.late_percent:g}%"] if r.late_days else [])
            )
            writer.writerow([r.sciper, r.email, r.name, _num(r.final), feedback])
    elif fmt == "canvas":
        writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column])
        for r in rows:
            writer.writerow([r.name, "", r.sciper, r.email, "", _num(r.final)])
    else:
        writer.writerow(
            [
                "sciper",
                "name",
                "email",
                "team",
                "status",
                "score",
                "max_score",
                "late_days",
                "late_percent",
                "adjustment",
                "reasons",
                "final",
            ]
        )
        for r in rows:
            writer.writerow(
                [
                    r.sciper,
                    r.name,
                    r.email,
                    r.team,
                    r.status,
                    _num(r.score),
                    _num(r.max_score),
                    r.late_days,
                    f"{r.late_percent:g}",
                    f"{r.adjustment:g}",
                    " | ".join(r.reasons),
                    _num(r.final),
                ]
            )
    return buffer.getvalue()


def compare(old: ClassSummary, new: ClassSummary) -> list[str]:
    """What changed between two runs (a regrade), one line per team: score, status, failed required checks."""
    before: dict[str, Row] = {r.team: r for r in old.rows}
    after: dict[str, Row] = {r.team: r for r in new.rows}
    lines = []
    for team in sorted(before.keys() | after.keys()):
        a, b = before.get(team), after.get(team)
        if a is None or b is None:
            lines.append(f"{team}: {'new in' if a is None else 'missing from'} the second run")
            continue
        changes = []
        if a.score != b.score:
            changes.append(f"score {_num(a.score) or '—'} → {_num(b.score) or '—'}")
        if a.status != b.status:
            changes.append(f"status {a.status} → {b.status}")
        fixed, broke = set(a.failed_required) - set(b.failed_required), set(b.failed_required) - set(a.failed_required)
        if fixed:
            changes.append("no longer failing: " + ", ".join(sorted(fixed)))
        if broke:
            changes.append("now failing: " + ", ".join(sorted(broke)))
        if changes:
            lines.append(f"{team}: " + "; ".join(changes))
    return lines
