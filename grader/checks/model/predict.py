"""model.predict_*: the predict contract, each clause its own check.

The course called predict two ways: its test script on a random float image
(shape and range), its PSNR evaluation on the uint8 tensors of
val_data.pkl. The contract's main call is the float one (float32 0–255, as a
fresh Python makes them): shape and values (finite, within 0–255) are
required; a non-float dtype is a warning, a modified input a failure. The
uint8 call, an odd image size, and whether float input is read like the same
uint8 images ("treats float input as 0–1" otherwise) are warnings: the PSNR
checks feed uint8 as the course did, so these slips cost no PSNR.

One cause failing several clauses (a float64 model that crashes on float32
input fails the main call and the other-size call) is named once, in
`details["cause"]` of each, so that scoring can charge it once.
"""

from __future__ import annotations

import re

import torch

from grader.checks.declare import check
from grader.checks.model.context import ModelContext
from grader.checks.verdicts import RUN_FAILURES, failure_check, failure_checks
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, tensor_of

SHAPE = check("model.predict_shape", 2, "predict returns N×C×H×W", required=True)
RANGE = check("model.predict_range", 2, "predict's values are finite and within 0–255", required=True)
DTYPE = check("model.predict_dtype", 0.5, "predict returns a float tensor (warning otherwise)")
INPUT_UNCHANGED = check("model.predict_input_unchanged", 1, "predict leaves its input tensor unchanged")
UINT8 = check("model.predict_uint8", 0.5, "predict accepts a uint8 tensor (warning otherwise)")
FLOAT_INPUT = check(
    "model.predict_float", 0, "predict reads float 0–255 input as it reads the same images in uint8 (warning otherwise)"
)
OTHER_SIZE = check(
    "model.predict_other_size",
    1,
    "predict works on another, odd image size: an error, a wrong output shape or non-finite values fail "
    "(the point is lost; not required)",
)
CHECKS = (SHAPE, RANGE, DTYPE, INPUT_UNCHANGED, UINT8, FLOAT_INPUT, OTHER_SIZE)
FLOAT_DTYPES = ("float32", "float64", "float16", "bfloat16")
SAME_IMAGES = 1.0  # mean |Δ| (0–255) under which two predictions are the same images (uint8 rounding, float64)

# A float32 input meeting float64 weights (torch's wording varies with the op).
_DTYPE_CLASH = re.compile(r"(double|float64).*(float\b|float32)|(float\b|float32).*(double|float64)", re.I)
CAUSES = {
    "float64_default": (
        "the model computes in float64 and predict does not convert a float32 input to that dtype "
        "(torch.set_default_dtype(torch.float64)?): convert the input in predict"
    ),
    "predict.float_input_crash": (
        "predict crashes on a float32 0–255 input (the handout's predict takes any 0–255 tensor)"
    ),
    "predict.size_multiple": (
        "predict works on a 64×96 input (sides divisible by 32, like the course's own 512×512 test) but not on "
        "45×38: the network takes only sizes its poolings divide; pad the input in predict and crop the output"
    ),
    "predict.batch_dependent": (
        "predict's output for an image changes with the other images of the batch (batch statistics: BatchNorm "
        "left in training mode, or a normalisation by the batch's min and max?): call net.eval() and denoise each "
        "image on its own terms"
    ),
    "predict.float_as_unit_range": (
        "predict treats float input as 0–1 and only rescales uint8 input; "
        "the handout's input is 0–255 whatever its dtype"
    ),
}


def with_cause(check: Check, cause: str, *, say: bool = True) -> Check:
    """`check` with the diagnosed cause (and its sentence) in its details (see CAUSES), and in its message."""
    check.details["cause"] = cause
    check.details["cause_text"] = CAUSES[cause]
    if say:
        check.message += f" — likely cause: {CAUSES[cause]}"
    return check


def float_crash_cause(exc: Exception) -> str | None:
    """The cause of a crash on float32 input: float64_default when torch's message is a dtype clash."""
    if not isinstance(exc, StudentRaised):
        return None
    return "float64_default" if _DTYPE_CLASH.search(str(exc.info.get("message", ""))) else "predict.float_input_crash"


def _predict(ctx: ModelContext, handle: str, x: torch.Tensor):
    reply = ctx.client.call(
        handle, "predict", x, context="Model.predict", cast=False, return_args=True, timeout=ctx.predict_timeout
    )
    return tensor_of(reply["value"]), reply


def predict_checks(ctx: ModelContext, handle: str | None) -> list[Check]:
    """The contract clauses; the uint8, float and other-size calls run even when the first call failed."""
    if handle is None:
        return [Check(spec.id, Status.SKIPPED, "no model to call predict on (Model() failed)") for spec in CHECKS]
    generation = ctx.worker_generation
    x = ctx.val_input[:16].to(torch.float32)
    checks, y_float, float_error = _main_call_checks(ctx, handle, x)

    def model() -> str:  # the handle, or a fresh Model() when a crash restarted the worker
        nonlocal handle, generation
        if ctx.worker_generation != generation:
            handle = ctx.client.new("Model", context="Model.__init__")["handle"]
            generation = ctx.worker_generation
        return handle

    uint8_check, y_uint8 = _variant(ctx, model, UINT8.id, ctx.val_input[:4].clone(), "uint8 input")
    checks.append(uint8_check)
    float_check = _float_check(ctx, model, x[:4], y_float, float_error, y_uint8)
    range_check = next(c for c in checks if c.id == RANGE.id)
    if float_check.details.get("cause") == "predict.float_as_unit_range" and range_check.status == Status.FAIL:
        range_check.message += " (predict treats float input as 0–1: see model.predict_float)"
        with_cause(range_check, "predict.float_as_unit_range", say=False)
    checks.append(float_check)
    odd = _resized(ctx, ODD_SIZE)
    other, _ = _variant(ctx, model, OTHER_SIZE.id, odd, "a 2×3×45×38 input (another, odd size)", slip=Status.FAIL)
    cause = float_error and float_crash_cause(float_error)
    if cause and other.status != Status.PASS and "exception" in other.details:
        if other.details["exception"].get("message") == float_error.info.get("message"):
            with_cause(other, cause)
    if other.status != Status.PASS and "cause" not in other.details:
        divisible, _ = _variant(ctx, model, OTHER_SIZE.id, _resized(ctx, DIVISIBLE_SIZE), "a 64×96 input")
        if divisible.status == Status.PASS:  # a U-Net's poolings: the size, not predict, is the limit
            with_cause(other, "predict.size_multiple")
    checks.append(other)
    return checks


ODD_SIZE = (45, 38)
DIVISIBLE_SIZE = (64, 96)  # both sides divisible by 32 (five poolings), as the course's 512×512 was


def _resized(ctx: ModelContext, size: tuple[int, int]) -> torch.Tensor:
    """Two validation images resized to `size`, as float 0–255 integers."""
    x = ctx.val_input[:2].to(torch.float32)
    return torch.nn.functional.interpolate(x, size=size, mode="bilinear", align_corners=False).clamp(0, 255).round()


def _main_call_checks(ctx: ModelContext, handle: str, x: torch.Tensor):
    """Shape, range, dtype and input-unchanged, all from one call on 16 float images.

    Returns (checks, the output or None, the exception when the call raised).
    """
    ids = [SHAPE.id, RANGE.id, DTYPE.id, INPUT_UNCHANGED.id]
    checks: list[Check] = []
    try:
        y, reply = _predict(ctx, handle, x)
    except RUN_FAILURES as exc:
        failed = failure_checks(ids, exc, prefix="predict(16×3×32×32 float) failed: ")
        cause = float_crash_cause(exc)
        return ([with_cause(c, cause) for c in failed] if cause else failed), None, exc
    kind = reply["value"].get("kind")
    if y is None:
        return [Check(i, Status.FAIL, f"predict returned a {kind}, not a tensor") for i in ids], None, None
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
    return checks, (y if list(y.shape) == list(x.shape) else None), None


def _variant(
    ctx: ModelContext, model, check_id: str, x: torch.Tensor, what: str, slip: Status = Status.WARN
) -> tuple[Check, torch.Tensor | None]:
    """predict on a variant of the input; what goes wrong gets `slip` (uint8 input: a warning; another image
    size: a failure, since predict must denoise any N×C×H×W, and a wrong shape is a wrong answer)."""
    try:
        y, _ = _predict(ctx, model(), x)
    except RUN_FAILURES as exc:  # the contract's main call is the float one
        return failure_check(check_id, exc, prefix=f"predict on {what} failed: ", student=slip), None
    if y is None or list(y.shape) != list(x.shape):
        shape = list(y.shape) if y is not None else None
        return Check(
            check_id, slip, f"predict on {what} returned shape {shape} where {list(x.shape)} was expected"
        ), None
    if not bool(torch.isfinite(y.to(torch.float64)).all()):
        return Check(check_id, slip, f"predict on {what} returned non-finite values"), None
    return Check(check_id, Status.PASS, f"works on {what}"), y


def _difference(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean absolute difference of two predictions, both clamped to 0–255 as the PSNR sees them."""
    a, b = (torch.nan_to_num(t.to(torch.float64), nan=0.0).clamp(0, 255) for t in (a, b))
    return float((a - b).abs().mean())


def _float_check(ctx: ModelContext, model, x: torch.Tensor, y_float, float_error, y_uint8) -> Check:
    """model.predict_float: a float 0–255 input gives the images the same uint8 input gives."""
    if float_error is not None and not isinstance(float_error, StudentRaised):  # the worker failed: no verdict
        return failure_check(FLOAT_INPUT.id, float_error, prefix="predict on float input: ")
    if float_error is not None:
        check = Check(
            FLOAT_INPUT.id,
            Status.WARN,
            "predict crashed on float input (see model.predict_shape)",
        )
        cause = float_crash_cause(float_error)
        return with_cause(check, cause) if cause else check
    if y_float is None or y_uint8 is None:
        missing = SHAPE.id if y_float is None else UINT8.id
        return Check(
            FLOAT_INPUT.id,
            Status.SKIPPED,
            f"nothing to compare: predict gave no usable output on {'float' if y_float is None else 'uint8'} "
            f"input (see {missing})",
            details={"because": missing},
        )
    delta = _difference(y_float[: len(y_uint8)], y_uint8)
    details = {"mean_abs_difference": delta, "images": len(y_uint8)}
    if delta <= SAME_IMAGES:
        return Check(
            FLOAT_INPUT.id,
            Status.PASS,
            f"float and uint8 input give the same images (mean |Δ| {delta:.3g})",
            details=details,
        )
    try:
        y_unit, _ = _predict(ctx, model(), x / 255)
    except RUN_FAILURES:
        y_unit = None
    unit, scaled = None, False
    if y_unit is not None and y_unit.shape == y_uint8.shape:
        # a float input read as 0–1, the output given back as 0–255 or (scaled) as 0–1
        unit, scaled = min((_difference(y_unit, y_uint8), False), (_difference(y_unit * 255, y_uint8), True))
    details["mean_abs_difference_unit_input"] = unit
    if unit is not None and unit <= SAME_IMAGES:
        returns = " and returns 0–1 for it" if scaled else ""
        return with_cause(
            Check(
                FLOAT_INPUT.id,
                Status.WARN,
                f"treats float input as 0–1{returns}: a float 0–255 input gives other images than the same uint8 "
                f"input (mean |Δ| {delta:.3g}), the float input divided by 255 gives the uint8 result; the "
                "handout's predict takes 0–255 values whatever the dtype",
                details=details,
            ),
            "predict.float_as_unit_range",
            say=False,
        )
    check = Check(
        FLOAT_INPUT.id,
        Status.WARN,
        f"float 0–255 input and the same images in uint8 give different outputs (mean |Δ| {delta:.3g})",
        details=details,
    )
    try:  # the uint8 call had 4 images, the float one 16: the same 4 as float tell the batch from the dtype
        y_same_batch, _ = _predict(ctx, model(), x)
    except RUN_FAILURES:
        return check
    if y_same_batch is not None and y_same_batch.shape == y_uint8.shape:
        details["mean_abs_difference_same_batch"] = same = _difference(y_same_batch, y_uint8)
        if same <= SAME_IMAGES:
            check.message += (
                f"; the same 4 images as float, alone, give the uint8 result (mean |Δ| {same:.3g}): each image's "
                "output depends on the other images in the batch"
            )
            with_cause(check, "predict.batch_dependent")
    return check
