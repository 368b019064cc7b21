"""Shared by the similarity tests: the in-repo implementations to compare, and `planted` on sys.path."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("copydetect", reason="grade similarity needs the extra: pip install -e '.[similarity]'")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))  # `import planted` under --import-mode=importlib

REFERENCE = REPO / "reference_impl"  # written for this repository
TEMPLATE = REPO / "submissions" / "_build" / "template"  # the sample teams' base, written apart from it
OTHER = HERE / "fixtures" / "other_team"  # a third one, written apart from both, in another style


@pytest.fixture(scope="session")
def independent() -> list[Path]:
    """Three implementations of mini-project 2 written independently of each other."""
    return [REFERENCE, TEMPLATE, OTHER]


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    """Create `root` with these files (relative path: text or bytes)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


@pytest.fixture
def make_team(tmp_path):
    """make_team(name, {rel: content}) -> a submission folder under tmp_path."""
    return lambda name, files: write_files(tmp_path / name, files)
