"""blocks.NearestUpsampling.* and blocks.TransposeConv2d.*: the two ways to upsample.

Students implement one of them; the other's checks are marked not applicable
and the rubric counts the better of the two. NearestUpsampling may be the
combination (nearest upsampling then a convolution, with parameters) or the
bare upsampling (no parameters, followed by the student's Conv2d); the judge
finds out from what the constructor builds.
"""

from __future__ import annotations

import torch

from grader.checks import names
from grader.checks.blocks import expected
from grader.checks.blocks.construct import forms_for
from grader.checks.blocks.context import (
    NAME,
    BlockContext,
    from_comparisons,
    missing_checks,
    name_check,
    not_applicable,
)
from grader.checks.blocks.layer import LAYER, LayerCase, case_check, core_checks, exercise, init_check, param_check
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

# The two ways to upsample are alternatives (the rubric counts the better): the same checks, worth the same.
UPSAMPLING = (
    NAME,
    aspect("forward", 2.5, LAYER["forward"], required=True),
    aspect("backward_input", 2.5, LAYER["backward_input"], required=True),
    aspect("backward_weight", 2, LAYER["backward_weight"]),
    aspect("backward_bias", 1, LAYER["backward_bias"]),
    aspect("accumulate", 0.5, LAYER["accumulate"]),
    aspect("param", 0.5, LAYER["param"]),
)
NEAREST = Block(
    "NearestUpsampling",
    aliases=(
        "NearestUpSampling",
        "NearestUpsample",
        "NNUpsampling",
        "NearestNeighborUpsampling",
        "NearestNeighbourUpsampling",
        "Upsampling",
        "UpSampling",
        "Upsample",
        "UpSample",
        "Upsampling2d",
    ),
    aspects=UPSAMPLING,
)
TRANSPOSE = Block(
    "TransposeConv2d",
    aliases=(
        "TransposedConv2d",
        "ConvTranspose2d",
        "TransposeConv2D",
        "TransposedConv2D",
        "ConvTranspose2D",
        "Deconv2d",
        "TransposeConvolution2d",
    ),
    aspects=(
        *UPSAMPLING,
        aspect("init", 0, "initial weights within torch's default bounds (warning only)", warn_only=True),
        aspect("padding", 0, "TransposeConv2d(4, 3, 4, stride=2, padding=1), forward and gradients"),
        aspect("tuple_kernel", 0, "TransposeConv2d(3, 2, (2, 3)), forward and gradients"),
    ),
)

TRANSPOSE_BASIC = LayerCase(
    "basic", (3, 4, 3), {"stride": 2}, (2, 3, 5, 6), (3, 4, 3, 3), expected.conv_transpose2d(stride=2), fan_in=36
)
TRANSPOSE_EXTRA = [
    LayerCase(
        "padding",
        (4, 3, 4),
        {"stride": 2, "padding": 1},
        (1, 4, 4, 5),
        (4, 3, 4, 4),
        expected.conv_transpose2d(stride=2, padding=1),
    ),
    LayerCase("tuple_kernel", (3, 2, (2, 3)), {}, (2, 3, 4, 5), (3, 2, 2, 3), expected.conv_transpose2d()),
]

# the combination, tried with padding first, then without
COMBO_VALUES = [
    ({"in_channels": 3, "out_channels": 4, "kernel_size": 3, "scale_factor": 2, "padding": 1}, 1),
    ({"in_channels": 3, "out_channels": 4, "kernel_size": 3, "scale_factor": 2}, 0),
]
COMBO_ORDERS = [
    ("in_channels", "out_channels", "kernel_size", "scale_factor"),
    ("scale_factor", "in_channels", "out_channels", "kernel_size"),
    ("in_channels", "out_channels", "kernel_size"),
]


@family(NEAREST, TRANSPOSE)
def checks(ctx: BlockContext) -> list[Check]:
    transpose_cls, transpose_note = ctx.resolve(TRANSPOSE)
    nearest = ctx.classes(NEAREST)
    result: list[Check] = []
    if nearest:
        result += _nearest_checks(ctx, nearest)
    elif transpose_cls:
        result += not_applicable(NEAREST, ["name", *NEAREST.graded], "the submission upsamples with TransposeConv2d")
    else:
        result += [
            name_check(NEAREST, None, None),
            *missing_checks(
                NEAREST,
                NEAREST.graded,
                "no upsampling block: neither NearestUpsampling nor TransposeConv2d in model.py",
            ),
        ]
    if transpose_cls:
        result += [name_check(TRANSPOSE, transpose_cls, transpose_note), *_transpose_checks(ctx, transpose_cls)]
    else:
        why = (
            "the submission upsamples with NearestUpsampling"
            if nearest
            else "no upsampling block (graded under NearestUpsampling)"
        )
        result += not_applicable(TRANSPOSE, ["name", *TRANSPOSE.graded], why)
    return result


def _transpose_checks(ctx: BlockContext, cls: str) -> list[Check]:
    run, expectation = exercise(ctx, TRANSPOSE, cls, TRANSPOSE_BASIC, transposed=True)
    out = core_checks(TRANSPOSE, run, expectation, note=None)
    out.append(param_check(TRANSPOSE, run, expectation))
    out.append(init_check(TRANSPOSE, run, expectation, TRANSPOSE_BASIC.fan_in))
    out += [case_check(ctx, TRANSPOSE, cls, case, transposed=True) for case in TRANSPOSE_EXTRA]
    return out


def _nearest_checks(ctx: BlockContext, candidates: list[str]) -> list[Check]:
    """Grade the best NearestUpsampling candidate: a combination if any, else the bare upsampling."""
    tried: list[str] = []
    last_failure: Exception | None = None
    for cls in candidates:
        try:
            built = _build_combo(ctx, cls, tried)
        except WorkerFailure as exc:
            last_failure = exc
            continue
        if built is not None:
            handle, case, form = built
            name = _nearest_name(ctx, cls)
            run, expectation = exercise(ctx, NEAREST, cls, case, handle=handle)
            run.construct = f"{cls} via {form}"
            out = [name, *core_checks(NEAREST, run, expectation, note=None), param_check(NEAREST, run, expectation)]
            for c in out[1:]:
                c.details.setdefault("variant", "nearest upsampling + convolution")
            return out
    for cls in candidates:  # no combination: the bare upsampling
        bare = _bare_checks(ctx, cls, tried)
        if bare is not None:
            return bare
    message = f"could not construct an upsampling block; tried {', '.join(tried) or 'nothing'}"
    if last_failure is not None:
        return failure_checks([NEAREST.id(a) for a in ["name", *NEAREST.graded]], last_failure)
    return [name_check(NEAREST, candidates[0], None), *missing_checks(NEAREST, NEAREST.graded, message)]


def _nearest_name(ctx: BlockContext, graded: str) -> Check:
    """Pass when `NearestUpsampling` itself exists, even if the combination graded is exported
    under another name (many export the bare upsampling as NearestUpsampling and the
    combination as Upsampling)."""
    exact = ctx.exported.get(NEAREST.name, {}).get("kind") == "class"
    if exact:
        check = name_check(NEAREST, NEAREST.name, None)
        if graded != "NearestUpsampling":
            check.message += f"; the combination graded is `{graded}`"
            check.details["graded"] = graded
        return check
    return name_check(NEAREST, graded, names.resolve(NEAREST.name, NEAREST.spellings, {graded: {"kind": "class"}})[1])


def _build_combo(ctx: BlockContext, cls: str, tried: list[str]):
    """Construct `cls` as upsampling+convolution; return (handle, case, form) when the weight fits."""
    client = ctx.client
    try:
        signature = client.send("signature", cls=cls).get("params")
    except StudentRaised:
        signature = None
    for values, padding in COMBO_VALUES:
        for form in forms_for(signature, values, COMBO_ORDERS):
            tried.append(f"{cls} {form['name']}")
            try:
                handle = client.new(cls, *form["args"], context="NearestUpsampling.__init__", **form["kwargs"])[
                    "handle"
                ]
                snapshot = client.params(handle, context="NearestUpsampling.param")
            except StudentRaised:
                continue
            shapes = [list(p["param"].shape) for p in snapshot.get("pairs", []) if p.get("param") is not None]
            weight = snapshot.get("attrs", {}).get("weight")
            if [4, 3, 3, 3] in shapes or (weight is not None and list(weight.shape) == [4, 3, 3, 3]):
                # padding may be implied by the form; the output shape settles it
                case = LayerCase(
                    "combo",
                    tuple(form["args"]),
                    form["kwargs"],
                    (2, 3, 5, 6),
                    (4, 3, 3, 3),
                    expected.nearest_conv(2, padding=padding),
                    fan_in=27,
                )
                if _probe_shape(ctx, handle) == [2, 4, 8, 10] and padding == 1:
                    case.fn = expected.nearest_conv(2, padding=0)
                return handle, case, form["name"]
            client.free(handle)
    return None


def _probe_shape(ctx: BlockContext, handle: str):
    try:
        out = ctx.client.call(handle, "forward", torch.zeros(2, 3, 5, 6), context="NearestUpsampling.forward")
    except StudentRaised:
        return None
    t = tensor_of(out["value"])
    return list(t.shape) if t is not None else None


def _bare_checks(ctx: BlockContext, cls: str, tried: list[str]) -> list[Check] | None:
    block = NEAREST.name
    client = ctx.client
    try:
        signature = client.send("signature", cls=cls).get("params")
    except StudentRaised:
        signature = None
    handle, form_name = None, None
    for form in forms_for(signature, {"scale_factor": 2}, [("scale_factor",)]) + [
        {"name": "no arguments", "args": [], "kwargs": {}}
    ]:
        tried.append(f"{cls} {form['name']}")
        try:
            handle = client.new(cls, *form["args"], context=f"{block}.__init__", **form["kwargs"])["handle"]
            form_name = form["name"]
            break
        except StudentRaised:
            continue
    if handle is None:
        return None
    x, g = ctx.randn(2, 3, 4, 5), ctx.randn(2, 3, 8, 10)
    want, grads = expected.with_grads(expected.nearest(2), {"x": x}, g)
    details = {"construct": f"{cls} via {form_name}", "variant": "bare nearest upsampling (no parameters)"}
    name = _nearest_name(ctx, cls)
    out: list[Check] = [name]
    try:
        y = tensor_of(client.call(handle, "forward", x, context=f"{block}.forward")["value"])
    except RUN_FAILURES as exc:
        return [name, *failure_checks([NEAREST.id(a) for a in NEAREST.graded], exc)]
    out.append(from_comparisons(NEAREST.id("forward"), [compare(y, want, what="forward output")], extra=details))
    try:
        dx = tensor_of(client.call(handle, "backward", g, context=f"{block}.backward")["value"])
        out.append(
            from_comparisons(
                NEAREST.id("backward_input"), [compare(dx, grads["x"], what="input gradient")], extra=details
            )
        )
    except RUN_FAILURES as exc:
        out.append(failure_check(NEAREST.id("backward_input"), exc))
    why = "bare upsampling has no parameters; its convolution is graded as Conv2d"
    out += not_applicable(NEAREST, ["backward_weight", "backward_bias", "accumulate"], why, details)
    try:
        snapshot = client.params(handle, context=f"{block}.param")
        status = Status.PASS if snapshot.get("accessor") and not snapshot.get("pairs") else Status.WARN
        msg = (
            "param() returns no pairs"
            if status == Status.PASS
            else f"{snapshot.get('accessor') or 'no param()'}: expected an empty list"
        )
        out.append(Check(NEAREST.id("param"), status, msg, details=details))
    except RUN_FAILURES as exc:
        out.append(failure_check(NEAREST.id("param"), exc))
    return out
