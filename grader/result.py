"""The grading result as plain data: every report format is a view of these classes."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from grader.projects import PROJECTS

PREFIXES = frozenset(p.prefix for p in PROJECTS.values() if p.prefix)


class Status(str, Enum):
    """A check's verdict. A `str`, so JSON holds plain strings and `status == "pass"` still holds."""

    PASS = "pass"
    FAIL = "fail"  # the submission is wrong here
    WARN = "warn"  # works, with a slip the message names; keeps the rubric's warn_factor of the points
    ERROR = "error"  # the worker failed (hang, crash, limit) or the grader did: no verdict on the code
    SKIPPED = "skipped"  # not run (the message says why); with details.not_applicable, not part of the score

    def __str__(self) -> str:
        return self.value


STATUSES = tuple(s.value for s in Status)


@dataclass
class Check:
    """One graded check.

    `id` is stable and dotted (`blocks.Conv2d.backward_weight`); `details` holds
    the measured numbers (errors and tolerances, PSNR values, seconds) as
    JSON-compatible values.
    """

    id: str
    status: Status  # a plain string is turned into its Status
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    score: float = 0.0
    max_score: float = 0.0
    required: bool = False

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "status":  # at construction and on every later change
            try:
                value = Status(value)
            except ValueError:
                raise ValueError(f"check {self.id}: status {value!r} is not one of {STATUSES}") from None
        super().__setattr__(name, value)

    @property
    def family(self) -> str:
        """`model` for `model.api`; a project's prefix stays on (`mp1.model` for `mp1.model.api`)."""
        parts = self.id.split(".")
        return ".".join(parts[:2]) if len(parts) > 2 and f"{parts[0]}." in PREFIXES else parts[0]


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
    # per mini-project ("1", "2"): package, graded, score, max_score, psnr, timing (see grader.projects)
    projects: dict[str, dict[str, Any]] = field(default_factory=dict)

    def check(self, check_id: str) -> Check | None:
        """The check with this id, or None."""
        return next((c for c in self.checks if c.id == check_id), None)

    @property
    def passed_required(self) -> bool:
        """True when every required check passed (warnings count as passed)."""
        return not self.failed_required

    @property
    def failed_required(self) -> list[Check]:
        """Required checks that failed or errored, and required checks skipped because of a failed check that
        is not itself listed here (a skipped required check never passes for nothing). Not-applicable and
        uncounted ones are excluded."""
        counted = [c for c in self.checks if not c.details.get("not_applicable") and c.details.get("counted", True)]
        failed = [c for c in counted if c.required and c.status in ("fail", "error")]
        listed = {c.id for c in failed}
        follow_ons = [
            c
            for c in counted
            if c.required
            and c.status == "skipped"
            and c.details.get("because")
            and (root := self.root_cause(c)).status == "fail"
            and root.id not in listed
        ]
        return [c for c in counted if c in failed or c in follow_ons]

    @property
    def not_gradable(self) -> bool:
        """True when the path held no submission the grader could locate (nothing graded, no score)."""
        return any(c.details.get("not_gradable") for c in self.checks)

    @property
    def incomplete(self) -> list[Check]:
        """Checks in `error`: the grader (or the machine) could not run them, so the result needs a regrade."""
        return [
            c
            for c in self.checks
            if c.status == "error" and not c.details.get("not_applicable") and c.details.get("counted", True)
        ]

    def root_cause(self, check: Check) -> Check:
        """The check at the end of `check`'s details["because"] chain (itself when it has none)."""
        seen = {check.id}
        while (because := check.details.get("because")) and because not in seen:
            cause = self.check(because)
            if cause is None:
                break
            seen.add(because)
            check = cause
        return check

    def to_dict(self) -> dict[str, Any]:
        """Plain data: JSON types only (statuses as their strings)."""
        data = dataclasses.asdict(self)
        for check in data["checks"]:
            check["status"] = str(check["status"])
        return data

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        fields = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in fields}
        kwargs["checks"] = [Check(**c) for c in data.get("checks", [])]
        return cls(**kwargs)
