"""blocks.Sequential.*: chaining forward, reversing backward, collecting param().

The student's Sequential is first graded over the student's own blocks
(Conv2d, ReLU, Conv2d: see own.py), the way their model uses it, so a container
that relies on its base-class API (`isinstance`, `.to()`, parameter objects) is
driven as designed. When that fails, it is graded again over trusted probe
blocks (Affine, Square, Affine) whose maths is known exactly, so that a broken
Conv2d (charged in its own checks) cannot fail the container too; the message
says what happened with the student's blocks.
"""

from __future__ import annotations

from grader.checks.blocks import expected, own
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import handle_ref, tensor_of

SEQUENTIAL = Block(
    "Sequential",
    aliases=("Seq", "SequentialModel"),
    aspects=(
        NAME,
        aspect("forward", 1.5, "chains its blocks' forwards in order (the student's own, else probes)", required=True),
        aspect("backward", 1.5, "chains the backwards in reverse order and returns dL/dx", required=True),
        aspect("param", 2, "concatenates the blocks' param() pairs in order, with their gradients"),
    ),
)
RETURNS_NONE = {
    "cause": "backward.returns_none",
    "cause_text": "backward returns None; the handout's backward returns the gradient with respect to its input",
}


def _chain(x, a1, b1, a2, b2):
    h = x * a1.view(1, -1, 1, 1) + b1.view(1, -1, 1, 1)
    return (h * h) * a2.view(1, -1, 1, 1) + b2.view(1, -1, 1, 1)


@family(SEQUENTIAL)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, SEQUENTIAL, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    network = own.build(ctx, cls)
    mine = _own_blocks(ctx, network) if isinstance(network, own.OwnNetwork) else None
    if mine is not None and all(c.status in (Status.PASS, Status.WARN) for c in mine):
        return mine
    probed = _probe_blocks(ctx, cls)
    if mine is None:
        for check in probed:
            check.details["own_blocks"] = f"could not build Sequential(Conv2d, ReLU, Conv2d) of your blocks: {network}"
        return probed
    result = []
    for ours, probe in zip(mine, probed):
        if ours.status in (Status.PASS, Status.WARN):
            result.append(ours)
        elif probe.status in (Status.PASS, Status.WARN):
            probe.message = (
                f"{probe.message} (over the grader's stand-in blocks; over your own Conv2d/ReLU: {ours.message})"
            )
            probe.details["own_blocks"] = ours.message
            result.append(probe)
        else:
            ours.message += f" (also over the grader's stand-in blocks: {probe.message})"
            result.append(ours)
    return result


def _own_blocks(ctx: BlockContext, network: own.OwnNetwork) -> list[Check]:
    """The three checks over Sequential(Conv2d, ReLU, Conv2d) of the student's blocks."""
    client = ctx.client
    x = ctx.randn(*own.X_SHAPE)
    with_blocks = "over your Conv2d, ReLU, Conv2d"
    try:
        y = tensor_of(client.call(network.seq, "forward", x, context="Sequential.forward")["value"])
    except RUN_FAILURES as exc:
        return failure_checks([SEQUENTIAL.id(a) for a in SEQUENTIAL.graded], exc, prefix=f"{with_blocks}: ")
    g = ctx.randn(*(y.shape if y is not None else (2, 2, 4, 5)))
    out, grads = network.expected(x, g)
    checks = [
        _noted(
            from_comparisons(SEQUENTIAL.id("forward"), [compare(y, out, what=f"forward output {with_blocks}")]),
            network.form_note,
        )
    ]
    try:
        back = client.call(network.seq, "backward", g, context="Sequential.backward")
        checks.append(_backward_check(back, grads["x"], with_blocks))
    except RUN_FAILURES as exc:
        checks.append(failure_check(SEQUENTIAL.id("backward"), exc, prefix=f"{with_blocks}: "))
    # what the container must collect: each block's own param() pairs, in order (their maths is graded elsewhere)
    pairs = [pair for handle in network.convs for pair in own.block_pairs(ctx, handle)]
    checks.append(_param_check(ctx, network.seq, [p for p, _ in pairs], [g for _, g in pairs]))
    return checks


def _probe_blocks(ctx: BlockContext, cls: str) -> list[Check]:
    """The three checks over the grader's trusted Affine, Square, Affine blocks."""
    client = ctx.client
    a1, b1, a2, b2 = ctx.randn(3), ctx.randn(3), ctx.randn(3), ctx.randn(3)
    x, g = ctx.randn(2, 3, 4, 5), ctx.randn(2, 3, 4, 5)
    first = client.send("probe", kind="affine", args=[a1, b1])["handle"]
    square = client.send("probe", kind="square")["handle"]
    last = client.send("probe", kind="affine", args=[a2, b2])["handle"]
    refs = [handle_ref(first), handle_ref(square), handle_ref(last)]
    try:
        seq, form_note = own.build_sequential(client, cls, refs, RUN_FAILURES)
    except RUN_FAILURES as exc:
        return failure_checks([SEQUENTIAL.id(a) for a in SEQUENTIAL.graded], exc)
    out, grads = expected.with_grads(_chain, {"x": x, "a1": a1, "b1": b1, "a2": a2, "b2": b2}, g)
    checks = []
    try:
        y = tensor_of(client.call(seq, "forward", x, context="Sequential.forward")["value"])
        checks.append(
            _noted(from_comparisons(SEQUENTIAL.id("forward"), [compare(y, out, what="forward output")]), form_note)
        )
    except RUN_FAILURES as exc:
        return failure_checks([SEQUENTIAL.id(a) for a in SEQUENTIAL.graded], exc)
    try:
        checks.append(_backward_check(client.call(seq, "backward", g, context="Sequential.backward"), grads["x"], ""))
    except RUN_FAILURES as exc:
        checks.append(failure_check(SEQUENTIAL.id("backward"), exc))
    checks.append(_param_check(ctx, seq, [a1, b1, a2, b2], [grads[k] for k in ("a1", "b1", "a2", "b2")]))
    return checks


def _backward_check(back: dict, want, where: str) -> Check:
    """backward must return dL/dx; a tape-style one that sends it elsewhere is charged here, once."""
    check_id = SEQUENTIAL.id("backward")
    what = f"input gradient {where}".strip()
    dx = tensor_of(back["value"])
    comparison = compare(dx, want, what=what)
    if back.get("tape"):
        right = "right" if comparison.ok else f"not right either ({comparison.message})"
        return Check(
            check_id,
            Status.FAIL,
            f"backward returned None: it sends dL/dx to the input's `.{back['tape'].get('link')}` (a tape of your "
            f"own) instead of returning it as the handout's backward does; the gradient it sent is {right}",
            details={"comparisons": [comparison.to_dict()], "tape": back["tape"], **RETURNS_NONE},
        )
    check = from_comparisons(check_id, [comparison])
    if back["value"].get("kind") == "scalar" and back["value"].get("value") is None:
        check.message = f"backward returned None; it must return dL/dx ({check.message})"
        check.details.update(RETURNS_NONE)
    return check


def _noted(check: Check, note: str | None) -> Check:
    if note and check.status == Status.PASS:
        check.status, check.message = Status.WARN, f"{check.message}; {note}"
    return check


def _param_check(ctx: BlockContext, seq: str, params, grads) -> Check:
    """param() of the Sequential: the blocks' pairs in order with their gradients, the same on a second call."""
    check_id = SEQUENTIAL.id("param")
    client = ctx.client
    try:
        snapshot = client.params(seq, context="Sequential.param")
        again = client.params(seq, context="Sequential.param")
    except RUN_FAILURES as exc:
        return failure_check(check_id, exc)
    if snapshot.get("accessor") is None:
        return Check(check_id, Status.FAIL, "no param() method: it must return the pairs of all its blocks, in order")
    pairs = snapshot.get("pairs", [])
    details = {"accessor": snapshot["accessor"], "form": snapshot.get("form"), "pairs": len(pairs)}
    if len(pairs) != len(params):
        return Check(
            check_id,
            Status.FAIL,
            f"{snapshot['accessor']}() returned {len(pairs)} pairs; the blocks have {len(params)} "
            "(param() of each block, concatenated in order)",
            details=details,
        )
    if len(again.get("pairs", [])) != len(pairs):
        return Check(
            check_id,
            Status.FAIL,
            f"{snapshot['accessor']}() returned {len(pairs)} pairs, then {len(again.get('pairs', []))} on a second "
            "call: each call must return the same pairs (does it append to a stored list?)",
            details=details,
        )
    comparisons = []
    for i, (pair, p, g) in enumerate(zip(pairs, params, grads)):
        comparisons.append(compare(pair.get("param"), p.double(), what=f"pair {i} parameter"))
        if g is None:  # the block itself exposes no gradient: nothing to collect
            continue
        comparisons.append(compare(pair.get("grad"), g, what=f"pair {i} gradient after backward"))
    check = from_comparisons(check_id, comparisons, extra=details)
    notes = []
    if snapshot["accessor"] != "param":
        notes.append(f"found {snapshot['accessor']}() instead of param()")
    if snapshot.get("nested"):
        notes.append("one list per block, not one flat list of pairs")
    if snapshot.get("none_pairs"):
        notes.append(f"{snapshot['none_pairs']} (None, None) pair(s) for blocks without parameters, left out")
    if check.status == Status.PASS and notes:
        check.status, check.message = Status.WARN, f"{check.message}; " + "; ".join(notes)
    return check
