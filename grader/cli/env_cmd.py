"""`grade env create DIR` / `grade env show [PATH]`: worker environments like the course's VM, and the shims."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from tabulate import tabulate

from grader.sandbox.interpreter import WorkerPythonError, worker_python
from grader.sandbox.shims import SHIMS
from grader.worker_env import EnvError, create_env, default_torch, plan_env


@click.group("env")
def env():
    """Worker environments: the Python and packages student code runs with (--worker-python)."""


@env.command("create")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--torch",
    "torch_version",
    help=f"torch release to install (default: the grader's, {default_torch()}). Here: 2.13.0 (CPU build, on "
    "disk), 2.14.1 (with torchvision 0.29.1, 5.5 GB).",
)
@click.option(
    "--with",
    "packages",
    default="",
    help="Comma list of more packages: torchvision (matched to torch), tqdm, numpy, tensorboard, ...",
)
@click.option("--inherit", is_flag=True, help="Reuse the grader's own packages (torch included); install only --with.")
@click.option("--python", "base_python", help="Base interpreter of the virtualenv (default: the grader's).")
@click.option("--dry-run", is_flag=True, help="Print the commands and do nothing.")
def create(folder, torch_version, packages, inherit, base_python, dry_run):
    """Build a virtualenv in FOLDER for `grade --worker-python FOLDER`."""
    try:
        plan = plan_env(
            folder, torch_version=torch_version, packages=packages.split(","), inherit=inherit, base_python=base_python
        )
    except (EnvError, WorkerPythonError) as exc:
        raise click.UsageError(str(exc)) from None
    if dry_run:
        for cmd in plan.commands():
            click.echo(" ".join(cmd))
        return
    try:
        manifest = create_env(plan, echo=lambda line: click.echo(line, err=True))
    except (EnvError, WorkerPythonError) as exc:
        click.echo(f"grade env create: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(manifest, indent=1))
    click.echo(f"grade --worker-python {plan.folder} SUBMISSION...", err=True)


@env.command("show")
@click.argument("path", required=False)
@click.option("--json", "as_json", is_flag=True, help="As data.")
def show(path, as_json):
    """What the worker runs with: PATH (an interpreter or virtualenv), else the grader's own; and the shims."""
    try:
        described = worker_python(path).describe()
    except WorkerPythonError as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps({**described, "shims": SHIMS}, indent=1))
        return
    rows = [[k, v] for k, v in described.items() if k != "packages"]
    rows += [[name, version] for name, version in described["packages"].items()]
    click.echo(tabulate(rows, tablefmt="plain"))
    click.echo("\nShims (all on unless --shims says otherwise):")
    click.echo(tabulate([[name, text] for name, text in SHIMS.items()], tablefmt="plain", maxcolwidths=[None, 90]))
