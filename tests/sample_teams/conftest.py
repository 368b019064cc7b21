"""Shared by the sample-team tests: their helper modules on sys.path, one loaded data set per test process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# `import isolation` / `known_bugs` (this folder) and the catalog's modules, which import each other by name,
# under --import-mode=importlib
sys.path[:0] = [str(HERE), str(HERE.parents[1] / "submissions" / "_build")]


@pytest.fixture(scope="session")
def grading_data():
    """The embedded data set, loaded once per test process (each team takes a subset)."""
    from grader.data import load_data

    return load_data(progress=False)
