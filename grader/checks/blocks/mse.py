"""blocks.MSE.*: the mean squared error and its gradient (mean reduction, like torch.nn.MSELoss())."""

from __future__ import annotations

import torch

from grader.checks.blocks import expected
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block
from grader.checks.blocks.scenario import tape_note
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import tensor_of

MSE = Block(
    "MSE",
    aliases=("MSELoss", "MseLoss", "LossMSE", "MSE_Loss", "Mse", "MeanSquaredError"),
    aspects=(
        NAME,
        aspect("forward", 2, "loss value vs torch.nn.MSELoss() (mean reduction)", required=True),
        aspect("backward", 2, "gradient w.r.t. the prediction vs autograd", required=True),
    ),
)
# the calls of backward tried, torch's way first
BACKWARD_FORMS = ("backward()", "backward(prediction, target)", "backward(1.0)")


@family(MSE)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, MSE, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    pred, target = ctx.randn(2, 3, 4, 5), ctx.randn(2, 3, 4, 5)
    value, grads = expected.with_grads(expected.mse, {"prediction": pred, "target": target}, torch.tensor(1.0))
    client = ctx.client
    try:
        handle = client.new(cls, context="MSE.__init__")["handle"]
        reply = client.call(handle, "forward", pred, target, context="MSE.forward")
    except RUN_FAILURES as exc:
        return failure_checks([MSE.id(a) for a in MSE.graded], exc)
    got = reply["value"]
    loss = tensor_of(got)
    if loss is None and got.get("kind") == "scalar" and got.get("value") is not None:
        # a Python float (from .item()) carries the precision the block computed in: its inputs' dtype
        dtype = getattr(torch, reply.get("arg_dtype") or "float32", torch.float32)
        loss = torch.tensor(got["value"], dtype=dtype)
    if loss is not None and loss.numel() == 1:
        loss = loss.reshape(())
    comparison = compare(loss, value, what="loss value")
    if not comparison.ok and loss is not None and loss.numel() == 1:
        ratio = float(loss) / float(value) if float(value) else float("nan")
        if abs(ratio - pred.numel()) < 1e-3 * pred.numel():
            comparison = comparison.explained(" — it is the sum, not the mean (torch's MSELoss averages)")
    result = [from_comparisons(MSE.id("forward"), [comparison])]
    arguments = {"backward()": [], "backward(prediction, target)": [pred, target], "backward(1.0)": [1.0]}
    forms = [{"name": name, "args": arguments[name]} for name in BACKWARD_FORMS]
    try:
        back = client.call_forms(handle, "backward", forms, context="MSE.backward")
    except RUN_FAILURES as exc:
        return [*result, failure_check(MSE.id("backward"), exc)]
    return [*result, _backward_check(back, pred, grads)]


def _backward_check(back: dict, pred: torch.Tensor, grads: dict) -> Check:
    """The gradient w.r.t. the prediction, however it came back (a tensor, (d_input, d_target), a tape)."""
    notes, want, what = [], grads["prediction"], "gradient w.r.t. the prediction"
    value = back["value"]
    dx = tensor_of(value)
    if dx is None and value.get("kind") in ("tuple", "list") and value.get("length") == 2:
        dx = tensor_of(value["items"][0])
        if dx is not None:
            notes.append("backward returned (d_input, d_target): the first was graded")
    tape = back.get("tape")
    if tape:
        notes.append(tape_note(tape))
        if tape.get("argument") == 1:  # the gradient went to the producer of the second argument
            want, what = grads["target"], "gradient w.r.t. the second argument (your forward's prediction)"
            notes.append("forward takes (target, prediction); torch's MSELoss takes (input, target)")
    comparison = compare(dx, want, what=what)
    if not comparison.ok and dx is not None and dx.shape == pred.shape:
        ratio = (dx.double() / want).median()
        if abs(float(ratio) - pred.numel()) < 1e-2 * pred.numel():
            comparison = comparison.explained(" — not divided by the number of elements")
        elif compare(-dx, want, what="").ok:
            comparison = comparison.explained(
                " — it is the gradient w.r.t. the target: does forward take (target, prediction)? "
                "torch's MSELoss takes (input, target)"
            )
    check = from_comparisons(
        MSE.id("backward"), [comparison], note="; ".join(notes) or None, extra={"form": back["form"]}
    )
    if back["form"] != BACKWARD_FORMS[0] and check.status in (Status.PASS, Status.WARN):
        check.message += f" (called as {back['form']})"
    return check
