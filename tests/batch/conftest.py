"""Fixture submissions (copies of the reference, broken on purpose) and a fake grader for the batch tests."""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "reference_impl" / "Miniproject_2"

# a grade_submission stand-in: behaves by the submission's folder name
FAKE_GRADER = """
import os, time
from pathlib import Path
from grader.result import Check, Result

def grade(path, options, *, data=None, reference=None, progress=None):
    name = Path(path).name
    Path(os.environ["FAKE_GRADER_LOG"], name).write_text(str(os.getpid()))
    progress("working on " + name)
    if name.startswith("crash"):
        os._exit(3)
    if name.startswith("hang") or name.startswith("slow"):
        time.sleep(600)
    if name.startswith("raise"):
        raise RuntimeError("grader bug on " + name)
    result = Result(submission=name, source=str(path), score=1.0, max_score=1.0,
                    checks=[Check("structure.layout", "pass", "ok", score=1.0, max_score=1.0, required=True)])
    result.environment = {"data_id": data.data_id, "n_val": len(data.val_input)}
    if name.startswith("busy"):  # a check the grader could not run: the result is incomplete
        result.checks.append(Check("model.train_time", "error", "the machine was busy", required=True))
    return result


def grade_with_pictures(path, options, *, data=None, reference=None, progress=None, on_predictions=None):
    import torch
    clean = torch.arange(4 * 3 * 8 * 8).reshape(4, 3, 8, 8) % 256
    on_predictions("pretrained model", (clean + 40) % 256, clean + 1, clean)
    return grade(path, options, data=data, reference=reference, progress=progress)
"""


def copy_reference(dest: Path) -> Path:
    """A copy of the reference package as dest/Miniproject_2 (no caches)."""
    shutil.copytree(REFERENCE, dest / "Miniproject_2", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def zip_folder(folder: Path, zip_path: Path) -> Path:
    with zipfile.ZipFile(zip_path, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder.parent))
    return zip_path


@pytest.fixture
def fake_grader(tmp_path, monkeypatch):
    """A module `fake_grader` importable by spawned judges; returns (grade function, log folder)."""
    module_dir = tmp_path / "fake_module"
    module_dir.mkdir()
    (module_dir / "fake_grader.py").write_text(textwrap.dedent(FAKE_GRADER))
    log = tmp_path / "log"
    log.mkdir()
    monkeypatch.syspath_prepend(str(module_dir))  # spawn hands sys.path to the children
    monkeypatch.setenv("FAKE_GRADER_LOG", str(log))
    sys.modules.pop("fake_grader", None)
    import fake_grader

    return fake_grader.grade, log


@pytest.fixture
def fake_grader_with_pictures(fake_grader):
    import fake_grader as module

    return module.grade_with_pictures, fake_grader[1]


@pytest.fixture
def tiny_data():
    from grader.data import N2NData

    x = torch.zeros(4, 3, 8, 8, dtype=torch.uint8)
    return N2NData(x, x, x[:2], x[:2], info={"data_id": "tiny"})


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")


@pytest.fixture
def alive():
    return pid_alive


@pytest.fixture
def reference_copy():
    return copy_reference


@pytest.fixture
def make_zip():
    return zip_folder
