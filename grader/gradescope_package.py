"""`grade gradescope-package`: the autograder zip an instructor uploads to Gradescope, built from this checkout.

Gradescope unpacks the zip into /autograder/source, runs setup.sh once when
it builds the image, and run_autograder for each submission (the student's
files in /autograder/submission). The zip holds:

- setup.sh: a virtualenv in /autograder/venv, torch's CPU build from the
  PyTorch wheel index (torch==2.13.0), this package from n2n-grade/, and the
  embedded data set built and cached (unless the course's data is included);
- run_autograder: runs grader.gradescope_autograder, which grades and writes
  /autograder/results/results.json;
- n2n-grade/: this project's source (pyproject.toml, README.md, grader/,
  reference_impl/ for the reference's figures);
- rubric.toml: the rubric given, or the built-in one ([gradescope] sets the
  visibility, [late] the late policy);
- gradescope.json: the grading settings (fast or full, seed, sizes);
- data/: the course's train_data.pkl and val_data.pkl when --data is given.
"""

from __future__ import annotations

import json
import zipfile
from importlib import resources
from pathlib import Path

import grader
from grader.options import GradeOptions

TORCH_PIN = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
SOURCE_PARTS = ("pyproject.toml", "README.md", "grader", "reference_impl")
SKIP = ("__pycache__", ".pyc", ".egg-info")

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
ROOT="${{N2N_AUTOGRADER_ROOT:-/autograder}}"
cd "$ROOT/source"
if ! python3 -m venv --help >/dev/null 2>&1; then
    apt-get update && apt-get install -y python3 python3-venv python3-pip
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --upgrade pip
"$ROOT/venv/bin/pip" install "{TORCH_PIN}" --index-url {TORCH_INDEX}
"$ROOT/venv/bin/pip" install ./n2n-grade
if [ ! -d data ]; then
    "$ROOT/venv/bin/grade" data  # build and cache the embedded data set now, not during a student's grading
fi
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission, write /autograder/results/results.json.
ROOT="${N2N_AUTOGRADER_ROOT:-/autograder}"
PYTHON="${N2N_AUTOGRADER_PYTHON:-$ROOT/venv/bin/python}"
cd "$ROOT/source"
exec "$PYTHON" -m grader.gradescope_autograder
"""


class PackageError(Exception):
    """The zip cannot be built (no source checkout, a missing data file)."""


def project_root() -> Path:
    """The checkout holding this grader (pyproject.toml beside grader/)."""
    root = Path(grader.__file__).resolve().parents[1]
    if not (root / "pyproject.toml").is_file():
        raise PackageError(f"{root}: no pyproject.toml; build the package from a source checkout of n2n-grade")
    return root


def source_files(root: Path):
    """(file, name in the zip) for the parts of the checkout pip needs to install the grader."""
    for part in SOURCE_PARTS:
        path = root / part
        if path.is_file():
            yield path, f"n2n-grade/{part}"
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(root).as_posix()
                if file.is_file() and not any(s in rel for s in SKIP):
                    yield file, f"n2n-grade/{rel}"


def settings(options: GradeOptions) -> dict:
    """gradescope.json: what the autograder needs from the options (paths relative to /autograder/source)."""
    return {
        "grader_version": grader.__version__,
        "fast": options.fast,
        "seed": options.seed,
        "train": options.train,
        "n_train": options.n_train,
        "n_val": options.n_val,
        "measure_reference": options.measure_reference,
        "rubric": "rubric.toml",
        "data": "data" if options.data_dir else None,
    }


def build(out: Path, options: GradeOptions) -> list[str]:
    """Write the autograder zip to `out`; returns the names it holds."""
    root = project_root()
    rubric_text = (
        Path(options.rubric).read_text()
        if options.rubric
        else resources.files("grader").joinpath("rubric.toml").read_text()
    )
    data_files = []
    if options.data_dir:
        for name in ("train_data.pkl", "val_data.pkl"):
            path = Path(options.data_dir) / name
            if not path.is_file():
                raise PackageError(f"--data {options.data_dir}: no {name}")
            data_files.append((path, f"data/{name}"))
    out.parent.mkdir(parents=True, exist_ok=True)
    names = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text, mode in (
            ("setup.sh", SETUP_SH, 0o755),
            ("run_autograder", RUN_AUTOGRADER, 0o755),
            ("rubric.toml", rubric_text, 0o644),
            ("gradescope.json", json.dumps(settings(options), indent=2) + "\n", 0o644),
        ):
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16  # a regular file with its mode: scripts stay executable
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
            names.append(name)
        for path, name in [*source_files(root), *data_files]:
            zf.write(path, name)
            names.append(name)
    return names
