"""The terminal view: checks grouped by family, with points, and the totals."""

from __future__ import annotations

import textwrap

from tabulate import tabulate

from grader.report.details import FAMILY_TITLES, families, family_points, points, project_scores
from grader.report.markdown import measurements
from grader.result import Result

SYMBOL = {"pass": "ok", "fail": "FAIL", "warn": "warn", "error": "ERROR", "skipped": "-"}


def render(result: Result, *, width: int = 100, verbose: bool = False) -> str:
    """The human-readable report of one result."""
    lines = [f"{result.submission}  ({result.source})"]
    if result.scipers:
        lines[0] += f"  SCIPER {', '.join(result.scipers)}"
    msg_width = max(30, width - 62)
    totals = family_points(result)
    for family, checks in families(result).items():
        rows = []
        for c in checks:
            if not verbose and c.details.get("not_applicable"):
                continue
            flag = SYMBOL[c.status] + ("*" if c.required else "")
            message = textwrap.shorten(c.message, msg_width * 2, placeholder=" …")
            rows.append([flag, c.id, points(c.score, c.max_score), "\n".join(textwrap.wrap(message, msg_width))])
        got, total = totals[family]
        lines.append("")
        lines.append(f"{FAMILY_TITLES.get(family, family)}: {got:g}/{total:g}")
        lines.append(tabulate(rows, headers=["", "check", "points", "details"], tablefmt="simple"))
    lines.append("")
    lines += measurements(result)
    for note in result.notes:
        lines.append(f"Note: {note}")
    isolation = _isolation_summary(result.protections)
    if isolation:
        lines.append(isolation)
    if project_scores(result):
        lines.append(f"Projects: {project_scores(result)}")
    lines.append(
        f"Score: {result.score:g} / {result.max_score:g}"
        + (
            ""
            if result.passed_required
            else f"   ({len(result.failed_required)} required check(s) failed: "
            + ", ".join(c.id for c in result.failed_required[:6])
            + ")"
        )
    )
    lines.append("(* required check)")
    return "\n".join(lines)


def _isolation_summary(p: dict) -> str:
    if not p:
        return ""
    held = []
    missing = []
    for key, label in (
        ("namespaces", "namespaces"),
        ("network_isolated", "no network"),
        ("filesystem_isolated", "private filesystem view"),
        ("unprivileged_uid", "unprivileged uid"),
    ):
        (held if p.get(key) else missing).append(label)
    text = "Sandbox: " + ", ".join(held or ["process group and limits only"])
    if missing:
        text += "; not in force: " + ", ".join(missing)
    return text
