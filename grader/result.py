"""The grading result as plain data: every report format is a view of these classes."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

STATUSES = ("pass", "fail", "warn", "error", "skipped")


@dataclass
class Check:
    """One graded check.

    `id` is stable and dotted (`blocks.Conv2d.backward_weight`); `details` holds
    the measured numbers (errors and tolerances, PSNR values, seconds) as
    JSON-compatible values.
    """

    id: str
    status: str
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    required: bool = False

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"check {self.id}: status {self.status!r} is not one of {STATUSES}")

    @property
    def family(self) -> str:
        return self.id.split(".", 1)[0]


@dataclass
class Result:
    """Everything the grader found about one submission."""

    submission: str
    source: str = ""  # the path that was graded
    scipers: list[str] = field(default_factory=list)
    score: float = 0.0
    max_score: float = 0.0
    checks: list[Check] = field(default_factory=list)
    psnr: dict[str, float | None] = field(default_factory=dict)
    timing: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, Any] = field(default_factory=dict)
    protections: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def check(self, check_id: str) -> Check | None:
        """The check with this id, or None."""
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def passed_required(self) -> bool:
        """True when every required check passed (warnings count as passed)."""
        return not self.failed_required

    @property
    def failed_required(self) -> list[Check]:
        """Required checks that failed or errored (skipped, not-applicable and uncounted ones excluded)."""
        return [
            c
            for c in self.checks
            if c.required
            and c.status in ("fail", "error")
            and not c.details.get("not_applicable")
            and c.details.get("counted", True)
        ]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        fields = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in fields}
        kwargs["checks"] = [Check(**c) for c in data.get("checks", [])]
        return cls(**kwargs)
