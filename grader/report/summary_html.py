"""The class summary as a self-contained HTML page: the class table, statistics and per-check pass rates."""

from __future__ import annotations

from html import escape

from tabulate import tabulate

import grader
from grader.report.html_page import badge, bar, legend, page
from grader.report.summary import ClassSummary
from grader.report.summary_tables import (
    CHECK_HEADERS,
    STATS_HEADERS,
    check_rows,
    class_headers,
    class_rows,
    settings_line,
    stats_rows,
    totals_line,
)


def _escaped(rows: list[list]) -> list[list[str]]:
    return [[escape(str(cell)) for cell in row] for row in rows]


def render(summary: ClassSummary) -> str:
    """The page; team names link to each team's report.html next to its result.json."""
    rows = _escaped(class_rows(summary))
    for cells, row in zip(rows, summary.rows):
        if row.folder:
            cells[0] = f"<a href='{escape(row.folder)}/report.html'>{cells[0]}</a>"
        cells[-1] = badge(row.status) + (
            f"<div class='why'>{escape(', '.join(row.failed_required))}</div>" if row.failed_required else ""
        )
    # cells are escaped above, so tabulate may keep them as they are
    table = tabulate(
        rows, headers=[escape(h) for h in class_headers(summary)], tablefmt="unsafehtml", disable_numparse=True
    )
    stats = tabulate(_escaped(stats_rows(summary)), headers=STATS_HEADERS, tablefmt="unsafehtml", disable_numparse=True)
    check_cells = _escaped(check_rows(summary, only_failing=False))
    for cells, stat in zip(check_cells, summary.checks):
        cells[0] = f"<code>{cells[0]}</code>"
        cells[-1] = ("" if stat.pass_rate is None else f"{100 * stat.pass_rate:.0f}%") + bar(stat.pass_rate)
    checks = tabulate(check_cells, headers=CHECK_HEADERS, tablefmt="unsafehtml", disable_numparse=True)
    problems = (
        ("<h2>Unreadable results</h2><ul>" + "".join(f"<li>{escape(p)}</li>" for p in summary.problems) + "</ul>")
        if summary.problems
        else ""
    )
    body = (
        f"<h1>Class results</h1><p class='sub'>{escape(totals_line(summary))}</p>"
        f"<p class='sub'>{escape(settings_line(summary))}</p>{table}"
        f"<h2>Statistics</h2>{stats}<h2>Pass rate per check (lowest first)</h2>{checks}{problems}"
        + legend(["pass", "fail", "incomplete", "error", "not_gradable"])
        + "<p class='sub'>Pass-rate bars: green at 90 % or more, amber from 50 %, red below.</p>"
        f"<footer>n2n-grade {escape(grader.__version__)}</footer>"
    )
    return page("Class results", body, wide=True)
