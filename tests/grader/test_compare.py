"""Tolerances follow the student's dtype; every comparison reports its numbers."""

from __future__ import annotations

import torch

from grader.checks.compare import compare


def test_float32_rounding_passes_and_a_real_error_fails():
    expected = torch.randn(4, 5, dtype=torch.float64) * 10
    assert compare(expected.float(), expected, what="x").ok
    wrong = expected.float().clone()
    wrong[1, 2] += 0.05
    details = compare(wrong, expected, what="x")
    assert not details.ok and details.worst_index == [1, 2]
    assert details.max_abs_err > details.tolerance


def test_float64_is_held_to_float64_precision():
    expected = torch.randn(10, dtype=torch.float64)
    assert compare(expected.clone(), expected, what="x").ok
    assert not compare(expected.float().double(), expected, what="x").ok  # float32 error in float64 code


def test_shape_dtype_and_non_finite_values_are_explained():
    expected = torch.zeros(2, 3, dtype=torch.float64)
    assert "shape [3, 2]" in compare(torch.zeros(3, 2), expected, what="out").message
    assert "not a floating-point" in compare(torch.zeros(2, 3, dtype=torch.int64), expected, what="out").message
    nan = torch.zeros(2, 3)
    nan[0, 0] = float("nan")
    assert "non-finite" in compare(nan, expected, what="out").message
    assert "got NoneType" in compare(None, expected, what="out").message
