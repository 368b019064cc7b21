"""blocks.MSE.*: the mean squared error and its gradient (mean reduction, like torch.nn.MSELoss())."""

from __future__ import annotations

import torch

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, failure_check, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.result import Check
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

BLOCK = "MSE"
ASPECTS = ["forward", "backward"]


def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, BLOCK, ASPECTS, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    result: list[Check] = []
    pred, target = ctx.randn(2, 3, 4, 5), ctx.randn(2, 3, 4, 5)
    value, grads = expected.with_grads(expected.mse, {"prediction": pred, "target": target}, torch.tensor(1.0))
    client = ctx.client
    try:
        handle = client.new(cls, context=f"{BLOCK}.__init__")["handle"]
        got = client.call(handle, "forward", pred, target, context=f"{BLOCK}.forward")["value"]
    except (StudentRaised, WorkerFailure) as exc:
        return result + [failure_check(f"blocks.{BLOCK}.{a}", exc) for a in ASPECTS]
    loss = tensor_of(got)
    if loss is None and got.get("kind") == "scalar" and got.get("value") is not None:
        loss = torch.tensor(got["value"], dtype=torch.float64)
    if loss is not None and loss.numel() == 1:
        loss = loss.reshape(())
    cmp = compare(loss, value, what="loss value")
    if not cmp["ok"] and loss is not None and loss.numel() == 1:
        ratio = float(loss) / float(value) if float(value) else float("nan")
        if abs(ratio - pred.numel()) < 1e-3 * pred.numel():
            cmp["message"] += " — it is the sum, not the mean (torch's MSELoss averages)"
    result.append(from_comparisons(f"blocks.{BLOCK}.forward", [cmp]))
    forms = [
        {"name": "backward()", "args": []},
        {"name": "backward(prediction, target)", "args": [pred, target]},
        {"name": "backward(1.0)", "args": [1.0]},
    ]
    try:
        back = client.call_forms(handle, "backward", forms, context=f"{BLOCK}.backward")
    except (StudentRaised, WorkerFailure) as exc:
        result.append(failure_check(f"blocks.{BLOCK}.backward", exc))
        return result
    dx = tensor_of(back["value"])
    cmp = compare(dx, grads["prediction"], what="gradient w.r.t. the prediction")
    if not cmp["ok"] and dx is not None and dx.shape == pred.shape:
        ratio = (dx.double() / grads["prediction"]).median()
        if abs(float(ratio) - pred.numel()) < 1e-2 * pred.numel():
            cmp["message"] += " — not divided by the number of elements"
    note = None if back["form"] == "backward()" else f"called as {back['form']}"
    check = from_comparisons(f"blocks.{BLOCK}.backward", [cmp], extra={"form": back["form"]})
    if note and check.status == "pass":
        check.message += f" ({note})"
    result.append(check)
    return result
