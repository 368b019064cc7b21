"""Fixtures of the sandbox tests.

A worker start costs about two seconds of torch import, so each test module
shares one worker (module scope) and lets a failure restart it, which is
itself part of what is tested.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the tests import sandbox_helpers (import mode is importlib)

from sandbox_helpers import HOSTILE, SMALL_LIMITS, Session, copy_submission  # noqa: E402


@pytest.fixture(scope="module")
def hostile_root(tmp_path_factory) -> Path:
    return copy_submission(HOSTILE, tmp_path_factory.mktemp("hostile"))


@pytest.fixture(scope="module")
def session(hostile_root):
    s = Session(hostile_root, **SMALL_LIMITS)
    s.worker.start()
    yield s
    s.close()
