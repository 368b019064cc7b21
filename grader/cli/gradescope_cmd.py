"""`grade gradescope-package --out autograder.zip`: the one file an instructor uploads to Gradescope."""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.options import grading_options
from grader.gradescope_package import PackageError, build


@click.command("gradescope-package", context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("autograder.zip"),
    show_default=True,
    help="The zip to write.",
)
@grading_options
def gradescope_package(out, options):
    """Build Gradescope's autograder zip: setup.sh, run_autograder, this grader, the rubric and the data.

    The rubric's [gradescope] table sets visibility (visible, hidden, after_due_date, after_published) for
    the result and per check pattern; its [late] table the late penalty (grader.late). Grading options
    (--fast, --data, --rubric, sizes) are stored in the zip and used for every submission.
    """
    try:
        names = build(out, options)
    except (PackageError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    size = out.stat().st_size
    click.echo(f"wrote {out} ({len(names)} files, {size / 2**20:.1f} MiB): upload it as the autograder", err=True)
