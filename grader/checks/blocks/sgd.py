"""blocks.SGD.*: one step of plain SGD like torch.optim.SGD, zero_grad, and momentum when offered.

The optimizer is given parameter pairs the judge planted in the worker (and,
for constructors that want a model, an object whose param() returns them),
so a broken Conv2d cannot spoil this check.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.construct import forms_for
from grader.checks.blocks.context import BlockContext, failure_check, from_comparisons, grade_block
from grader.checks.compare import compare
from grader.result import Check
from grader.sandbox.client import StudentRaised, handle_ref

BLOCK = "SGD"
ASPECTS = ["step", "zero_grad", "momentum"]
LR, MOMENTUM = 0.1, 0.9


def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, BLOCK, ASPECTS, lambda ctx, cls: [*_plain(ctx, cls), _momentum(ctx, cls)])


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
                handle = client.new(cls, *form["args"], context=f"{BLOCK}.__init__", **form["kwargs"])["handle"]
                return handle, f"{form['name']} with {label}"
            except StudentRaised as exc:
                errors.append(exc)
    raise (
        errors[0]
        if errors
        else StudentRaised(
            {"type": "TypeError", "message": f"could not call {cls}(params, lr)", "where": []}, f"{BLOCK}.__init__"
        )
    )


def _plain(ctx: BlockContext, cls: str) -> list[Check]:
    client = ctx.client
    params, grads, pairs, holder = _setup(ctx)
    try:
        opt, how = _construct(ctx, cls, pairs, holder, {})
        client.call(opt, "step", context=f"{BLOCK}.step")
        after = client.send("fetch", handle=pairs)["value"]
    except StudentRaised as exc:
        return [failure_check(f"blocks.{BLOCK}.{a}", exc) for a in ("step", "zero_grad")]
    want = expected.sgd_steps(params, [grads], LR)[0]
    comparisons = [compare(after[i][0], want[i], what=f"parameter {i} after step()") for i in range(2)]
    for c in comparisons:
        if not c["ok"] and c.get("max_abs_err") is not None:
            climbed = all(
                compare(after[i][0], params[i].double() + LR * grads[i].double(), what="")["ok"] for i in range(2)
            )
            if climbed:
                c["message"] += " — the step goes up the gradient (p + lr·g instead of p − lr·g)"
            unchanged = all(compare(after[i][0], params[i].double(), what="")["ok"] for i in range(2))
            if unchanged:
                c["message"] += " — parameters unchanged: step() must update the tensors in place"
    out = [from_comparisons(f"blocks.{BLOCK}.step", comparisons, extra={"constructed": how, "lr": LR})]
    if callable_method(ctx, opt, "zero_grad"):
        try:
            client.call(opt, "zero_grad", context=f"{BLOCK}.zero_grad")
            after = client.send("fetch", handle=pairs)["value"]
            nonzero = [i for i in range(2) if float(after[i][1].abs().max()) != 0.0]
            out.append(
                Check(
                    f"blocks.{BLOCK}.zero_grad",
                    "fail" if nonzero else "pass",
                    f"gradients {nonzero} not zero after zero_grad() (reset them in place)"
                    if nonzero
                    else "zero_grad() resets every gradient to zero",
                )
            )
        except StudentRaised as exc:
            out.append(failure_check(f"blocks.{BLOCK}.zero_grad", exc))
    else:
        out.append(
            Check(
                f"blocks.{BLOCK}.zero_grad",
                "skipped",
                "no zero_grad() on the optimizer",
                details={"not_applicable": True},
            )
        )
    return out


def callable_method(ctx: BlockContext, handle: str, method: str) -> bool:
    cls = ctx.client.send("describe_object", handle=handle)
    return method in cls.get("methods", [])


def _momentum(ctx: BlockContext, cls: str) -> Check:
    check_id = f"blocks.{BLOCK}.momentum"
    client = ctx.client
    try:
        signature = client.send("signature", cls=cls).get("params") or []
    except StudentRaised:
        signature = []
    if not any(p["name"] in ("momentum", "mu", "beta") for p in signature):
        return Check(
            check_id, "skipped", "the optimizer takes no momentum argument (optional)", details={"not_applicable": True}
        )
    params, grads, pairs, holder = _setup(ctx)
    second = [ctx.randn(4, 3, 2, 2), ctx.randn(4)]
    try:
        opt, how = _construct(ctx, cls, pairs, holder, {"momentum": MOMENTUM})
        client.call(opt, "step", context=f"{BLOCK}.step")
        for i, g in enumerate(second):
            client.set(holder, g, index=i, what="grad")
        client.call(opt, "step", context=f"{BLOCK}.step")
        after = client.send("fetch", handle=pairs)["value"]
    except StudentRaised as exc:
        return failure_check(check_id, exc)
    want = expected.sgd_steps(params, [grads, second], LR, momentum=MOMENTUM)[1]
    comparisons = [
        compare(after[i][0], want[i], what=f"parameter {i} after two steps with momentum {MOMENTUM}") for i in range(2)
    ]
    check = from_comparisons(check_id, comparisons, extra={"constructed": how})
    if check.status == "fail":  # momentum conventions differ (e.g. dampening); optional in the handout
        check.status, check.message = "warn", "momentum differs from torch.optim.SGD: " + check.message
    return check
