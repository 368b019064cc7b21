"""`grade data`: build or load the data set and print what it is."""

from __future__ import annotations

import click
from tabulate import tabulate

from grader.data import DataError, export_course_data, load_data
from grader.data.embedded import DEFAULT_N_TRAIN, DEFAULT_N_VAL
from grader.data.noise import DEFAULT_NOISE, NOISE_NAMES
from grader.data.photos import photos
from grader.psnr import psnr_global, psnr_per_image


def _summary(d) -> str:
    info = d.info
    rows = [
        ("source", info["source"]),
        ("training pairs", f"{len(d.train_input):,} × {tuple(d.train_input.shape[1:])} (noisy, noisy)"),
        ("validation pairs", f"{len(d.val_input):,} × {tuple(d.val_input.shape[1:])} (noisy, clean)"),
        ("noise", info.get("noise_description") or info["noise"]),
        ("seed", info["seed"]),
        ("data id", info["data_id"]),
    ]
    if info.get("cache"):
        rows.append(("cache", f"{info['cache']}: {info['cache_dir']}"))
    rows += [
        (
            "noisy vs clean PSNR, per image (primary)",
            f"{psnr_per_image(d.val_input, d.val_target, data_range=255.0):.2f} dB",
        ),
        (
            "noisy vs clean PSNR, global MSE (handout)",
            f"{psnr_global(d.val_input, d.val_target, data_range=255.0):.2f} dB",
        ),
    ]
    return tabulate(rows, tablefmt="plain")


def _credits(d) -> str:
    counts = d.info.get("crops_per_photo") or {}
    rows = [
        (p.split, p.name, counts.get(p.split, {}).get(p.name, ""), p.subject, p.credit, p.licence, p.package)
        for p in sorted(photos(), key=lambda p: (p.split != "train", p.split))
    ]
    return tabulate(rows, headers=("split", "photo", "crops", "subject", "credit", "licence", "shipped in"))


def _dB(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _baselines(d, n_tune: int) -> str:
    from grader.data.baselines import run_baselines

    rows = []
    for r in run_baselines(d, n_tune=n_tune, progress=True):
        params = ", ".join(f"{k}={v}" for k, v in r.params.items())
        rows.append((r.name, _dB(r.psnr_per_image), _dB(r.psnr_global), params or r.note))
    return tabulate(
        rows,
        headers=(
            "validation denoiser",
            "PSNR per image (dB)",
            "PSNR global (dB)",
            "parameters tuned on training pairs",
        ),
    )


@click.command("data")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the embedded data set.")
@click.option(
    "--noise",
    type=click.Choice(NOISE_NAMES),
    default=DEFAULT_NOISE,
    show_default=True,
    help="Noise model of the embedded data set.",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Folder with the course's train_data.pkl and val_data.pkl (instead of the embedded set).",
)
@click.option("--rebuild", is_flag=True, help="Rebuild the embedded set even if a valid cached copy exists.")
@click.option(
    "--export",
    "export_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Write the data as train_data.pkl / val_data.pkl (course format) into this folder.",
)
@click.option(
    "--baselines",
    is_flag=True,
    help="Also score classical denoisers (non-local means, TV, wavelet, bilateral) on validation.",
)
@click.option("--n-train", type=click.IntRange(min=1), default=DEFAULT_N_TRAIN, hidden=True)
@click.option("--n-val", type=click.IntRange(min=1), default=DEFAULT_N_VAL, hidden=True)
@click.option(
    "--n-tune", type=click.IntRange(min=1), default=256, hidden=True, help="Training pairs used to tune the baselines."
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or cache messages.")
def data(seed, noise, data_dir, rebuild, export_dir, baselines, n_train, n_val, n_tune, quiet):
    """Build or load the data set and print a summary.

    Without --data this is the embedded default: 32×32 crops of photos shipped
    with scikit-image, scikit-learn and matplotlib, noised with NOISE, built from
    SEED and cached (in $N2N_GRADE_CACHE, else ~/.cache/n2n-grade).
    """
    try:
        d = load_data(
            data_dir, seed=seed, noise=noise, rebuild=rebuild, progress=not quiet, n_train=n_train, n_val=n_val
        )
    except (DataError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    click.echo(_summary(d))
    if d.info["source"] == "embedded":
        click.echo("\nphotos (crops per photo, train/validation split):")
        click.echo(_credits(d))
    if export_dir:
        train_path, val_path = export_course_data(d, export_dir)
        click.echo(f"\nexported {train_path} and {val_path} (course format, mode 0600)")
    if baselines:
        click.echo("")
        click.echo(_baselines(d, n_tune))
