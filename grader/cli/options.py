"""The options every grading command shares, gathered into one frozen GradeOptions.

`@grading_options` adds the flags to a click command and hands the command a
single `options: GradeOptions` built here, so that no command passes the flags
on one by one (sizes and switches may also come from N2N_GRADE_* variables).
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from grader.options import GradeOptions
from grader.sandbox.supervisor import SandboxSettings
from grader.scoring import parse_shims

_OPTIONS = [
    click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="N2N_GRADE_DATA",
        help="Folder with the course's train_data.pkl and val_data.pkl (default: the embedded data).",
    ),
    click.option("--fast", is_flag=True, help="A slice of the data and a short training (CI, quick checks)."),
    click.option("--seed", type=int, default=0, show_default=True, help="Seed of the data and of the checks."),
    click.option("--noise", default="gaussian", show_default=True, help="Noise of the embedded data set."),
    click.option(
        "--device",
        type=click.Choice(["auto", "cpu", "cuda"]),
        default="auto",
        show_default=True,
        envvar="N2N_GRADE_DEVICE",
    ),
    click.option("--rubric", type=click.Path(dir_okay=False, path_type=Path), help="A rubric TOML file."),
    click.option("--no-train", is_flag=True, envvar="N2N_GRADE_NO_TRAIN", help="Skip the timed training epoch."),
    click.option(
        "--train-pairs",
        type=click.IntRange(min=1),
        envvar="N2N_GRADE_TRAIN_PAIRS",
        help="Pairs for the timed epoch (default: all, or 4000 with --fast).",
    ),
    click.option(
        "--val-pairs",
        type=click.IntRange(min=1),
        envvar="N2N_GRADE_VAL_PAIRS",
        help="Validation images for the PSNR checks (default: all, or 200 with --fast).",
    ),
    click.option(
        "--no-reference",
        is_flag=True,
        envvar="N2N_GRADE_NO_REFERENCE",
        help="Do not measure the reference implementation (no time ratio, no reference PSNR).",
    ),
    click.option(
        "--project",
        "project",
        type=click.Choice(["1", "2"]),
        envvar="N2N_GRADE_PROJECT",
        help="Grade mini-project 1 or 2 only (default: every mini-project the submission holds).",
    ),
    click.option(
        "--threads",
        type=click.IntRange(min=1),
        envvar="N2N_GRADE_THREADS",
        help="torch threads of the student's worker (default: every core, or the cores shared "
        "out with -j). Fewer on a busy machine: one busy core can slow a two-thread epoch "
        "many-fold.",
    ),
    click.option(
        "--worker-python",
        envvar="N2N_GRADE_WORKER_PYTHON",
        help="Interpreter or virtualenv the sandboxed worker runs student code with (a course environment: "
        "grade env create DIR). Default: the rubric's [worker] python, else the grader's own.",
    ),
    click.option(
        "--shims",
        envvar="N2N_GRADE_SHIMS",
        help="Drift shims switched on in the worker: all (default), none, or a comma list (grade env show lists them).",
    ),
]


def _shim_names(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        return parse_shims(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--shims") from None


def grading_options(command):
    """Add the shared grading flags to a click command, which receives them as one `options: GradeOptions`."""

    @functools.wraps(command)
    def wrapper(
        *args,
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
        project,
        threads,
        worker_python,
        shims,
        **kwargs,
    ):
        options = GradeOptions(
            data_dir=data_dir,
            fast=fast,
            seed=seed,
            noise=noise,
            device=device,
            rubric=rubric,
            train=not no_train,
            n_train=train_pairs,
            n_val=val_pairs,
            measure_reference=not no_reference,
            projects=(int(project),) if project else (1, 2),
            sandbox=SandboxSettings() if threads is None else SandboxSettings(threads=threads),
            worker_python=worker_python,
            shims=_shim_names(shims),
        )
        return command(*args, options=options, **kwargs)

    for option in reversed(_OPTIONS):
        wrapper = option(wrapper)
    return wrapper
