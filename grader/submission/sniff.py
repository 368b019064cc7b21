"""Telling file formats apart from their first bytes, without loading or unpickling anything."""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

LFS_PREFIX = b"version https://git-lfs.github.com/spec/v1"
HEAD_BYTES = 1024

# torch.save's legacy (pre-1.6) format opens with a pickled magic number (protocol 2, LONG1).
_TORCH_LEGACY = b"\x80\x02\x8a\x0a"


@dataclass(frozen=True)
class LfsPointer:
    """What a Git LFS pointer file says about the real file it stands for."""

    oid: str | None
    size: int | None


def read_head(path: Path, n: int = HEAD_BYTES) -> bytes:
    """The first `n` bytes of a file."""
    with open(path, "rb") as f:
        return f.read(n)


def parse_lfs_pointer(head: bytes) -> LfsPointer | None:
    """The pointer's oid and size when `head` is a Git LFS pointer file, else None."""
    if not head.startswith(LFS_PREFIX):
        return None
    text = head.decode("utf-8", "replace")
    oid = re.search(r"^oid (\S+)", text, re.MULTILINE)
    size = re.search(r"^size (\d+)", text, re.MULTILINE)
    return LfsPointer(oid.group(1) if oid else None, int(size.group(1)) if size else None)


def sniff_format(path: Path) -> str:
    """A short name for the format of the file at `path`.

    One of: `empty`, `lfs-pointer`, `torch-zip` (torch.save since 1.6: a zip holding
    `data.pkl`), `zip` (another zip), `zip-corrupt` (zip magic, unreadable: often a
    truncated upload), `torch-legacy`, `pickle` (protocol 2 or later), `pdf`, `html`,
    `text`, `unknown`. Only the zip's directory is read; nothing is unpickled.
    """
    head = read_head(path)
    if not head:
        return "empty"
    if head.startswith(LFS_PREFIX):
        return "lfs-pointer"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(_TORCH_LEGACY):
        return "torch-legacy"
    if head[0] == 0x80 and len(head) > 1 and 2 <= head[1] <= 5:
        return "pickle"
    if head.startswith(b"%PDF-"):
        return "pdf"
    lowered = head.lstrip().lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return "html"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            pass
    return "unknown"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "zip-corrupt"
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return "torch-zip"
    return "zip"
