"""The two mini-projects of a course submission: their folders, check-id prefixes and what each grades.

A submission zip holds `Miniproject_1/` (a denoiser in full PyTorch) and
`Miniproject_2/` (hand-written blocks, then the same denoiser). Both go through
the same sandbox and the same `model.*` checks; project 2 adds the block checks
and the strict rules, project 1 has its own rules policy (grader.rules.project1).
Project 2's check ids carry no prefix (they predate project 1); project 1's
start with `mp1.`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    """One mini-project: its number, package folder, check-id prefix and report file."""

    number: int
    package: str  # the folder name the course required (`Miniproject_2`)
    prefix: str  # the check-id prefix ("" for project 2, "mp1." for project 1)
    blocks: bool  # the block checks and the required architecture apply (project 2 only)
    title: str

    @property
    def key(self) -> str:
        """The key of this project in Result.projects and in the class summary's columns."""
        return str(self.number)

    @property
    def report_name(self) -> str:
        return f"Report_{self.number}.pdf"

    def check_id(self, check_id: str) -> str:
        """A project-2 check id as this project's (`model.api` -> `mp1.model.api`)."""
        return self.prefix + check_id

    def owns(self, check_id: str) -> bool:
        """True when `check_id` is one of this project's checks."""
        if self.prefix:
            return check_id.startswith(self.prefix)
        return not any(check_id.startswith(p.prefix) for p in PROJECTS.values() if p.prefix)

    def is_package_name(self, name: str) -> bool:
        """True for the exact folder name (`Miniproject_2`)."""
        return name == self.package

    def is_near_miss(self, name: str) -> bool:
        """True for a slip of the folder name (case, `_`, `-` or spaces), but not the exact name."""
        return name != self.package and _squash(name) == _squash(self.package)


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


MP1 = Project(1, "Miniproject_1", "mp1.", blocks=False, title="Mini-project 1 (full PyTorch)")
MP2 = Project(2, "Miniproject_2", "", blocks=True, title="Mini-project 2 (own blocks)")
PROJECTS = {1: MP1, 2: MP2}
"""Every project, by number; a whole submission is graded in this order."""


def project_of(check_id: str) -> Project:
    """The project a check id belongs to."""
    return next(p for p in PROJECTS.values() if p.owns(check_id))
