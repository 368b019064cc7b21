"""The Markdown view of one result: a README-style report, and GitHub's job summary."""

from __future__ import annotations

from grader.report.details import (
    FAMILY_TITLES,
    families,
    family_points,
    graded_projects,
    key_numbers,
    locations,
    package_of,
    points,
    project_scores,
    pts,
    shown,
    status_of,
)
from grader.report.settings import mode_line
from grader.result import Result

ICON = {
    "pass": "✅",
    "fail": "❌",
    "warn": "⚠️",
    "error": "💥",
    "skipped": "➖",
    "incomplete": "⏳",
    "not_gradable": "🚫",
}
VERDICT = {
    "pass": "all required checks passed",
    "fail": "required checks failed",
    "error": "could not be graded",
    "incomplete": "incomplete: regrade (checks the grader could not run are left out of the score)",
    "not_gradable": "not gradable: no submission found at the path given (nothing graded, no score)",
}


def cell(text: str, limit: int = 300) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, one line, at most `limit` characters."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    parts = text.replace("<", "&lt;").replace(">", "&gt;").split("`")
    # Markdown emphasis characters are escaped outside code spans only (inside them a backslash shows).
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("\\", "\\\\").replace("_", "\\_").replace("*", "\\*")
    return "`".join(parts).replace("|", "\\|")


def measurements(result: Result) -> list[str]:
    """PSNR and epoch-time lines, when measured: one set per graded mini-project (named when there are two)."""
    graded = graded_projects(result)
    lines = []
    for project, entry in graded:
        named = [f"{project.title}: {line}" for line in _measured(entry.get("psnr") or {}, entry.get("timing") or {})]
        lines += named if len(graded) > 1 else [line.split(": ", 1)[1] for line in named]
    return lines


def _measured(psnr: dict, timing: dict) -> list[str]:
    lines = []
    labels = (
        ("noisy_input", "noisy input"),
        ("pretrained", "pretrained"),
        ("trained", "after training"),
        ("reference", "reference (pretrained)"),
        ("reference_trained", "reference after training"),
    )
    parts = [f"{label} {psnr[key]:.2f}" for key, label in labels if isinstance(psnr.get(key), (int, float))]
    if parts:
        lines.append("PSNR (dB, mean per image): " + ", ".join(parts))
    if isinstance(timing.get("epoch_seconds"), (int, float)):
        text = f"Training: one epoch of {timing.get('epoch_pairs', '?')} pairs in {timing['epoch_seconds']:.1f} s"
        if isinstance(timing.get("budget_seconds"), (int, float)):
            text += f" (budget {timing['budget_seconds']:.0f} s)"
        if isinstance(timing.get("ratio_to_reference"), (int, float)):
            text += f", {timing['ratio_to_reference']:.2f}× the reference"
        lines.append(text)
    return lines


def headline(result: Result) -> str:
    """Two or three Markdown lines: the score and the verdict, then the measurements."""
    status = status_of(result)
    if status == "not_gradable":
        return f"**{result.submission}**: {VERDICT[status]}: {cell(result.checks[0].message, 600)}"
    text = f"**{result.submission}**: {pts(result.score)} / {pts(result.max_score)} points, {VERDICT[status]}"
    if project_scores(result):
        text += f" ({project_scores(result)})"
    if status == "fail":
        text += ": " + ", ".join(f"`{c.id}`" for c in result.failed_required[:8])
    lines = [text, *measurements(result), mode_line(result)]
    return "\n\n".join(line for line in lines if line)


def render(result: Result, *, verbose: bool = False, title_level: int = 2) -> str:
    """The whole report as Markdown."""
    h = "#" * title_level
    out = [
        f"{h} {ICON[status_of(result)]} {cell(result.submission)}: {pts(result.score)} / {pts(result.max_score)}",
        "",
    ]
    if result.scipers:
        out += [f"SCIPER: {', '.join(result.scipers)}", ""]
    out += [headline(result), ""]
    totals = family_points(result)
    for family, checks in families(result).items():
        rows = [c for c in checks if shown(c, verbose)]
        if not rows:
            continue
        got, total = totals[family]
        out += [
            f"{h}# {FAMILY_TITLES.get(family, family)}: {pts(got)}/{pts(total)}",
            "",
            "| | check | points | details |",
            "|---|---|---|---|",
        ]
        for c in rows:
            numbers = "; ".join(f"{k} {v}" for k, v in key_numbers(c))
            detail = cell(c.message) + (f" <br>*{cell(numbers)}*" if numbers else "")
            star = " \\*" if c.required else ""
            out.append(f"| {ICON[c.status]} | `{c.id}`{star} | {points(c.score, c.max_score)} | {detail} |")
        out.append("")
    places = [
        (c, loc)
        for c in result.checks
        if c.status in ("fail", "error", "warn")
        for loc in locations(c, package_of(result, c))
    ]
    if places:
        out += [f"{h}# Where to look", ""]
        out += [f"- `{loc.path}:{loc.line}` ({c.id}): {cell(loc.message, 400)}" for c, loc in places[:40]]
        out.append("")
    if result.notes:
        out += [f"{h}# Notes", ""] + [f"- {cell(n, 600)}" for n in result.notes] + [""]
    env = result.environment
    facts = [
        f"{k} `{env[k]}`"
        for k in ("grader_version", "device", "data_id", "n_train", "n_val", "rubric_digest")
        if k in env
    ]
    if facts:
        out += ["<sub>" + ", ".join(facts) + ". \\* required check.</sub>", ""]
    return "\n".join(out)
