"""Mini-project 1's rules: the whole of PyTorch and the standard library, nothing else.

The handout allowed any network built with PyTorch (torch.nn, autograd,
torch.optim) and named NumPy and scikit-learn as forbidden: "PyTorch only",
on a course VM with nothing else installed. The static scan is project 2's
(grader.rules.static_scan, so every finding keeps its file:line); each finding
is then re-judged here:

- torch calls and autograd: allowed (dropped);
- another library (numpy, sklearn, tqdm, any unknown one): a failure, as the
  import would crash on the course's VM; unless the import sits in a
  `try: ... except ImportError` (or Exception) that lets the code run without it:
  a warning;
- torchvision: a separate package the VM may or may not have had: a warning by
  default, `[rules_mp1] torchvision = "fail"` in the rubric makes it a failure;
- tampering, dynamic code, processes, network, syntax: as for project 2.

The runtime trace is not graded for project 1 (nothing in torch is forbidden),
except that the trace and torch's functions must be left intact.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

from grader.result import Check
from grader.rules.checks import IMPORT_SIDE_EFFECTS, RUNTIME_TAMPERING, STATIC, StaticCheck, static_checks
from grader.rules.policy import AUTOGRAD, FAIL, FORBIDDEN_IMPORT, FORBIDDEN_TORCH, THIRD_PARTY, WARN
from grader.rules.static_scan import Finding

TORCHVISION = "torchvision"
_OUTSIDE_SUBMISSION = re.compile(r"^(Miniproject_\d+|Proj_[0-9_]+)$")  # another project's folder: as for project 2
_GUARDS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})

STATIC_MP1: tuple[StaticCheck, ...] = tuple(s for s in STATIC if AUTOGRAD not in s.categories)
"""Project 2's static checks less the autograd hints (autograd is allowed here)."""
RUNTIME_MP1 = (RUNTIME_TAMPERING, IMPORT_SIDE_EFFECTS)
CHECKS = (*(s.spec for s in STATIC_MP1), *RUNTIME_MP1)
"""The rules checks project 1 runs (under `mp1.`), in the order of project 2's."""


def static_checks_mp1(root: Path, *, torchvision: str = WARN) -> list[Check]:
    """The static `rules.*` checks of a Miniproject_1 folder under project 1's policy (ids without `mp1.`)."""
    if torchvision not in (FAIL, WARN):
        raise ValueError(f"torchvision must be {FAIL!r} or {WARN!r}, not {torchvision!r}")
    root = Path(root)
    return static_checks(root, adjust=functools.partial(rejudge, root, torchvision=torchvision), statics=STATIC_MP1)


def packages_allowed(*, torchvision: str = WARN) -> frozenset[str]:
    """Packages beside torch and the standard library that project 1's rules let code use (a warning at most)."""
    return frozenset({TORCHVISION}) if torchvision == WARN else frozenset()


def runtime_checks_mp1(checks: list[Check]) -> list[Check]:
    """Of project 2's runtime checks, those that hold for project 1."""
    wanted = {spec.id for spec in RUNTIME_MP1}
    return [c for c in checks if c.id in wanted]


def rejudge(root: Path, finding: Finding, *, torchvision: str = WARN) -> Finding | None:
    """`finding` under project 1's policy: None when it is allowed there."""
    if finding.category in (FORBIDDEN_TORCH, AUTOGRAD):
        return None
    if finding.category not in (FORBIDDEN_IMPORT, THIRD_PARTY) or _OUTSIDE_SUBMISSION.match(finding.name):
        return finding
    top = finding.name.split(".", 1)[0]
    lines = finding.lines or [finding.line]
    where = f"{finding.file}:{finding.line}"
    if all(line in _guarded_lines(root / finding.file) for line in lines):
        severity = WARN
        reason = (
            f"{top} is imported inside try/except ImportError: the code runs without it on the course's VM, "
            "but mini-project 1 allowed PyTorch and the standard library only"
        )
    elif top == TORCHVISION:
        severity = torchvision
        reason = (
            "torchvision is a separate package, not part of PyTorch: the course's VM may not have it; "
            "use torch alone (torch.nn, torch.optim, tensor operations)"
        )
    else:
        severity = FAIL
        reason = (
            f"{top} is not allowed: mini-project 1 is PyTorch and the standard library only, "
            "and the course's VM has nothing else installed (the import fails there)"
        )
    message = f"import of {top} ({where}): {reason}"
    if finding.count > 1:
        message += f" ({finding.count} uses: lines {', '.join(map(str, lines))})"
    return Finding(
        finding.file,
        finding.line,
        finding.col,
        finding.category,
        finding.name,
        severity,
        message,
        finding.count,
        list(lines),
    )


@functools.lru_cache(maxsize=256)
def _guarded_ranges(path: Path, stamp: tuple) -> tuple[tuple[int, int], ...]:
    """Line ranges of `try` bodies guarded against ImportError (`stamp`: the file's size and mtime)."""
    try:
        tree = ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return ()
    ranges = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(_catches_import_error(h) for h in node.handlers) and node.body:
            ranges.append((node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno))
    return tuple(ranges)


def _guarded_lines(path: Path) -> set[int]:
    """Lines inside the body of a `try` whose handlers catch ImportError (or anything broader)."""
    try:
        stat = path.stat()
    except OSError:
        return set()
    return {line for a, b in _guarded_ranges(path, (stat.st_size, stat.st_mtime_ns)) for line in range(a, b + 1)}


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    if kinds is None:  # a bare except
        return True
    names = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(n, ast.Name) and n.id in _GUARDS for n in names)
