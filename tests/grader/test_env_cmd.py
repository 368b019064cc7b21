"""`grade env create` / `grade env show`: what would be built, bad requests refused, the environment described."""

from __future__ import annotations

import json
import sys

import pytest
import torch
from click.testing import CliRunner

from grader.cli import main
from grader.sandbox.shims import SHIMS
from grader.worker_env import EnvError, default_torch, plan_env, requirement


@pytest.mark.parametrize(
    "name, torch_version, wanted",
    [
        ("torchvision", "2.14.1", "torchvision==0.29.*"),
        ("torchvision", "2.13.0", "torchvision==0.28.*"),
        ("torchvision", "2.1.2", "torchvision==0.16.*"),
        ("torchvision", "1.13.1", "torchvision==0.14.*"),
        ("tqdm", "2.14.1", "tqdm"),
    ],
)
def test_torchvision_is_matched_to_torchs_release(name, torch_version, wanted):
    assert requirement(name, torch_version) == wanted


def test_dry_run_prints_the_venv_and_pip_commands_and_builds_nothing(tmp_path):
    folder = tmp_path / "course"
    done = CliRunner().invoke(
        main, ["env", "create", str(folder), "--torch", "2.14.1", "--with", "torchvision,tqdm", "--dry-run"]
    )
    assert done.exit_code == 0, done.output
    venv, pip = done.output.strip().splitlines()
    assert venv.endswith(f"-m venv --without-pip {folder}")
    assert f"pip --python {folder}/bin/python install torch==2.14.1 torchvision==0.29.* tqdm" in pip
    assert not folder.exists()


def test_inherit_installs_only_what_is_asked_for(tmp_path):
    plan = plan_env(tmp_path / "light", inherit=True)
    assert plan.requirements() == [] and len(plan.commands()) == 1  # the venv, nothing to install
    assert plan_env(tmp_path / "light", inherit=True, packages=["tqdm"]).requirements() == ["tqdm"]
    # torchvision matched to the inherited torch, so pip cannot replace that torch with another
    wanted = plan_env(tmp_path / "light", inherit=True, packages=["torchvision"]).requirements()
    assert wanted == [requirement("torchvision", default_torch())] and wanted[0].startswith("torchvision==0.")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"packages": ["torch"]}, "give torch's version with --torch"),
        ({"inherit": True, "torch_version": "2.1.0"}, "contradicts"),
        ({"nonempty": True}, "exists and is not empty"),
    ],
)
def test_requests_that_cannot_work_are_refused_before_anything_is_built(tmp_path, kwargs, message):
    folder = tmp_path / "env"
    if kwargs.pop("nonempty", False):
        folder.mkdir()
        (folder / "keep.txt").write_text("mine")
    with pytest.raises(EnvError, match=message):
        plan_env(folder, **kwargs)
    done = CliRunner().invoke(main, ["env", "create", str(folder), "--with", "torch", "--dry-run"])
    assert done.exit_code == 2 and "Error" in done.output


def test_show_describes_the_graders_own_python_and_every_shim():
    done = CliRunner().invoke(main, ["env", "show", "--json"])
    assert done.exit_code == 0, done.output
    described = json.loads(done.output)
    assert described["packages"]["torch"] == torch.__version__
    assert described["executable"] == sys.executable or described["own_interpreter"]
    assert set(described["shims"]) == set(SHIMS)
    text = CliRunner().invoke(main, ["env", "show"]).output
    assert all(name in text for name in SHIMS)


def test_show_refuses_a_path_that_is_no_interpreter(tmp_path):
    done = CliRunner().invoke(main, ["env", "show", str(tmp_path / "missing")])
    assert done.exit_code == 2 and "no such file or folder" in done.output
