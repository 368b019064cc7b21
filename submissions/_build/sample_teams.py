"""The catalog of sample teams: each is the template (template/Miniproject_2) with realistic flaws.

The teams live in themed modules under teams/ (one file per theme, so that
several people can add teams at once); this module collects them, in the order
of THEMES. `python submissions/_build/build.py` writes every team folder and
its EXPECTED.toml from TEAMS. Each expectation is what a careful instructor
wants the grader to say, not what it happens to say today (known grader bugs
are listed in tests/sample_teams/known_bugs.py).
"""

from __future__ import annotations

from sample_team import Team
from teams import (
    baseline,
    blocks,
    broken,
    checkpoints,
    drift,
    drift_project1,
    fidelity_blocks,
    fidelity_model,
    fidelity_project1,
    hostile,
    model_api,
    project1,
    proportion,
    rules,
    runaway,
    square_inputs,
)
from teams.snippets import LFS_POINTER

THEMES = (
    baseline,
    rules,
    blocks,
    fidelity_blocks,
    checkpoints,
    drift,
    model_api,
    fidelity_model,
    broken,
    runaway,
    hostile,
    proportion,
    square_inputs,
    project1,
    drift_project1,
    fidelity_project1,
)
TEAMS: list[Team] = [team for theme in THEMES for team in theme.TEAMS]

_names = [team.name for team in TEAMS]
if len(set(_names)) != len(_names):
    raise ValueError(f"team names used twice: {sorted({n for n in _names if _names.count(n) > 1})}")



def project1_half(team: Team) -> Team | None:
    """The project-1 team whose Miniproject_1 sits beside `team`'s package (see Team.with_project1), or None."""
    half = team.with_project1
    if isinstance(half, str):
        return next(t for t in TEAMS if t.name == half)
    return half


__all__ = ["LFS_POINTER", "TEAMS", "THEMES", "project1_half"]
