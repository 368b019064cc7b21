"""Block conformance: every required block against torch.nn and autograd in float64.

One module per family of blocks; each declares its blocks (name, spellings,
checks) and the `@family` function that grades them. FAMILIES lists the
families in the order of `grade checks`; `block_checks` runs them all. A block
that is absent or crashes fails its own checks only.
"""

from __future__ import annotations

from grader.checks.blocks import activations, conv, mse, sequential, sgd, upsampling
from grader.checks.blocks.context import BlockContext
from grader.checks.declare import Block, CheckSpec, Family
from grader.checks.verdicts import grader_failure_checks
from grader.result import Check

FAMILIES: tuple[Family, ...] = (
    conv.checks,
    upsampling.checks,
    activations.checks,
    mse.checks,
    sgd.checks,
    sequential.checks,
)


def blocks() -> tuple[Block, ...]:
    """Every required block, in the order of the families."""
    return tuple(block for family in FAMILIES for block in family.blocks)


def declared() -> tuple[CheckSpec, ...]:
    """Every `blocks.*` check, as declared."""
    return tuple(spec for family in FAMILIES for spec in family.checks)


def block_checks(ctx: BlockContext) -> list[Check]:
    """All `blocks.*` checks for one submission."""
    checks: list[Check] = []
    for family in FAMILIES:
        try:
            checks.extend(family(ctx))
        except Exception as exc:  # a grader bug must cost one family, not the whole class's grading
            checks.extend(grader_failure_checks([spec.id for spec in family.checks], exc))
    return checks


__all__ = ["FAMILIES", "BlockContext", "block_checks", "blocks", "declared"]
