"""Mini-project 1's rules: all of PyTorch (nn, autograd, optim) and the standard library; nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.rules.project1 import CHECKS, packages_allowed, static_checks_mp1


def _package(tmp_path: Path, model: str, **others: str) -> Path:
    root = tmp_path / "Miniproject_1"
    (root / "others").mkdir(parents=True)
    (root / "__init__.py").write_text("")
    (root / "model.py").write_text(model)
    for name, text in others.items():
        (root / "others" / f"{name}.py").write_text(text)
    return root


def _by_id(checks):
    return {c.id: c for c in checks}


TORCH_ONLY = """import torch
from torch import nn, optim
import torch.nn.functional as F

class Model:
    def __init__(self):
        self.net = nn.Sequential(nn.Conv2d(3, 3, 3, padding=1), nn.ReLU())
        self.opt = optim.Adam(self.net.parameters())

    def train(self, x, y, n):
        with torch.enable_grad():
            loss = F.mse_loss(self.net(x.float()), y.float())
            loss.backward()
            self.opt.step()
"""


def test_torch_nn_autograd_and_optim_are_allowed(tmp_path):
    checks = _by_id(static_checks_mp1(_package(tmp_path, TORCH_ONLY)))
    assert checks["rules.static_imports"].status == "pass"
    assert "rules.autograd_static" not in checks  # autograd is allowed: no such check for project 1
    assert [c for c in checks.values() if c.status != "pass"] == []


def test_numpy_is_a_failure_with_file_and_line(tmp_path):
    root = _package(tmp_path, "from .others import util\n" + TORCH_ONLY, util="import os\nimport numpy as np\n")
    check = _by_id(static_checks_mp1(root))["rules.static_imports"]
    assert check.status == "fail"
    assert "others/util.py:2" in check.message and "PyTorch and the standard library only" in check.message


def test_a_file_model_py_never_imports_only_warns(tmp_path):
    root = _package(tmp_path, TORCH_ONLY, util="import numpy as np\n")
    check = _by_id(static_checks_mp1(root))["rules.static_imports"]
    assert check.status == "warn" and "not imported by model.py" in check.message


def test_an_unguarded_utility_import_fails_a_guarded_one_warns(tmp_path):
    unguarded = _by_id(static_checks_mp1(_package(tmp_path / "a", "from tqdm import tqdm\n" + TORCH_ONLY)))
    assert unguarded["rules.static_imports"].status == "fail"
    assert "model.py:1" in unguarded["rules.static_imports"].message
    guarded = "try:\n    from tqdm import tqdm\nexcept ImportError:\n    tqdm = None\n" + TORCH_ONLY
    checks = _by_id(static_checks_mp1(_package(tmp_path / "b", guarded)))
    assert checks["rules.static_imports"].status == "warn"
    assert "try/except ImportError" in checks["rules.static_imports"].message


@pytest.mark.parametrize("setting, status", [("warn", "warn"), ("fail", "fail")])
def test_torchvision_follows_the_rubric(tmp_path, setting, status):
    root = _package(tmp_path, "import torchvision.transforms as T\n" + TORCH_ONLY)
    check = _by_id(static_checks_mp1(root, torchvision=setting))["rules.static_imports"]
    assert check.status == status and "torchvision" in check.message
    # a package the rules allow and the grading environment lacks is no verdict on code that needs it
    assert packages_allowed(torchvision=setting) == ({"torchvision"} if setting == "warn" else set())


def test_tampering_is_still_a_failure(tmp_path):
    root = _package(tmp_path, TORCH_ONLY + "\nimport grader\n")
    assert _by_id(static_checks_mp1(root))["rules.tampering"].status == "fail"


def test_project_1_rules_checks_are_a_subset_of_project_2s():
    from grader.rules.checks import CHECKS as PROJECT2

    assert {c.id for c in CHECKS} < {c.id for c in PROJECT2}
    assert "rules.runtime_forbidden" not in {c.id for c in CHECKS}
