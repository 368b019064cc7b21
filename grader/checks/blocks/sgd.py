"""blocks.SGD.*: one step of plain SGD like torch.optim.SGD, zero_grad, and momentum when offered.

The optimizer is given parameter pairs the judge planted in the worker (and,
for constructors that want a model, an object whose param() returns them),
so a broken Conv2d cannot spoil this check.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.construct import forms_for
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block, not_applicable
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, handle_ref

SGD = Block(
    "SGD",
    aliases=("Sgd", "SGDOptimizer", "OptimizerSGD"),
    aspects=(
        NAME,
        aspect("step", 2.5, "one step over planted (param, grad) pairs vs torch.optim.SGD, in place", required=True),
        aspect("zero_grad", 0.5, "zero_grad() zeroes every gradient in place (not applicable when absent)"),
        aspect("momentum", 0, "two steps with momentum 0.9 vs torch.optim.SGD (optional)"),
    ),
)
LR, MOMENTUM = 0.1, 0.9


@family(SGD)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, SGD, lambda ctx, cls: [*_plain(ctx, cls), _momentum(ctx, cls)])


def _setup(ctx: BlockContext):
    params = [ctx.randn(4, 3, 2, 2), ctx.randn(4)]
    grads = [ctx.randn(4, 3, 2, 2), ctx.randn(4)]
    client = ctx.client
    pairs = client.send("store", value=[[p, g] for p, g in zip(params, grads)])["handle"]
    holder = client.send("probe", kind="holder", args=[handle_ref(pairs)])["handle"]
    return params, grads, pairs, holder


def _construct(ctx: BlockContext, cls: str, pairs: str, holder: str, extra: dict):
    """Build the optimizer over the planted pairs: as a list first, then as a model-like object."""
    client = ctx.client
    try:
        signature = client.send("signature", cls=cls).get("params")
    except StudentRaised:
        signature = None
    errors = []
    for target, label in ((pairs, "a list of (param, grad) pairs"), (holder, "an object with param()")):
        values = {"params": handle_ref(target), "lr": LR, **extra}
        orders = [("params", "lr", *extra)] if extra else [("params", "lr")]
        for form in forms_for(signature, values, orders):
            try:
                handle = client.new(cls, *form["args"], context="SGD.__init__", **form["kwargs"])["handle"]
                return handle, f"{form['name']} with {label}"
            except StudentRaised as exc:
                errors.append(exc)
    raise (
        errors[0]
        if errors
        else StudentRaised(
            {"type": "TypeError", "message": f"could not call {cls}(params, lr)", "where": []}, "SGD.__init__"
        )
    )


def _plain(ctx: BlockContext, cls: str) -> list[Check]:
    client = ctx.client
    params, grads, pairs, holder = _setup(ctx)
    try:
        opt, how = _construct(ctx, cls, pairs, holder, {})
        client.call(opt, "step", context="SGD.step")
        after = client.send("fetch", handle=pairs)["value"]
    except StudentRaised as exc:
        return failure_checks([SGD.id("step"), SGD.id("zero_grad")], exc)
    want = expected.sgd_steps(params, [grads], LR)[0]
    comparisons = [compare(after[i][0], want[i], what=f"parameter {i} after step()") for i in range(2)]
    if any(not c.ok and c.max_abs_err is not None for c in comparisons):
        why = _likely_cause(after, params, grads)
        comparisons = [c if c.ok or c.max_abs_err is None else c.explained(why) for c in comparisons]
    out = [from_comparisons(SGD.id("step"), comparisons, extra={"constructed": how, "lr": LR})]
    if callable_method(ctx, opt, "zero_grad"):
        try:
            client.call(opt, "zero_grad", context="SGD.zero_grad")
            after = client.send("fetch", handle=pairs)["value"]
            nonzero = [i for i in range(2) if float(after[i][1].abs().max()) != 0.0]
            out.append(
                Check(
                    SGD.id("zero_grad"),
                    Status.FAIL if nonzero else Status.PASS,
                    f"gradients {nonzero} not zero after zero_grad() (reset them in place)"
                    if nonzero
                    else "zero_grad() resets every gradient to zero",
                )
            )
        except StudentRaised as exc:
            out.append(failure_check(SGD.id("zero_grad"), exc))
    else:
        out += not_applicable(SGD, ["zero_grad"], "no zero_grad() on the optimizer")
    return out


def _likely_cause(after, params, grads) -> str:
    """Why a step is wrong, when the parameters show it: a climb, or no update in place ('' otherwise)."""
    why = ""
    if all(compare(after[i][0], params[i].double() + LR * grads[i].double(), what="").ok for i in range(2)):
        why += " — the step goes up the gradient (p + lr·g instead of p − lr·g)"
    if all(compare(after[i][0], params[i].double(), what="").ok for i in range(2)):
        why += " — parameters unchanged: step() must update the tensors in place"
    return why


def callable_method(ctx: BlockContext, handle: str, method: str) -> bool:
    cls = ctx.client.send("describe_object", handle=handle)
    return method in cls.get("methods", [])


def _momentum(ctx: BlockContext, cls: str) -> Check:
    check_id = SGD.id("momentum")
    client = ctx.client
    try:
        signature = client.send("signature", cls=cls).get("params") or []
    except StudentRaised:
        signature = []
    if not any(p["name"] in ("momentum", "mu", "beta") for p in signature):
        return not_applicable(SGD, ["momentum"], "the optimizer takes no momentum argument (optional)")[0]
    params, grads, pairs, holder = _setup(ctx)
    second = [ctx.randn(4, 3, 2, 2), ctx.randn(4)]
    try:
        opt, how = _construct(ctx, cls, pairs, holder, {"momentum": MOMENTUM})
        client.call(opt, "step", context="SGD.step")
        for i, g in enumerate(second):
            client.set(holder, g, index=i, what="grad")
        client.call(opt, "step", context="SGD.step")
        after = client.send("fetch", handle=pairs)["value"]
    except StudentRaised as exc:
        return failure_check(check_id, exc)
    want = expected.sgd_steps(params, [grads, second], LR, momentum=MOMENTUM)[1]
    comparisons = [
        compare(after[i][0], want[i], what=f"parameter {i} after two steps with momentum {MOMENTUM}") for i in range(2)
    ]
    check = from_comparisons(check_id, comparisons, extra={"constructed": how})
    if check.status == Status.FAIL:  # momentum conventions differ (e.g. dampening); optional in the handout
        check.status, check.message = Status.WARN, "momentum differs from torch.optim.SGD: " + check.message
    return check
