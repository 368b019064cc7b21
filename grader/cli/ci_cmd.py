"""`grade ci [PATH]`: the fast checks in a student's repository, reported the way GitHub Actions reads them.

Prints the report, emits `::error file=...,line=...::` annotations for rule
findings and failed checks (when running under GitHub Actions, or with
--annotations), appends a Markdown job summary to $GITHUB_STEP_SUMMARY, and
writes every view (junit.xml, report.html, ...) into --out. Exit codes as for
`grade`: 1 when a required check failed, 2 when grading could not run.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from grader.cli.grade_cmd import grading_options, make_options
from grader.grade import GradeError, grade_submission
from grader.options import GradeOptions
from grader.report import github, terminal
from grader.report.views import write_views


def run_ci(
    path: Path,
    options: GradeOptions,
    *,
    out: Path | None,
    verbose: bool = False,
    annotations: bool | None = None,
    junit: Path | None = None,
    summary: Path | None = None,
) -> int:
    """Grade `path` and report for CI; returns the exit code."""
    try:
        result = grade_submission(path, options, progress=lambda m: click.echo(f"[grade] {m}", err=True))
    except GradeError as exc:
        click.echo(f"grade: {exc}", err=True)
        if annotations or (annotations is None and os.environ.get("GITHUB_ACTIONS") == "true"):
            click.echo(github.command("error", str(exc), title="n2n-grade could not run"))
        return 2
    click.echo(terminal.render(result, verbose=verbose))
    if annotations or (annotations is None and os.environ.get("GITHUB_ACTIONS") == "true"):
        for line in github.annotations(result):
            click.echo(line)
    if out is not None:
        written = write_views(result, out)
        click.echo(f"reports written to {out}/ ({', '.join(sorted(written))})", err=True)
    if junit is not None:
        from grader.report import junit as junit_view
        from grader.report.atomic import atomic_write

        atomic_write(junit, junit_view.render(result))
    target = github.write_step_summary(result, summary)
    if target is not None:
        click.echo(f"job summary appended to {target}", err=True)
    return 1 if result.failed_required else 0


@click.command("ci", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("path", required=False, default=".", type=click.Path(path_type=Path))
@grading_options
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("grade-results"),
    show_default=True,
    help="Folder for result.json, junit.xml, report.md, report.html, results.json.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the JUnit XML here (it is always in --out/junit.xml).",
)
@click.option(
    "--summary",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the Markdown summary here (default: $GITHUB_STEP_SUMMARY when set).",
)
@click.option(
    "--annotations/--no-annotations",
    default=None,
    help="Emit GitHub workflow-command annotations (default: only under GitHub Actions).",
)
@click.option("--full", is_flag=True, help="All the data and a full epoch instead of the fast checks.")
@click.option(
    "--print-workflow", is_flag=True, help="Print the GitHub Actions workflow to copy into .github/workflows/ and exit."
)
@click.option("-v", "--verbose", is_flag=True, help="Also list checks that do not apply.")
def ci(
    path,
    data_dir,
    fast,
    seed,
    noise,
    device,
    rubric,
    no_train,
    train_pairs,
    val_pairs,
    no_reference,
    threads,
    out,
    junit,
    summary,
    annotations,
    full,
    print_workflow,
    verbose,
):
    """Check the submission in PATH (default: the repository root) as CI: fast checks, annotations, summary."""
    if print_workflow:
        from grader.ci import workflow_text

        click.echo(workflow_text(), nl=False)
        return
    options = make_options(
        data_dir,
        not full,
        seed,
        noise,
        device,
        rubric,
        no_train,
        train_pairs,
        val_pairs=val_pairs,
        no_reference=no_reference,
        out=out,
        threads=threads,
    )
    raise SystemExit(
        run_ci(path, options, out=out, verbose=verbose, annotations=annotations, junit=junit, summary=summary)
    )
