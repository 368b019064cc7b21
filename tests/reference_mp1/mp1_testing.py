"""Helpers for the project-1 reference's tests: where it lives and how to load it."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "reference"))  # the project-2 reference's test helpers

from reference_testing import twin_script  # noqa: E402

REF_DIR, _ = twin_script().REFERENCES[1]


def load_mp1():
    """The project-1 reference's model module (imported as its own package, relative imports work)."""
    return twin_script().load_reference(1)
