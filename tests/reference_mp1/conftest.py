"""Fixtures of the project-1 reference's tests (reference_impl/Miniproject_1); helpers live in mp1_testing.py."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # for `import mp1_testing` under --import-mode=importlib

from mp1_testing import load_mp1  # noqa: E402


@pytest.fixture(scope="session")
def mp1():
    """The project-1 reference's model module."""
    return load_mp1()


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread per test: CI runs two pytest workers on two cores, and OpenMP oversubscribed crawls."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
