"""Comparing a student's numbers with the judge's float64 expectation.

Tolerances scale with the dtype the student computed in: float32 code built
with unfold differs from torch by about 1e-6 of the values' scale, float64
code by about 1e-15; a wrong formula is off by percent or more.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import torch

# allowed error, relative to the scale max(1, max|expected|), per student dtype
RELATIVE_TOLERANCE = {
    torch.float64: 1e-9,
    torch.float32: 1e-4,
    torch.float16: 1e-2,
    torch.bfloat16: 2e-2,
}


@dataclass(frozen=True)
class Comparison:
    """One comparison of a student's numbers with the judge's: the verdict, a message, and the numbers.

    Errors are absolute; `max_rel_err` is relative to the scale max(1, max|expected|);
    `worst_*` locate the element furthest off. Fields that do not apply stay None.
    """

    ok: bool
    message: str
    shape: list[int] | None = None
    expected_shape: list[int] | None = None
    dtype: str | None = None
    max_abs_err: float | None = None
    max_rel_err: float | None = None
    tolerance: float | None = None
    relative_tolerance: float | None = None
    worst_index: list[int] | None = None
    worst_got: float | None = None
    worst_expected: float | None = None

    def explained(self, why: str, *, before: str = "") -> Comparison:
        """The same comparison with its message extended (`before` + message + `why`), e.g. by a likely cause."""
        return replace(self, message=f"{before}{self.message}{why}")

    def to_dict(self) -> dict:
        """The fields that apply, as JSON-ready details."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def missing(message: str) -> Comparison:
    """A failed comparison for a value that could not be found at all."""
    return Comparison(False, message)


def compare(got, expected: torch.Tensor, *, what: str) -> Comparison:
    """Compare `got` with `expected` within the tolerance of `got`'s dtype (see RELATIVE_TOLERANCE)."""
    expected = expected.detach().to(torch.float64)
    if not isinstance(got, torch.Tensor):
        return Comparison(False, f"{what}: got {type(got).__name__}, expected a tensor")
    dtype = str(got.dtype).replace("torch.", "")
    shapes = {"shape": list(got.shape), "expected_shape": list(expected.shape), "dtype": dtype}
    if tuple(got.shape) != tuple(expected.shape):
        return Comparison(False, f"{what}: shape {list(got.shape)} where torch gives {list(expected.shape)}", **shapes)
    if not got.is_floating_point():
        return Comparison(False, f"{what}: dtype {dtype} is not a floating-point type", **shapes)
    rel_tol = RELATIVE_TOLERANCE.get(got.dtype, 1e-4)
    g = got.detach().to(torch.float64)
    scale = max(1.0, float(expected.abs().max())) if expected.numel() else 1.0
    tolerance = rel_tol * scale
    if not bool(torch.isfinite(g).all()):
        bad = int((~torch.isfinite(g)).sum())
        return Comparison(False, f"{what}: {bad} non-finite values (nan/inf)", tolerance=tolerance, **shapes)
    diff = (g - expected).abs()
    max_abs = float(diff.max()) if diff.numel() else 0.0
    errors = {
        "max_abs_err": max_abs,
        "max_rel_err": max_abs / scale,
        "tolerance": tolerance,
        "relative_tolerance": rel_tol,
    }
    if diff.numel():
        worst = int(diff.argmax())
        errors["worst_index"] = [int(i) for i in torch.unravel_index(torch.tensor(worst), diff.shape)]
        errors["worst_got"] = float(g.flatten()[worst])
        errors["worst_expected"] = float(expected.flatten()[worst])
    if max_abs <= tolerance:
        return Comparison(True, f"{what}: max error {max_abs:.2e} within {tolerance:.1e}", **shapes, **errors)
    message = (
        f"{what}: max error {max_abs:.3g} exceeds {tolerance:.1e} (scale {scale:.3g}); "
        f"at {errors['worst_index']} got {errors['worst_got']:.6g}, torch {errors['worst_expected']:.6g}"
    )
    return Comparison(False, message, **shapes, **errors)


def finite_float(value) -> float | None:
    """A JSON-safe float (None for nan/inf)."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None
