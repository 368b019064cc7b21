"""Names the course fixed: the package folder `Miniproject_2` and the team folder `Proj_SCIPER..`."""

from __future__ import annotations

import re

PACKAGE_NAME = "Miniproject_2"

TEAM_PATTERN = re.compile(r"Proj_(\d{6})(?:_(\d{6})){1,2}")
"""Team folder: `Proj_` and two or three 6-digit SCIPERs joined by `_`."""

_SCIPER = re.compile(r"(?<!\d)\d{6}(?!\d)")


def is_package_name(name: str) -> bool:
    """True for the exact package folder name `Miniproject_2`."""
    return name == PACKAGE_NAME


def is_near_miss(name: str) -> bool:
    """True for a slip of `Miniproject_2` (case, `_`, `-` or spaces), but not the exact name.

    `miniproject_2`, `Miniproject2`, `MiniProject_2`, `Mini-Project 2` qualify.
    """
    return name != PACKAGE_NAME and re.sub(r"[\s_\-]", "", name).lower() == "miniproject2"


def scipers_in(name: str) -> list[str]:
    """The 6-digit numbers (SCIPERs) in a team name, in order; longer digit runs do not count."""
    return _SCIPER.findall(name)
