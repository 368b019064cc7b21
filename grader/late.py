"""Late submissions: how late, and what the rubric's late policy takes off.

The policy lives in the rubric file, beside the points:

    [late]
    percent_per_day = 10   # of the score, per started day after the deadline
    cap_percent = 50       # at most this much

Days are started days (one minute late is one day), as most course policies
count them. Without a [late] table nothing is taken off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import tomllib


@dataclass(frozen=True)
class LatePolicy:
    percent_per_day: float = 0.0
    cap_percent: float = 100.0

    def penalty_percent(self, days: int) -> float:
        """Percent of the score taken off for `days` started days late."""
        return min(self.cap_percent, self.percent_per_day * max(0, days))


def late_policy(rubric: str | Path | None) -> LatePolicy:
    """The [late] table of a rubric file (no penalty for the built-in rubric or a file without one)."""
    if rubric is None:
        return LatePolicy()
    table = tomllib.loads(Path(rubric).read_text()).get("late", {})
    try:
        return LatePolicy(float(table.get("percent_per_day", 0.0)), float(table.get("cap_percent", 100.0)))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rubric {rubric}: [late]: {exc}") from None


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (Gradescope writes '2022-05-27T23:59:00.000000-07:00'; a trailing Z is UTC)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"{text!r}: give a time zone (e.g. +02:00)")
    return value


def days_late(submitted: datetime, deadline: datetime) -> int:
    """Started days after the deadline (0 when on time)."""
    seconds = (submitted - deadline).total_seconds()
    return 0 if seconds <= 0 else math.ceil(seconds / 86400)
