"""What every block check needs: the worker client, the student's exported names, seeded inputs."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks import names
from grader.result import Check
from grader.sandbox.client import Client, StudentRaised
from grader.sandbox.supervisor import WorkerFailure


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

    def resolve(self, required: str) -> tuple[str | None, str | None]:
        """The student's class for a required block name, and a naming note."""
        return names.resolve(required, self.exported)


def failure_check(check_id: str, exc: Exception, *, prefix: str = "") -> Check:
    """The check verdict for an exception raised while running it."""
    if isinstance(exc, WorkerFailure):
        return Check(check_id, "error", f"{prefix}{exc.message}", details={"worker": exc.to_dict()})
    if isinstance(exc, StudentRaised):
        return Check(check_id, "fail", f"{prefix}{exc}", details={"exception": exc.info})
    raise exc


def missing_checks(block: str, aspects: list[str], message: str | None = None) -> list[Check]:
    """Failing checks for a block that is not there."""
    message = message or f"no class `{block}` (or a recognised spelling) in model.py"
    return [Check(f"blocks.{block}.{a}", "fail", message) for a in aspects]


def grade_block(ctx: BlockContext, block: str, aspects: list[str], grade) -> list[Check]:
    """The name check, then `grade(ctx, cls)`; a missing block fails every aspect, a dead worker errors
    the aspects not yet graded."""
    cls, note = ctx.resolve(block)
    if cls is None:
        return [name_check(block, None, None), *missing_checks(block, aspects)]
    result = [name_check(block, cls, note)]
    try:
        result += grade(ctx, cls)
    except WorkerFailure as exc:
        done = {c.id for c in result}
        result += [failure_check(f"blocks.{block}.{a}", exc) for a in aspects if f"blocks.{block}.{a}" not in done]
    return result


def name_check(block: str, cls: str | None, note: str | None) -> Check:
    """`blocks.<Name>.name`: the class exists under the required name (a slip is a warning)."""
    check_id = f"blocks.{block}.name"
    if cls is None:
        return Check(check_id, "fail", f"no class `{block}` (or a recognised spelling) in model.py")
    if note:
        return Check(check_id, "warn", note, details={"found": cls})
    return Check(check_id, "pass", f"`{block}` found", details={"found": cls})


def from_comparisons(
    check_id: str, comparisons: list[dict], *, note: str | None = None, extra: dict | None = None
) -> Check:
    """Pass when every comparison is within tolerance; otherwise fail with the first bad one."""
    bad = [c for c in comparisons if not c.get("ok")]
    details = {"comparisons": comparisons, **(extra or {})}
    if bad:
        return Check(check_id, "fail", bad[0]["message"] + (f" ({note})" if note else ""), details=details)
    worst = max((c.get("max_rel_err", 0.0) for c in comparisons), default=0.0)
    message = f"matches torch (max relative error {worst:.1e})"
    if note:
        return Check(check_id, "warn", f"{message}; {note}", details=details)
    return Check(check_id, "pass", message, details=details)
