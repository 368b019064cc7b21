"""The HTML page frame shared by the per-submission report and the class summary: self-contained, no script."""

from __future__ import annotations

from html import escape

CSS = """
:root { --pass:#1a7f37; --fail:#cf222e; --warn:#9a6700; --error:#8250df; --skipped:#6e7781; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f2328;
       background: #f6f8fa; }
main { max-width: 1200px; margin: 0 auto; padding: 24px; background: #fff; }
main.wide { max-width: none; }
.why { color: #57606a; font-size: 12px; overflow-wrap: anywhere; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #d0d7de; }
.sub { color: #57606a; margin: 0 0 12px; }
.score { font-size: 32px; font-weight: 700; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; min-width: 140px; }
.card b { display: block; font-size: 18px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { border-bottom: 1px solid #d8dee4; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; position: sticky; top: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.badge { display: inline-block; min-width: 54px; text-align: center; border-radius: 10px; padding: 0 6px;
         color: #fff; font-size: 12px; font-weight: 600; }
.b-pass { background: var(--pass); } .b-fail { background: var(--fail); } .b-warn { background: var(--warn); }
.b-error { background: var(--error); } .b-skipped { background: var(--skipped); }
.b-incomplete { background: var(--error); } .b-not_gradable { background: var(--error); }
.nums { color: #57606a; font-size: 12px; }
details > summary { cursor: pointer; color: #0969da; font-size: 12px; }
pre { background: #f6f8fa; padding: 8px; overflow-x: auto; font-size: 12px; max-height: 320px; }
.bar { background: #eaeef2; height: 10px; border-radius: 5px; min-width: 120px; }
.bar > span { display: block; height: 10px; border-radius: 5px; background: var(--pass); }
.bar.low > span { background: var(--fail); } .bar.mid > span { background: var(--warn); }
img.figure { max-width: 100%; border: 1px solid #d0d7de; }
ul.locs { margin: 4px 0 0 16px; padding: 0; font-size: 12px; }
footer { color: #57606a; font-size: 12px; margin-top: 24px; }
"""


def page(title: str, body: str, *, wide: bool = False) -> str:
    """A complete HTML5 document around `body` (already-escaped HTML); `wide` drops the width limit."""
    main = '<main class="wide">' if wide else "<main>"
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{main}\n{body}\n</main>\n"
        f"</body>\n</html>\n"
    )


def badge(status: str) -> str:
    """A coloured status label (pass, fail, warn, error, skipped)."""
    return f'<span class="badge b-{escape(status)}">{escape(status)}</span>'


MEANING = {
    "pass": "passed",
    "fail": "failed: points lost",
    "warn": "a note: a slip that only warns, points kept (the rubric's warn_factor)",
    "error": "the grader could not run it: left out of the score, regrade",
    "skipped": "not run (the reason is given; a skip caused by a failure loses its points)",
    "incomplete": "a check in error: regrade",
    "not_gradable": "no submission found at the path given: nothing graded",
}


def legend(statuses) -> str:
    """What each status badge shown on the page means."""
    items = "".join(f"<li>{badge(s)} {escape(MEANING[s])}</li>" for s in statuses if s in MEANING)
    return f"<ul class='legend'>{items}</ul>" if items else ""


def bar(fraction: float | None) -> str:
    """A horizontal bar showing a fraction (a pass rate)."""
    if fraction is None:
        return ""
    width = max(0.0, min(1.0, fraction)) * 100
    tone = "" if fraction >= 0.9 else " mid" if fraction >= 0.5 else " low"  # coloured by rate, not all green
    return f'<div class="bar{tone}" title="{width:.0f}%"><span style="width:{width:.1f}%"></span></div>'


def fmt(value, digits: int = 2, unit: str = "") -> str:
    """A number with fixed decimals, or an en dash when missing."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–"
    return f"{value:.{digits}f}{unit}"
