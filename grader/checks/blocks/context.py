"""What every block check needs: the worker client, the student's exported names, seeded inputs,
and the verdicts every block shares (its name, a missing block, comparisons with torch)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from grader.checks import names
from grader.checks.compare import Comparison
from grader.checks.declare import Block, aspect
from grader.checks.verdicts import failure_checks
from grader.result import Check, Status
from grader.sandbox.client import Client
from grader.sandbox.supervisor import WorkerFailure

# Every block's first check.
NAME = aspect("name", 0.5, "the class exists under the required name (a recognised slip is a warning)")


@dataclass
class BlockContext:
    """Shared state of the block checks for one submission."""

    client: Client
    exported: dict[str, dict]
    seed: int = 0
    generator: torch.Generator = field(init=False)

    def __post_init__(self):
        self.generator = torch.Generator().manual_seed(self.seed)

    def randn(self, *shape, scale: float = 1.0) -> torch.Tensor:
        """Seeded float32 normal values (exactly representable in float64 for the judge)."""
        return (torch.randn(*shape, generator=self.generator) * scale).to(torch.float32)

    def uniform(self, *shape, low: float = -1.0, high: float = 1.0) -> torch.Tensor:
        return (torch.rand(*shape, generator=self.generator) * (high - low) + low).to(torch.float32)

    def resolve(self, block: Block) -> tuple[str | None, str | None]:
        """The student's class for a required block, and a naming note."""
        return names.resolve(block.name, block.spellings, self.exported)

    def classes(self, block: Block) -> list[str]:
        """Every exported class under one of the block's spellings, most likely first."""
        return [n for n in block.spellings if self.exported.get(n, {}).get("kind") == "class"]


def missing_checks(block: Block, aspects: list[str], message: str | None = None) -> list[Check]:
    """Failing checks for a block that is not there."""
    message = message or f"no class `{block.name}` (or a recognised spelling) in model.py"
    return [Check(block.id(a), Status.FAIL, message) for a in aspects]


def not_applicable(block: Block, aspects: list[str], why: str, details: dict | None = None) -> list[Check]:
    """Skipped checks that carry no points: the submission took another route (`why`)."""
    return [
        Check(block.id(a), Status.SKIPPED, why, details={"not_applicable": True, **(details or {})}) for a in aspects
    ]


def grade_block(ctx: BlockContext, block: Block, grade: Callable[[BlockContext, str], list[Check]]) -> list[Check]:
    """The name check, then `grade(ctx, cls)`; a missing block fails every aspect, a dead worker errors
    the aspects not yet graded."""
    cls, note = ctx.resolve(block)
    if cls is None:
        return [name_check(block, None, None), *missing_checks(block, block.graded)]
    result = [name_check(block, cls, note)]
    try:
        result += grade(ctx, cls)
    except WorkerFailure as exc:
        done = {c.id for c in result}
        result += failure_checks([block.id(a) for a in block.graded if block.id(a) not in done], exc)
    return result


def name_check(block: Block, cls: str | None, note: str | None) -> Check:
    """`blocks.<Name>.name`: the class exists under the required name (a slip is a warning)."""
    check_id = block.id("name")
    if cls is None:
        return Check(check_id, Status.FAIL, f"no class `{block.name}` (or a recognised spelling) in model.py")
    if note:
        return Check(check_id, Status.WARN, note, details={"found": cls})
    return Check(check_id, Status.PASS, f"`{block.name}` found", details={"found": cls})


def from_comparisons(
    check_id: str, comparisons: list[Comparison], *, note: str | None = None, extra: dict | None = None
) -> Check:
    """Pass when every comparison is within tolerance; otherwise fail with the first bad one."""
    bad = [c for c in comparisons if not c.ok]
    details = {"comparisons": [c.to_dict() for c in comparisons], **(extra or {})}
    if bad:
        return Check(check_id, Status.FAIL, bad[0].message + (f" ({note})" if note else ""), details=details)
    worst = max((c.max_rel_err or 0.0 for c in comparisons), default=0.0)
    message = f"matches torch (max relative error {worst:.1e})"
    if note:
        return Check(check_id, Status.WARN, f"{message}; {note}", details=details)
    return Check(check_id, Status.PASS, message, details=details)
