"""`grade PATH...`: grade submissions and print, save or emit their results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.grade import GradeError, grade_submission, load_grading_data
from grader.options import GradeOptions
from grader.report import terminal


def grading_options(fn):
    """The options shared by every command that grades."""
    decorators = [
        click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Folder with the course's train_data.pkl and val_data.pkl (default: the embedded data)."),
        click.option("--fast", is_flag=True, help="A slice of the data and a short training (CI, quick checks)."),
        click.option("--seed", type=int, default=0, show_default=True, help="Seed of the data and of the checks."),
        click.option("--noise", default="gaussian", show_default=True, help="Noise of the embedded data set."),
        click.option("--device", type=click.Choice(["auto", "cpu", "cuda"]), default="auto", show_default=True),
        click.option("--rubric", type=click.Path(dir_okay=False, path_type=Path), help="A rubric TOML file."),
        click.option("--no-train", is_flag=True, help="Skip the timed training epoch."),
        click.option("--train-pairs", type=int, help="Pairs for the timed epoch (default: all, or 4000 with --fast)."),
        click.option("--val-pairs", type=int, help="Validation pairs for the PSNR checks (default: all, or 200 with --fast)."),
        click.option("--no-reference", is_flag=True, help="Do not measure the reference implementation."),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def make_options(data_dir, fast, seed, noise, device, rubric, no_train, train_pairs, val_pairs=None,
                 no_reference=False, out=None) -> GradeOptions:
    return GradeOptions(data_dir=data_dir, fast=fast, seed=seed, noise=noise, device=device, rubric=rubric,
                        train=not no_train, n_train=train_pairs, n_val=val_pairs, measure_reference=not no_reference,
                        extra_hidden=[str(Path(out).resolve())] if out else [])


@click.command("submission", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@grading_options
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON instead of the table.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Write DIR/<submission>/result.json.")
@click.option("-v", "--verbose", is_flag=True, help="Also list checks that do not apply.")
def submission(paths, data_dir, fast, seed, noise, device, rubric, no_train, train_pairs, val_pairs, no_reference,
               as_json, out, verbose):
    """Grade the submission(s) at PATH: a Proj_* folder, a Miniproject_2 folder or a zip."""
    options = make_options(data_dir, fast, seed, noise, device, rubric, no_train, train_pairs, val_pairs,
                           no_reference, out)
    try:
        data = load_grading_data(options)
    except GradeError as exc:
        raise click.UsageError(str(exc)) from None
    worst = 0
    for path in paths:
        try:
            result = grade_submission(path, options, data=data,
                                      progress=lambda m: click.echo(f"[{path}] {m}", err=True))
        except GradeError as exc:
            click.echo(f"grade: {exc}", err=True)
            sys.exit(2)
        if out:
            folder = Path(out) / _safe_name(result.submission)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "result.json").write_text(result.to_json())
        click.echo(result.to_json() if as_json else terminal.render(result, verbose=verbose))
        if not result.passed_required:
            worst = max(worst, 1)
    sys.exit(worst)


def _safe_name(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "submission"
