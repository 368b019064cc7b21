"""Grading in proportion: which forbidden calls void, one cause charged once, follow-ons, grader errors."""

from __future__ import annotations

import importlib.util
import sys

import pytest
import torch

from grader.checks import proportion
from grader.checks.verdicts import STUDENT_CAUSED, failure_check, over_budget_on_a_busy_machine
from grader.checks.voiding import does_job, void_forbidden
from grader.result import Check, Result
from grader.sandbox.supervisor import WorkerFailure
from grader.sandbox.tracer import Tracer


def _call(context: str, name: str, category: str = "forbidden_torch") -> dict:
    return {"context": context, "name": name, "category": category, "severity": "fail", "count": 1, "reason": ""}


def _graded(*calls: dict, policy: str = "own_job") -> dict[str, Check]:
    checks = [
        Check("rules.runtime_forbidden", "fail", details={"calls": [c for c in calls if c["category"] != "autograd"]}),
        Check("rules.autograd", "fail", details={"calls": [c for c in calls if c["category"] == "autograd"]}),
        Check("blocks.Conv2d.name", "pass"),
        Check("blocks.Conv2d.forward", "pass", "matches torch"),
        Check("blocks.Conv2d.backward_weight", "pass", "matches torch"),
        Check("blocks.Sigmoid.forward", "pass", "matches torch"),
        Check("blocks.Sigmoid.backward", "pass", "matches torch"),
        Check("model.pretrained_psnr", "pass", "+3 dB"),
        Check("model.train_time", "pass", "in budget"),
    ]
    void_forbidden(checks, policy)
    return {c.id: c for c in checks}


@pytest.mark.parametrize(
    "name, category, block, job",
    [
        ("torch.conv2d", "forbidden_torch", "Conv2d", True),
        ("torch.nn.functional.conv_transpose2d", "forbidden_torch", "TransposeConv2d", True),
        ("torch.ops.aten.convolution.default", "forbidden_torch", "Conv2d", True),
        ("torch.nn.functional.interpolate", "forbidden_torch", "NearestUpsampling", True),
        ("torch.sigmoid", "forbidden_torch", "Sigmoid", True),
        ("torch.special.expit", "forbidden_torch", "Sigmoid", True),
        ("torch.nn.functional.relu", "forbidden_torch", "ReLU", True),
        ("torch.relu_", "forbidden_torch", "ReLU", True),
        ("torch.nn.functional.mse_loss", "forbidden_torch", "MSE", True),
        ("torch.nn.Conv2d", "forbidden_torch", "Conv2d", True),
        ("torch.optim.SGD", "forbidden_torch", "SGD", True),
        ("torch.Tensor.backward", "autograd", "Conv2d", True),
        ("torch.autograd.grad", "autograd", "Sigmoid", True),
        ("torch.conv2d", "forbidden_torch", None, True),  # in Model.predict: any block's job
        # a forbidden spelling of a part the student wrote: charged by the rules checks only
        ("torch.zeros", "forbidden_torch", "Conv2d", False),
        ("torch.rand", "forbidden_torch", "Conv2d", False),
        ("torch.stack", "forbidden_torch", "Conv2d", False),
        ("torch.exp", "forbidden_torch", "Sigmoid", False),
        ("torch.exp", "forbidden_torch", None, False),
        ("torch.repeat_interleave", "forbidden_torch", "NearestUpsampling", False),
        ("torch.einsum", "forbidden_torch", "Conv2d", False),
        ("torch.nn.init.kaiming_uniform_", "forbidden_torch", "Conv2d", False),
        ("torch.nn.Parameter", "forbidden_torch", "Conv2d", False),
        ("torch.sigmoid", "forbidden_torch", "Conv2d", False),  # another block's job, not this one's
        ("torch.set_grad_enabled(True)", "autograd", "Conv2d", False),
        ("torch.Tensor.requires_grad_", "autograd", "Conv2d", False),
        ("numpy", "forbidden_import", None, False),
    ],
)
def test_which_calls_do_the_blocks_own_job(name, category, block, job):
    assert does_job(name, category, block) is job


def test_a_forbidden_helper_call_is_charged_by_the_rules_only():
    """Issue 9 item 6a: torch.zeros in __init__ and torch.exp in Sigmoid leave correct numbers standing."""
    checks = _graded(
        _call("Conv2d.__init__", "torch.zeros"),
        _call("Sigmoid.forward", "torch.exp"),
        _call("Model.predict", "torch.exp"),
    )
    assert all(c.status == "pass" for c in checks.values() if not c.id.startswith("rules."))
    everything = _graded(_call("Conv2d.__init__", "torch.zeros"), policy="any")  # the old policy, still available
    assert everything["blocks.Conv2d.forward"].status == "fail"
    assert everything["blocks.Conv2d.name"].status == "pass"


def test_a_call_that_does_the_blocks_job_voids_it_and_the_models_numbers():
    checks = _graded(_call("Conv2d.forward", "torch.conv2d"), _call("Model.predict", "torch.conv2d"))
    assert checks["blocks.Conv2d.forward"].status == "fail"
    assert checks["blocks.Conv2d.forward"].message.startswith("no credit: Conv2d.forward called torch.conv2d")
    assert checks["blocks.Conv2d.forward"].details["voided_message"] == "matches torch"
    assert checks["model.pretrained_psnr"].status == "fail"
    assert checks["blocks.Sigmoid.forward"].status == "pass" and checks["model.train_time"].status == "pass"
    assert all(
        c.status == "pass"
        for c in _graded(_call("Conv2d.forward", "torch.conv2d"), policy="none").values()
        if not c.id.startswith("rules.")
    )


def test_autograd_computing_the_gradient_voids_the_gradient_checks_only():
    checks = _graded(_call("Sigmoid.backward", "torch.Tensor.backward", "autograd"))
    assert checks["blocks.Sigmoid.backward"].status == "fail"
    assert checks["blocks.Sigmoid.forward"].status == "pass"
    switched = _graded(_call("Sigmoid.backward", "torch.set_grad_enabled(True)", "autograd"))
    assert switched["blocks.Sigmoid.backward"].status == "pass"


def test_a_diagnosed_cause_is_charged_at_its_first_check():
    cause = {"cause": "conv2d.channels_swapped", "cause_text": "Conv2d takes (out, in) channels"}
    checks = [
        Check("blocks.Conv2d.forward", "fail", "wrong shape", dict(cause)),
        Check("blocks.Conv2d.backward_input", "fail", "wrong shape", dict(cause)),
        Check("blocks.Conv2d.stride", "fail", "wrong shape", dict(cause)),
        Check("blocks.Conv2d.accumulate", "fail", "gradients overwritten"),
    ]
    proportion.charge_once(checks)
    first, second, third, other = checks
    assert "same_cause_as" not in first.details
    assert second.details["same_cause_as"] == third.details["same_cause_as"] == "blocks.Conv2d.forward"
    assert second.message.startswith("same cause as blocks.Conv2d.forward, charged there (Conv2d takes (out, in)")
    assert "same_cause_as" not in other.details


def _raised(check_id: str, frame: str, type_: str = "IndexError") -> Check:
    exception = {"type": type_, "message": "index 5 is out of bounds", "where": [f"{frame} in backward: x[i]"]}
    return Check(check_id, "fail", f"{type_}: index 5 is out of bounds", {"exception": exception})


def test_the_same_crash_in_several_checks_of_a_block_is_one_failure():
    checks = [
        _raised("blocks.NearestUpsampling.backward_input", "Miniproject_2/model.py:330"),
        _raised("blocks.NearestUpsampling.backward_weight", "Miniproject_2/model.py:330"),
        _raised("blocks.NearestUpsampling.accumulate", "Miniproject_2/model.py:330"),
        _raised("blocks.Conv2d.backward_input", "Miniproject_2/model.py:330"),  # another block: its own failure
        _raised("blocks.NearestUpsampling.param", "Miniproject_2/model.py:12"),  # another line
    ]
    proportion.charge_once(checks)
    assert [c.status for c in checks] == ["fail", "skipped", "skipped", "fail", "fail"]
    assert checks[1].details["because"] == "blocks.NearestUpsampling.backward_input"
    assert checks[1].message.startswith("skipped (because blocks.NearestUpsampling.backward_input failed)")


def test_a_model_method_that_crashes_fails_once_and_the_rest_follow():
    checks = [
        _raised("model.predict_shape", "Miniproject_2/model.py:70", "RuntimeError"),
        _raised("model.predict_range", "Miniproject_2/model.py:70", "RuntimeError"),
        Check("model.load_pretrained", "fail", "no checkpoint"),
        Check("model.pretrained_psnr", "skipped", "no pretrained model loaded"),
    ]
    proportion.skipped_for_a_failure(checks)
    proportion.charge_once(checks)
    assert checks[1].details["because"] == "model.predict_shape"
    assert checks[3].details["because"] == "model.load_pretrained"
    result = Result("t", checks=checks)
    assert result.root_cause(checks[3]) is checks[2]


def test_an_import_that_fails_on_the_syntax_error_is_the_same_cause():
    checks = [
        Check("rules.syntax", "fail", "others/blocks.py line 3 does not parse"),
        Check("structure.import", "fail", "SyntaxError", {"exception": {"type": "SyntaxError", "where": []}}),
    ]
    proportion.charge_once(checks)
    assert checks[1].details["same_cause_as"] == "rules.syntax"


@pytest.mark.parametrize("reason", sorted(STUDENT_CAUSED))
def test_worker_failures_the_code_caused_are_the_codes(reason):
    check = failure_check("model.predict_shape", WorkerFailure(reason, "the worker stopped during predict"))
    assert check.status == "fail" and STUDENT_CAUSED[reason] in check.message


@pytest.mark.parametrize("reason", ["timeout", "signal", "protocol", "cpu"])
def test_other_worker_failures_are_errors(reason):
    assert failure_check("model.predict_shape", WorkerFailure(reason, "stopped")).status == "error"


def test_an_epoch_over_budget_on_a_busy_machine_is_an_error_to_regrade(monkeypatch):
    monkeypatch.setattr("grader.machine.usable_cores", lambda: 2)

    def epoch():
        return Check("model.train_time", "fail", "did not finish within the budget", {"worker": {"reason": "timeout"}})

    quiet, busy, crashed = epoch(), epoch(), Check("model.train_time", "fail", "train() failed")
    assert not over_budget_on_a_busy_machine(quiet, 0.3, 1, "cpu") and quiet.status == "fail"
    assert over_budget_on_a_busy_machine(busy, 7.4, 1, "cpu") and busy.status == "error"
    assert "regrade on quiet cores" in busy.message and busy.details["machine_busy"]["others_load"] == 7.4
    assert not over_budget_on_a_busy_machine(crashed, 7.4, 1, "cpu")  # a crash is no timing
    gpu = epoch()
    assert not over_budget_on_a_busy_machine(gpu, 7.4, 1, "cuda")


def test_the_tracer_names_the_students_line(tmp_path):
    root = tmp_path / "box"
    (root / "Miniproject_2").mkdir(parents=True)
    source = root / "Miniproject_2" / "blocks_for_trace.py"
    source.write_text("import torch\n\n\ndef make():\n    return torch.zeros(3)\n")
    spec = importlib.util.spec_from_file_location("blocks_for_trace", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tracer = Tracer()
    tracer.root = str(root)
    tracer.context = "Conv2d.__init__"
    with torch.no_grad(), tracer:
        module.make()
        module.make()
    (entry,) = [e for e in tracer.drain() if e["name"] == "torch.zeros"]
    assert entry["where"] == "Miniproject_2/blocks_for_trace.py:5" and entry["count"] == 2
    sys.modules.pop("blocks_for_trace", None)


def test_no_grader_frame_is_given_as_the_students_mistake():
    from grader.sandbox.client import where_raised
    from grader.sandbox.ops import StudentError, WorkerState

    class Conv2d:
        def __init__(self, in_channels, out_channels):
            pass

    state = WorkerState("/nonexistent-box")
    state.submission_root = "/nonexistent-box"
    grad_mode = torch.is_grad_enabled()
    try:
        with pytest.raises(StudentError) as info:
            state.run("Conv2d.__init__", Conv2d, 1, 2, dilation=2)  # raised at the call: no line of theirs ran
    finally:
        torch.set_grad_enabled(grad_mode)  # run() leaves autograd off, as the worker wants
    assert info.value.info["where"] == [] and where_raised(info.value.info) == ""  # no `ops.py:129 in run`
    from grader.sandbox.client import StudentRaised

    message = str(StudentRaised(info.value.info, "Conv2d.__init__"))
    assert message.startswith("Conv2d.__init__: TypeError:") and "ops.py" not in message  # the call it made
