"""Listing a submission tree without following symbolic links.

Copying, hashing and the structure checks all walk the tree the same way, so the
hash describes exactly the files the private copy holds.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

JUNK_DIRS = frozenset({"__pycache__", "__MACOSX", ".git"})
"""Folders never copied: bytecode caches (Python may run a `.pyc` that does not
match the source the rules check), macOS archive debris and version control."""

JUNK_FILES = frozenset({".DS_Store", "Thumbs.db"})
JUNK_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Entry:
    """One thing found in the tree.

    `kind` is `file` (regular), `dir`, `symlink` or `other` (device, FIFO, socket);
    `rel` is the POSIX path relative to the walked folder; `junk` marks entries
    that copies and hashes leave out (and everything below a junk folder).
    """

    path: Path
    rel: str
    kind: str
    size: int
    junk: bool


def is_junk(name: str, is_dir: bool) -> bool:
    """True for names the grader never copies (see JUNK_DIRS, JUNK_FILES, JUNK_SUFFIXES)."""
    if is_dir:
        return name in JUNK_DIRS
    return name in JUNK_FILES or name.endswith(JUNK_SUFFIXES)


def _kind(st: os.stat_result) -> str:
    if stat.S_ISLNK(st.st_mode):
        return "symlink"
    if stat.S_ISDIR(st.st_mode):
        return "dir"
    if stat.S_ISREG(st.st_mode):
        return "file"
    return "other"


def walk(top: Path, *, include_junk: bool = False) -> Iterator[Entry]:
    """Every entry below `top`, depth first, names sorted; symlinks are reported, never followed.

    With `include_junk=False` junk entries are not yielded and junk folders not entered.
    Raises OSError when a folder cannot be listed.
    """
    top = Path(top)
    stack: list[tuple[Path, str, bool]] = [(top, "", False)]
    while stack:
        folder, prefix, in_junk = stack.pop()
        with os.scandir(folder) as it:
            names = sorted(it, key=lambda e: e.name)
        below: list[tuple[Path, str, bool]] = []
        for item in names:
            st = item.stat(follow_symlinks=False)
            kind = _kind(st)
            rel = f"{prefix}{item.name}"
            junk = in_junk or is_junk(item.name, kind == "dir")
            if junk and not include_junk:
                continue
            yield Entry(Path(item.path), rel, kind, st.st_size if kind == "file" else 0, junk)
            if kind == "dir":
                below.append((Path(item.path), rel + "/", junk))
        # Reversed so that the stack pops folders in name order.
        stack.extend(reversed(below))
