"""Findings and runtime traces turned into graded rules.* checks."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import torch
from torch.overrides import TorchFunctionMode

from grader.result import Result
from grader.rules.checks import STATIC, import_side_effects_check, runtime_checks, static_checks
from grader.rules.policy import classify_runtime_call

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl" / "Miniproject_2"
STATIC_IDS = [static.spec.id for static in STATIC]


def _submission(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "Miniproject_2"
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _by_id(checks):
    return {c.id: c for c in checks}


def test_clean_submission_passes_every_static_check(tmp_path):
    root = _submission(
        tmp_path,
        {
            "model.py": "from torch import empty\nfrom .others.conv import Conv2d\n",
            "others/conv.py": "from torch.nn.functional import unfold\n",
        },
    )
    checks = _by_id(static_checks(root))
    assert set(checks) == set(STATIC_IDS)
    assert {c.status for c in checks.values()} == {"pass"}
    assert "2 files scanned" in checks["rules.static_imports"].message


def test_static_checks_route_findings_by_category(tmp_path):
    root = _submission(
        tmp_path,
        {
            "model.py": """\
            import torch
            import numpy as np
            from tqdm import tqdm
            import torch.nn.functional as F
            def f(x, w, loss):
                loss.backward()
                torch.nn.functional.unfold = None
                return F.conv2d(x, w)
            import os
            home = os.environ['HOME']
            """,
            "others/broken.py": "def f(:\n",
        },
    )
    checks = _by_id(static_checks(root))
    imports = checks["rules.static_imports"]
    assert imports.status == "fail"
    assert "numpy (model.py:2)" in imports.message
    assert "torch.nn.functional.conv2d (model.py:8)" in imports.message
    assert {f["name"] for f in imports.details["findings"]} == {"numpy", "tqdm", "torch.nn.functional.conv2d"}
    assert checks["rules.autograd_static"].status == "warn"
    assert checks["rules.tampering"].status == "fail"
    assert "torch.nn.functional.unfold (model.py:7)" in checks["rules.tampering"].message
    assert checks["rules.syntax"].status == "warn"  # broken.py is not imported by model.py
    assert checks["rules.risky_code"].status == "pass"  # an environment read is only a note
    assert checks["rules.risky_code"].details["findings"][0]["severity"] == "note"


def test_warn_only_imports_give_warn(tmp_path):
    root = _submission(tmp_path, {"model.py": "import tqdm\n"})
    assert _by_id(static_checks(root))["rules.static_imports"].status == "warn"


def test_no_python_files_skips_static_checks(tmp_path):
    (tmp_path / "Miniproject_2").mkdir()
    checks = static_checks(tmp_path / "Miniproject_2")
    assert {c.status for c in checks} == {"skipped"}


def test_no_trace_skips_runtime_checks():
    checks = runtime_checks(None)
    assert [c.id for c in checks] == [
        "rules.runtime_forbidden",
        "rules.autograd",
        "rules.runtime_tampering",
        "rules.import_side_effects",
    ]
    assert {c.status for c in checks} == {"skipped"}


def test_runtime_forbidden_names_block_method_and_function():
    trace = {
        "calls": {"Conv2d.forward": {"torch.conv2d": 3, "torch.Tensor.matmul": 10}, "Model.train": {"torch.zeros": 1}}
    }
    checks = _by_id(runtime_checks(trace))
    forbidden = checks["rules.runtime_forbidden"]
    assert forbidden.status == "fail"
    assert "Conv2d.forward called torch.conv2d (3x)" in forbidden.message
    assert "Model.train called torch.zeros (1x)" in forbidden.message
    assert {c["name"] for c in forbidden.details["calls"]} == {"torch.conv2d", "torch.zeros"}
    assert checks["rules.autograd"].status == "pass"


def test_runtime_autograd_and_grad_mode():
    trace = {"calls": {"Model.train": {"torch.Tensor.backward": 2}}, "grad_mode_enabled_after": ["Model.train"]}
    autograd = _by_id(runtime_checks(trace))["rules.autograd"]
    assert autograd.status == "fail"
    assert "grad mode was on after Model.train" in autograd.message
    assert "torch.Tensor.backward" in autograd.message
    # grad mode on without any graph built is a warning (issue 9 item 6c), not an autograd violation
    only_mode = _by_id(runtime_checks({"grad_mode_enabled_after": ["Sigmoid.forward"]}))
    assert only_mode["rules.autograd"].status == "warn"
    assert "no graph was built" in only_mode["rules.autograd"].message
    switched = _by_id(runtime_checks({"calls": {"Model.train": {"torch.set_grad_enabled(True)": 1}}}))
    assert switched["rules.autograd"].status == "warn"
    with_graph = {"Model.train": {"torch.set_grad_enabled(True)": 1, "torch.Tensor.requires_grad_": 3}}
    assert _by_id(runtime_checks({"calls": with_graph}))["rules.autograd"].status == "fail"
    with_parameters = {"Model.train": {"torch.set_grad_enabled(True)": 1, "torch.nn.Parameter": 1}}
    assert _by_id(runtime_checks({"calls": with_parameters}))["rules.autograd"].status == "fail"
    grad_fn = _by_id(runtime_checks({"calls": {"ReLU.forward": {"torch.Tensor.grad_fn": 1}}}))
    assert grad_fn["rules.autograd"].status == "warn"


def test_runtime_accepts_tracer_drain_lists():
    trace = {
        "calls": [
            {
                "context": "Model.train",
                "category": "autograd",
                "name": "torch.Tensor.requires_grad_",
                "count": 4,
                "severity": "fail",
                "reason": "r",
            },
            {
                "context": "import",
                "category": "tampering",
                "name": "trace switched off",
                "count": 1,
                "severity": "fail",
                "reason": "the function mode was removed",
            },
        ]
    }
    checks = _by_id(runtime_checks(trace))
    assert checks["rules.autograd"].status == "fail"
    assert checks["rules.runtime_tampering"].status == "fail"
    # no forbidden call in a trace the code switched off proves nothing
    assert checks["rules.runtime_forbidden"].status == "fail"
    assert "tampered with the grader's runtime trace" in checks["rules.runtime_forbidden"].message


def test_no_free_points_for_a_file_that_does_not_parse(tmp_path):
    """Issue 14 item 4: a file grading runs that was not parsed was not checked: skipped because rules.syntax."""
    root = _submission(
        tmp_path,
        {"model.py": "from .others import blocks\nfrom torch import empty\n", "others/blocks.py": "def f(:\n"},
    )
    checks = _by_id(static_checks(root))
    assert checks["rules.syntax"].status == "fail"
    for check_id in ("rules.static_imports", "rules.tampering"):
        assert checks[check_id].status == "skipped" and checks[check_id].details["because"] == "rules.syntax"
        assert "others/blocks.py does not parse" in checks[check_id].message


def test_a_found_violation_stands_beside_a_file_that_does_not_parse(tmp_path):
    root = _submission(
        tmp_path, {"model.py": "from .others import blocks\nimport numpy\n", "others/blocks.py": "def f(:\n"}
    )
    assert _by_id(static_checks(root))["rules.static_imports"].status == "fail"


def test_a_scratch_file_that_does_not_parse_costs_nothing(tmp_path):
    root = _submission(tmp_path, {"model.py": "from torch import empty\n", "others/scratch.py": "def f(:\n"})
    checks = _by_id(static_checks(root))
    assert checks["rules.syntax"].status == "warn"
    imports = checks["rules.static_imports"]
    assert imports.status == "pass" and "not checked: others/scratch.py" in imports.message


def test_runtime_findings_name_the_students_line():
    trace = [
        {
            "context": "Conv2d.__init__",
            "category": "forbidden_torch",
            "name": "torch.zeros",
            "count": 2,
            "severity": "fail",
            "reason": "use torch.empty(shape).zero_()",
            "where": "Miniproject_2/others/blocks.py:12",
        }
    ]
    check = _by_id(runtime_checks(trace))["rules.runtime_forbidden"]
    assert "Conv2d.__init__ called torch.zeros (2x, at Miniproject_2/others/blocks.py:12)" in check.message


def test_runtime_checks_from_a_real_trace():
    """Record like the worker does, then grade the trace."""
    calls: dict[str, dict[str, int]] = {}

    class Mode(TorchFunctionMode):
        context = "Conv2d.forward"

        def __torch_function__(self, func, types, args=(), kwargs=None):
            verdict = classify_runtime_call(func, args, kwargs or {})
            if verdict is not None:
                ctx = calls.setdefault(self.context, {})
                ctx[verdict.name] = ctx.get(verdict.name, 0) + 1
            return func(*args, **(kwargs or {}))

    x = torch.empty(1, 3, 8, 8).normal_()
    with torch.no_grad(), Mode():
        torch.nn.functional.conv2d(x, torch.empty(2, 3, 3, 3).normal_())
        torch.nn.functional.unfold(x, 3).sum()
    checks = _by_id(runtime_checks({"calls": calls}))
    assert checks["rules.runtime_forbidden"].status == "fail"
    assert "Conv2d.forward called torch.conv2d (1x)" in checks["rules.runtime_forbidden"].message


@pytest.mark.parametrize(
    "effects, status, text",
    [
        ({}, "pass", "changed no global torch state"),
        ({"default_dtype": None, "grad_enabled": False}, "pass", "changed no global torch state"),
        ({"default_dtype": "torch.float64"}, "warn", "default dtype to torch.float64"),
        ({"grad_enabled": True}, "warn", "grad mode on (torch.set_grad_enabled(True)"),
        ({"grad_enabled": False, "grad_enabled_before": True}, "pass", "set_grad_enabled(False)"),
        # the worker's own shape (grader.sandbox.ops.op_import)
        (
            {"default_dtype": "float64", "default_dtype_changed": True, "grad_enabled_changed": False},
            "warn",
            "default dtype to float64",
        ),
        (
            {"default_dtype": "float32", "default_dtype_changed": False, "grad_enabled_changed": False},
            "pass",
            "changed no global torch state",
        ),
        (
            {"default_dtype": "float32", "default_dtype_changed": False, "grad_enabled_changed": True},
            "warn",
            "switched torch's grad mode",
        ),
    ],
)
def test_import_side_effects_never_fail(effects, status, text):
    check = import_side_effects_check(effects)
    assert (check.id, check.status) == ("rules.import_side_effects", status)
    assert text in check.message


def test_checks_serialise_to_json(tmp_path):
    root = _submission(tmp_path, {"model.py": "import numpy\nimport torch\nx = torch.zeros(1)\n"})
    checks = static_checks(root) + runtime_checks({"calls": {"a.b": {"torch.zeros": 1}}})
    text = Result("team", checks=checks).to_json()
    back = Result.from_dict(json.loads(text))
    assert [c.id for c in back.checks] == [c.id for c in checks]
    assert all(c.score == 0 and c.max_score == 0 for c in back.checks)


@pytest.mark.skipif(not (REFERENCE / "model.py").is_file(), reason="reference_impl not written yet")
def test_reference_implementation_passes_static_checks():
    checks = static_checks(REFERENCE)
    assert {c.id: c.status for c in checks} == {i: "pass" for i in STATIC_IDS}


def test_runtime_accepts_a_bare_drain_list_and_merges_repeats():
    entry = {
        "context": "Model.train",
        "category": "forbidden_torch",
        "name": "torch.zeros",
        "count": 2,
        "severity": "fail",
        "reason": "r",
    }
    checks = _by_id(runtime_checks([entry, dict(entry, count=3)]))
    forbidden = checks["rules.runtime_forbidden"]
    assert forbidden.status == "fail" and "Model.train called torch.zeros (5x)" in forbidden.message
    assert len(forbidden.details["calls"]) == 1


def test_patched_torch_functions_are_runtime_tampering():
    checks = _by_id(runtime_checks({"torch_patched": ["zeros"], "calls": {}}))
    assert checks["rules.runtime_tampering"].status == "fail"
    assert "torch.zeros was replaced" in checks["rules.runtime_tampering"].message
