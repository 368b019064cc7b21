"""Grading a student's repository in CI: the report, annotations, job summary and files GitHub Actions reads.

`grade ci PATH` and `grade PATH --ci` both call `run_ci`; it prints the
terminal report, emits `::error file=...,line=...::` annotations (under GitHub
Actions, or when asked), appends the Markdown job summary and writes every
view into the output folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.exit_status import exit_status
from grader.grade import GradeError, grade_submission
from grader.options import GradeOptions
from grader.report import github, junit, terminal
from grader.report.atomic import atomic_write
from grader.report.views import write_views


def _annotating(annotations: bool | None) -> bool:
    """Annotations when asked for, else only under GitHub Actions."""
    return annotations if annotations is not None else os.environ.get("GITHUB_ACTIONS") == "true"


def run_ci(
    path: Path,
    options: GradeOptions,
    *,
    out: Path | None,
    verbose: bool = False,
    annotations: bool | None = None,
    junit_path: Path | None = None,
    summary: Path | None = None,
) -> int:
    """Grade `path` and report for CI; returns the exit code (0 pass, 1 a required check failed, 2 not graded)."""
    try:
        result = grade_submission(path, options, progress=lambda m: click.echo(f"[grade] {m}", err=True))
    except GradeError as exc:
        click.echo(f"grade: {exc}", err=True)
        if _annotating(annotations):
            click.echo(github.command("error", str(exc), title="n2n-grade could not run"))
        return 2
    click.echo(terminal.render(result, verbose=verbose))
    if _annotating(annotations):
        for line in github.annotations(result):
            click.echo(line)
    if out is not None:
        written = write_views(result, out)
        click.echo(f"reports written to {out}/ ({', '.join(sorted(written))})", err=True)
    if junit_path is not None:
        atomic_write(junit_path, junit.render(result))
    target = github.write_step_summary(result, summary)
    if target is not None:
        click.echo(f"job summary appended to {target}", err=True)
    return exit_status(result)
