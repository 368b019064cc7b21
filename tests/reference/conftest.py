"""Fixtures of the reference solution's tests; the helpers live in reference_testing.py."""

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).parent))  # for `import reference_testing` under --import-mode=importlib

from reference_testing import load_reference  # noqa: E402


@pytest.fixture(scope="session")
def ref():
    """The reference's model module (Model and every block)."""
    return load_reference()


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread per test: CI runs two pytest workers on two cores, and OpenMP oversubscribed crawls."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
