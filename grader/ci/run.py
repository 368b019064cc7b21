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
from grader.result import Status
from grader.scoring import RubricError, load_rubric, score
from grader.submission.structure import FOLDER_NAME


def _annotating(annotations: bool | None) -> bool:
    """Annotations when asked for, else only under GitHub Actions."""
    return annotations if annotations is not None else os.environ.get("GITHUB_ACTIONS") == "true"


def _in_ci(result, options: GradeOptions):
    """In a student's repository the folder is the repository, not the Proj_SCIPER1_SCIPER2 folder the course
    collects: its name is not checked (no warning), and the score is made again without it."""
    check = result.check(FOLDER_NAME.id)
    if check is None or check.details.get("not_applicable"):
        return result
    check.status = Status.SKIPPED
    check.message = (
        "not checked in CI: a repository's folder is not the Proj_SCIPER1_SCIPER2 folder the course collects"
    )
    check.details = {**check.details, "not_applicable": True}
    try:
        return score(result, load_rubric(options.rubric))
    except RubricError:
        return result


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
    result = _in_ci(result, options)
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
