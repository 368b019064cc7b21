"""Fixture submissions built in tmp_path: a folder tree from a dict, and zips of it."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

TEAM = "Proj_123456_654321"


# A torch.save-like zip header is enough for the byte sniffing; real torch formats
# are covered in test_sniff.py.
def pdf_bytes(pages: int = 1) -> bytes:
    """A readable PDF of blank pages (the report check reads it with pypdf)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


PDF = pdf_bytes()

GOOD_PACKAGE = {
    "__init__.py": "",
    "model.py": "class Model:\n    pass\n",
    "others/__init__.py": "",
    "others/layers.py": "class Conv2d:\n    pass\n",
    "Report_2.pdf": PDF,
}


def torch_like_zip_bytes() -> bytes:
    """Bytes shaped like torch.save's zip format (an `archive/data.pkl` entry), without torch."""
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", b"\x80\x02}q\x00.")
        zf.writestr("archive/version", b"3\n")
    return buf.getvalue()


def write_tree(base: Path, files: dict[str, str | bytes]) -> Path:
    """Create `files` (relative path -> content) under `base`; a path ending in '/' is a folder."""
    base.mkdir(parents=True, exist_ok=True)
    for rel, content in files.items():
        target = base / rel
        if rel.endswith("/"):
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content)
        else:
            target.write_bytes(content)
    return base


def zip_tree(folder: Path, zip_path: Path, prefix: str = "") -> Path:
    """Zip every file under `folder` into `zip_path`, entry names starting with `prefix`."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + path.relative_to(folder).as_posix())
    return zip_path


@pytest.fixture
def make_package(tmp_path):
    """Build `<tmp>/<team>/<package>/` from GOOD_PACKAGE (plus a bestmodel.pth), changed by `extra`
    (None as a value deletes that file); returns the team folder."""

    def make(
        extra: dict | None = None, team: str = TEAM, package: str = "Miniproject_2", base: Path | None = None
    ) -> Path:
        files: dict = {**GOOD_PACKAGE, "bestmodel.pth": torch_like_zip_bytes()}
        for rel, content in (extra or {}).items():
            if content is None:
                files.pop(rel, None)
            else:
                files[rel] = content
        team_dir = (base or tmp_path) / team
        write_tree(team_dir / package, files)
        return team_dir

    return make


@pytest.fixture
def helpers():
    """The builders above, for test modules (importlib import mode cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(
        write_tree=write_tree,
        zip_tree=zip_tree,
        torch_like_zip_bytes=torch_like_zip_bytes,
        PDF=PDF,
        pdf_bytes=pdf_bytes,
        TEAM=TEAM,
        GOOD_PACKAGE=GOOD_PACKAGE,
    )
