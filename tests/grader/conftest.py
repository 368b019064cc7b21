"""Fixtures of the grader tests: small data shared per process, the reference graded once."""

from __future__ import annotations

import pytest

from grader.data import load_default_data
from grader.options import GradeOptions
from grader.scoring import Rubric, load_rubric


@pytest.fixture(scope="session")
def small_data():
    """300 training and 40 validation pairs of the embedded set (cached like any user's)."""
    return load_default_data(n_train=2000, n_val=100, progress=False).subset(300, 40)


@pytest.fixture(scope="session")
def fast_options():
    return GradeOptions(fast=True, measure_reference=False, device="cpu")


@pytest.fixture
def rubric_of(tmp_path):
    """Load a rubric from TOML text, written to a file as a user's would be (relative paths: beside it)."""

    def load(text: str) -> Rubric:
        path = tmp_path / "rubric.toml"
        path.write_text(text)
        return load_rubric(path)

    return load
