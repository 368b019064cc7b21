"""`grade checks`: every check id, its points and whether it is required, from the rubric in use."""

from __future__ import annotations

import json
from pathlib import Path

import click
from tabulate import tabulate

from grader.scoring import RubricError, load_rubric

FORMATS = ("simple", "github", "json", "toml")


@click.command("checks")
@click.option("--rubric", type=click.Path(dir_okay=False, path_type=Path), help="A rubric TOML file.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="simple",
    show_default=True,
    help="simple, github: a table; json: plain data; toml: a complete rubric file to edit.",
)
def checks(rubric, fmt):
    """List the check ids with their points and what they verify."""
    try:
        loaded = load_rubric(rubric)
    except RubricError as exc:
        raise click.UsageError(str(exc)) from None
    if fmt == "json":
        click.echo(json.dumps(loaded.table(), indent=1, ensure_ascii=False))
        return
    if fmt == "toml":
        click.echo(loaded.to_toml(), nl=False)
        return
    rows = [
        [r["id"], f"{r['points']:g}", "yes" if r["required"] else "", "yes" if r["warn_only"] else "", r["description"]]
        for r in loaded.table()
    ]
    headers = ["check", "points", "required", "warns only", "what it verifies"]
    click.echo(tabulate(rows, headers=headers, tablefmt=fmt))
    kept = "all of its points" if loaded.warn_factor == 1 else f"{loaded.warn_factor:g} of its points"
    click.echo(
        f"\nRubric: {loaded.source}. Upsampling: the better of NearestUpsampling and TransposeConv2d counts.\n"
        f"Warns only: the check never fails; a slip is a warning, shown as a note, and keeps {kept} "
        "(the rubric's warn_factor).\n"
        "--fast grades a short epoch on fewer pairs: model.trained_psnr then also passes when training gains "
        "+1.0 dB over the untrained model; every report says which mode it was graded in."
    )
