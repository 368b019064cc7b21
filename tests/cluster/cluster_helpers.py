"""Helpers of the cluster tests (imported by name: conftest puts this folder on sys.path)."""

from __future__ import annotations

import os
from pathlib import Path


def make_subs(root: Path, names: list[str]) -> list[Path]:
    """Folders standing for submissions (the fake grader only looks at their names)."""
    paths = []
    for name in names:
        (root / name).mkdir(parents=True)
        (root / name / "README.md").write_text(name)
        paths.append(root / name)
    return paths


def judge_starts(log: Path) -> dict[str, int]:
    return {p.name: len(p.read_text().splitlines()) for p in log.iterdir()}


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie is not running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"


def modules_a_grade_imports(conn) -> None:
    """Run in a judge forked by the judge server: send back the modules that the judge's first expected values
    (a backward pass, SGD steps) import, beyond what the process already holds."""
    import sys

    import torch

    from grader.checks.blocks import expected

    before = set(sys.modules)
    x = torch.randn(2, 3)
    expected.with_grads(expected.sigmoid, {"x": x}, torch.ones(2, 3))
    expected.sgd_steps([x], [[torch.ones(2, 3)]], lr=0.1, momentum=0.9)
    conn.send(sorted(set(sys.modules) - before))
