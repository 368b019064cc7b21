"""Building a worker environment like the course's VM: `grade env create DIR --torch V --with torchvision,...`.

A virtualenv for `grade --worker-python DIR`, made with the standard
library's venv and pip from whatever index this machine's pip reaches. The
venv has no pip of its own (`--without-pip`); the grader's pip installs into
it (`pip --python DIR/bin/python`). After the install every package asked for
is imported there, so an environment that cannot run (torchvision built for
another torch, say) is reported at once, not in the middle of a grading.

What exists on this project's machines (x86_64, Python 3.11; see README):

- torch 2.13.0, CPU build: a file on disk (the grader's own torch);
- torch 2.14.1 with torchvision 0.29.1: on disk too, a CUDA build that runs
  on the CPU, 5.5 GB in the venv;
- PyPI's torchvision for 2.13 does not import beside the CPU build
  ("operator torchvision::nms does not exist");
- tqdm, numpy, tensorboard: PyPI.

`--inherit` makes a light environment instead: the grader's own packages
(torch included) seen through a .pth file, plus whatever `--with` adds.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch

from grader.sandbox.interpreter import WorkerPython, interpreter_of, worker_python

MANIFEST = "n2n-worker-env.json"
INHERIT_PTH = "n2n-grade-inherit.pth"
# distribution name -> the module to import when checking it
IMPORT_NAMES = {"tensorboard": "tensorboard", "Pillow": "PIL", "scikit-learn": "sklearn", "opencv-python": "cv2"}


class EnvError(Exception):
    """The environment could not be built, or does not run what was asked for."""


def default_torch() -> str:
    """The grader's own torch release (2.13.0 here: the CPU build on disk)."""
    return torch.__version__.split("+")[0]


def requirement(name: str, torch_version: str | None) -> str:
    """The pip requirement for a package asked for with --with (torchvision matched to torch's release)."""
    if name == "torchvision" and torch_version:
        major, minor = (int(p) for p in torch_version.split(".")[:2])
        if major == 2:  # torchvision 0.(minor+15) goes with torch 2.minor
            return f"torchvision==0.{minor + 15}.*"
        if major == 1 and minor >= 7:  # and 0.(minor+1) with torch 1.minor
            return f"torchvision==0.{minor + 1}.*"
    return name


@dataclass
class EnvPlan:
    """What `grade env create` will do (`commands()`), before it does it."""

    folder: Path
    torch: str | None  # None with inherit: the grader's own torch
    packages: list[str] = field(default_factory=list)
    inherit: bool = False
    base_python: str = field(default_factory=lambda: getattr(sys, "_base_executable", sys.executable))

    @property
    def python(self) -> Path:
        return self.folder / "bin" / "python"

    def requirements(self) -> list[str]:
        wanted = [] if self.inherit else [f"torch=={self.torch}"]
        # inherited torch too: an unpinned torchvision would pull another torch (a multi-GB CUDA build) over it
        return wanted + [requirement(p, self.torch or default_torch()) for p in self.packages]

    def commands(self) -> list[list[str]]:
        cmds = [[self.base_python, "-m", "venv", "--without-pip", str(self.folder)]]
        if self.requirements():
            cmds.append([sys.executable, "-m", "pip", "--python", str(self.python), "install", *self.requirements()])
        return cmds


def plan_env(
    folder: str | Path,
    *,
    torch_version: str | None = None,
    packages: list[str] | tuple[str, ...] = (),
    inherit: bool = False,
    base_python: str | None = None,
) -> EnvPlan:
    """Check the request and say what will be built. Raises EnvError for a request that cannot work."""
    folder = Path(folder).absolute()
    if folder.exists() and any(folder.iterdir()):
        raise EnvError(f"{folder}: exists and is not empty; give a new folder")
    if inherit and torch_version and torch_version != default_torch():
        raise EnvError(f"--inherit uses the grader's torch {default_torch()}; --torch {torch_version} contradicts it")
    packages = [p.strip() for p in packages if p.strip()]
    if "torch" in packages:
        raise EnvError("give torch's version with --torch, not in --with")
    plan = EnvPlan(folder, None if inherit else (torch_version or default_torch()), packages, inherit)
    if base_python:
        plan.base_python = interpreter_of(base_python)
    return plan


def create_env(plan: EnvPlan, *, echo=print) -> dict:
    """Build the environment `plan` describes; returns its manifest (also written to DIR/n2n-worker-env.json)."""
    for cmd in plan.commands()[:1]:
        _run(cmd, echo)
    if plan.inherit:
        _inherit(plan)
    for cmd in plan.commands()[1:]:
        _run(cmd, echo)
    found = worker_python(str(plan.python))
    failures = _failing_imports(found, ["torch", *plan.packages])
    if failures:
        lines = "\n".join(f"  {name}: {error}" for name, error in failures.items())
        hint = ""
        if "torchvision" in failures and (found.torch or "").startswith("2.13"):
            hint = "\n(torchvision from PyPI does not run beside the CPU build of torch 2.13.0; use --torch 2.14.1)"
        raise EnvError(f"{plan.folder}: built, but these do not import there:\n{lines}{hint}")
    manifest = {
        "created_by": "grade env create",
        "python": found.version,
        "executable": found.executable,
        "torch_requested": plan.torch or f"inherited ({default_torch()})",
        "with": plan.packages,
        "inherit": plan.inherit,
        "packages": {name: v for name, v in found.packages if v},
    }
    (plan.folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def _run(cmd: list[str], echo) -> None:
    echo("$ " + " ".join(cmd))
    try:
        done = subprocess.run(cmd)
    except OSError as exc:
        raise EnvError(f"{cmd[0]}: {exc}") from None
    if done.returncode:
        raise EnvError(f"`{' '.join(cmd)}` failed (exit code {done.returncode})")


def _inherit(plan: EnvPlan) -> None:
    """Let the new environment see the grader's packages (torch included) through a .pth file."""
    folder = next((plan.folder / "lib").glob("python*/site-packages"), None)
    if folder is None:
        raise EnvError(f"{plan.folder}: no lib/python*/site-packages after venv")
    ours = [p for p in site.getsitepackages() if os.path.isdir(p)]
    (folder / INHERIT_PTH).write_text("".join(f"{p}\n" for p in ours))


def _failing_imports(found: WorkerPython, names: list[str]) -> dict[str, str]:
    """{package: last line of its ImportError} for each of `names` that does not import in `found`."""
    failures = {}
    for name in names:
        module = IMPORT_NAMES.get(name, name.split("[")[0].replace("-", "_"))
        done = subprocess.run([found.executable, "-I", "-c", f"import {module}"], capture_output=True, text=True)
        if done.returncode:
            failures[name] = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:300]
    return failures
