"""blocks.NearestUpsampling.* and blocks.TransposeConv2d.*: the two ways to upsample.

Students implement one of them; the other's checks are marked not applicable
and the rubric counts the better of the two. What a class is, is decided by
probing it, not by its name: a class exported as `Upsampling`/`Upsample` may be
the combination (nearest upsampling then a convolution, with parameters), the
bare upsampling (no parameters, followed by the student's Conv2d), or a
transposed convolution (often `class Upsampling(TransposeConv2d)`); the judge
builds it each way and keeps the one whose output has that family's size. A
transposed convolution found under an upsampling name is graded as
TransposeConv2d (when no class has that name) and the NearestUpsampling checks
are then not applicable. A TransposeConv2d whose kernel is stored in
convolution layout is graded through that layout (layouts.py), with a note.
"""

from __future__ import annotations

import dataclasses

import torch

from grader.checks import names
from grader.checks.blocks import expected
from grader.checks.blocks.construct import concept_of, forms_for
from grader.checks.blocks.context import (
    NAME,
    BlockContext,
    from_comparisons,
    missing_checks,
    name_check,
    not_applicable,
)
from grader.checks.blocks.layer import LAYER, LayerCase, basic_checks, case_check, exercise, init_check, param_check
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
    aspect("backward_weight", 2, LAYER["backward_weight"], square_after="backward_input"),
    aspect("backward_bias", 1, LAYER["backward_bias"], square_after="backward_input"),
    aspect("accumulate", 0.5, LAYER["accumulate"], square_after="backward_input"),
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
    aspects=(
        *UPSAMPLING,
        aspect(
            "scale_factor",
            0,
            "built with scale factor 3 when the constructor takes one (optional: warning)",
            warn_only=True,
        ),
    ),
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
    graded, tried = _nearest_checks(ctx, nearest) if nearest else (None, [])
    alias = None  # an upsampling-named class that is a transposed convolution
    if graded is None and nearest:
        alias = next((cls for cls in nearest if _is_transposed(ctx, cls)), None)
    if graded is not None:
        result += graded
    elif transpose_cls or alias:
        why = (
            f"`{alias}` is a transposed convolution (graded as TransposeConv2d)"
            if alias
            else "the submission upsamples with TransposeConv2d"
        )
        result += not_applicable(NEAREST, ["name", *NEAREST.graded], why)
    elif nearest:
        message = f"could not construct an upsampling block; tried {', '.join(tried) or 'nothing'}"
        result += [name_check(NEAREST, nearest[0], None), *missing_checks(NEAREST, NEAREST.graded, message)]
    else:
        result += [
            name_check(NEAREST, None, None),
            *missing_checks(
                NEAREST,
                NEAREST.graded,
                "no upsampling block: neither NearestUpsampling nor TransposeConv2d in model.py",
            ),
        ]
    if transpose_cls is None and alias is not None:
        note = f"found as `{alias}`, a transposed convolution; the handout's name is `TransposeConv2d`"
        transpose_cls, transpose_note = alias, note
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


def _is_transposed(ctx: BlockContext, cls: str) -> bool:
    """Built like TRANSPOSE_BASIC, does `cls` give a transposed convolution's output size?"""
    forms = _transposed_forms(ctx, cls)
    for form in forms:
        try:
            handle = ctx.client.new(cls, *form["args"], context=f"{TRANSPOSE.name}.__init__", **form["kwargs"])
        except StudentRaised:
            continue
        shape = _probe_shape(ctx, handle["handle"], (2, 3, 5, 6))
        ctx.client.free(handle["handle"])
        if shape == [2, 4, 11, 13]:
            return True
    return False


def _transposed_forms(ctx: BlockContext, cls: str) -> list[dict]:
    """TransposeConv2d(3, 4, 3, stride=2) as this class's signature takes it (all its required arguments)."""
    signature = _signature(ctx, cls)
    values = {"in_channels": 3, "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 0, "dilation": 1}
    forms = forms_for(signature, values, [])
    plain = {"name": "positional(3, 4, 3, stride=2)", "args": [3, 4, 3], "kwargs": {"stride": 2}}
    return [plain, *forms]


def _signature(ctx: BlockContext, cls: str) -> list[dict] | None:
    try:
        return ctx.client.send("signature", cls=cls).get("params")
    except StudentRaised:
        return None


def _transpose_checks(ctx: BlockContext, cls: str) -> list[Check]:
    basic = TRANSPOSE_BASIC
    run, expectation = exercise(ctx, TRANSPOSE, cls, basic, transposed=True)
    if run.failed_stage == "construction":  # e.g. Upsampling(in, out, kernel_size, dilation, padding, stride)
        for form in _transposed_forms(ctx, cls)[1:]:
            case = dataclasses.replace(TRANSPOSE_BASIC, args=tuple(form["args"]), kwargs=form["kwargs"])
            retry = exercise(ctx, TRANSPOSE, cls, case, transposed=True)
            if retry[0].failed_stage != "construction":
                (run, expectation), basic = retry, case
                break
    out = basic_checks(ctx, TRANSPOSE, cls, basic, run, expectation, transposed=True)
    out.append(param_check(TRANSPOSE, run, expectation))
    out.append(init_check(TRANSPOSE, run, expectation, TRANSPOSE_BASIC.fan_in))
    out += [case_check(ctx, TRANSPOSE, cls, case, transposed=True) for case in TRANSPOSE_EXTRA]
    return out


def _nearest_checks(ctx: BlockContext, candidates: list[str]) -> tuple[list[Check] | None, list[str]]:
    """Grade the best NearestUpsampling candidate: a combination if any, else the bare upsampling.

    Returns (checks, what was tried); checks is None when no candidate builds as either.
    """
    tried: list[str] = []
    last_failure: Exception | None = None
    for cls in candidates:
        try:
            built = _build_combo(ctx, cls, tried)
        except WorkerFailure as exc:
            last_failure = exc
            continue
        if built is not None:
            handle, case, form, values, padding = built
            name = _nearest_name(ctx, cls)
            run, expectation = exercise(ctx, NEAREST, cls, case, handle=handle)
            run.construct = f"{cls} via {form['name']}"
            core = basic_checks(ctx, NEAREST, cls, case, run, expectation)
            out = [name, *core, param_check(NEAREST, run, expectation)]
            out.append(_combo_scale_check(ctx, cls, case, form, values, padding))
            for c in out[1:]:
                c.details.setdefault("variant", "nearest upsampling + convolution")
            return out, tried
    for cls in candidates:  # no combination: the bare upsampling
        bare = _bare_checks(ctx, cls, tried)
        if bare is not None:
            return bare, tried
    if last_failure is not None:
        return failure_checks([NEAREST.id(a) for a in ["name", *NEAREST.graded]], last_failure), tried
    return None, tried


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
    """Construct `cls` as upsampling+convolution; return (handle, case, form, values) when the weight fits and
    the output has the upsampled size (2× the input's, with or without padding)."""
    client = ctx.client
    signature = _signature(ctx, cls)
    for values, padding in COMBO_VALUES:
        for form in forms_for(signature, values, COMBO_ORDERS):
            tried.append(f"{cls} {form['name']}")
            try:
                handle = client.new(cls, *form["args"], context="NearestUpsampling.__init__", **form["kwargs"])[
                    "handle"
                ]
                snapshot = client.params(handle, context="NearestUpsampling.param", tolerant=True)
            except StudentRaised:
                continue
            shapes = [list(p["param"].shape) for p in snapshot.get("pairs", []) if p.get("param") is not None]
            weight = snapshot.get("attrs", {}).get("weight")
            shape = _probe_shape(ctx, handle)
            if shape in ([2, 4, 10, 12], [2, 4, 8, 10]) and (
                [4, 3, 3, 3] in shapes or (weight is not None and list(weight.shape) == [4, 3, 3, 3])
            ):
                # padding may be implied by the form; the output shape settles it
                padding = 1 if shape == [2, 4, 10, 12] else 0
                case = LayerCase(
                    "combo",
                    tuple(form["args"]),
                    form["kwargs"],
                    (2, 3, 5, 6),
                    (4, 3, 3, 3),
                    expected.nearest_conv(2, padding=padding),
                    fan_in=27,
                )
                return handle, case, form, values, padding
            client.free(handle)
    return None


def _combo_scale_check(ctx: BlockContext, cls: str, case: LayerCase, form: dict, values: dict, padding: int) -> Check:
    """The combination built with scale factor 3 (the same call form): forward and gradients (warning only)."""
    signature = _signature(ctx, cls)
    if signature is not None and not any(concept_of(p["name"]) == "scale_factor" for p in signature):
        return not_applicable(NEAREST, ["scale_factor"], "the constructor takes no scale factor")[0]
    same = [f for f in forms_for(signature, {**values, "scale_factor": 3}, COMBO_ORDERS) if f["name"] == form["name"]]
    if not same or "scale_factor" not in form["name"]:
        return not_applicable(NEAREST, ["scale_factor"], "the scale factor is not one of its arguments")[0]
    scaled = dataclasses.replace(
        case,
        name="scale_factor",
        args=tuple(same[0]["args"]),
        kwargs=same[0]["kwargs"],
        x_shape=(1, 3, 3, 4),
        fn=expected.nearest_conv(3, padding=padding),
        optional=True,
    )
    return case_check(ctx, NEAREST, cls, scaled)


def _probe_shape(ctx: BlockContext, handle: str, shape: tuple = (2, 3, 5, 6)):
    try:
        out = ctx.client.call(handle, "forward", torch.zeros(*shape), context="NearestUpsampling.forward")
    except StudentRaised:
        return None
    t = tensor_of(out["value"])
    return list(t.shape) if t is not None else None


def _bare_checks(ctx: BlockContext, cls: str, tried: list[str]) -> list[Check] | None:
    """Grade `cls` as the bare nearest upsampling (no parameters); None when it does not build as one."""
    block = NEAREST.name
    client = ctx.client
    signature = _signature(ctx, cls)
    handle, form_name = None, None
    for form in _bare_forms(signature, 2):
        tried.append(f"{cls} {form['name']}")
        try:
            handle = client.new(cls, *form["args"], context=f"{block}.__init__", **form["kwargs"])["handle"]
            form_name = form["name"]
            break
        except StudentRaised:
            continue
    if handle is None:
        return None
    snapshot = client.params(handle, context=f"{block}.param", tolerant=True)
    if snapshot.get("pairs") or snapshot.get("attrs", {}).get("weight") is not None:
        return None  # it has parameters: not the bare upsampling
    details = {"construct": f"{cls} via {form_name}", "variant": "bare nearest upsampling (no parameters)"}
    name = _nearest_name(ctx, cls)
    graded = [a for a in NEAREST.graded if a != "scale_factor"]
    try:
        forward, backward = _bare_run(ctx, handle, 2, (2, 3, 4, 5), details)
    except RUN_FAILURES as exc:
        return [name, *failure_checks([NEAREST.id(a) for a in graded], exc), _bare_scale_check(ctx, cls, signature)]
    out: list[Check] = [name, forward, backward]
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
    out.append(_bare_scale_check(ctx, cls, signature))
    return out


def _bare_forms(signature: list[dict] | None, scale: int) -> list[dict]:
    return forms_for(signature, {"scale_factor": scale}, [("scale_factor",)]) + [
        {"name": "no arguments", "args": [], "kwargs": {}}
    ]


def _bare_run(ctx: BlockContext, handle: str, scale: int, shape: tuple, details: dict) -> tuple[Check, Check]:
    """forward and backward_input of a bare upsampling by `scale` on an input of `shape`.

    Raises what the forward raised; a backward failure is its own check's verdict."""
    block = NEAREST.name
    x = ctx.randn(*shape)
    g = ctx.randn(*shape[:2], shape[2] * scale, shape[3] * scale)
    want, grads = expected.with_grads(expected.nearest(scale), {"x": x}, g)
    y = tensor_of(ctx.client.call(handle, "forward", x, context=f"{block}.forward")["value"])
    forward = from_comparisons(NEAREST.id("forward"), [compare(y, want, what="forward output")], extra=details)
    try:
        dx = tensor_of(ctx.client.call(handle, "backward", g, context=f"{block}.backward")["value"])
        backward = from_comparisons(
            NEAREST.id("backward_input"), [compare(dx, grads["x"], what="input gradient")], extra=details
        )
    except RUN_FAILURES as exc:
        backward = failure_check(NEAREST.id("backward_input"), exc)
    return forward, backward


def _bare_scale_check(ctx: BlockContext, cls: str, signature) -> Check:
    """The bare upsampling built with scale factor 3: forward and input gradient (warning only)."""
    check_id = NEAREST.id("scale_factor")
    forms = [f for f in _bare_forms(signature, 3) if f["args"] or f["kwargs"]]
    if not forms:
        return not_applicable(NEAREST, ["scale_factor"], "the constructor takes no scale factor")[0]
    try:
        handle = ctx.client.new(cls, *forms[0]["args"], context=f"{NEAREST.name}.__init__", **forms[0]["kwargs"])
        forward, backward = _bare_run(ctx, handle["handle"], 3, (1, 3, 3, 4), {})
    except RUN_FAILURES as exc:
        check = failure_check(check_id, exc, prefix=f"{cls} with scale factor 3: ")
        check.status = Status.WARN if check.status == Status.FAIL else check.status
        return check
    bad = next((c for c in (forward, backward) if c.status == Status.FAIL), None)
    if bad is not None:
        return Check(check_id, Status.WARN, f"optional feature wrong: {cls} with scale factor 3: {bad.message}")
    return Check(check_id, Status.PASS, f"scale factor 3: {forward.message}")
