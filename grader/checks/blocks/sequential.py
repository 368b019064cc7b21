"""blocks.Sequential.*: chaining forward, reversing backward, collecting param().

The student's Sequential wraps trusted probe blocks (Affine, Square, Affine),
so only the container's own logic is graded here.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, failure_check, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.result import Check
from grader.sandbox.client import StudentRaised, handle_ref, tensor_of

BLOCK = "Sequential"
ASPECTS = ["forward", "backward", "param"]


def _chain(x, a1, b1, a2, b2):
    h = x * a1.view(1, -1, 1, 1) + b1.view(1, -1, 1, 1)
    return (h * h) * a2.view(1, -1, 1, 1) + b2.view(1, -1, 1, 1)


def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, BLOCK, ASPECTS, _grade)


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
        seq = client.new(cls, *refs, context=f"{BLOCK}.__init__")["handle"]
    except StudentRaised as exc:
        try:
            seq = client.new(cls, refs, context=f"{BLOCK}.__init__")["handle"]
            form_note = "built as Sequential([m1, m2, ...]); torch's form is Sequential(m1, m2, ...)"
        except StudentRaised:
            return [failure_check(f"blocks.{BLOCK}.{a}", exc) for a in ASPECTS]
    out, grads = expected.with_grads(_chain, {"x": x, "a1": a1, "b1": b1, "a2": a2, "b2": b2}, g)
    checks = []
    try:
        y = tensor_of(client.call(seq, "forward", x, context=f"{BLOCK}.forward")["value"])
        checks.append(
            _noted(from_comparisons(f"blocks.{BLOCK}.forward", [compare(y, out, what="forward output")]), form_note)
        )
    except StudentRaised as exc:
        return [failure_check(f"blocks.{BLOCK}.{a}", exc) for a in ASPECTS]
    try:
        dx = tensor_of(client.call(seq, "backward", g, context=f"{BLOCK}.backward")["value"])
        cmp = compare(dx, grads["x"], what="input gradient")
        checks.append(from_comparisons(f"blocks.{BLOCK}.backward", [cmp]))
    except StudentRaised as exc:
        checks.append(failure_check(f"blocks.{BLOCK}.backward", exc))
    try:
        snap = client.params(seq, context=f"{BLOCK}.param")
    except StudentRaised as exc:
        checks.append(failure_check(f"blocks.{BLOCK}.param", exc))
        return checks
    checks.append(_param_check(snap, [a1, b1, a2, b2], [grads[k] for k in ("a1", "b1", "a2", "b2")]))
    return checks


def _noted(check: Check, note: str | None) -> Check:
    if note and check.status == "pass":
        check.status, check.message = "warn", f"{check.message}; {note}"
    return check


def _param_check(snap: dict, params, grads) -> Check:
    check_id = f"blocks.{BLOCK}.param"
    if snap.get("accessor") is None:
        return Check(check_id, "fail", "no param() method: it must return the pairs of all its blocks, in order")
    pairs = snap.get("pairs", [])
    if len(pairs) != 4:
        return Check(
            check_id,
            "fail",
            f"{snap['accessor']}() returned {len(pairs)} pairs; the three blocks have 4 "
            "(param() of each block, concatenated in order)",
            details={"pairs": len(pairs)},
        )
    comparisons = []
    for i, (pair, p, g) in enumerate(zip(pairs, params, grads)):
        comparisons.append(compare(pair.get("param"), p.double(), what=f"pair {i} parameter"))
        comparisons.append(compare(pair.get("grad"), g, what=f"pair {i} gradient after backward"))
    check = from_comparisons(check_id, comparisons, extra={"accessor": snap["accessor"], "form": snap.get("form")})
    if check.status == "pass" and snap["accessor"] != "param":
        check.status, check.message = "warn", f"found {snap['accessor']}() instead of param(); {check.message}"
    return check
