"""The class-level files a batch leaves next to the per-submission folders."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from grader.report import junit, summary_tables
from grader.report.atomic import atomic_write
from grader.report.summary import ClassSummary, load_results, summarize_folder

CLASS_FILES = {"summary.md": "github", "summary.csv": "csv", "summary.html": "html", "summary.json": "json"}


@dataclass
class ClassFiles:
    summary: ClassSummary
    paths: list[Path]
    text: str  # the class table for a terminal


def write_class_files(directory: str | Path, *, sort: str = "score") -> ClassFiles:
    """Write DIR/summary.{md,csv,html,json} and DIR/junit.xml (every team) from DIR/*/result.json."""
    directory = Path(directory)
    summary = summarize_folder(directory, sort=sort)
    paths = [atomic_write(directory / name, summary_tables.render(summary, fmt)) for name, fmt in CLASS_FILES.items()]
    found, _ = load_results(directory)
    paths.append(atomic_write(directory / "junit.xml", junit.render([r for _, r in found])))
    return ClassFiles(summary, paths, summary_tables.render(summary, "simple"))
