"""mp1.*: mini-project 1's checks, declared from project 2's with their own points.

Project 1 runs the same code as project 2 for the structure, the import, the
Model API, predict contract, pretrained PSNR and the timed epoch (the
sandbox, the checks and their messages are shared); it has no block checks,
no required architecture, and its own rules policy (grader.rules.project1).
Its checks are project 2's ids under `mp1.` (`mp1.model.pretrained_psnr`),
declared here once: which of project 2's checks apply, and their points.
Project 1 is out of 100 like project 2; the model is most of it, as the
blocks are for project 2.
"""

from __future__ import annotations

import re

from grader import session
from grader.checks import model
from grader.checks.declare import CheckSpec, check
from grader.projects import MP1, MP2
from grader.result import Check
from grader.rules import project1
from grader.submission import structure

POINTS = {
    # structure (6): the team folder's name is graded once, with project 2
    structure.LAYOUT.id: 2,
    structure.BESTMODEL.id: 3,
    structure.REPORT.id: 0.5,
    structure.FILES.id: 0.5,
    session.IMPORT.id: 0,
    # rules (11): PyTorch and the standard library only
    "rules.syntax": 0,
    "rules.static_imports": 10,
    "rules.tampering": 0.5,
    "rules.risky_code": 0,
    "rules.runtime_tampering": 0.5,
    "rules.import_side_effects": 0,
    # model (83)
    "model.api": 6,
    "model.load_pretrained": 8,
    "model.predict_shape": 5,
    "model.predict_range": 5,
    "model.predict_dtype": 1,
    "model.predict_input_unchanged": 2,
    "model.predict_uint8": 1,
    "model.predict_float": 0,
    "model.predict_other_size": 2,
    "model.pretrained_psnr": 30,
    "model.train_odd_n": 2,
    "model.train_time": 10,
    "model.trained_psnr": 11,
}
"""Project 2's check id -> its points as a project-1 check (the checks project 1 runs, nothing else)."""

DESCRIPTIONS = {
    "rules.static_imports": "PyTorch and the standard library only: no numpy, sklearn, tqdm, ... (file and line "
    "for each; torchvision: a warning unless the rubric's [mp1] says fail)",
}


def _project2_specs() -> tuple[CheckSpec, ...]:
    return (*structure.CHECKS, session.IMPORT, *project1.CHECKS, *model.CHECKS)


def _as_project1(spec: CheckSpec) -> CheckSpec:
    description = DESCRIPTIONS.get(spec.id) or spec.description.replace(MP2.package, MP1.package).replace(
        MP2.report_name, MP1.report_name
    )
    return check(MP1.check_id(spec.id), POINTS[spec.id], description, required=spec.required, credit=spec.credit)


CHECKS = tuple(_as_project1(spec) for spec in _project2_specs() if spec.id in POINTS)
_missing = set(POINTS) - {spec.id for spec in _project2_specs()}
if _missing:  # a renamed project-2 check must be renamed here too
    raise ValueError(f"mp1.POINTS names checks project 2 does not declare: {sorted(_missing)}")
RUN = frozenset(spec.id for spec in _project2_specs() if spec.id in POINTS)
"""The project-2 ids project 1 runs (before they get their `mp1.` prefix)."""


def as_project1(checks: list[Check]) -> list[Check]:
    """Project 1's checks, graded under project 2's ids, renamed `mp1.*` (with the ids their details and
    messages name); checks project 1 does not run are dropped."""
    kept = [c for c in checks if c.id in RUN]
    ids = {c.id for c in checks}
    pattern = (
        re.compile(
            r"(because |same cause as )(" + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r")\b"
        )
        if ids
        else None
    )
    for c in kept:
        c.id = MP1.check_id(c.id)
        for key in ("because", "same_cause_as"):
            if c.details.get(key) in ids:
                c.details[key] = MP1.check_id(c.details[key])
        if pattern is not None:
            c.message = pattern.sub(lambda m: m.group(1) + MP1.check_id(m.group(2)), c.message)
    return kept
