"""model.predict_*: the predict contract, each clause its own check.

Shape and values (finite, within 0–255) are required; a non-float dtype, a
crash on uint8 input or on an odd image size are warnings (real graders fed
float tensors of even sizes), a modified input is a failure.
"""

from __future__ import annotations

import torch

from grader.checks.declare import check
from grader.checks.model.context import ModelContext
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import tensor_of

SHAPE = check("model.predict_shape", 2, "predict returns N×C×H×W", required=True)
RANGE = check("model.predict_range", 2, "predict's values are finite and within 0–255", required=True)
DTYPE = check("model.predict_dtype", 0.5, "predict returns a float tensor (warning otherwise)")
INPUT_UNCHANGED = check("model.predict_input_unchanged", 1, "predict leaves its input tensor unchanged")
UINT8 = check("model.predict_uint8", 0.5, "predict accepts a uint8 tensor (warning otherwise)")
OTHER_SIZE = check("model.predict_other_size", 1, "predict works on another, odd image size (warning otherwise)")
CHECKS = (SHAPE, RANGE, DTYPE, INPUT_UNCHANGED, UINT8, OTHER_SIZE)
FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")


def _predict(ctx: ModelContext, handle: str, x: torch.Tensor):
    reply = ctx.client.call(
        handle, "predict", x, context="Model.predict", cast=False, return_args=True, timeout=ctx.predict_timeout
    )
    return tensor_of(reply["value"]), reply


def predict_checks(ctx: ModelContext, handle: str | None) -> list[Check]:
    """The contract clauses; the uint8 and other-size calls run even when the first call failed."""
    if handle is None:
        return [Check(spec.id, Status.SKIPPED, "no model to call predict on (Model() failed)") for spec in CHECKS]
    generation = ctx.worker_generation
    checks = _main_call_checks(ctx, handle)

    def model() -> str:  # the handle, or a fresh Model() when a crash restarted the worker
        nonlocal handle, generation
        if ctx.worker_generation != generation:
            handle = ctx.client.new("Model", context="Model.__init__")["handle"]
            generation = ctx.worker_generation
        return handle

    checks.append(_variant(ctx, model, UINT8.id, ctx.val_input[:4].clone(), "uint8 input"))
    odd = torch.clamp(
        torch.nn.functional.interpolate(
            ctx.val_input[:2].to(torch.float32), size=(45, 38), mode="bilinear", align_corners=False
        ),
        0,
        255,
    ).round()
    checks.append(_variant(ctx, model, OTHER_SIZE.id, odd, "a 2×3×45×38 input (another, odd size)"))
    return checks


def _main_call_checks(ctx: ModelContext, handle: str) -> list[Check]:
    """Shape, range, dtype and input-unchanged, all from one call on 16 float images."""
    ids = [SHAPE.id, RANGE.id, DTYPE.id, INPUT_UNCHANGED.id]
    x = ctx.val_input[:16].to(torch.float32)
    checks: list[Check] = []
    try:
        y, reply = _predict(ctx, handle, x)
    except RUN_FAILURES as exc:
        return failure_checks(ids, exc, prefix="predict(16×3×32×32 float) failed: ")
    kind = reply["value"].get("kind")
    if y is None:
        return [Check(i, Status.FAIL, f"predict returned a {kind}, not a tensor") for i in ids]
    checks.append(
        Check(
            SHAPE.id,
            Status.PASS if list(y.shape) == list(x.shape) else Status.FAIL,
            f"output shape {list(y.shape)}"
            + ("" if list(y.shape) == list(x.shape) else f" where {list(x.shape)} was expected"),
            details={"shape": list(y.shape)},
        )
    )
    yf = y.to(torch.float64)
    finite = bool(torch.isfinite(yf).all())
    lo, hi = (float(yf.min()), float(yf.max())) if finite and yf.numel() else (None, None)
    in_range = finite and lo is not None and lo >= -1e-3 and hi <= 255 + 1e-3
    message = f"values within [{lo:.3g}, {hi:.3g}]" if finite and lo is not None else "non-finite values (nan/inf)"
    if finite and hi is not None and hi <= 1.0 + 1e-6:
        message += " — looks like 0–1 output; predict must return 0–255"
        in_range = False
    checks.append(
        Check(
            RANGE.id,
            Status.PASS if in_range else Status.FAIL,
            message,
            details={"min": lo, "max": hi, "finite": finite},
        )
    )
    dtype = reply["value"].get("dtype")
    is_float = bool(dtype) and dtype.startswith(("float", "bfloat"))
    checks.append(
        Check(
            DTYPE.id,
            Status.PASS if dtype in FLOAT_DTYPES else Status.WARN,
            f"dtype {dtype}" + ("" if is_float else " — the handout's predict returns a float tensor"),
            details={"dtype": dtype},
        )
    )
    changed = reply.get("args_changed", [False])[0]
    checks.append(
        Check(
            INPUT_UNCHANGED.id,
            Status.FAIL if changed else Status.PASS,
            "predict modified its input tensor in place" if changed else "input left unchanged",
        )
    )
    return checks


def _variant(ctx: ModelContext, model, check_id: str, x: torch.Tensor, what: str) -> Check:
    try:
        y, _ = _predict(ctx, model(), x)
    except RUN_FAILURES as exc:  # real graders fed float tensors of even sizes: a warning at most
        return failure_check(check_id, exc, prefix=f"predict on {what} failed: ", student=Status.WARN)
    if y is None or list(y.shape) != list(x.shape):
        return Check(
            check_id, Status.WARN, f"predict on {what} returned shape {list(y.shape) if y is not None else None}"
        )
    if not bool(torch.isfinite(y.to(torch.float64)).all()):
        return Check(check_id, Status.WARN, f"predict on {what} returned non-finite values")
    return Check(check_id, Status.PASS, f"works on {what}")
