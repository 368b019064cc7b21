"""The self-contained HTML report of one submission: checks with their numbers, images when captured."""

from __future__ import annotations

import json
from html import escape

import grader
from grader.report import images as img
from grader.report.details import (
    FAMILY_TITLES,
    families,
    family_points,
    graded_projects,
    key_numbers,
    locations,
    package_of,
    points,
    pts,
    shown,
    status_of,
)
from grader.report.html_page import badge, fmt, legend, page
from grader.report.markdown import VERDICT
from grader.report.settings import mode, mode_line
from grader.result import Check, Result


def _check_row(check: Check, package: str) -> str:
    numbers = key_numbers(check, limit=5)
    nums = (
        "<div class='nums'>" + ", ".join(f"{escape(k)} {escape(v)}" for k, v in numbers) + "</div>" if numbers else ""
    )
    locs = locations(check, package)
    loc_html = (
        (
            "<ul class='locs'>"
            + "".join(f"<li><code>{escape(loc.path)}:{loc.line}</code> {escape(loc.message)}</li>" for loc in locs[:20])
            + "</ul>"
        )
        if locs
        else ""
    )
    details = ""
    if check.details:
        text = json.dumps(check.details, indent=1, default=str)
        if len(text) > 20000:
            text = text[:20000] + "\n…"
        details = f"<details><summary>details</summary><pre>{escape(text)}</pre></details>"
    worth = points(check.score, check.max_score)
    required = " <span title='required'>*</span>" if check.required else ""
    return (
        f"<tr><td>{badge(check.status)}</td><td><code>{escape(check.id)}</code>{required}</td>"
        f"<td class='num'>{worth}</td><td>{escape(check.message)}{nums}{loc_html}{details}</td></tr>"
    )


def _cards(result: Result) -> str:
    """PSNR and epoch-time cards, a row per graded mini-project (titled when there are two)."""
    graded = graded_projects(result)
    return "".join(
        (f"<h3>{escape(p.title)}: {e.get('score', 0):g} / {e.get('max_score', 0):g}</h3>" if len(graded) > 1 else "")
        + _card_row(e.get("psnr") or {}, e.get("timing") or {})
        for p, e in graded
    )


def _card_row(psnr: dict, timing: dict) -> str:
    cards = [
        ("noisy input", fmt(psnr.get("noisy_input"), unit=" dB")),
        ("pretrained", fmt(psnr.get("pretrained"), unit=" dB")),
        ("after training", fmt(psnr.get("trained"), unit=" dB")),
        ("reference", fmt(psnr.get("reference"), unit=" dB")),
        ("epoch time", fmt(timing.get("epoch_seconds"), 1, " s")),
        ("× reference", fmt(timing.get("ratio_to_reference"), 2)),
    ]
    return (
        "<div class='cards'>"
        + "".join(f"<div class='card'>{escape(label)}<b>{escape(value)}</b></div>" for label, value in cards)
        + "</div>"
    )


def _images(samples: img.Samples | None, result: Result) -> str:
    if samples is None:
        return ""
    grid = img.data_uri(img.picture_grid(samples))
    reference = result.psnr.get("reference")
    hist = img.data_uri(img.psnr_histogram(samples, reference=reference if isinstance(reference, float) else None))
    n = len(samples.all_psnr) or len(samples.psnr)
    return (
        f"<h2>Validation images ({escape(samples.label)})</h2>"
        f"<p class='sub'>The first {len(samples.noisy)} validation images: noisy input, the submission's "
        f"output and the clean target, with the output's PSNR.</p>"
        f"<img class='figure' alt='noisy, output and clean validation images' src='{grid}'>"
        f"<h2>PSNR per image</h2><p class='sub'>{n} validation images.</p>"
        f"<img class='figure' alt='histogram of PSNR per image' src='{hist}'>"
    )


def render(result: Result, samples: img.Samples | None = None, *, verbose: bool = False) -> str:
    """The report as a complete HTML document (no external resources, no script)."""
    status = status_of(result)
    parts = [
        f"<h1>{escape(result.submission)}</h1>",
        f"<p class='sub'>{escape(result.source)}"
        + (f" · SCIPER {escape(', '.join(result.scipers))}" if result.scipers else "")
        + "</p>",
        "<div>"
        + ("" if result.not_gradable else f"<span class='score'>{pts(result.score)} / {pts(result.max_score)}</span> ")
        + f"{badge(status)} {escape(VERDICT[status])}</div>",
    ]
    if mode_line(result):
        parts.append(f"<p class='sub mode-{escape(mode(result) or '')}'>{escape(mode_line(result))}</p>")
    if result.failed_required:
        parts.append(
            "<p>Required checks not passed: "
            + ", ".join(f"<code>{escape(c.id)}</code>" for c in result.failed_required)
            + "</p>"
        )
    parts.append(_cards(result))
    totals = family_points(result)
    for family, checks in families(result).items():
        rows = [_check_row(c, package_of(result, c)) for c in checks if shown(c, verbose)]
        if not rows:
            continue
        got, total = totals[family]
        parts.append(
            f"<h2>{escape(FAMILY_TITLES.get(family, family))}: {pts(got)} / {pts(total)}</h2>"
            "<table><colgroup><col style='width:70px'><col style='width:330px'><col style='width:70px'><col>"
            "</colgroup><thead><tr><th></th><th>check</th><th class='num'>points</th><th>details</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>"
        )
    parts.append(_images(samples, result))
    if result.notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in result.notes) + "</ul>")
    env = {k: v for k, v in result.environment.items() if not isinstance(v, (dict, list))}
    if env:
        parts.append(
            "<h2>Environment</h2><table><tbody>"
            + "".join(
                f"<tr><th>{escape(str(k))}</th><td><code>{escape(str(v))}</code></td></tr>" for k, v in env.items()
            )
            + "</tbody></table>"
        )
    parts.append(legend(["pass", "fail", "warn", "error", "skipped"]))
    parts.append(f"<footer>n2n-grade {escape(grader.__version__)} · * required check</footer>")
    return page(f"{result.submission}: {pts(result.score)}/{pts(result.max_score)}", "\n".join(p for p in parts if p))
