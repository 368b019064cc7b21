"""Block conformance: every required block against torch.nn and autograd in float64.

One module per block family; `block_checks` runs them all. A block that is
absent or crashes fails its own checks only.
"""

from __future__ import annotations

from grader.checks.blocks import activations, conv, mse, sequential, sgd, upsampling
from grader.checks.blocks.context import BlockContext
from grader.checks.catalog import grader_error_checks
from grader.result import Check

FAMILIES = (
    (conv, ("Conv2d",)),
    (upsampling, ("NearestUpsampling", "TransposeConv2d")),
    (activations, ("ReLU", "Sigmoid")),
    (mse, ("MSE",)),
    (sgd, ("SGD",)),
    (sequential, ("Sequential",)),
)


def block_checks(ctx: BlockContext) -> list[Check]:
    """All `blocks.*` checks for one submission."""
    checks: list[Check] = []
    for family, blocks in FAMILIES:
        try:
            checks.extend(family.checks(ctx))
        except Exception as exc:  # a grader bug must cost one family, not the whole class's grading
            checks.extend(grader_error_checks([f"blocks.{b}." for b in blocks], exc))
    return checks


__all__ = ["BlockContext", "block_checks"]
