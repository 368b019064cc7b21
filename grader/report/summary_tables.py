"""The class summary in text formats: Markdown (github), grid, simple and LaTeX tables, and CSV."""

from __future__ import annotations

import csv
import io

from tabulate import tabulate

from grader.report.details import points, pts
from grader.report.summary import ClassSummary, Row
from grader.similarity.class_column import cell as similarity_cell

TABLEFMT = {"github": "github", "grid": "grid", "latex": "latex_booktabs", "simple": "simple"}
STAT_LABELS = {
    "score": "score",
    "pretrained_psnr": "pretrained PSNR (dB)",
    "trained_psnr": "PSNR after training (dB)",
    "epoch_seconds": "epoch time (s)",
    "ratio_to_reference": "epoch time / reference",
    **{
        f"project{n}_{name}": f"project {n}: {label}"
        for n in ("1", "2")
        for name, label in (
            ("score", "score"),
            ("passed", "required checks passed (mean = pass rate)"),
            ("pretrained_psnr", "pretrained PSNR (dB)"),
            ("trained_psnr", "PSNR after training (dB)"),
        )
    },
}
STATUS_TEXT = {
    "pass": "pass",
    "fail": "FAIL",
    "incomplete": "INCOMPLETE (regrade)",
    "error": "ERROR",
    "not_gradable": "NOT GRADABLE (bad input)",
}


def num(value, digits: int = 2) -> str:
    """Fixed decimals, or an empty cell when missing."""
    return "" if value is None else f"{value:.{digits}f}"


def status_cell(row: Row, limit: int = 3) -> str:
    text = STATUS_TEXT[row.status]
    if row.status == "fail":
        shown = ", ".join(row.failed_required[:limit])
        more = f" +{len(row.failed_required) - limit}" if len(row.failed_required) > limit else ""
        text += f" ({shown}{more})"
    return text


def show_folders(summary: ClassSummary) -> bool:
    """Whether the table needs a folder column: some result folder is not named after its team."""
    return any(r.folder and r.folder != r.team for r in summary.rows)


def show_similarity(summary: ClassSummary) -> bool:
    """Whether the folder had a similarity run (`grade similarity ... --out DIR`)."""
    return any(r.most_similar for r in summary.rows)


def shown_projects(summary: ClassSummary) -> list[str]:
    """The per-project score columns: shown once some team was graded on project 1."""
    return summary.projects if "1" in summary.projects else []


def project_cells(summary: ClassSummary, row: Row) -> list[str]:
    cells = []
    for key in shown_projects(summary):
        entry = row.projects.get(key)
        cells.append(points(entry["score"], entry["max_score"]) if entry and entry.get("max_score") else "")
    return cells


def class_headers(summary: ClassSummary) -> list[str]:
    return (
        ["team"]
        + (["folder"] if show_folders(summary) else [])
        + ["SCIPERs", "score"]
        + [f"project {key}" for key in shown_projects(summary)]
        + summary.families
        + ["pretrained dB", "trained dB", "epoch s", "epoch / ref"]
        + (["most similar team (score)"] if show_similarity(summary) else [])
        + ["status"]
    )


def class_rows(summary: ClassSummary) -> list[list[str]]:
    """The class table's cells, as text."""
    out = []
    folders, similar = show_folders(summary), show_similarity(summary)
    for r in summary.rows:
        fams = [
            points(r.families[f]["score"], r.families[f]["max_score"]) if f in r.families else ""
            for f in summary.families
        ]
        out.append(
            [
                r.team,
                *([r.folder] if folders else []),
                " ".join(r.scipers),
                points(r.score, r.max_score),
                *project_cells(summary, r),
                *fams,
                num(r.pretrained_psnr),
                num(r.trained_psnr),
                num(r.epoch_seconds, 1),
                num(r.ratio_to_reference),
                *([similarity_cell(r.most_similar)] if similar else []),
                status_cell(r),
            ]
        )
    return out


def stats_rows(summary: ClassSummary) -> list[list[str]]:
    return [
        [STAT_LABELS[k], s["n"], num(s["mean"]), num(s["median"]), num(s["min"]), num(s["max"])]
        for k, s in summary.stats.items()
    ]


STATS_HEADERS = ["", "n", "mean", "median", "min", "max"]
CHECK_HEADERS = ["check", "required", "teams", "passed", "failed", "follow-on", "errors", "skipped", "pass rate"]


def check_rows(summary: ClassSummary, *, only_failing: bool = True) -> list[list]:
    """Checks some team did not pass or did not run (lowest pass rate first), or every check."""
    return [
        [
            c.id,
            "yes" if c.required else "",
            c.applicable,
            c.passed,
            c.failed,
            c.follow_on,
            c.errored,
            c.skipped,
            "n/a" if c.pass_rate is None else f"{100 * c.pass_rate:.0f}%",
        ]
        for c in summary.checks
        if not only_failing or c.skipped or c.errored or (c.pass_rate is not None and c.pass_rate < 1)
    ]


def settings_line(summary: ClassSummary) -> str:
    """'Graded in full mode; data ...; rubric ...; grader ...' or, when results differ, the warnings."""
    if summary.mixed:
        return "WARNING: " + " ".join(f"{m}." for m in summary.mixed)
    s = summary.settings
    modes = s.get("mode") or ["unknown"]
    parts = [
        f"Graded in {modes[0]} mode" + (" (--fast: not comparable with a full grade)" if modes == ["fast"] else "")
    ]
    parts += [
        f"{label} {s[k][0]}"
        for k, label in (("data_id", "data"), ("rubric_digest", "rubric"), ("grader_version", "grader"))
        if s.get(k)
    ]
    return "; ".join(parts) + "."


def totals_line(summary: ClassSummary) -> str:
    n = len(summary.rows)
    incomplete = summary.count("incomplete")
    return (
        f"{n} team{'s' if n != 1 else ''}: {summary.count('pass')} passed every required check, "
        f"{summary.count('fail')} failed one or more, "
        + (f"{incomplete} incomplete (to regrade: {', '.join(summary.to_regrade)}), " if incomplete else "")
        + f"{summary.count('error')} could not be graded"
        + (f", {bad} not gradable (no submission at the path given)" if (bad := summary.count("not_gradable")) else "")
    )


def render_text(summary: ClassSummary, fmt: str) -> str:
    """github (Markdown), grid, simple or latex: the class table, statistics and failing checks."""
    tablefmt = TABLEFMT[fmt]
    table = tabulate(class_rows(summary), headers=class_headers(summary), tablefmt=tablefmt, disable_numparse=True)
    stats = tabulate(stats_rows(summary), headers=STATS_HEADERS, tablefmt=tablefmt, disable_numparse=True)
    failing = check_rows(summary)
    passed_all = len(summary.checks) - len(failing)
    checks = tabulate(failing, headers=CHECK_HEADERS, tablefmt=tablefmt, disable_numparse=True) if failing else ""
    checks_note = (
        f"{passed_all} other check{'s' if passed_all != 1 else ''} passed by every team they apply to. "
        "Failed: charged there; follow-on: failed for a cause charged at another check, or skipped because "
        "another check failed. Pass rate: over every team the check applies to, less those it was not graded "
        "for (a grader error, a skip that cost nothing); a skipped check that cost points is not a pass."
    )
    if fmt == "github":
        parts = [
            "## Class results",
            "",
            totals_line(summary) + ". " + settings_line(summary),
            "",
            table,
            "",
            "## Statistics",
            "",
            stats,
            "",
            "## Checks teams fail (lowest pass rate first)",
            "",
            checks or "None.",
            "",
            checks_note,
        ]
    elif fmt == "latex":
        parts = [
            f"% {totals_line(summary)}",
            f"% {settings_line(summary)}",
            table,
            "",
            "% statistics",
            stats,
            "",
            "% checks teams fail",
            checks,
        ]
    else:
        parts = [
            totals_line(summary),
            settings_line(summary),
            "",
            table,
            "",
            stats,
            "",
            "Checks teams fail (lowest pass rate first):",
            checks or "none",
            checks_note,
        ]
    return "\n".join(parts).rstrip() + "\n"


CSV_FIELDS = [
    "sciper",
    "team",
    "score",
    "max_score",
    "status",
    "structure",
    "rules",
    "blocks",
    "model",
    "pretrained_psnr",
    "trained_psnr",
    "epoch_seconds",
    "ratio_to_reference",
    "failed_required",
    "folder",
    "project1_score",
    "project1_max_score",
    "project2_score",
    "project2_max_score",
    "mp1.structure",
    "mp1.rules",
    "mp1.model",
    "project1_pretrained_psnr",
    "project1_trained_psnr",
]


def render_csv(summary: ClassSummary) -> str:
    """One row per student SCIPER (gradebook import); a team without SCIPERs gets one row with an empty one."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in summary.rows:
        base = {
            "team": r.team,
            "score": "" if r.score is None else f"{pts(r.score)}",
            "max_score": "" if r.max_score is None else f"{pts(r.max_score)}",
            "status": r.status,
            **{
                f: f"{pts(r.families[f]['score'])}" if f in r.families else ""
                for f in ("structure", "rules", "blocks", "model")
            },
            "pretrained_psnr": num(r.pretrained_psnr, 4),
            "trained_psnr": num(r.trained_psnr, 4),
            "epoch_seconds": num(r.epoch_seconds, 2),
            "ratio_to_reference": num(r.ratio_to_reference, 4),
            "failed_required": " ".join(r.failed_required),
            "folder": r.folder,
            **{
                f: f"{r.families[f]['score']:g}" if f in r.families else ""
                for f in ("mp1.structure", "mp1.rules", "mp1.model")
            },
            **{
                f"project{key}_{name}": ""
                if r.projects.get(key, {}).get(name) is None
                else f"{r.projects[key][name]:g}"
                for key in ("1", "2")
                for name in ("score", "max_score")
            },
            "project1_pretrained_psnr": num(r.projects.get("1", {}).get("pretrained_psnr"), 4),
            "project1_trained_psnr": num(r.projects.get("1", {}).get("trained_psnr"), 4),
        }
        for sciper in r.scipers or [""]:
            writer.writerow({"sciper": sciper, **base})
    return buffer.getvalue()
