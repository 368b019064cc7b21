"""Declaring a check next to the code that runs it: its id, default points, required flag and what it verifies.

Otter-Grader puts a test's points on the test itself. Here every module that
produces checks declares them in a small table near its top: `CheckSpec`s, or a
`Block` for a required block (its spellings and its `blocks.<Name>.<aspect>`
checks), with `@family(...)` on the function that grades those blocks.
Everything else is derived from the declarations (grader.checks.catalog): the
order and text of `grade checks`, the rubric's default points (rubric.toml only
overrides them), the check ids the JSON schema accepts, and the `error` checks
a family gets when the grader itself fails in it.

Ids carry their project where it is not mini-project 2 (`mp1.model.pretrained_psnr`);
nothing here assumes the first segment of an id is its family.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from grader.result import Check

# How a passing check's points are earned (see grader.scoring):
FULL = "full"  # all of them
PSNR_GAIN = "psnr_gain"  # in proportion to details["gain_db"], between the rubric's [psnr] bounds


@dataclass(frozen=True)
class CheckSpec:
    """A check as declared: what `grade checks` and the rubric know about it before it runs."""

    id: str
    points: float
    description: str  # one line: what the check verifies
    required: bool = False  # a failure (or error) makes `grade` exit 1
    credit: str = FULL
    warn_only: bool = False  # never fails: a slip is a warning (the rubric's warn_factor of the points; default all)

    def __post_init__(self):
        if self.credit not in (FULL, PSNR_GAIN):
            raise ValueError(f"{self.id}: credit must be {FULL!r} or {PSNR_GAIN!r}, not {self.credit!r}")


def check(
    check_id: str, points: float, description: str, *, required: bool = False, credit: str = FULL, warn_only=False
) -> CheckSpec:
    """Declare one check (a CheckSpec; the keyword arguments read better in a table)."""
    return CheckSpec(check_id, float(points), description, required, credit, warn_only)


@dataclass(frozen=True)
class Aspect:
    """One check of a block before the block's name is known: `blocks.<Name>.<name>`."""

    name: str
    points: float
    description: str
    required: bool = False
    warn_only: bool = False
    # Another aspect of the block: when the basic configuration crashed there on its non-square input only, this
    # one is graded on a square input (same sizes otherwise) instead of following from the crash, charged there.
    square_after: str | None = None


def aspect(
    name: str,
    points: float,
    description: str,
    *,
    required: bool = False,
    warn_only=False,
    square_after: str | None = None,
) -> Aspect:
    """Declare one check of a block (see Block)."""
    return Aspect(name, float(points), description, required, warn_only, square_after)


@dataclass(frozen=True)
class Block:
    """A required block: its name, the other spellings students give the class, and its checks."""

    name: str
    aliases: tuple[str, ...]
    aspects: tuple[Aspect, ...]

    @property
    def spellings(self) -> tuple[str, ...]:
        """The required name first, then the accepted slips, most likely first."""
        return (self.name, *self.aliases)

    @property
    def graded(self) -> list[str]:
        """The aspects graded by running the block (every one but `name`)."""
        return [a.name for a in self.aspects if a.name != "name"]

    def id(self, aspect_name: str) -> str:
        return f"blocks.{self.name}.{aspect_name}"

    @property
    def square_after(self) -> dict[str, str]:
        """Aspect -> the aspect whose non-square crash lets it be graded on a square input (see Aspect)."""
        return {a.name: a.square_after for a in self.aspects if a.square_after}

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        return tuple(
            check(self.id(a.name), a.points, a.description, required=a.required, warn_only=a.warn_only)
            for a in self.aspects
        )


@dataclass(frozen=True)
class Family:
    """Blocks graded by one function (`@family(BLOCK, ...)` on it): a grader bug there costs these blocks only."""

    blocks: tuple[Block, ...]
    grade: Callable[..., list[Check]]

    def __call__(self, ctx) -> list[Check]:
        return self.grade(ctx)

    @property
    def checks(self) -> tuple[CheckSpec, ...]:
        return tuple(spec for block in self.blocks for spec in block.checks)


def family(*blocks: Block) -> Callable[[Callable[..., list[Check]]], Family]:
    """Decorator: the function grades these blocks and returns their checks."""

    def wrap(grade: Callable[..., list[Check]]) -> Family:
        return Family(tuple(blocks), grade)

    return wrap
