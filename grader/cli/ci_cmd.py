"""`grade ci [PATH]`: the fast checks in a student's repository, reported the way GitHub Actions reads them.

Prints the report, emits `::error file=...,line=...::` annotations for rule
findings and failed checks (when running under GitHub Actions, or with
--annotations), appends a Markdown job summary to $GITHUB_STEP_SUMMARY, and
writes every view (junit.xml, report.html, ...) into --out (see grader.ci.run).
Exit codes as for `grade`: 1 when a required check failed, 2 when grading could not run.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import click

from grader.ci import run as ci_run
from grader.ci import workflow_text
from grader.cli.options import grading_options


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
def ci(path, options, out, junit, summary, annotations, full, print_workflow, verbose):
    """Check the submission in PATH (default: the repository root) as CI: fast checks, annotations, summary."""
    if print_workflow:
        click.echo(workflow_text(), nl=False)
        return
    if full and options.fast:
        raise click.UsageError("--fast and --full contradict each other: grade ci is fast unless given --full")
    options = replace(options, fast=not full).hiding(out)  # --fast is the default here: accepted, same meaning
    raise SystemExit(
        ci_run.run_ci(
            path, options, out=out, verbose=verbose, annotations=annotations, junit_path=junit, summary=summary
        )
    )
