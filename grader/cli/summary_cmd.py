"""`grade summary DIR`: the class table, statistics and per-check pass rates from DIR/*/result.json."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.late import late_policy, parse_time
from grader.report import summary_writer
from grader.report.atomic import atomic_write
from grader.report.gradebook import (
    BookkeepingError,
    compare,
    gradebook,
    load_adjustments,
    load_roster,
    load_times,
    render_gradebook,
)
from grader.report.summary import SORTS, SummaryError, summarize_folder

GRADEBOOKS = ("gradebook", "moodle", "canvas")


def _compare(old: Path, new: Path) -> int:
    """Print what changed between two result folders; 0 (nothing changed or not) unless one cannot be read."""
    try:
        lines = compare(summarize_folder(old), summarize_folder(new))
    except SummaryError as exc:
        click.echo(f"grade summary: {exc}", err=True)
        return 2
    click.echo("\n".join(lines) if lines else "no team's score, status or failed required checks changed")
    click.echo(f"{len(lines)} team(s) changed between {old} and {new}", err=True)
    return 0


@click.command("summary", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", type=click.Path(path_type=Path), required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(summary_writer.FORMATS + GRADEBOOKS),
    default="github",
    show_default=True,
    help="github: Markdown; grid: a terminal table; csv: one row per SCIPER for a gradebook; latex; "
    "html: a self-contained page; json: plain data; gradebook: one row per student with late penalty, "
    "adjustments and final grade; moodle, canvas: that final grade in their import layouts.",
)
@click.option(
    "--sort",
    type=click.Choice(SORTS),
    default="score",
    show_default=True,
    help="Order of the teams (psnr: pretrained PSNR).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Refuse (exit 2) when the results were graded under different settings "
    "(fast/full, data set, rubric, grader version); without it, a warning.",
)
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), help="CSV sciper,name,email.")
@click.option(
    "--adjustments",
    type=click.Path(dir_okay=False, path_type=Path),
    help="adjustments.toml: [[adjustment]] team, points, reason (applied to the final grade).",
)
@click.option("--deadline", help="ISO 8601 time with a zone; late days count from it (with --submitted).")
@click.option(
    "--submitted", type=click.Path(dir_okay=False, path_type=Path), help="CSV team,submitted (ISO 8601 times)."
)
@click.option(
    "--rubric", type=click.Path(dir_okay=False, path_type=Path), help="The rubric whose [late] table sets the penalty."
)
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(path_type=Path),
    metavar="OLD NEW",
    help="List what changed between two result folders (a regrade) instead of a table.",
)
def summary(directory, fmt, sort, output, strict, roster, adjustments, deadline, submitted, rubric, compare):
    """Summarise the results a batch wrote to DIRECTORY (`grade PATH... --out DIRECTORY`)."""
    if compare:
        sys.exit(_compare(*compare))
    if directory is None:
        raise click.UsageError("give DIRECTORY (or --compare OLD NEW)")
    try:
        result = summarize_folder(directory, sort=sort)
    except SummaryError as exc:
        click.echo(f"grade summary: {exc}", err=True)
        sys.exit(2)
    for problem in result.problems:
        click.echo(f"grade summary: warning: {problem}", err=True)
    for mixed in result.mixed:
        click.echo(f"grade summary: {'error' if strict else 'warning'}: {mixed}", err=True)
    if strict and result.mixed:
        click.echo("grade summary: one table needs one setting: regrade the odd ones out (--force)", err=True)
        sys.exit(2)
    if fmt in GRADEBOOKS:
        try:
            rows = gradebook(
                result,
                roster=load_roster(roster) if roster else None,
                adjustments=load_adjustments(adjustments) if adjustments else None,
                deadline=parse_time(deadline) if deadline else None,
                times=load_times(submitted) if submitted else None,
                policy=late_policy(rubric),
            )
        except (BookkeepingError, ValueError) as exc:
            raise click.UsageError(str(exc)) from None
        text = render_gradebook(rows, fmt)
    elif roster or adjustments or deadline or submitted:
        raise click.UsageError(
            "--roster, --adjustments, --deadline and --submitted apply to --format gradebook|moodle|canvas"
        )
    else:
        text = summary_writer.render(result, fmt)
    if output is not None:
        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
