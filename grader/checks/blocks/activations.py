"""blocks.ReLU.* and blocks.Sigmoid.*: forward, backward, an empty param(), and two warnings.

`unchanged`: forward must not modify its input in place, nor backward the
gradient it receives (an in-place ReLU corrupts whatever else holds that tensor:
the previous block's saved output, the caller's gradient). `extreme` (Sigmoid):
finite values and gradients for inputs of ±100, where exp(-x) overflows float32
(a backward written as exp(-x) / (1 + exp(-x))² gives inf/inf = nan).
"""

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

# both activations answer param() the same way, and must leave the tensors they are given alone
PARAM = aspect("param", 0.5, "param() exists and returns an empty list")
UNCHANGED = aspect(
    "unchanged", 0, "forward leaves its input, backward its incoming gradient unchanged (warning only)", warn_only=True
)
RELU = Block(
    "ReLU",
    aliases=("Relu", "RELU", "ReLu", "relu"),
    aspects=(
        NAME,
        aspect("forward", 1.5, "forward vs torch.relu", required=True),
        aspect("backward", 1.5, "input gradient vs autograd", required=True),
        PARAM,
        UNCHANGED,
    ),
)
SIGMOID = Block(
    "Sigmoid",
    aliases=("sigmoid", "SigmoidActivation"),
    aspects=(
        NAME,
        aspect("forward", 1.5, "forward vs torch.sigmoid", required=True),
        aspect("backward", 1.5, "input gradient vs autograd", required=True),
        PARAM,
        UNCHANGED,
        aspect("extreme", 0, "finite forward and gradient for inputs of ±100 (warning only)", warn_only=True),
    ),
)
EXTREME = (-100.0, -90.0, -20.0, 0.0, 20.0, 90.0, 100.0)


@family(RELU, SIGMOID)
def checks(ctx: BlockContext) -> list[Check]:
    out = []
    # ReLU inputs keep away from 0, where the derivative is a convention
    relu_x = ctx.uniform(2, 3, 5, 7, low=0.05, high=1.0) * (ctx.uniform(2, 3, 5, 7) > 0).float().mul(2).sub(1)
    out += _activation(ctx, RELU, expected.relu, relu_x)
    out += _activation(ctx, SIGMOID, expected.sigmoid, ctx.randn(2, 3, 5, 7, scale=3.0))
    return out


def _activation(ctx: BlockContext, block: Block, fn, x) -> list[Check]:
    return grade_block(ctx, block, lambda ctx, cls: _grade(ctx, block, cls, fn, x))


def _grade(ctx: BlockContext, block: Block, cls: str, fn, x) -> list[Check]:
    g = ctx.randn(*x.shape)
    want, grads = expected.with_grads(fn, {"x": x}, g)
    client = ctx.client
    ids = [block.id(a) for a in block.graded]
    try:
        handle = client.new(cls, context=f"{block.name}.__init__")["handle"]
    except RUN_FAILURES as exc:
        return failure_checks(ids, exc, prefix=f"{cls}(): ")
    try:
        forward = client.call(handle, "forward", x, context=f"{block.name}.forward", return_args=True)
    except RUN_FAILURES as exc:
        return failure_checks(ids, exc)
    y = tensor_of(forward["value"])
    result = [from_comparisons(block.id("forward"), [compare(y, want, what="forward output")])]
    backward = None
    try:
        backward = client.call(handle, "backward", g, context=f"{block.name}.backward", return_args=True)
        dx = tensor_of(backward["value"])
        note = tape_note(backward["tape"]) if backward.get("tape") else None
        comparison = compare(dx, grads["x"], what="input gradient")
        if not comparison.ok and block is SIGMOID and dx is not None and dx.shape == x.shape:
            why = sigmoid_backward_cause(dx, x, g)
            comparison = comparison.explained(f" — {why}") if why else comparison
        result.append(from_comparisons(block.id("backward"), [comparison], note=note))
    except RUN_FAILURES as exc:
        result.append(failure_check(block.id("backward"), exc))
    result.append(empty_param_check(ctx, block, handle))
    result.append(_unchanged_check(block, forward, backward))
    if block is SIGMOID:
        result.append(_extreme_check(ctx, cls))
    return result


def _unchanged_check(block: Block, forward: dict, backward: dict | None) -> Check:
    """Warn when forward modified its input or backward the gradient it was given (in place)."""
    check_id = block.id("unchanged")
    changed = []
    if forward.get("args_changed", [False])[0]:
        changed.append("forward modified its input in place")
    if backward is not None and backward.get("args_changed", [False])[0]:
        changed.append("backward modified the gradient it was given in place")
    if backward is None:
        return Check(check_id, Status.SKIPPED, "backward did not run", details={"because": block.id("backward")})
    if changed:
        return Check(
            check_id,
            Status.WARN,
            "; ".join(changed) + ": whatever else holds that tensor (the previous block, the caller) sees it "
            "change; compute a new tensor instead",
        )
    return Check(check_id, Status.PASS, "forward and backward leave the tensors they are given unchanged")


def _extreme_check(ctx: BlockContext, cls: str) -> Check:
    """Sigmoid at ±100: torch gives 0 and 1 and finite (zero) gradients; exp(-x) overflows float32 there."""
    check_id = SIGMOID.id("extreme")
    x = torch.tensor(EXTREME, dtype=torch.float32).view(1, 1, 1, -1)
    g = torch.ones_like(x)
    want, grads = expected.with_grads(expected.sigmoid, {"x": x}, g)
    client = ctx.client
    try:
        handle = client.new(cls, context="Sigmoid.__init__")["handle"]
        y = tensor_of(client.call(handle, "forward", x, context="Sigmoid.forward")["value"])
        dx = tensor_of(client.call(handle, "backward", g, context="Sigmoid.backward")["value"])
    except RUN_FAILURES as exc:
        check = failure_check(check_id, exc, prefix=f"on inputs {list(EXTREME)}: ")
        if check.status == Status.FAIL:
            check.status = Status.WARN
        return check
    check = from_comparisons(
        check_id, [compare(y, want, what="forward output"), compare(dx, grads["x"], what="input gradient")]
    )
    if check.status == Status.FAIL:
        check.status = Status.WARN
        check.message = f"on inputs {list(EXTREME)}: {check.message} (exp(-x) overflows for very negative x)"
    return check


def sigmoid_backward_cause(dx, x, g) -> str:
    """The usual slip a wrong Sigmoid input gradient matches ('' when none does), computed here in float64."""
    x, g, dx = x.double(), g.double(), dx.double()
    s = x.sigmoid()
    slips = (
        (s * (1 - s), "it is σ(x)(1−σ(x)) without the incoming gradient: multiply by the gradient passed to backward"),
        (g * s, "it is gradient·σ(x): the derivative is σ(x)(1−σ(x))"),
        (g * (1 - s), "it is gradient·(1−σ(x)): the derivative is σ(x)(1−σ(x))"),
        (g * x * (1 - x), "it is gradient·x(1−x): use σ(x) (the forward output), not the input x"),
        (
            g * s.sigmoid() * (1 - s.sigmoid()),
            "it is gradient·σ(σ(x))(1−σ(σ(x))): σ was applied to the stored output again",
        ),
        (-g * s * (1 - s), "the sign is flipped"),
    )
    scale = max(float(dx.abs().max()), 1e-12)
    for value, why in slips:
        if float((dx - value).abs().max()) <= 1e-4 * max(scale, float(value.abs().max())):
            return why
    return ""


def empty_param_check(ctx: BlockContext, block: Block, handle: str) -> Check:
    """A block without parameters should still answer param() with an empty list."""
    check_id = block.id("param")
    try:
        snapshot = ctx.client.params(handle, context=f"{block.name}.param")
    except RUN_FAILURES as exc:
        return failure_check(check_id, exc)
    if snapshot.get("accessor") is None:
        return Check(check_id, Status.WARN, "no param() method; Sequential.param() may fail on this block")
    if snapshot.get("error"):
        return Check(check_id, Status.FAIL, f"{snapshot['accessor']}(): {snapshot['error']}")
    if snapshot.get("pairs"):
        pairs = len(snapshot["pairs"])
        return Check(
            check_id, Status.FAIL, f"{snapshot['accessor']}() returns {pairs} pairs for a block without parameters"
        )
    if snapshot.get("none_pairs"):
        return Check(
            check_id,
            Status.FAIL,
            f"{snapshot['accessor']}() returns {snapshot['none_pairs']} (None, None) pair(s) for a block without "
            "parameters; the handout's param() is an empty list there",
        )
    if snapshot["accessor"] != "param":
        return Check(check_id, Status.WARN, f"found {snapshot['accessor']}() instead of param()")
    return Check(check_id, Status.PASS, "param() returns an empty list")
