"""Checks shared by the parametrised layers (Conv2d, TransposeConv2d, NearestUpsampling)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import torch

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, from_comparisons
from grader.checks.blocks.layouts import TORCH, TRANSPOSED_ALTERNATIVES, Layout
from grader.checks.blocks.scenario import LayerRun, find_pair, run_layer, tape_note
from grader.checks.compare import Comparison, compare, missing
from grader.checks.declare import Block
from grader.checks.verdicts import RUN_FAILURES, failure_check
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, tensor_of

# What each shared check of a layer verifies (the blocks declare their points).
LAYER = {
    "forward": "forward output vs torch (float64), basic configuration",
    "backward_input": "backward's return value (dL/dx) vs autograd",
    "backward_weight": "weight gradient added by backward vs autograd",
    "backward_bias": "bias gradient added by backward vs autograd",
    "accumulate": "a second forward/backward adds to the gradients instead of overwriting them",
    "param": "param() returns (parameter, gradient) pairs of equal shapes for weight and bias",
}


@dataclass
class LayerCase:
    """One configuration of a layer: how to build it and what torch computes.

    A configuration graded as its own check (case_check) is named after that check's aspect.
    """

    name: str
    args: tuple
    kwargs: dict
    x_shape: tuple[int, ...]
    weight_shape: tuple[int, ...]
    fn: Callable  # fn(x, weight, bias) in float64
    fan_in: int = 0
    optional: bool = False  # a feature the handout does not require: a warning at most
    bias: bool = True  # False: built without a bias (fn gets bias=None, no bias gradient is compared)

    @property
    def parts(self) -> tuple[str, ...]:
        """What one pass of this configuration compares."""
        return ("out", "x", "weight", "bias") if self.bias else ("out", "x", "weight")


@dataclass
class Expectation:
    """What torch computes for a layer run: per pass, the output and each gradient; the tensors' shapes as the
    block stores them (its layout's), in which its gradients are found before being mapped to torch's."""

    shapes: dict[str, tuple[int, ...]]  # weight, bias
    passes: list[dict[str, torch.Tensor]] = field(default_factory=list)  # out, x, weight, bias
    layout: Layout = TORCH


def _shapes(case: LayerCase, transposed: bool) -> tuple[tuple, tuple]:
    out_channels = case.weight_shape[1] if transposed else case.weight_shape[0]
    return case.weight_shape, (out_channels,)


def exercise(
    ctx: BlockContext,
    block: Block,
    cls: str,
    case: LayerCase,
    *,
    transposed: bool = False,
    handle: str | None = None,
    layout: Layout = TORCH,
    passes: int = 2,
) -> tuple[LayerRun, Expectation]:
    """Run `case` in the worker (`passes` forward/backward passes) and compute the judge's expectations.

    A transposed convolution whose weight does not have torch's shape is tried in the documented alternative
    layouts (layouts.TRANSPOSED_ALTERNATIVES): the first whose forward matches torch is graded.
    """
    run, expectation = _exercise(ctx, block, cls, case, transposed, handle, layout, passes)
    mismatch = run.failed_stage == "setting weights" or (
        run.failure is None and not compare_pass(run, expectation, 1, ("out",))[0].ok
    )
    if transposed and handle is None and layout is TORCH and mismatch:
        tried = [_exercise(ctx, block, cls, case, transposed, None, alt, passes) for alt in TRANSPOSED_ALTERNATIVES]
        planted = [(r, e) for r, e in tried if r.failed_stage not in ("construction", "param()", "setting weights")]
        matching = [(r, e) for r, e in planted if compare_pass(r, e, 1, ("out",))[0].ok]
        if matching:
            run, expectation = matching[0]
        elif planted and run.failed_stage == "setting weights":  # report the maths, not the storage
            run, expectation = planted[0]
    return run, expectation


def _exercise(ctx, block, cls, case, transposed, handle, layout, passes) -> tuple[LayerRun, Expectation]:
    w_shape, b_shape = _shapes(case, transposed)
    weight = ctx.randn(*w_shape, scale=0.5)
    bias = ctx.randn(*b_shape, scale=0.5)
    x1, x2 = ctx.randn(*case.x_shape), ctx.randn(*case.x_shape)
    with torch.no_grad():
        out_shape = case.fn(x1.double(), weight.double(), bias.double()).shape
    g1, g2 = ctx.randn(*out_shape), ctx.randn(*out_shape)
    run = run_layer(
        ctx,
        cls,
        args=case.args,
        kwargs=case.kwargs,
        label=block.name,
        weights={"weight": weight, "bias": bias} if case.bias else {"weight": weight},
        passes=[(x1, g1), (x2, g2)][:passes],
        handle=handle,
        layout=layout,
    )
    expectation = Expectation(shapes={"weight": layout.shape(w_shape), "bias": b_shape}, layout=layout)
    w = run.weights.get("weight", weight)
    b = run.weights.get("bias", bias)
    if tuple(w.shape) != tuple(w_shape) or tuple(b.shape) != tuple(b_shape):
        w, b = weight, bias  # never compute with a student tensor of the wrong shape
    for x, g in ((x1, g1), (x2, g2))[:passes]:
        out, grads = expected.with_grads(case.fn, {"x": x, "weight": w, "bias": b if case.bias else None}, g)
        expectation.passes.append({"out": out, **grads})
    return run, expectation


def _grad_at(run: LayerRun, expectation: Expectation, role: str, index: int) -> torch.Tensor | None:
    """The gradient of `role` after pass `index` (0: before the first backward), in torch's layout."""
    _, grad = find_pair(run.snapshots[index], role, expectation.shapes[role])
    if grad is not None and role == "weight":
        grad = expectation.layout.to_torch(grad)
    return grad


def _grad_delta(run: LayerRun, expectation: Expectation, role: str, index: int) -> torch.Tensor | None:
    """What pass `index` added to the gradient of `role` (the buffers were zeroed before pass 1)."""
    before = _grad_at(run, expectation, role, index - 1)
    after = _grad_at(run, expectation, role, index)
    if after is None:
        return None
    if before is None or tuple(before.shape) != tuple(after.shape) or not bool(before.any()):
        return after
    # difference in float64, reported in the student's dtype so the tolerance matches it
    return (after.to(torch.float64) - before.to(torch.float64)).to(after.dtype)


def _passed_stages(run: LayerRun) -> int:
    """How many full passes (forward, backward, snapshot) completed."""
    return len(run.snapshots) - 1


# Causes the judge can name from the numbers (F3 charges a cause once across checks): marker in the message -> cause.
BIAS_MEAN = " — the bias gradient is averaged over the batch and positions instead of summed"
CAUSES = {
    BIAS_MEAN: {
        "cause": "conv.bias_grad_mean",
        "cause_text": "backward averages the bias gradient over the batch and positions instead of summing it",
    },
}


def with_causes(check: Check) -> Check:
    """Set details["cause"]/["cause_text"] when a failing check's message shows a diagnosed cause."""
    if check.status == Status.FAIL:
        for marker, cause in CAUSES.items():
            if marker in check.message:
                check.details.update(cause)
                break
    return check


def compare_pass(run: LayerRun, expectation: Expectation, i: int, parts: tuple[str, ...]) -> list[Comparison]:
    """Comparisons of pass `i` (1-based) for the requested parts: out, x, weight, bias."""
    want = expectation.passes[i - 1]
    results = []
    for part in parts:
        if part == "out":
            got = run.outputs[i - 1] if len(run.outputs) >= i else None
            results.append(compare(got, want["out"], what="forward output"))
        elif part == "x":
            got = run.input_grads[i - 1] if len(run.input_grads) >= i else None
            results.append(compare(got, want["x"], what="input gradient (backward's return value)"))
        else:
            got = _grad_delta(run, expectation, part, i) if _passed_stages(run) >= i else None
            if got is None:
                results.append(missing(f"no gradient tensor found for {part} (param() pairs or .{part}'s gradient)"))
                continue
            comparison = compare(got, want[part], what=f"{part} gradient")
            if part == "bias" and not comparison.ok and _averaged(got, want):
                comparison = comparison.explained(BIAS_MEAN)
            results.append(comparison)
    return results


def _averaged(got: torch.Tensor, want: dict) -> bool:
    """The bias gradient divided by the number of output positions (N·H·W): a mean where torch sums."""
    positions = want["out"].numel() // max(1, want["bias"].numel())
    return positions > 1 and compare((got.to(torch.float64) * positions).to(got.dtype), want["bias"], what="").ok


def _failure_or(check_id: str, run: LayerRun, needed_stage_prefixes: tuple[str, ...]) -> Check | None:
    """The failure verdict when the run broke before the data this check needs."""
    if run.failure is None:
        return None
    if run.failed_stage and run.failed_stage.startswith(needed_stage_prefixes):
        return failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
    return None


OVERWRITTEN = {
    "cause": "gradients.overwritten",
    "cause_text": "backward assigns the parameter gradients instead of adding to them",
}


_EARLY = ("construction", "param()", "setting weights")
_FIRST_BACKWARD = (*_EARLY, "forward (pass 1)", "backward (pass 1)")
# The basic configuration's checks: aspect, the parts compared, at which pass, the run's stages (prefixes) whose
# failure stops the check (it then fails with that failure).
CORE = (
    ("forward", ("out",), 1, (*_EARLY, "forward (pass 1)")),
    ("backward_input", ("x",), 1, _FIRST_BACKWARD),
    ("backward_weight", ("weight",), 1, (*_FIRST_BACKWARD, "param() after pass 1")),
    ("backward_bias", ("bias",), 1, (*_FIRST_BACKWARD, "param() after pass 1")),
    ("accumulate", ("weight", "bias"), 2, (*_EARLY, "forward", "backward", "param()")),
)


def _stopped_at(run: LayerRun) -> str | None:
    """The first core aspect a run's failure stops (the one that is charged with it); None when it completed."""
    if run.failure is None or not run.failed_stage:
        return None
    return next((aspect for aspect, _, _, stages in CORE if run.failed_stage.startswith(stages)), None)


def core_checks(block: Block, run: LayerRun, expectation: Expectation, *, note: str | None) -> list[Check]:
    """forward / backward_input / backward_weight / backward_bias / accumulate for the basic case."""
    checks = []
    extra = {"construct": run.construct, "weights": run.weight_source, "notes": run.notes, "zeroed": run.zeroed}
    if expectation.layout.name != "torch":
        extra["layout"] = expectation.layout.name
    notes = [n for n in (note, expectation.layout.note) if n]
    for aspect, parts, index, stages in CORE:
        check_id = block.id(aspect)
        broken = _failure_or(check_id, run, stages)
        if broken is not None:
            checks.append(broken)
            continue
        if aspect == "accumulate":
            checks.append(_accumulate_check(check_id, run, expectation, "; ".join(notes) or None, extra))
            continue
        tape = [tape_note(run.tape)] if run.tape and aspect == "backward_input" else []
        comparisons = compare_pass(run, expectation, index, parts)
        check = from_comparisons(check_id, comparisons, note="; ".join(notes + tape) or None, extra=extra)
        checks.append(with_causes(check))
    return checks


def basic_checks(
    ctx: BlockContext,
    block: Block,
    cls: str,
    case: LayerCase,
    run: LayerRun,
    expectation: Expectation,
    *,
    transposed: bool = False,
) -> list[Check]:
    """core_checks of the basic configuration `case`, run as `run`; when it raised on its non-square input, the
    checks the block declares `square_after` that check are graded on a square input (same sizes otherwise).

    One defect, charged once, where it shows (issue 9's leftover, yhangchen's upsampling): the crash fails its
    own check; what the block computes on inputs it can take is graded, with a message saying so. A check the
    square run cannot reach either keeps its verdict (a follow-on of the crash).
    """
    checks = core_checks(block, run, expectation, note=None)
    crashed = _stopped_at(run) if isinstance(run.failure, StudentRaised) else None
    waiting = {aspect for aspect, after in block.square_after.items() if after == crashed}
    height, width = case.x_shape[-2:]
    if not waiting or height == width:
        return checks
    square = replace(case, x_shape=(*case.x_shape[:-1], min(height, width)))
    state = ctx.generator.get_state()  # the checks after these draw the inputs they drew without this run
    try:
        square_run, square_expectation = exercise(ctx, block, cls, square, transposed=transposed)
    finally:
        ctx.generator.set_state(state)
    graded = {c.id: c for c in core_checks(block, square_run, square_expectation, note=None)}
    stages = {aspect: stops for aspect, _, _, stops in CORE}
    charged = block.id(crashed)
    out = []
    for check in checks:
        aspect = check.id.rsplit(".", 1)[1]
        reached = square_run.failure is None or not (square_run.failed_stage or "").startswith(stages[aspect])
        if aspect not in waiting or not reached:
            out.append(check)
            continue
        replaced = graded[check.id]
        replaced.message = (
            f"graded on a square input: the non-square one crashed, charged in {charged}: {replaced.message}"
        )
        replaced.details.update(
            {"square_input": list(square.x_shape), "crashed_input": list(case.x_shape), "charged_in": charged}
        )
        out.append(replaced)
    return out


def _accumulate_check(check_id: str, run: LayerRun, expectation: Expectation, note: str | None, extra: dict) -> Check:
    """A second backward must add to the gradients; the message says whether it added or overwrote them.

    Only the gradients the first backward got right are judged: a wrong gradient is the backward checks'
    verdict, not this one's.
    """
    roles = ("weight", "bias")
    first = dict(zip(roles, compare_pass(run, expectation, 1, roles)))
    judged = tuple(r for r in roles if first[r].ok)
    if not judged:
        because = check_id.rsplit(".", 1)[0] + (".backward_weight" if not first["weight"].ok else ".backward_bias")
        return Check(
            check_id,
            Status.SKIPPED,
            "not judged: the first backward's gradients are already wrong (see the backward checks)",
            details={**extra, "because": because},
        )
    comparisons = compare_pass(run, expectation, 2, judged)
    left_out = [r for r in roles if r not in judged]
    note = "; ".join([*([note] if note else []), *[f"{r} gradient not judged here (wrong already)" for r in left_out]])
    if all(c.ok for c in comparisons):
        check = from_comparisons(check_id, comparisons, note=note or None, extra=extra)
        check.message = f"the second backward added to the gradients: {check.message}"
        return check
    want = expectation.passes[1]
    alone = [_grad_at(run, expectation, role, 2) for role in judged]
    overwritten = all(g is not None and compare(g, want[role], what="").ok for g, role in zip(alone, judged))
    why = (
        " — backward overwrote the gradients: after the second backward they hold that pass's gradient alone "
        "(they must be added to, not overwritten)"
        if overwritten
        else " (gradients must be added to, not overwritten)"
    )
    comparisons = [c if c.ok else c.explained(why, before="second backward: ") for c in comparisons]
    check = from_comparisons(check_id, comparisons, note=note or None, extra=extra)
    if overwritten:
        check.details.update(OVERWRITTEN)
    return check


def case_check(
    ctx: BlockContext, block: Block, cls: str, case: LayerCase, *, transposed: bool = False, note: str | None = None
) -> Check:
    """`blocks.<Name>.<case.name>`: one check covering forward and all gradients of one configuration."""
    check_id, optional = block.id(case.name), case.optional
    run, expectation = exercise(ctx, block, cls, case, transposed=transposed, passes=1)
    details = {"construct": run.construct, "x_shape": list(case.x_shape), "notes": run.notes}
    if run.failure is not None and optional:
        check = failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
        if check.status == Status.FAIL:
            how = "not supported" if run.failed_stage == "construction" else "wrong"
            return Check(check_id, Status.WARN, f"optional feature {how}: {check.message}", details=details)
        return check
    if run.failure is not None:
        return failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
    comparisons = compare_pass(run, expectation, 1, case.parts)
    notes = [n for n in (note, expectation.layout.note, tape_note(run.tape) if run.tape else "") if n]
    check = with_causes(from_comparisons(check_id, comparisons, note="; ".join(notes) or None, extra=details))
    if check.status == Status.FAIL:
        check.message = f"{run.construct} on {list(case.x_shape)}: {check.message}"
    if optional and check.status == Status.FAIL:
        check.status = Status.WARN
        check.message = "optional feature wrong: " + check.message
    return check


def other_size_check(ctx: BlockContext, block: Block, run: LayerRun, case: LayerCase, x_shape: tuple) -> Check:
    """The same object, after its two passes, on an input of another size: forward and input gradient.

    Catches a block that caches sizes computed at its first call (and crashes or silently reuses them later).
    """
    check_id = block.id("other_size")
    if run.failure is not None or run.handle is None:
        details = {"because": block.id("forward")}
        return Check(check_id, Status.SKIPPED, "not run: the basic configuration did not complete", details=details)
    x = ctx.randn(*x_shape)
    w, b = run.weights.get("weight"), run.weights.get("bias")
    with torch.no_grad():
        out_shape = case.fn(x.double(), w.double(), b.double()).shape
    g = ctx.randn(*out_shape)
    want, grads = expected.with_grads(case.fn, {"x": x, "weight": w, "bias": b}, g)
    client = ctx.client
    try:
        y = tensor_of(client.call(run.handle, "forward", x, context=f"{block.name}.forward")["value"])
        dx = tensor_of(client.call(run.handle, "backward", g, context=f"{block.name}.backward")["value"])
    except RUN_FAILURES as exc:
        check = failure_check(
            check_id, exc, prefix=f"{run.construct}, after inputs of {list(case.x_shape)}, on {list(x_shape)}: "
        )
        if check.status == Status.FAIL:
            check.message += " (a size computed at the first call and kept?)"
        return check
    comparisons = [compare(y, want, what="forward output"), compare(dx, grads["x"], what="input gradient")]
    check = from_comparisons(check_id, comparisons, extra={"x_shape": list(x_shape)})
    if check.status == Status.FAIL:
        check.message = (
            f"{run.construct}, after inputs of {list(case.x_shape)}, on {list(x_shape)}: {check.message} "
            "(a size computed at the first call and kept?)"
        )
    return check


def param_check(block: Block, run: LayerRun, expectation: Expectation) -> Check:
    """param(): (parameter, gradient) pairs for weight and bias, with equal shapes, the same on every call."""
    check_id = block.id("param")
    if run.initial is None:
        return (
            failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
            if run.failure
            else Check(check_id, Status.FAIL, "param() could not be read")
        )
    snapshot = run.snapshots[-1] if run.snapshots else run.initial
    accessor, form = snapshot.get("accessor"), snapshot.get("form")
    pairs = snapshot.get("pairs", [])
    details = {
        "accessor": accessor,
        "form": form,
        "flat": snapshot.get("flat"),
        "pairs": [
            {
                "param_shape": list(p["param"].shape) if p.get("param") is not None else None,
                "grad_shape": list(p["grad"].shape) if p.get("grad") is not None else None,
                "role": p.get("role"),
            }
            for p in pairs
        ],
    }
    if accessor is None:
        return Check(
            check_id, Status.FAIL, "no param() method: it must return (parameter, gradient) pairs", details=details
        )
    if snapshot.get("error"):
        return Check(check_id, Status.FAIL, f"{accessor}(): {snapshot['error']}", details=details)
    if snapshot.get("flat"):
        order = "[w, b, dw, db]" if snapshot["flat"] == "halves" else "[w, dw, b, db]"
        return Check(
            check_id,
            Status.FAIL,
            f"{accessor}() returns a flat list {order}, not (parameter, gradient) pairs",
            details=details,
        )
    if form == "tensor":
        return Check(
            check_id,
            Status.FAIL,
            f"{accessor}() returns the parameter tensors (gradients in their .grad), not (parameter, gradient) pairs",
            details=details,
        )
    counts = [len(s.get("pairs", [])) for s in [run.initial, *run.snapshots] if s and not s.get("error")]
    if counts and max(counts) != min(counts):
        return Check(
            check_id,
            Status.FAIL,
            f"{accessor}() returned {counts[0]} pairs on its first call and {max(counts)} on a later one: "
            "each call must return the same pairs (does it append to a stored list?)",
            details={**details, "counts": counts},
        )
    problems, notes = [], []
    roles = []
    for role in ("weight", "bias"):
        shape = tuple(expectation.shapes[role])
        _, grad = find_pair(snapshot, role, shape)
        fits = [i for i, p in enumerate(pairs) if p.get("param") is not None and tuple(p["param"].shape) == shape]
        if not fits:
            problems.append(f"no {role} of shape {list(shape)} among the pairs")
        elif grad is None:
            problems.append(f"the {role} pair has no gradient tensor")
        elif tuple(grad.shape) != tuple(shape):
            problems.append(f"the {role} gradient has shape {list(grad.shape)}, not {list(shape)}")
        roles.append(fits[0] if fits else None)
    if problems:
        return Check(check_id, Status.FAIL, f"{accessor}(): " + "; ".join(problems), details=details)
    if accessor != "param":
        notes.append(f"found {accessor}() instead of param()")
    if form and form != "tuple":
        notes.append(f"pairs are {form}s, not tuples")
    if None not in roles and roles[0] > roles[1]:
        notes.append("bias is listed before weight")
    if len(pairs) != 2:
        notes.append(f"{len(pairs)} pairs where torch has 2")
    if expectation.layout.note:
        notes.append(f"weight in {expectation.layout.name} {list(expectation.shapes['weight'])}")
    if (run.initial or {}).get("raised"):
        raised = run.initial["raised"]
        notes.append(
            f"it raised {raised.get('type')} before the first backward ({raised.get('message', '')[:80]}): an "
            "optimizer built before training cannot read it"
        )
    if notes:
        return Check(check_id, Status.WARN, f"{accessor}() works; " + "; ".join(notes), details=details)
    return Check(check_id, Status.PASS, "param() returns (weight, grad) and (bias, grad) pairs", details=details)


def init_check(block: Block, run: LayerRun, expectation: Expectation, fan_in: int) -> Check:
    """Initial weights within torch's default bounds (uniform ±1/sqrt(fan_in)); a warning at most."""
    check_id = block.id("init")
    weight, _ = find_pair(run.initial, "weight", expectation.shapes["weight"])
    bias, _ = find_pair(run.initial, "bias", expectation.shapes["bias"])
    if weight is None:
        if run.failure is not None and run.failed_stage in ("construction", "param()"):
            return failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
        return Check(check_id, Status.FAIL, "no initial weight of torch's shape to inspect")
    bound = 1 / math.sqrt(fan_in)
    w = weight.to(torch.float64)
    details = {
        "bound": bound,
        "max_abs_weight": float(w.abs().max()),
        "weight_std": float(w.std()),
        "uniform_std": bound / math.sqrt(3),
    }
    if bias is not None:
        details["max_abs_bias"] = float(bias.to(torch.float64).abs().max())
    if not bool(torch.isfinite(w).all()):
        return Check(
            check_id,
            Status.FAIL,
            "initial weights contain nan/inf (uninitialised memory from empty()?)",
            details=details,
        )
    if float(w.abs().max()) == 0.0:
        return Check(
            check_id, Status.WARN, "weights start at zero: every filter gets the same gradient", details=details
        )
    too_big = details["max_abs_weight"] > bound * (1 + 1e-5) or details.get("max_abs_bias", 0) > bound * (1 + 1e-5)
    if too_big:
        return Check(
            check_id,
            Status.WARN,
            f"initial values exceed torch's default bound ±{bound:.3g} "
            f"(max |w| {details['max_abs_weight']:.3g}); training may behave differently",
            details=details,
        )
    return Check(check_id, Status.PASS, f"weights within ±1/sqrt(fan_in) = ±{bound:.3g}", details=details)
