"""Comparing a student's numbers with the judge's float64 expectation.

Tolerances scale with the dtype the student computed in: float32 code built
with unfold differs from torch by about 1e-6 of the values' scale, float64
code by about 1e-15; a wrong formula is off by percent or more.
"""

from __future__ import annotations

import math

import torch

# allowed error, relative to the scale max(1, max|expected|), per student dtype
RELATIVE_TOLERANCE = {
    torch.float64: 1e-9,
    torch.float32: 1e-4,
    torch.float16: 1e-2,
    torch.bfloat16: 2e-2,
}


def compare(got, expected: torch.Tensor, *, what: str) -> dict:
    """Compare `got` with `expected`; return details with `ok` and a message.

    Details: shape, dtype, max_abs_err, max_rel_err (relative to the largest
    expected magnitude), tolerance (absolute), and the worst element's index.
    """
    expected = expected.detach().to(torch.float64)
    if not isinstance(got, torch.Tensor):
        return {"ok": False, "message": f"{what}: got {type(got).__name__}, expected a tensor"}
    details = {
        "shape": list(got.shape),
        "expected_shape": list(expected.shape),
        "dtype": str(got.dtype).replace("torch.", ""),
    }
    if tuple(got.shape) != tuple(expected.shape):
        return {
            **details,
            "ok": False,
            "message": f"{what}: shape {list(got.shape)} where torch gives {list(expected.shape)}",
        }
    if not (got.is_floating_point()):
        return {**details, "ok": False, "message": f"{what}: dtype {details['dtype']} is not a floating-point type"}
    rel_tol = RELATIVE_TOLERANCE.get(got.dtype, 1e-4)
    g = got.detach().to(torch.float64)
    scale = max(1.0, float(expected.abs().max())) if expected.numel() else 1.0
    tolerance = rel_tol * scale
    if not bool(torch.isfinite(g).all()):
        bad = int((~torch.isfinite(g)).sum())
        return {**details, "ok": False, "tolerance": tolerance, "message": f"{what}: {bad} non-finite values (nan/inf)"}
    diff = (g - expected).abs()
    max_abs = float(diff.max()) if diff.numel() else 0.0
    details.update(
        {"max_abs_err": max_abs, "max_rel_err": max_abs / scale, "tolerance": tolerance, "relative_tolerance": rel_tol}
    )
    if diff.numel():
        worst = int(diff.argmax())
        index = list(torch.unravel_index(torch.tensor(worst), diff.shape))
        details["worst_index"] = [int(i) for i in index]
        details["worst_got"] = float(g.flatten()[worst])
        details["worst_expected"] = float(expected.flatten()[worst])
    ok = max_abs <= tolerance
    details["ok"] = ok
    details["message"] = (
        f"{what}: max error {max_abs:.2e} within {tolerance:.1e}"
        if ok
        else f"{what}: max error {max_abs:.3g} exceeds {tolerance:.1e} (scale {scale:.3g}); "
        f"at {details.get('worst_index')} got {details.get('worst_got'):.6g}, "
        f"torch {details.get('worst_expected'):.6g}"
    )
    return details


def finite_float(value) -> float | None:
    """A JSON-safe float (None for nan/inf)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
