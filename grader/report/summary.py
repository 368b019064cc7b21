"""The class summary: one row per team from a folder of result.json files, and class statistics."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from grader.report.details import FAMILY_ORDER, family_points, graded_projects, status_of
from grader.report.settings import class_settings
from grader.result import Result
from grader.similarity.class_column import most_similar_teams

SORTS = ("score", "psnr", "name")
STAT_FIELDS = ("score", "pretrained_psnr", "trained_psnr", "epoch_seconds", "ratio_to_reference")
# per mini-project: its score, whether its required checks passed (the mean is the pass rate), its PSNRs
PROJECT_STATS = ("score", "passed", "pretrained_psnr", "trained_psnr")


class SummaryError(Exception):
    """The folder holds no readable result."""


@dataclass
class Row:
    """One team's line of the class table."""

    team: str
    scipers: list[str]
    score: float | None
    max_score: float | None
    families: dict[str, dict[str, float]]
    pretrained_psnr: float | None
    trained_psnr: float | None
    epoch_seconds: float | None
    ratio_to_reference: float | None
    status: str  # pass | fail | incomplete (a check in error: regrade) | error (not graded) | not_gradable
    failed_required: list[str]
    folder: str  # the result's folder, relative to the summarised folder
    most_similar: dict | None = None  # from DIR/similarity.json (grader.similarity.class_column)
    # per graded mini-project ("1", "2"): score, max_score, passed (its required checks), PSNRs
    projects: dict[str, dict] = field(default_factory=dict)


@dataclass
class CheckStat:
    """How the class did on one check (over graded teams where it applies).

    `failed` counts the failures charged there; `follow_on` the teams whose check failed for a cause charged
    at another check ("same cause as") or was skipped because another check failed; `skipped` the other
    skips. The pass rate is over every team the check applies to, less those where it was not graded
    (an error, or a skip that costs nothing): a skipped check that cost points is not a pass.
    """

    id: str
    required: bool = False
    applicable: int = 0
    passed: int = 0  # pass or warn
    failed: int = 0
    follow_on: int = 0
    errored: int = 0
    skipped: int = 0
    pass_rate: float | None = None
    ungraded: int = 0  # errors and skips that cost nothing: left out of the pass rate


@dataclass
class ClassSummary:
    rows: list[Row]
    stats: dict[str, dict]
    checks: list[CheckStat]
    problems: list[str] = field(default_factory=list)
    settings: dict[str, list[str]] = field(default_factory=dict)  # grader.report.settings.COMPARED: values seen
    mixed: list[str] = field(default_factory=list)  # one warning per setting that differs between results

    @property
    def families(self) -> list[str]:
        """Check families present in any row, the usual ones first."""
        seen = [f for f in FAMILY_ORDER if any(f in r.families for r in self.rows)]
        return seen + sorted({f for r in self.rows for f in r.families} - set(seen) - {"grader"})

    @property
    def projects(self) -> list[str]:
        """The mini-projects graded for some team ("1", "2"), in order."""
        return sorted({key for r in self.rows for key in r.projects})

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.rows)

    @property
    def to_regrade(self) -> list[str]:
        """Teams whose result is incomplete (a check in error) or was not graded at all: grade them again."""
        return [r.team for r in self.rows if r.status in ("incomplete", "error")]

    def to_dict(self) -> dict:
        """Plain data (the `--format json` output, see schema.json#/$defs/summary)."""
        return {
            "teams": len(self.rows),
            "passed": self.count("pass"),
            "failed": self.count("fail"),
            "incomplete": self.count("incomplete"),
            "errored": self.count("error"),
            "not_gradable": self.count("not_gradable"),
            "to_regrade": self.to_regrade,
            "rows": [asdict(r) for r in self.rows],
            "stats": self.stats,
            "checks": [asdict(c) for c in self.checks],
            "problems": list(self.problems),
            "settings": self.settings,
            "mixed_settings": list(self.mixed),
        }


def load_results(directory: str | Path) -> tuple[list[tuple[str, Result]], list[str]]:
    """(folder, Result) for every DIR/*/result.json (and DIR/result.json), plus problems with unreadable ones."""
    directory = Path(directory)
    if not directory.is_dir():
        raise SummaryError(f"{directory}: not a folder; give the folder written by `grade PATH... --out DIR`")
    files = sorted(directory.glob("*/result.json"))
    if (directory / "result.json").is_file():
        files.insert(0, directory / "result.json")
    found, problems = [], []
    for path in files:
        try:
            data = json.loads(path.read_text())
            if not isinstance(data, dict) or "submission" not in data or "checks" not in data:
                raise ValueError("no 'submission' and 'checks' fields")
            result = Result.from_dict(data)
        except json.JSONDecodeError as exc:
            problems.append(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})")
            continue
        except (OSError, TypeError, ValueError, KeyError) as exc:
            problems.append(f"{path}: not a grader result.json ({exc})")
            continue
        found.append((path.parent.relative_to(directory).as_posix(), result))
    return found, problems


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def row_of(result: Result, folder: str = "") -> Row:
    """The class-table row of one result."""
    status = status_of(result)
    graded = status not in ("error", "not_gradable")  # an incomplete result has a (partial) score
    return Row(
        team=result.submission,
        scipers=list(result.scipers),
        score=result.score if graded else None,
        max_score=result.max_score if graded else None,
        families={
            f: {"score": s, "max_score": m} for f, (s, m) in family_points(result).items() if f != "grader" and graded
        },
        pretrained_psnr=_number(result.psnr.get("pretrained")),
        trained_psnr=_number(result.psnr.get("trained")),
        epoch_seconds=_number(result.timing.get("epoch_seconds")),
        ratio_to_reference=_number(result.timing.get("ratio_to_reference")),
        status=status,
        failed_required=[c.id for c in result.failed_required],
        folder=folder,
        projects={} if not graded else {p.key: _project_cells(e) for p, e in graded_projects(result)},
    )


def _project_cells(entry: dict) -> dict:
    psnr = entry.get("psnr") or {}
    return {
        "score": _number(entry.get("score")),
        "max_score": _number(entry.get("max_score")),
        "passed": entry.get("passed_required"),
        "pretrained_psnr": _number(psnr.get("pretrained")),
        "trained_psnr": _number(psnr.get("trained")),
    }


def _stat(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 4),
        "median": round(statistics.median(values), 4),
        "min": min(values),
        "max": max(values),
    }


def check_stats(results: list[Result]) -> list[CheckStat]:
    """Per check: teams it applies to, their verdicts, and the pass rate among the teams it was graded for.

    Lowest pass rate first; checks graded for no team last.
    """
    stats: dict[str, CheckStat] = {}
    for result in results:
        if status_of(result) in ("error", "not_gradable"):  # nothing of the code was checked
            continue
        for check in result.checks:
            if check.details.get("not_applicable") or check.details.get("counted") is False:
                continue
            stat = stats.setdefault(check.id, CheckStat(check.id))
            stat.required = stat.required or check.required
            stat.applicable += 1
            if check.status in ("pass", "warn"):
                stat.passed += 1
            elif check.status == "fail" and not check.details.get("same_cause_as"):
                stat.failed += 1
            elif check.status == "fail" or check.details.get("because"):
                stat.follow_on += 1
            elif check.status == "error":
                stat.errored += 1
            else:
                stat.skipped += 1
            if check.status == "error" or (check.status == "skipped" and not check.max_score):
                stat.ungraded += 1  # no verdict on the code, nothing lost: not part of the pass rate
    for stat in stats.values():
        assessed = stat.applicable - stat.ungraded
        stat.pass_rate = round(stat.passed / assessed, 4) if assessed else None
    return sorted(stats.values(), key=lambda s: (s.pass_rate if s.pass_rate is not None else 2.0, s.id))


def _sort_key(sort: str):
    if sort == "name":
        return lambda r: r.team.lower()
    if sort == "psnr":
        return lambda r: (r.pretrained_psnr is None, -(r.pretrained_psnr or 0.0), r.team.lower())
    return lambda r: (r.score is None, -(r.score or 0.0), r.team.lower())


def summarize(
    results: list[Result] | list[tuple[str, Result]], *, sort: str = "score", problems: list[str] | None = None
) -> ClassSummary:
    """The class summary of these results (bare, or (folder, result) pairs)."""
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    pairs = [item if isinstance(item, tuple) else ("", item) for item in results]
    rows = sorted((row_of(r, folder) for folder, r in pairs), key=_sort_key(sort))
    graded = [r for r in rows if r.status != "error"]
    stats = {name: _stat([getattr(r, name) for r in graded if getattr(r, name) is not None]) for name in STAT_FIELDS}
    for key in sorted({k for r in graded for k in r.projects}):
        for name in PROJECT_STATS:
            values = [r.projects[key].get(name) for r in graded if key in r.projects]
            stats[f"project{key}_{name}"] = _stat([float(v) for v in values if v is not None])
    seen, mixed = class_settings([r for _, r in pairs])
    return ClassSummary(rows, stats, check_stats([r for _, r in pairs]), list(problems or []), seen, mixed)


def summarize_folder(directory: str | Path, *, sort: str = "score") -> ClassSummary:
    """Read DIR/*/result.json and summarise; SummaryError when none is readable."""
    found, problems = load_results(directory)
    if not found:
        detail = ("; ".join(problems[:3])) if problems else "no */result.json in it"
        raise SummaryError(
            f"{directory}: no grader results to summarise ({detail}); write them with `grade PATH... --out DIR`"
        )
    summary = summarize(found, sort=sort, problems=problems)
    matches, problem = most_similar_teams(directory)
    for row in summary.rows:
        row.most_similar = matches.get(row.folder) or matches.get(row.team)
    summary.problems += [problem] if problem else []
    return summary
