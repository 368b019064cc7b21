"""--worker-python: the sandboxed worker under another virtualenv that holds torch and nothing else.

The second environment is made the cheap way, by `grade env create --inherit`
(a venv that sees this test venv's packages through a .pth file; torch is not
installed twice). A start-up hook there then refuses every import outside
the standard library, torch and torch's own requirements: grading a team
through it shows that the worker side of the grader needs nothing else, and
that the result records both sides' environments.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
import torch

import grader
from grader.sandbox.interpreter import WorkerPythonError, worker_python
from grader.worker_env import create_env, plan_env

REPO = Path(grader.__file__).resolve().parents[1]
TEAM_X = REPO / "submissions" / "team_x"
GRADE = [str(Path(sys.executable).parent / "grade")]

_BLOCKER = '''
"""Test hook: this environment offers the standard library, torch and torch's requirements only."""
import importlib.abc, sys

REFUSED = frozenset({refused!r})


class TorchOnly(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in REFUSED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (a torch-only environment)", name=name)
        return None


sys.meta_path.insert(0, TorchOnly())
'''


def _top_level_names(dist: metadata.Distribution) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for f in dist.files or []:
        parts = Path(str(f)).parts
        if parts and not parts[0].endswith((".dist-info", ".egg-info", ".data")) and parts[0] != "..":
            names.add(parts[0].removesuffix(".py"))
    return names


def _torch_closure() -> set[str]:
    """Distribution names torch needs, recursively (normalised)."""
    seen, todo = set(), ["torch"]
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [re.split(r"[ ;<>=!~\[(]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r]
    return seen


def refused_modules() -> set[str]:
    """Top-level modules installed here that are neither torch's (closure) nor the standard library's."""
    keep = _torch_closure()
    refused = set()
    for dist in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        if name not in keep and name != "n2n-grade":
            refused |= _top_level_names(dist)
    return {n for n in refused if n.isidentifier() and n not in sys.stdlib_module_names and n != "grader"}


@pytest.fixture(scope="module")
def torch_only_env(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("course-env") / "env"
    manifest = create_env(plan_env(folder, inherit=True), echo=lambda line: None)
    assert manifest["inherit"] and manifest["packages"]["torch"] == torch.__version__
    assert json.loads((folder / "n2n-worker-env.json").read_text()) == manifest
    site = next((folder / "lib").glob("python*/site-packages"))
    refused = refused_modules()
    assert "numpy" in refused and "torch" not in refused
    (site / "n2n_torch_only.py").write_text(_BLOCKER.format(refused=sorted(refused)))
    (site / "n2n_torch_only.pth").write_text("import n2n_torch_only\n")
    return folder


def test_the_torch_only_environment_refuses_numpy(torch_only_env):
    python = str(torch_only_env / "bin" / "python")
    done = subprocess.run([python, "-I", "-c", "import numpy"], capture_output=True, text=True)
    assert done.returncode != 0 and "a torch-only environment" in done.stderr
    assert subprocess.run([python, "-I", "-c", "import torch"], capture_output=True).returncode == 0


def test_a_team_graded_with_another_worker_python_records_both_sides(torch_only_env, tmp_path):
    done = subprocess.run(
        [*GRADE, str(TEAM_X), "--fast", "--no-train", "--no-reference", "--threads", "1", "--json"]
        + ["--worker-python", str(torch_only_env)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    statuses = {c["id"]: c["status"] for c in result["checks"]}
    for check_id in ("structure.import", "blocks.Conv2d.backward_weight", "model.load_pretrained"):
        assert statuses[check_id] == "pass", (check_id, done.stderr[-2000:])
    assert statuses["model.pretrained_psnr"] == "pass"  # predictions crossed as raw arrays, without numpy
    env = result["environment"]
    worker = env["worker"]
    assert worker["executable"] == str(torch_only_env / "bin" / "python") == env["worker_python"]
    assert worker["environment"] == str(torch_only_env) and worker["own_interpreter"] is False
    assert worker["torch"] == torch.__version__ and worker["python"] == env["python"]
    assert env["torch"] == torch.__version__  # the judge's own


def test_the_worker_side_imports_only_torch_and_the_standard_library():
    """Statically: every module the worker can reach from worker_main (function-level imports too)."""
    package = Path(grader.__file__).resolve().parent
    todo, seen, outside = ["grader.sandbox.worker_main"], set(), {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = package.parent.joinpath(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for target in targets:
                top = target.split(".")[0]
                if top == "grader":
                    module = package.parent.joinpath(*target.split("."))
                    if module.with_suffix(".py").is_file() or (module / "__init__.py").is_file():
                        todo.append(target)
                elif top not in sys.stdlib_module_names and top not in ("torch", "__future__"):
                    outside.setdefault(top, []).append(name)
    assert not outside, f"the worker side imports more than torch and the standard library: {outside}"
    assert "grader.sandbox.shims" in seen and "grader.sandbox.standins" in seen
    assert "grader.grade" not in seen and "grader.checks.catalog" not in seen


def test_an_interpreter_without_torch_is_refused_clearly(tmp_path):
    folder = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    with pytest.raises(WorkerPythonError, match="torch is not installed there"):
        worker_python(folder)
    done = subprocess.run(
        [*GRADE, str(TEAM_X), "--fast", "--no-reference", "--worker-python", str(folder)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 2 and "torch is not installed there" in done.stderr


@pytest.mark.parametrize(
    "path, message",
    [("missing", "no such file or folder"), ("folder", "without bin/python"), ("file", "not executable")],
)
def test_a_worker_python_that_is_no_interpreter_is_refused(tmp_path, path, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("")
    with pytest.raises(WorkerPythonError, match=message):
        worker_python(tmp_path / path)
