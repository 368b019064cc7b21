"""Writing a run: DIR/similarity.json, DIR/similarity.html and DIR/similarity/<pair>.html side-by-side pages."""

from __future__ import annotations

from pathlib import Path

from grader.report.atomic import atomic_write
from grader.similarity import report_html
from grader.similarity.result import HTML_NAME, JSON_NAME
from grader.similarity.run import Analysis, detailed_pairs, library_prints
from grader.similarity.views import side_by_side

VIEWS_DIR = "similarity"


def write_report(analysis: Analysis, out_dir: str | Path) -> list[Path]:
    """Write the side-by-side pages of the detailed pairs, then the JSON and the HTML page; return the paths."""
    out_dir = Path(out_dir)
    run = analysis.run
    written = []
    for rank, pair in enumerate(detailed_pairs(run, analysis.options), 1):
        rel = f"{VIEWS_DIR}/{rank:03d}-p{pair.project}-{pair.team_a}--{pair.team_b}.html"
        prints_a, prints_b = library_prints(analysis, pair)
        html = side_by_side(
            prints_a,
            prints_b,
            k=analysis.options.k,
            heading=report_html.pair_heading(run, pair),
            back=f"../{HTML_NAME}",
        )
        written.append(atomic_write(out_dir / rel, html))
        pair.view = rel
    written.append(atomic_write(out_dir / JSON_NAME, run.to_json()))
    written.append(atomic_write(out_dir / HTML_NAME, report_html.render(run)))
    return written
