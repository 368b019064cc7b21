"""Names: the package folder `Miniproject_2`, the team folder `Proj_SCIPER..`, and a batch's output folders."""

from __future__ import annotations

import re
from pathlib import Path

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


def output_names(paths: list[Path]) -> list[str]:
    """A folder name per path: its name without `.zip`, made safe, de-duplicated with -2, -3, ..."""
    names, seen = [], set()
    for path in paths:
        base = path.resolve().name if path.name in ("", ".", "..") else path.name
        if base.lower().endswith(".zip"):
            base = base[:-4]
        base = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in base).strip(".") or "submission"
        name, n = base, 1
        while name.lower() in seen:
            n += 1
            name = f"{base}-{n}"
        seen.add(name.lower())
        names.append(name)
    return names
