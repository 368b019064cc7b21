"""The class summary in every format, and the class-level files a batch leaves next to the team folders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from grader.report import junit, summary_html, summary_tables
from grader.report.atomic import atomic_write
from grader.report.summary import ClassSummary, load_results, summarize_folder

FORMATS = ("github", "grid", "csv", "latex", "html", "json")
CLASS_FILES = {"summary.md": "github", "summary.csv": "csv", "summary.html": "html", "summary.json": "json"}


def render(summary: ClassSummary, fmt: str = "github") -> str:
    """The summary in one of FORMATS (or `simple`, the terminal's table); html is a complete page."""
    if fmt == "csv":
        return summary_tables.render_csv(summary)
    if fmt == "json":
        return json.dumps(summary.to_dict(), indent=2, allow_nan=False) + "\n"
    if fmt == "html":
        return summary_html.render(summary)
    if fmt in summary_tables.TABLEFMT:
        return summary_tables.render_text(summary, fmt)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


@dataclass
class ClassFiles:
    summary: ClassSummary
    paths: list[Path]
    text: str  # the class table for a terminal


def write_class_files(directory: str | Path, *, sort: str = "score") -> ClassFiles:
    """Write DIR/summary.{md,csv,html,json} and DIR/junit.xml (every team) from DIR/*/result.json."""
    directory = Path(directory)
    summary = summarize_folder(directory, sort=sort)
    paths = [atomic_write(directory / name, render(summary, fmt)) for name, fmt in CLASS_FILES.items()]
    found, _ = load_results(directory)
    paths.append(atomic_write(directory / "junit.xml", junit.render([r for _, r in found])))
    return ClassFiles(summary, paths, render(summary, "simple"))
