"""Fixtures of the data tests: a private temporary cache, never the user's."""

import pytest


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    """Point N2N_GRADE_CACHE at a fresh folder for every test."""
    root = tmp_path / "cache"
    monkeypatch.setenv("N2N_GRADE_CACHE", str(root))
    return root
