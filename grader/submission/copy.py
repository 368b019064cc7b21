"""The worker's private copy of a submission, and a content hash of it.

The copy holds regular files and folders only: symbolic links (which could point
at /etc/passwd or at the clean validation images), devices and FIFOs are left
out, and so is compiled bytecode (see walk.JUNK_DIRS). The hash covers exactly
what the copy holds, so hash(original) == hash(copy).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

from grader.submission.errors import SubmissionError
from grader.submission.limits import MAX_FILES, MAX_TOTAL_BYTES
from grader.submission.naming import PACKAGE_NAME
from grader.submission.unzip import copy_bounded
from grader.submission.walk import walk

# O_NOFOLLOW: a file swapped for a link after the walk is not followed;
# O_NONBLOCK: one swapped for a FIFO does not hang the open.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def make_private_copy(
    package_root: Path | str,
    dest: Path | str,
    *,
    package_dir: Path | str | None = None,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    notes: list[str] | None = None,
    package_name: str = PACKAGE_NAME,
) -> Path:
    """Copy the submission's package into `dest/Miniproject_2` and return `dest` (the new root).

    `package_root` is the folder holding the package; the package is
    `package_root/Miniproject_2` unless `package_dir` names it (a near-miss spelling
    is copied under the exact name, so the worker always imports `Miniproject_2`;
    `package_name` is the exact name, `Miniproject_1` for project 1).
    Only regular files and folders are copied, contents only (mode 0644 / 0755);
    links, special files and bytecode are skipped, each noted in `notes` when given.
    Raises SubmissionError when the package is missing, `dest/Miniproject_2`
    already exists, or the copy would exceed `max_files` files or
    `max_total_bytes` bytes (counted as read); a partial copy is removed.
    """
    src = Path(package_dir) if package_dir is not None else Path(package_root) / package_name
    if src.is_symlink() or not src.is_dir():
        raise SubmissionError(f"{src}: not a folder; expected the submission's {package_name} folder")
    dest = Path(dest)
    target = dest / package_name
    if target.exists() or target.is_symlink():
        raise SubmissionError(f"{target}: already exists; give an empty destination for the private copy")
    dest.mkdir(parents=True, exist_ok=True)
    target.mkdir(mode=0o755)
    notes = notes if notes is not None else []
    try:
        _copy_tree(src, target, max_total_bytes, max_files, notes)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    return dest


def _copy_tree(src: Path, target: Path, max_total_bytes: int, max_files: int, notes: list[str]) -> None:
    files = 0
    total = 0
    junk: list[str] = []
    junk_dirs: list[str] = []
    try:
        entries = list(walk(src, include_junk=True))
    except OSError as exc:
        raise SubmissionError(f"{src}: cannot list ({exc})") from exc
    for entry in entries:
        out = target / entry.rel
        if entry.junk:
            # Name a junk folder once, not every file inside it.
            if not any(entry.rel.startswith(d) for d in junk_dirs):
                junk.append(entry.rel + ("/" if entry.kind == "dir" else ""))
            if entry.kind == "dir":
                junk_dirs.append(entry.rel + "/")
            continue
        if entry.kind == "dir":
            out.mkdir(mode=0o755)
        elif entry.kind == "symlink":
            notes.append(
                f"skipped symbolic link {entry.rel} -> {_link_target(entry.path)}: the grader copies regular files only"
            )
        elif entry.kind == "other":
            notes.append(f"skipped {entry.rel}: not a regular file (device, FIFO or socket)")
        else:
            files += 1
            if files > max_files:
                raise SubmissionError(f"{src}: more than {max_files} files (stopped at {entry.rel})")
            total += _copy_file(entry.path, out, max_total_bytes - total, entry.rel, max_total_bytes)
    if junk:
        junk.sort()
        shown = ", ".join(junk[:5]) + (f", ... ({len(junk)} in all)" if len(junk) > 5 else "")
        notes.append(f"left out bytecode and OS/VCS debris: {shown}")


def _copy_file(path: Path, out: Path, budget: int, rel: str, max_total_bytes: int) -> int:
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise SubmissionError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    with open(fd, "rb") as src:
        if not stat.S_ISREG(os.fstat(src.fileno()).st_mode):
            raise SubmissionError(f"{path}: changed into a non-regular file while being copied")
        with open(out, "xb") as dst:
            written = copy_bounded(
                src, dst, limit=budget, what=f"{rel}: brings the submission over the limit of {max_total_bytes} bytes"
            )
    os.chmod(out, 0o644)
    return written


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def submission_hash(package_dir: Path | str) -> str:
    """A stable sha256 (hex) of a package: its sorted relative file paths and their contents.

    Covers the files a private copy would hold (links, special files and bytecode
    are not), so identical submissions hash alike wherever they sit on disk and one
    changed byte changes the hash. Use it to skip re-grading unchanged submissions.
    """
    package_dir = Path(package_dir)
    if not package_dir.is_dir():
        raise SubmissionError(f"{package_dir}: not a folder; cannot hash it")
    overall = hashlib.sha256(b"n2n-grade submission hash v1\n")
    try:
        files = sorted((e for e in walk(package_dir) if e.kind == "file"), key=lambda e: e.rel)
        for entry in files:
            digest = hashlib.sha256()
            fd = os.open(entry.path, _OPEN_FLAGS)
            with open(fd, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
            # One JSON line per file: unambiguous whatever characters the names hold.
            line = json.dumps([entry.rel, digest.hexdigest()], ensure_ascii=True)
            overall.update(line.encode() + b"\n")
    except OSError as exc:
        raise SubmissionError(f"{package_dir}: cannot read for hashing ({exc})") from exc
    return overall.hexdigest()
