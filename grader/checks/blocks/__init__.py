"""Block conformance: every required block against torch.nn and autograd in float64.

One module per block family; `block_checks` runs them all. A block that is
absent or crashes fails its own checks only.
"""

from __future__ import annotations

from grader.checks.blocks import activations, conv, mse, sequential, sgd, upsampling
from grader.checks.blocks.context import BlockContext
from grader.result import Check


def block_checks(ctx: BlockContext) -> list[Check]:
    """All `blocks.*` checks for one submission."""
    checks: list[Check] = []
    for family in (conv, upsampling, activations, mse, sgd, sequential):
        checks.extend(family.checks(ctx))
    return checks


__all__ = ["BlockContext", "block_checks"]
