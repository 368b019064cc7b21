"""`grade checks`: every check id, its points and whether it is required, from the rubric in use."""

from __future__ import annotations

from pathlib import Path

import click
from tabulate import tabulate

from grader.checks.catalog import CATALOG
from grader.scoring import RubricError, load_rubric


@click.command("checks")
@click.option("--rubric", type=click.Path(dir_okay=False, path_type=Path), help="A rubric TOML file.")
@click.option("--format", "fmt", type=click.Choice(["simple", "github"]), default="simple", show_default=True)
def checks(rubric, fmt):
    """List the check ids with their points and what they verify."""
    try:
        loaded = load_rubric(rubric)
    except RubricError as exc:
        raise click.UsageError(str(exc)) from None
    rows = []
    for check_id, text in CATALOG.items():
        points, required = loaded.lookup(check_id)
        rows.append([check_id, f"{points:g}", "yes" if required else "", text])
    click.echo(tabulate(rows, headers=["check", "points", "required", "what it verifies"], tablefmt=fmt))
    click.echo(f"\nRubric: {loaded.source}. Upsampling: the better of NearestUpsampling and TransposeConv2d counts.")
