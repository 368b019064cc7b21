"""model.predict_*: the predict contract, each clause its own check.

Shape and values (finite, within 0–255) are required; a non-float dtype, a
crash on uint8 input or on an odd image size are warnings (real graders fed
float tensors of even sizes), a modified input is a failure.
"""

from __future__ import annotations

import torch

from grader.checks.model.context import ModelContext
from grader.result import Check
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

IDS = [
    "model.predict_shape",
    "model.predict_range",
    "model.predict_dtype",
    "model.predict_input_unchanged",
    "model.predict_uint8",
    "model.predict_other_size",
]


def _predict(ctx: ModelContext, handle: str, x: torch.Tensor):
    reply = ctx.client.call(
        handle, "predict", x, context="Model.predict", cast=False, return_args=True, timeout=ctx.predict_timeout
    )
    return tensor_of(reply["value"]), reply


def predict_checks(ctx: ModelContext, handle: str | None) -> list[Check]:
    """The contract clauses; the uint8 and other-size calls run even when the first call failed."""
    if handle is None:
        return [Check(i, "skipped", "no model to call predict on (Model() failed)") for i in IDS]
    generation = ctx.worker_generation
    checks = _main_call_checks(ctx, handle)

    def model() -> str:  # the handle, or a fresh Model() when a crash restarted the worker
        nonlocal handle, generation
        if ctx.worker_generation != generation:
            handle = ctx.client.new("Model", context="Model.__init__")["handle"]
            generation = ctx.worker_generation
        return handle

    checks.append(_variant(ctx, model, "model.predict_uint8", ctx.val_input[:4].clone(), "uint8 input"))
    odd = torch.clamp(
        torch.nn.functional.interpolate(
            ctx.val_input[:2].to(torch.float32), size=(45, 38), mode="bilinear", align_corners=False
        ),
        0,
        255,
    ).round()
    checks.append(_variant(ctx, model, "model.predict_other_size", odd, "a 2×3×45×38 input (another, odd size)"))
    return checks


def _main_call_checks(ctx: ModelContext, handle: str) -> list[Check]:
    """Shape, range, dtype and input-unchanged, all from one call on 16 float images."""
    ids = IDS[:4]
    x = ctx.val_input[:16].to(torch.float32)
    checks: list[Check] = []
    try:
        y, reply = _predict(ctx, handle, x)
    except (StudentRaised, WorkerFailure) as exc:
        status = "error" if isinstance(exc, WorkerFailure) else "fail"
        return [Check(i, status, f"predict(16×3×32×32 float) failed: {exc}") for i in ids]
    kind = reply["value"].get("kind")
    if y is None:
        return [Check(i, "fail", f"predict returned a {kind}, not a tensor") for i in ids]
    checks.append(
        Check(
            "model.predict_shape",
            "pass" if list(y.shape) == list(x.shape) else "fail",
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
            "model.predict_range",
            "pass" if in_range else "fail",
            message,
            details={"min": lo, "max": hi, "finite": finite},
        )
    )
    dtype = reply["value"].get("dtype")
    checks.append(
        Check(
            "model.predict_dtype",
            "pass" if dtype in ("float32", "float64", "float16", "bfloat16") else "warn",
            f"dtype {dtype}"
            + (
                ""
                if dtype and dtype.startswith(("float", "bfloat"))
                else " — the handout's predict returns a float tensor"
            ),
            details={"dtype": dtype},
        )
    )
    changed = reply.get("args_changed", [False])[0]
    checks.append(
        Check(
            "model.predict_input_unchanged",
            "fail" if changed else "pass",
            "predict modified its input tensor in place" if changed else "input left unchanged",
        )
    )
    return checks


def _variant(ctx: ModelContext, model, check_id: str, x: torch.Tensor, what: str) -> Check:
    try:
        y, _ = _predict(ctx, model(), x)
    except WorkerFailure as exc:
        return Check(check_id, "error", exc.message, details={"worker": exc.to_dict()})
    except StudentRaised as exc:
        return Check(check_id, "warn", f"predict on {what} failed: {exc}")
    if y is None or list(y.shape) != list(x.shape):
        return Check(check_id, "warn", f"predict on {what} returned shape {list(y.shape) if y is not None else None}")
    if not bool(torch.isfinite(y.to(torch.float64)).all()):
        return Check(check_id, "warn", f"predict on {what} returned non-finite values")
    return Check(check_id, "pass", f"works on {what}")
