"""Shared by the sample-team tests: one loaded data set per test process."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def grading_data():
    """The embedded data set, loaded once per test process (each team takes a subset)."""
    from grader.data import load_data

    return load_data(progress=False)
