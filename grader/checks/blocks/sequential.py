"""blocks.Sequential.*: chaining forward, reversing backward, collecting param().

The student's Sequential wraps trusted probe blocks (Affine, Square, Affine),
so only the container's own logic is graded here.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, handle_ref, tensor_of

SEQUENTIAL = Block(
    "Sequential",
    aliases=("Seq", "SequentialModel"),
    aspects=(
        NAME,
        aspect("forward", 1.5, "chains the forwards of planted probe blocks in order", required=True),
        aspect("backward", 1.5, "chains the backwards in reverse order", required=True),
        aspect("param", 2, "concatenates the blocks' param() pairs in order, with their gradients"),
    ),
)


def _chain(x, a1, b1, a2, b2):
    h = x * a1.view(1, -1, 1, 1) + b1.view(1, -1, 1, 1)
    return (h * h) * a2.view(1, -1, 1, 1) + b2.view(1, -1, 1, 1)


@family(SEQUENTIAL)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, SEQUENTIAL, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    client = ctx.client
    a1, b1, a2, b2 = ctx.randn(3), ctx.randn(3), ctx.randn(3), ctx.randn(3)
    x, g = ctx.randn(2, 3, 4, 5), ctx.randn(2, 3, 4, 5)
    first = client.send("probe", kind="affine", args=[a1, b1])["handle"]
    square = client.send("probe", kind="square")["handle"]
    last = client.send("probe", kind="affine", args=[a2, b2])["handle"]
    refs = [handle_ref(first), handle_ref(square), handle_ref(last)]
    form_note = None
    try:
        seq = client.new(cls, *refs, context="Sequential.__init__")["handle"]
    except StudentRaised as exc:
        try:
            seq = client.new(cls, refs, context="Sequential.__init__")["handle"]
            form_note = "built as Sequential([m1, m2, ...]); torch's form is Sequential(m1, m2, ...)"
        except StudentRaised:
            return failure_checks([SEQUENTIAL.id(a) for a in SEQUENTIAL.graded], exc)
    out, grads = expected.with_grads(_chain, {"x": x, "a1": a1, "b1": b1, "a2": a2, "b2": b2}, g)
    checks = []
    try:
        y = tensor_of(client.call(seq, "forward", x, context="Sequential.forward")["value"])
        checks.append(
            _noted(from_comparisons(SEQUENTIAL.id("forward"), [compare(y, out, what="forward output")]), form_note)
        )
    except StudentRaised as exc:
        return failure_checks([SEQUENTIAL.id(a) for a in SEQUENTIAL.graded], exc)
    try:
        dx = tensor_of(client.call(seq, "backward", g, context="Sequential.backward")["value"])
        checks.append(from_comparisons(SEQUENTIAL.id("backward"), [compare(dx, grads["x"], what="input gradient")]))
    except StudentRaised as exc:
        checks.append(failure_check(SEQUENTIAL.id("backward"), exc))
    try:
        snapshot = client.params(seq, context="Sequential.param")
    except StudentRaised as exc:
        checks.append(failure_check(SEQUENTIAL.id("param"), exc))
        return checks
    checks.append(_param_check(snapshot, [a1, b1, a2, b2], [grads[k] for k in ("a1", "b1", "a2", "b2")]))
    return checks


def _noted(check: Check, note: str | None) -> Check:
    if note and check.status == Status.PASS:
        check.status, check.message = Status.WARN, f"{check.message}; {note}"
    return check


def _param_check(snapshot: dict, params, grads) -> Check:
    check_id = SEQUENTIAL.id("param")
    if snapshot.get("accessor") is None:
        return Check(check_id, Status.FAIL, "no param() method: it must return the pairs of all its blocks, in order")
    pairs = snapshot.get("pairs", [])
    if len(pairs) != 4:
        return Check(
            check_id,
            Status.FAIL,
            f"{snapshot['accessor']}() returned {len(pairs)} pairs; the three blocks have 4 "
            "(param() of each block, concatenated in order)",
            details={"pairs": len(pairs)},
        )
    comparisons = []
    for i, (pair, p, g) in enumerate(zip(pairs, params, grads)):
        comparisons.append(compare(pair.get("param"), p.double(), what=f"pair {i} parameter"))
        comparisons.append(compare(pair.get("grad"), g, what=f"pair {i} gradient after backward"))
    check = from_comparisons(
        check_id, comparisons, extra={"accessor": snapshot["accessor"], "form": snapshot.get("form")}
    )
    if check.status == Status.PASS and snapshot["accessor"] != "param":
        check.status, check.message = Status.WARN, f"found {snapshot['accessor']}() instead of param(); {check.message}"
    return check
