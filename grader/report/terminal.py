"""The terminal view: checks grouped by family, with points, and the totals.

Sized to the terminal (COLUMNS, else the tty's width, else 80: what a CI log
gets). Messages are wrapped, never shortened: the end of a message is often
the hint a student needs. Where the terminal leaves the details column at least
MIN_DETAILS wide, a message sits beside its row; on a narrower one it goes on
continuation lines under the check id, so a table row never wraps.
"""

from __future__ import annotations

import shutil
import textwrap

from grader.report.details import FAMILY_TITLES, families, family_points, points, project_scores, pts
from grader.report.markdown import measurements
from grader.report.settings import mode_line
from grader.result import Check, Result

SYMBOL = {"pass": "ok", "fail": "FAIL", "warn": "warn", "error": "ERROR", "skipped": "-"}


MIN_DETAILS = 40  # narrowest details column beside a row; below it, messages go under the row
GAP = "  "
HEADERS = ("", "check", "points")


def terminal_width() -> int:
    """The width to render for: $COLUMNS, the terminal's, or 80 (a pipe, a CI log)."""
    return max(40, shutil.get_terminal_size((80, 24)).columns)


def render(result: Result, *, width: int | None = None, verbose: bool = False) -> str:
    """The human-readable report of one result, `width` columns wide (default: the terminal's)."""
    width = width or terminal_width()
    if result.not_gradable:
        return not_gradable_text(result, width)
    title = f"{result.submission}  ({result.source})"
    if result.scipers:
        title += f"  SCIPER {', '.join(result.scipers)}"
    lines = _wrap(title, width)
    totals = family_points(result)
    groups = {
        f: [c for c in cs if verbose or not c.details.get("not_applicable")] for f, cs in families(result).items()
    }
    groups = {f: cs for f, cs in groups.items() if cs}  # a project left out (--project) shows no empty tables
    layout = _Layout.fit([c for cs in groups.values() for c in cs], width)
    for family, checks in groups.items():
        got, total = totals[family]
        lines.append("")
        lines.append(f"{FAMILY_TITLES.get(family, family)}: {pts(got)}/{pts(total)}")
        lines.extend(layout.table(checks))
    lines.append("")
    footer = [mode_line(result), *measurements(result)]
    footer.extend(f"Note: {note}" for note in result.notes)
    footer.append(_isolation_summary(result.protections))
    if project_scores(result):
        footer.append(f"Projects: {project_scores(result)}")
    footer.append(
        f"Score: {pts(result.score)} / {pts(result.max_score)}"
        + (
            ""
            if result.passed_required
            else f"   ({len(result.failed_required)} required check(s) failed: "
            + ", ".join(c.id for c in result.failed_required[:6])
            + ")"
        )
    )
    footer.append("(* required check; warn: a note, not a failure; `grade checks` lists the checks that only warn)")
    for text in filter(None, footer):
        lines.extend(_wrap(text, width, indent="    "))
    return "\n".join(lines)


def not_gradable_text(result: Result, width: int | None = None) -> str:
    """The one message for a path holding no gradable submission: why, the candidates found, what to give."""
    width = width or terminal_width()
    check = next(c for c in result.checks if c.details.get("not_gradable"))
    lines = _wrap(f"not gradable: {result.source} (nothing was graded, no score)", width, indent="    ")
    lines += _wrap(f"Why: {check.message}", width, indent="    ")
    candidates = check.details.get("candidates") or []
    if candidates:
        lines.append("Candidates found:")
        lines += [f"  {c}" for c in candidates]
    instead = "give one of the candidates above" if candidates else check.details.get("instead", "")
    lines += _wrap(f"Instead: {instead}", width, indent="    ")
    lines += [
        part
        for note in result.notes
        if not note.startswith("not gradable")
        for part in _wrap(f"Note: {note}", width, indent="    ")
    ]
    return "\n".join(lines)


class _Layout:
    """Column widths shared by every family's table, so all of a report lines up the same way."""

    def __init__(self, widths: list[int], width: int):
        self.widths = widths
        self.start = sum(widths) + len(GAP) * len(widths)
        self.beside = width - self.start >= MIN_DETAILS
        self.indent = self.start if self.beside else widths[0] + len(GAP)
        self.message_width = width - self.indent

    @classmethod
    def fit(cls, checks: list[Check], width: int) -> _Layout:
        rows = [_row(c) for c in checks]
        return cls([max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(HEADERS)], width)

    def table(self, checks: list[Check]) -> list[str]:
        """One family's rows: flag, check id, points, and the whole message wrapped to fit."""
        header = GAP.join(h.ljust(w) for h, w in zip(HEADERS, self.widths))
        rule = GAP.join("-" * w for w in self.widths)
        if self.beside:
            header, rule = header + GAP + "details", rule + GAP + "-" * len("details")
        out = [header.rstrip(), rule]
        for check in checks:
            text = GAP.join(cell.ljust(w) for cell, w in zip(_row(check), self.widths))
            wrapped = _wrap(check.message, self.message_width)
            if self.beside and wrapped:
                out.append(text + GAP + wrapped.pop(0))
            else:
                out.append(text.rstrip())
            out.extend(" " * self.indent + part for part in wrapped)
        return out


def _row(check: Check) -> tuple[str, str, str]:
    return SYMBOL[check.status] + ("*" if check.required else ""), check.id, points(check.score, check.max_score)


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`text` in lines of at most `width` characters, every word kept (its own line breaks too); continuation
    lines start with `indent`."""
    return [
        part
        for paragraph in text.splitlines()
        for part in textwrap.wrap(paragraph, max(width, 20), subsequent_indent=indent, break_on_hyphens=False) or [""]
    ]


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
