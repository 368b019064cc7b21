"""Every check the grader emits, in one ordered table derived from the declarations next to the code.

Check ids are the stable, documented interface: other tools and instructors'
scripts read them, and a grading run emits exactly this set. Each module that
runs checks declares them (grader.checks.declare); this module only collects
the declarations, in the order of `grade checks`, of the rubric's defaults
and of the JSON schema's check ids.
"""

from __future__ import annotations

from grader import session
from grader.checks import blocks, model, mp1
from grader.checks.declare import CheckSpec
from grader.checks.verdicts import grader_failure_checks
from grader.result import Check
from grader.rules import checks as rules
from grader.submission import structure


def declared() -> tuple[CheckSpec, ...]:
    """Every declared check, in order: structure, rules, blocks, model, then mini-project 1's (mp1.*)."""
    return (*structure.CHECKS, session.IMPORT, *rules.CHECKS, *blocks.declared(), *model.CHECKS, *mp1.CHECKS)


def catalog() -> dict[str, CheckSpec]:
    """Check id -> its declaration, in order (read afresh: a test may add a family)."""
    specs = declared()
    table = {spec.id: spec for spec in specs}
    if len(table) != len(specs):
        twice = sorted({s.id for s in specs if sum(t.id == s.id for t in specs) > 1})
        raise ValueError(f"check ids declared twice: {', '.join(twice)}")
    return table


def grader_error_checks(prefixes: list[str], exc: BaseException) -> list[Check]:
    """`error` checks for every declared id under `prefixes` (see verdicts.grader_failure_checks)."""
    return grader_failure_checks([i for i in catalog() if i.startswith(tuple(prefixes))], exc)


def __getattr__(name: str):
    # CATALOG (id -> description), as modules written before the declarations import it
    if name == "CATALOG":
        return {spec.id: spec.description for spec in declared()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
