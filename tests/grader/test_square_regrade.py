"""A backward that crashes on a non-square input only: one defect, charged once; the gradients graded on a square one.

Unit tests of `layer.basic_checks` without a worker: the runs are built by hand (the sample teams
team_upsampling_square_backward and team_backward_square_only run the same path through the sandbox).
"""

from __future__ import annotations

import pytest
import torch

from grader.checks.blocks import expected, layer
from grader.checks.blocks.context import BlockContext
from grader.checks.blocks.conv import BASIC, CONV2D
from grader.checks.blocks.scenario import LayerRun
from grader.checks.blocks.upsampling import NEAREST, TRANSPOSE
from grader.result import Status
from grader.sandbox.client import StudentRaised

GRADIENTS = ("backward_weight", "backward_bias", "accumulate")
CRASH = {"type": "IndexError", "message": "index 10 is out of bounds", "where": ["model.py:12 in backward: x[rows]"]}


@pytest.mark.parametrize("block", [CONV2D, NEAREST, TRANSPOSE], ids=lambda b: b.name)
def test_the_layers_gradient_checks_are_declared_square_after_backward_input(block):
    assert block.square_after == dict.fromkeys(GRADIENTS, "backward_input")


def _expectation() -> layer.Expectation:
    return layer.Expectation(shapes={"weight": BASIC.weight_shape, "bias": BASIC.weight_shape[:1]})


def _correct(ctx: BlockContext, case: layer.LayerCase) -> tuple[LayerRun, layer.Expectation]:
    """What a correct block gives on `case`: two passes, the gradients added up."""
    weight, bias = ctx.randn(*case.weight_shape), ctx.randn(case.weight_shape[0])
    run = LayerRun(cls="Conv2d", construct="Conv2d(3, 5, 3)", handle="h2", weights={"weight": weight, "bias": bias})
    expectation = _expectation()
    totals = {"weight": torch.zeros(case.weight_shape), "bias": torch.zeros(case.weight_shape[0])}

    def snapshot():
        return {"pairs": [{"param": run.weights[r], "grad": totals[r].clone(), "role": r} for r in totals]}

    run.snapshots.append(snapshot())
    for _ in range(2):
        x = ctx.randn(*case.x_shape)
        g = ctx.randn(*case.fn(x.double(), weight.double(), bias.double()).shape)
        out, grads = expected.with_grads(case.fn, {"x": x, "weight": weight, "bias": bias}, g)
        expectation.passes.append({"out": out, **grads})
        run.outputs.append(out.float())
        run.input_grads.append(grads["x"].float())
        for role in totals:
            totals[role] += grads[role].float()
        run.snapshots.append(snapshot())
    return run, expectation


def _crashed(ctx: BlockContext, case: layer.LayerCase) -> tuple[LayerRun, layer.Expectation]:
    """A block whose first backward raised on `case`: the forward went through."""
    run, expectation = _correct(ctx, case)
    run.input_grads, run.snapshots, run.outputs = [], run.snapshots[:1], run.outputs[:1]
    run.failure, run.failed_stage = StudentRaised(CRASH, "Conv2d.backward"), "backward (pass 1)"
    return run, expectation


def _graded(monkeypatch, *, square_crashes: bool = False) -> tuple[dict, list]:
    """basic_checks on a crashed run of Conv2d's basic (non-square) case; the square run is a correct block's
    (or crashes as well)."""
    ctx = BlockContext(client=None, exported={})
    asked = []

    def exercise(ctx, block, cls, case, *, transposed=False):
        asked.append(case)
        return _crashed(ctx, case) if square_crashes else _correct(ctx, case)

    run, expectation = _crashed(ctx, BASIC)
    monkeypatch.setattr(layer, "exercise", exercise)
    before = ctx.generator.get_state()
    checks = layer.basic_checks(ctx, CONV2D, "Conv2d", BASIC, run, expectation)
    assert torch.equal(ctx.generator.get_state(), before)  # the checks after these draw the same inputs
    return {c.id.rsplit(".", 1)[1]: c for c in checks}, asked


def test_the_crash_fails_backward_input_and_the_gradients_are_graded_on_a_square_input(monkeypatch):
    checks, asked = _graded(monkeypatch)
    assert [case.x_shape for case in asked] == [(2, 3, 9, 9)]  # BASIC's (2, 3, 9, 11), square
    assert checks["forward"].status == Status.PASS
    assert checks["backward_input"].status == Status.FAIL and "IndexError" in checks["backward_input"].message
    for aspect in GRADIENTS:
        check = checks[aspect]
        assert check.status == Status.PASS, check.message
        assert check.message.startswith(
            "graded on a square input: the non-square one crashed, charged in blocks.Conv2d.backward_input: "
        )
        assert check.details["square_input"] == [2, 3, 9, 9] and check.details["crashed_input"] == [2, 3, 9, 11]
        assert "exception" not in check.details  # not taken for the same crash by proportion.charge_once


def test_a_square_input_that_crashes_too_leaves_the_crash_to_stop_them(monkeypatch):
    checks, _ = _graded(monkeypatch, square_crashes=True)
    for aspect in GRADIENTS:
        assert checks[aspect].status == Status.FAIL and "square" not in checks[aspect].message
        assert checks[aspect].details["exception"] == CRASH


def test_a_square_input_or_another_stage_is_not_run_again(monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("no square run expected")

    ctx = BlockContext(client=None, exported={})
    square = layer.LayerCase("basic", BASIC.args, {}, (2, 3, 9, 9), BASIC.weight_shape, BASIC.fn)
    square_run = _crashed(ctx, square)
    forward_run = _crashed(ctx, BASIC)
    forward_run[0].failed_stage = "forward (pass 1)"
    monkeypatch.setattr(layer, "exercise", never)
    for case, (run, expectation) in ((square, square_run), (BASIC, forward_run)):
        checks = layer.basic_checks(ctx, CONV2D, "Conv2d", case, run, expectation)
        assert all("square" not in c.message for c in checks)
