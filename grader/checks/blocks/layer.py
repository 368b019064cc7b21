"""Checks shared by the parametrised layers (Conv2d, TransposeConv2d, NearestUpsampling)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, from_comparisons
from grader.checks.blocks.scenario import LayerRun, find_pair, run_layer
from grader.checks.compare import Comparison, compare, missing
from grader.checks.declare import Block
from grader.checks.verdicts import failure_check
from grader.result import Check, Status

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


@dataclass
class Expectation:
    """What torch computes for a layer run: per pass, the output and each gradient; the tensors' shapes."""

    shapes: dict[str, tuple[int, ...]]  # weight, bias
    passes: list[dict[str, torch.Tensor]] = field(default_factory=list)  # out, x, weight, bias


def _shapes(case: LayerCase, transposed: bool) -> tuple[tuple, tuple]:
    out_channels = case.weight_shape[1] if transposed else case.weight_shape[0]
    return case.weight_shape, (out_channels,)


def exercise(
    ctx: BlockContext, block: Block, cls: str, case: LayerCase, *, transposed: bool = False, handle: str | None = None
) -> tuple[LayerRun, Expectation]:
    """Run `case` in the worker and compute the judge's expectations for both passes."""
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
        weights={"weight": weight, "bias": bias},
        passes=[(x1, g1), (x2, g2)],
        handle=handle,
    )
    expectation = Expectation(shapes={"weight": w_shape, "bias": b_shape})
    w = run.weights.get("weight", weight)
    b = run.weights.get("bias", bias)
    if tuple(w.shape) != tuple(w_shape) or tuple(b.shape) != tuple(b_shape):
        w, b = weight, bias  # never compute with a student tensor of the wrong shape
    for x, g in ((x1, g1), (x2, g2)):
        out, grads = expected.with_grads(case.fn, {"x": x, "weight": w, "bias": b}, g)
        expectation.passes.append({"out": out, **grads})
    return run, expectation


def _grad_delta(run: LayerRun, role: str, shape, index: int) -> torch.Tensor | None:
    _, before = find_pair(run.snapshots[index - 1], role, shape)
    _, after = find_pair(run.snapshots[index], role, shape)
    if after is None:
        return None
    if before is None or tuple(before.shape) != tuple(after.shape):
        return after
    # difference in float64, reported in the student's dtype so the tolerance matches it
    return (after.to(torch.float64) - before.to(torch.float64)).to(after.dtype)


def _passed_stages(run: LayerRun) -> int:
    """How many full passes (forward, backward, snapshot) completed."""
    return len(run.snapshots) - 1


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
            shape = expectation.shapes[part]
            got = _grad_delta(run, part, shape, i) if _passed_stages(run) >= i else None
            if got is None:
                results.append(missing(f"no gradient tensor found for {part} (param() pairs or .{part}'s gradient)"))
            else:
                results.append(compare(got, want[part], what=f"{part} gradient"))
    return results


def _failure_or(check_id: str, run: LayerRun, needed_stage_prefixes: tuple[str, ...]) -> Check | None:
    """The failure verdict when the run broke before the data this check needs."""
    if run.failure is None:
        return None
    if run.failed_stage and run.failed_stage.startswith(needed_stage_prefixes):
        return failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
    return None


def core_checks(block: Block, run: LayerRun, expectation: Expectation, *, note: str | None) -> list[Check]:
    """forward / backward_input / backward_weight / backward_bias / accumulate for the basic case."""
    early = ("construction", "param()", "setting weights")
    specs = [
        ("forward", ("out",), 1, early + ("forward (pass 1)",)),
        ("backward_input", ("x",), 1, early + ("forward (pass 1)", "backward (pass 1)")),
        ("backward_weight", ("weight",), 1, early + ("forward (pass 1)", "backward (pass 1)", "param() after pass 1")),
        ("backward_bias", ("bias",), 1, early + ("forward (pass 1)", "backward (pass 1)", "param() after pass 1")),
        ("accumulate", ("weight", "bias"), 2, early + ("forward", "backward", "param()")),
    ]
    checks = []
    extra = {"construct": run.construct, "weights": run.weight_source, "notes": run.notes}
    for aspect, parts, index, stages in specs:
        check_id = block.id(aspect)
        broken = _failure_or(check_id, run, stages)
        if broken is not None:
            checks.append(broken)
            continue
        comparisons = compare_pass(run, expectation, index, parts)
        if aspect == "accumulate":
            comparisons = [
                c.explained(
                    "" if c.ok else " (gradients must be added to, not overwritten)", before="second backward: "
                )
                for c in comparisons
            ]
        checks.append(from_comparisons(check_id, comparisons, note=note, extra=extra))
    return checks


def case_check(
    ctx: BlockContext, block: Block, cls: str, case: LayerCase, *, transposed: bool = False, note: str | None = None
) -> Check:
    """`blocks.<Name>.<case.name>`: one check covering forward and all gradients of one configuration."""
    check_id, optional = block.id(case.name), case.optional
    run, expectation = exercise(ctx, block, cls, case, transposed=transposed)
    details = {"construct": run.construct, "x_shape": list(case.x_shape), "notes": run.notes}
    if run.failure is not None and run.failed_stage == "construction" and optional:
        check = failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
        if check.status == Status.FAIL:
            return Check(check_id, Status.WARN, f"optional feature not supported: {check.message}", details=details)
        return check
    if run.failure is not None:
        return failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
    comparisons = compare_pass(run, expectation, 1, ("out", "x", "weight", "bias"))
    check = from_comparisons(check_id, comparisons, note=note, extra=details)
    if check.status == Status.FAIL:
        check.message = f"{run.construct} on {list(case.x_shape)}: {check.message}"
    if optional and check.status == Status.FAIL:
        check.status = Status.WARN
        check.message = "optional feature wrong: " + check.message
    return check


def param_check(block: Block, run: LayerRun, expectation: Expectation) -> Check:
    """param(): (parameter, gradient) pairs for weight and bias, with equal shapes."""
    check_id = block.id("param")
    if run.initial is None:
        return (
            failure_check(check_id, run.failure, prefix=f"{run.construct}: ")
            if run.failure
            else Check(check_id, Status.FAIL, "param() could not be read")
        )
    snapshot = run.snapshots[-1] if run.snapshots else run.initial
    accessor, form = snapshot.get("accessor"), snapshot.get("form")
    details = {
        "accessor": accessor,
        "form": form,
        "pairs": [
            {
                "param_shape": list(p["param"].shape) if p.get("param") is not None else None,
                "grad_shape": list(p["grad"].shape) if p.get("grad") is not None else None,
                "role": p.get("role"),
            }
            for p in snapshot.get("pairs", [])
        ],
    }
    if accessor is None:
        return Check(
            check_id, Status.FAIL, "no param() method: it must return (parameter, gradient) pairs", details=details
        )
    if snapshot.get("error"):
        return Check(check_id, Status.FAIL, f"{accessor}(): {snapshot['error']}", details=details)
    problems, notes = [], []
    roles = []
    for role in ("weight", "bias"):
        shape = expectation.shapes[role]
        param, grad = find_pair(snapshot, role, shape)
        in_pairs = any(
            p.get("param") is not None and tuple(p["param"].shape) == tuple(shape) for p in snapshot.get("pairs", [])
        )
        if not in_pairs:
            problems.append(f"no {role} of shape {list(shape)} among the pairs")
        elif grad is None:
            problems.append(f"the {role} pair has no gradient tensor")
        elif tuple(grad.shape) != tuple(shape):
            problems.append(f"the {role} gradient has shape {list(grad.shape)}, not {list(shape)}")
        roles.append(
            next(
                (
                    i
                    for i, p in enumerate(snapshot.get("pairs", []))
                    if p.get("param") is not None and tuple(p["param"].shape) == tuple(shape)
                ),
                None,
            )
        )
    if problems:
        return Check(check_id, Status.FAIL, f"{accessor}(): " + "; ".join(problems), details=details)
    if accessor != "param":
        notes.append(f"found {accessor}() instead of param()")
    if form and form != "tuple":
        notes.append(f"pairs are {form}s, not tuples")
    if None not in roles and roles[0] > roles[1]:
        notes.append("bias is listed before weight")
    if len(snapshot.get("pairs", [])) != 2:
        notes.append(f"{len(snapshot['pairs'])} pairs where torch has 2")
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
