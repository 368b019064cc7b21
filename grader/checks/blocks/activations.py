"""blocks.ReLU.* and blocks.Sigmoid.*: forward, backward, and an empty param()."""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import tensor_of

# both activations answer param() the same way
PARAM = aspect("param", 0.5, "param() exists and returns an empty list")
RELU = Block(
    "ReLU",
    aliases=("Relu", "RELU", "ReLu", "relu"),
    aspects=(
        NAME,
        aspect("forward", 1.5, "forward vs torch.relu", required=True),
        aspect("backward", 1.5, "input gradient vs autograd", required=True),
        PARAM,
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
    ),
)


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
        y = tensor_of(client.call(handle, "forward", x, context=f"{block.name}.forward")["value"])
    except RUN_FAILURES as exc:
        return failure_checks(ids, exc)
    result = [from_comparisons(block.id("forward"), [compare(y, want, what="forward output")])]
    try:
        dx = tensor_of(client.call(handle, "backward", g, context=f"{block.name}.backward")["value"])
        comparison = compare(dx, grads["x"], what="input gradient")
        if not comparison.ok and block is SIGMOID and dx is not None and dx.shape == x.shape:
            why = sigmoid_backward_cause(dx, x, g)
            comparison = comparison.explained(f" — {why}") if why else comparison
        result.append(from_comparisons(block.id("backward"), [comparison]))
    except RUN_FAILURES as exc:
        result.append(failure_check(block.id("backward"), exc))
    result.append(empty_param_check(ctx, block, handle))
    return result


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
    if snapshot["accessor"] != "param":
        return Check(check_id, Status.WARN, f"found {snapshot['accessor']}() instead of param()")
    return Check(check_id, Status.PASS, "param() returns an empty list")
