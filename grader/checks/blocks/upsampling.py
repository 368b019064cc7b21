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
from grader.checks.blocks.context import BlockContext, failure_check, from_comparisons, missing_checks, name_check
from grader.checks.blocks.layer import LayerCase, case_check, core_checks, exercise, init_check, param_check
from grader.checks.compare import compare
from grader.result import Check
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

COMBO_ASPECTS = ["forward", "backward_input", "backward_weight", "backward_bias", "accumulate", "param"]
TRANSPOSE_ASPECTS = COMBO_ASPECTS + ["init", "padding", "tuple_kernel"]

T_BASIC = LayerCase(
    "basic", (3, 4, 3), {"stride": 2}, (2, 3, 5, 6), (3, 4, 3, 3), expected.conv_transpose2d(stride=2), fan_in=36
)
T_EXTRA = [
    (
        "padding",
        LayerCase(
            "padding",
            (4, 3, 4),
            {"stride": 2, "padding": 1},
            (1, 4, 4, 5),
            (4, 3, 4, 4),
            expected.conv_transpose2d(stride=2, padding=1),
        ),
        False,
    ),
    (
        "tuple_kernel",
        LayerCase("tuple_kernel", (3, 2, (2, 3)), {}, (2, 3, 4, 5), (3, 2, 2, 3), expected.conv_transpose2d()),
        False,
    ),
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


def not_applicable(block: str, aspects: list[str], why: str) -> list[Check]:
    return [Check(f"blocks.{block}.{a}", "skipped", why, details={"not_applicable": True}) for a in ["name", *aspects]]


def checks(ctx: BlockContext) -> list[Check]:
    transpose_cls, transpose_note = ctx.resolve("TransposeConv2d")
    nearest = [n for n in names.ALIASES["NearestUpsampling"] if ctx.exported.get(n, {}).get("kind") == "class"]
    result: list[Check] = []
    if nearest:
        result += _nearest_checks(ctx, nearest)
    elif transpose_cls:
        result += not_applicable("NearestUpsampling", COMBO_ASPECTS, "the submission upsamples with TransposeConv2d")
    else:
        result += [
            name_check("NearestUpsampling", None, None),
            *missing_checks(
                "NearestUpsampling",
                COMBO_ASPECTS,
                "no upsampling block: neither NearestUpsampling nor TransposeConv2d in model.py",
            ),
        ]
    if transpose_cls:
        result += [name_check("TransposeConv2d", transpose_cls, transpose_note), *_transpose_checks(ctx, transpose_cls)]
    else:
        why = (
            "the submission upsamples with NearestUpsampling"
            if nearest
            else "no upsampling block (graded under NearestUpsampling)"
        )
        result += not_applicable("TransposeConv2d", TRANSPOSE_ASPECTS, why)
    return result


def _transpose_checks(ctx: BlockContext, cls: str) -> list[Check]:
    block = "TransposeConv2d"
    run, exp = exercise(ctx, block, cls, T_BASIC, transposed=True)
    out = core_checks(block, run, exp, note=None)
    out.append(param_check(block, run, exp))
    out.append(init_check(block, run, exp, T_BASIC.fan_in))
    for aspect, case, optional in T_EXTRA:
        out.append(case_check(ctx, block, cls, aspect, case, transposed=True, optional=optional))
    return out


def _nearest_checks(ctx: BlockContext, candidates: list[str]) -> list[Check]:
    """Grade the best NearestUpsampling candidate: a combination if any, else the bare upsampling."""
    block = "NearestUpsampling"
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
            run, exp = exercise(ctx, block, cls, case, handle=handle)
            run.construct = f"{cls} via {form}"
            out = [name, *core_checks(block, run, exp, note=None), param_check(block, run, exp)]
            for c in out[1:]:
                c.details.setdefault("variant", "nearest upsampling + convolution")
            return out
    for cls in candidates:  # no combination: the bare upsampling
        bare = _bare_checks(ctx, block, cls, tried)
        if bare is not None:
            return bare
    message = f"could not construct an upsampling block; tried {', '.join(tried) or 'nothing'}"
    if isinstance(last_failure, WorkerFailure):
        return [
            Check(f"blocks.{block}.{a}", "error", last_failure.message, details={"worker": last_failure.to_dict()})
            for a in ["name", *COMBO_ASPECTS]
        ]
    return [name_check(block, candidates[0], None), *missing_checks(block, COMBO_ASPECTS, message)]


def _nearest_name(ctx: BlockContext, graded: str) -> Check:
    """Pass when `NearestUpsampling` itself exists, even if the combination graded is exported
    under another name (many export the bare upsampling as NearestUpsampling and the
    combination as Upsampling)."""
    exact = ctx.exported.get("NearestUpsampling", {}).get("kind") == "class"
    if exact:
        check = name_check("NearestUpsampling", "NearestUpsampling", None)
        if graded != "NearestUpsampling":
            check.message += f"; the combination graded is `{graded}`"
            check.details["graded"] = graded
        return check
    return name_check("NearestUpsampling", graded, names.resolve("NearestUpsampling", {graded: {"kind": "class"}})[1])


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
                snap = client.params(handle, context="NearestUpsampling.param")
            except StudentRaised:
                continue
            shapes = [list(p["param"].shape) for p in snap.get("pairs", []) if p.get("param") is not None]
            weight = snap.get("attrs", {}).get("weight")
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


def _bare_checks(ctx: BlockContext, block: str, cls: str, tried: list[str]) -> list[Check] | None:
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
    except (StudentRaised, WorkerFailure) as exc:
        return [name, *[failure_check(f"blocks.{block}.{a}", exc) for a in COMBO_ASPECTS]]
    out.append(from_comparisons(f"blocks.{block}.forward", [compare(y, want, what="forward output")], extra=details))
    try:
        dx = tensor_of(client.call(handle, "backward", g, context=f"{block}.backward")["value"])
        out.append(
            from_comparisons(
                f"blocks.{block}.backward_input", [compare(dx, grads["x"], what="input gradient")], extra=details
            )
        )
    except (StudentRaised, WorkerFailure) as exc:
        out.append(failure_check(f"blocks.{block}.backward_input", exc))
    why = "bare upsampling has no parameters; its convolution is graded as Conv2d"
    out += [
        Check(f"blocks.{block}.{a}", "skipped", why, details={"not_applicable": True, **details})
        for a in ("backward_weight", "backward_bias", "accumulate")
    ]
    try:
        snap = client.params(handle, context=f"{block}.param")
        status = "pass" if snap.get("accessor") and not snap.get("pairs") else "warn"
        msg = (
            "param() returns no pairs"
            if status == "pass"
            else f"{snap.get('accessor') or 'no param()'}: expected an empty list"
        )
        out.append(Check(f"blocks.{block}.param", status, msg, details=details))
    except (StudentRaised, WorkerFailure) as exc:
        out.append(failure_check(f"blocks.{block}.param", exc))
    return out
