"""Writing every per-submission view of a result into its folder (what `grade ... --out DIR` leaves)."""

from __future__ import annotations

from pathlib import Path

from grader.report import gradescope, html_report, junit, markdown
from grader.report.atomic import atomic_write
from grader.report.images import Samples
from grader.result import Result

# file name -> what it holds; result.json is written last: its presence means the folder is complete
FILES = {
    "results.json": "Gradescope autograder results",
    "junit.xml": "JUnit XML, one testcase per check",
    "report.md": "Markdown report",
    "report.html": "self-contained HTML report",
    "result.json": "the full result (every other view is derived from it)",
}


def write_views(result: Result, folder: str | Path, samples: Samples | None = None) -> dict[str, Path]:
    """Write all views of `result` into `folder` atomically; returns {file name: path}."""
    folder = Path(folder)
    texts = {
        "results.json": gradescope.render(result),
        "junit.xml": junit.render(result),
        "report.md": markdown.render(result),
        "report.html": html_report.render(result, samples),
        "result.json": result.to_json(),
    }
    return {name: atomic_write(folder / name, text) for name, text in texts.items()}
