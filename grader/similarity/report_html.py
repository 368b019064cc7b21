"""similarity.html: the pairs ranked by score, a histogram of every pair's score, and what was left out.

A view of the SimilarityRun only (no script, no external resource). The
histogram counts every compared pair, so a pair far to the right of the bulk
of the class stands out whatever the threshold; bars at or above the
threshold are red, and every non-empty bar carries its count.
"""

from __future__ import annotations

from html import escape

from grader.report.html_page import page
from grader.similarity.result import ProjectStats, SimilarityRun, Team, TeamPair

MAX_ROWS = 1000

EXTRA_CSS = """<style>
.flag { background: #ffebe9; } .flag td:first-child { border-left: 3px solid var(--fail); }
svg.hist { max-width: 640px; width: 100%; height: auto; border: 1px solid #d0d7de; background: #fff; }
.hist .b { fill: #57606a; } .hist .f { fill: var(--fail); } .hist text { font: 10px sans-serif; fill: #1f2328; }
.hist line.t { stroke: var(--fail); stroke-dasharray: 4 3; }
.skip { color: #57606a; font-size: 12px; } td.nowrap { white-space: nowrap; }
</style>"""


def render(run: SimilarityRun) -> str:
    """The whole page."""
    threshold = run.settings["threshold"]
    class_teams = [t for t in run.teams if not t.past]
    past = len(run.teams) - len(class_teams)
    flagged = run.flagged
    sub = (
        f"{len(class_teams)} submissions"
        + (f" and {past} past ones" if past else "")
        + f"; copydetect {escape(run.tool['version'])}, k = {run.settings['k']} normalised characters; "
        f"threshold {threshold:.2f}; {len(flagged)} pair{'s' if len(flagged) != 1 else ''} flagged."
    )
    left_out = ", ".join(escape(t) for t in run.templates) or "nothing"
    body = [
        "<h1>Shared code in the class</h1>",
        f"<p class='sub'>{sub}</p>",
        "<p>Score: the larger of the two shares: how much of one team's code (its Python files, identifiers and "
        "strings normalised, comments and layout ignored) also occurs in the other's. A flag points at a pair "
        "for a person to read side by side; it is not a verdict and changes no grade.</p>",
        f"<p class='why'>Not counted: {left_out}; fragments found in more than "
        f"{100 * run.settings['common_fraction']:.0f}% of the class (at least {run.settings['common_min_teams']} "
        "teams).</p>",
    ]
    for stats in run.projects:
        body.append(_project(stats, threshold))
    body.append(_pairs_table(run))
    body.append(_teams_table(run))
    if run.problems:
        body.append("<h2>Not compared</h2><ul>" + "".join(f"<li>{escape(p)}</li>" for p in run.problems) + "</ul>")
    body.append(f"<footer>n2n-grade {escape(run.grader_version)} · copydetect {escape(run.tool['version'])}</footer>")
    html = page("Shared code in the class", "\n".join(body), wide=True)
    return html.replace("</head>", EXTRA_CSS + "</head>", 1)


def _project(stats: ProjectStats, threshold: float) -> str:
    figures = (
        f"{stats.teams} teams, {stats.pairs} pairs compared; median score {_pct(stats.median)}, "
        f"90th percentile {_pct(stats.p90)}, highest {_pct(stats.max)}; {stats.flagged} at or above "
        f"{_pct(threshold)}; {stats.common_fragments} class-wide fragments left out."
    )
    return (
        f"<h2>Mini-project {stats.project}</h2><p>{figures}</p>"
        f"{histogram_svg(stats.histogram, threshold, stats.project)}"
    )


def histogram_svg(counts: list[int], threshold: float, project: int) -> str:
    """Bars of pair counts per score bin, the threshold as a dashed line."""
    width, height, left, bottom, top = 640, 180, 36, 24, 14
    plot_w, plot_h = width - left - 20, height - bottom - top
    peak = max(counts) if counts and max(counts) else 1
    bins = len(counts)
    step = plot_w / bins
    parts = [
        f"<svg class='hist' viewBox='0 0 {width} {height}' role='img' "
        f"aria-label='Histogram of pair scores, mini-project {project}'>"
    ]
    for i, count in enumerate(counts):
        if not count:
            continue
        h = max(2.0, plot_h * count / peak)
        x, y = left + i * step, top + plot_h - h
        cls = "f" if (i + 1) / bins > threshold else "b"
        parts.append(
            f"<rect class='{cls}' x='{x + 1:.1f}' y='{y:.1f}' width='{step - 2:.1f}' height='{h:.1f}'>"
            f"<title>{i / bins:.2f}–{(i + 1) / bins:.2f}: {count} pairs</title></rect>"
        )
        parts.append(f"<text x='{x + step / 2:.1f}' y='{y - 2:.1f}' text-anchor='middle'>{count}</text>")
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * plot_w
        parts.append(f"<text x='{x:.1f}' y='{height - 8}' text-anchor='middle'>{tick:.2f}</text>")
    x = left + threshold * plot_w
    parts.append(f"<line class='t' x1='{x:.1f}' x2='{x:.1f}' y1='{top - 4}' y2='{top + plot_h}'/>")
    parts.append(f"<line x1='{left}' x2='{left + plot_w}' y1='{top + plot_h}' y2='{top + plot_h}' stroke='#8c959f'/>")
    parts.append("</svg>")
    return "".join(parts)


def _pairs_table(run: SimilarityRun) -> str:
    rows = []
    for rank, pair in enumerate(run.pairs[:MAX_ROWS], 1):
        link = f"<a href='{escape(pair.view)}'>side by side</a>" if pair.view else ""
        flag = "<span class='badge b-fail'>flagged</span>" if pair.flagged else ""
        rows.append(
            f"<tr class='{'flag' if pair.flagged else ''}'><td class='num'>{rank}</td><td>{pair.project}</td>"
            f"<td>{_team(run.team(pair.team_a))}</td><td>{_team(run.team(pair.team_b))}</td>"
            f"<td class='num'>{_pct(pair.score)}</td>"
            f"<td class='num'>{_pct(pair.similarity_a)}</td><td class='num'>{_pct(pair.similarity_b)}</td>"
            f"<td class='num'>{pair.matched_a:,} / {pair.matched_b:,}</td><td>{flag}</td>"
            f"<td class='nowrap'>{link}</td></tr>"
        )
    more = (
        f"<p class='why'>{len(run.pairs) - MAX_ROWS} more listed pairs are in similarity.json.</p>"
        if len(run.pairs) > MAX_ROWS
        else ""
    )
    floor = run.settings["list_floor"]
    return (
        "<h2>Pairs, highest score first</h2>"
        f"<p class='why'>Listed: pairs scoring {_pct(floor)} or more, and each team's most similar team. "
        "A's share: the part of A's code found in B; B's share the other way. Matched: normalised characters "
        "of A / of B.</p>"
        "<table><thead><tr><th class='num'>#</th><th>project</th><th>team A</th><th>team B</th>"
        "<th class='num'>score</th><th class='num'>A's share</th><th class='num'>B's share</th>"
        "<th class='num'>matched</th><th></th><th></th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + more
    )


def _teams_table(run: SimilarityRun) -> str:
    rows = []
    for team in run.teams:
        cells = []
        for project in run.settings["projects"]:
            entry = team.projects.get(str(project))
            if entry is None:
                cells.append("<td class='skip'>no folder</td>")
                continue
            best = team.most_similar.get(str(project))
            best_text = f"{escape(best.team)} ({_pct(best.score)})" if best else ""
            left = [f"{escape(s.path)}: {escape(s.reason)}" for s in entry.skipped] + [escape(n) for n in entry.notes]
            left_html = f"<div class='skip'>{'<br>'.join(left)}</div>" if left else ""
            cells.append(f"<td>{len(entry.files)} files, {entry.tokens:,} chars<br>{best_text}{left_html}</td>")
        notes = "<br>".join(escape(n) for n in team.notes)
        rows.append(
            f"<tr><td>{_team(team)}<div class='skip'>{escape(team.source)}</div></td>{''.join(cells)}"
            f"<td class='skip'>{notes}</td></tr>"
        )
    heads = "".join(f"<th>mini-project {p}: compared, most similar</th>" for p in run.settings["projects"])
    return (
        "<h2>Submissions</h2><table><thead><tr><th>team</th>"
        + heads
        + "<th>notes</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def _team(team: Team) -> str:
    return escape(team.id) + (" <span class='why'>(past)</span>" if team.past else "")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def pair_heading(run: SimilarityRun, pair: TeamPair) -> str:
    """One line naming a pair and its scores (the top of its side-by-side page)."""
    return (
        f"Mini-project {pair.project}: {pair.team_a} vs {pair.team_b}"
        f"{' (past)' if pair.past else ''} — score {_pct(pair.score)}; {_pct(pair.similarity_a)} of "
        f"{pair.team_a}'s code is in {pair.team_b}'s, {_pct(pair.similarity_b)} the other way"
    )
