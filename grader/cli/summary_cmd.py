"""`grade summary DIR`: the class table, statistics and per-check pass rates from DIR/*/result.json."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.report import summary_writer
from grader.report.atomic import atomic_write
from grader.report.summary import SORTS, SummaryError, summarize_folder


@click.command("summary", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(summary_writer.FORMATS),
    default="github",
    show_default=True,
    help="github: Markdown; grid: a terminal table; csv: one row per SCIPER for a gradebook; latex; "
    "html: a self-contained page; json: plain data.",
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
def summary(directory, fmt, sort, output, strict):
    """Summarise the results a batch wrote to DIRECTORY (`grade PATH... --out DIRECTORY`)."""
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
    text = summary_writer.render(result, fmt)
    if output is not None:
        atomic_write(output, text)
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text, nl=False)
