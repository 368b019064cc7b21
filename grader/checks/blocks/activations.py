"""blocks.ReLU.* and blocks.Sigmoid.*: forward, backward, and an empty param()."""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, failure_check, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.result import Check
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

ASPECTS = ["forward", "backward", "param"]


def checks(ctx: BlockContext) -> list[Check]:
    out = []
    # ReLU inputs keep away from 0, where the derivative is a convention
    relu_x = ctx.uniform(2, 3, 5, 7, low=0.05, high=1.0) * (ctx.uniform(2, 3, 5, 7) > 0).float().mul(2).sub(1)
    out += _activation(ctx, "ReLU", expected.relu, relu_x)
    out += _activation(ctx, "Sigmoid", expected.sigmoid, ctx.randn(2, 3, 5, 7, scale=3.0))
    return out


def _activation(ctx: BlockContext, block: str, fn, x) -> list[Check]:
    return grade_block(ctx, block, ASPECTS, lambda ctx, cls: _grade(ctx, block, cls, fn, x))


def _grade(ctx: BlockContext, block: str, cls: str, fn, x) -> list[Check]:
    result: list[Check] = []
    g = ctx.randn(*x.shape)
    want, grads = expected.with_grads(fn, {"x": x}, g)
    client = ctx.client
    try:
        handle = client.new(cls, context=f"{block}.__init__")["handle"]
    except (StudentRaised, WorkerFailure) as exc:
        return result + [failure_check(f"blocks.{block}.{a}", exc, prefix=f"{cls}(): ") for a in ASPECTS]
    try:
        y = tensor_of(client.call(handle, "forward", x, context=f"{block}.forward")["value"])
        result.append(from_comparisons(f"blocks.{block}.forward", [compare(y, want, what="forward output")]))
    except (StudentRaised, WorkerFailure) as exc:
        return result + [failure_check(f"blocks.{block}.{a}", exc) for a in ASPECTS]
    try:
        dx = tensor_of(client.call(handle, "backward", g, context=f"{block}.backward")["value"])
        result.append(from_comparisons(f"blocks.{block}.backward", [compare(dx, grads["x"], what="input gradient")]))
    except (StudentRaised, WorkerFailure) as exc:
        result.append(failure_check(f"blocks.{block}.backward", exc))
    result.append(empty_param_check(ctx, block, handle))
    return result


def empty_param_check(ctx: BlockContext, block: str, handle: str) -> Check:
    """A block without parameters should still answer param() with an empty list."""
    check_id = f"blocks.{block}.param"
    try:
        snap = ctx.client.params(handle, context=f"{block}.param")
    except (StudentRaised, WorkerFailure) as exc:
        return failure_check(check_id, exc)
    if snap.get("accessor") is None:
        return Check(check_id, "warn", "no param() method; Sequential.param() may fail on this block")
    if snap.get("error"):
        return Check(check_id, "fail", f"{snap['accessor']}(): {snap['error']}")
    if snap.get("pairs"):
        return Check(
            check_id, "fail", f"{snap['accessor']}() returns {len(snap['pairs'])} pairs for a block without parameters"
        )
    if snap["accessor"] != "param":
        return Check(check_id, "warn", f"found {snap['accessor']}() instead of param()")
    return Check(check_id, "pass", "param() returns an empty list")
