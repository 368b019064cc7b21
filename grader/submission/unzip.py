"""Unpacking a submission zip without trusting anything it says.

Every entry name is checked before anything is written (no `..`, no absolute
paths, no drive letters, no symlinks or device files, no duplicates), declared
sizes are checked up front, and the bytes actually decompressed are counted
again while writing, so an archive that lies about its sizes is still stopped.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from grader.paths import is_within
from grader.submission.errors import SubmissionError
from grader.submission.limits import MAX_FILES, MAX_RATIO, MAX_TOTAL_BYTES, RATIO_MIN_BYTES

CHUNK = 64 * 1024

_DRIVE = re.compile(r"^[A-Za-z]:")
_SPECIAL_TYPES = {
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


@dataclass
class ExtractReport:
    """What `safe_extract` wrote: counts, bytes, the junk entries it left out, and notes."""

    files: int = 0
    total_bytes: int = 0
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Planned:
    info: zipfile.ZipInfo
    parts: tuple[str, ...]
    is_dir: bool


def _is_macos_junk(parts: tuple[str, ...]) -> bool:
    return parts[0] == "__MACOSX" or parts[-1] == ".DS_Store" or parts[-1].startswith("._")


def _entry_parts(info: zipfile.ZipInfo, where: str) -> tuple[tuple[str, ...], bool]:
    """The validated path components of an entry and whether it names a folder."""
    raw = info.orig_filename
    shown = ascii(raw)
    if "\x00" in raw:
        raise SubmissionError(f"{where}: entry {shown} has a NUL byte in its name")
    if any(ord(c) < 32 for c in raw):
        raise SubmissionError(f"{where}: entry {shown} has control characters in its name")
    # Old Windows tools write `\` as the separator: read it as one, then check the result.
    name = raw.replace("\\", "/")
    if name.startswith("/"):
        raise SubmissionError(f"{where}: entry {shown} is an absolute path; entries must be relative")
    if _DRIVE.match(name):
        raise SubmissionError(f"{where}: entry {shown} starts with a drive letter; entries must be relative")
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if ".." in parts:
        raise SubmissionError(f"{where}: entry {shown} climbs out of the archive with '..'")
    mode = info.external_attr >> 16
    ftype = stat.S_IFMT(mode)
    only = "submissions may hold only files and folders"
    if ftype == stat.S_IFLNK:
        raise SubmissionError(f"{where}: entry {shown} is a symbolic link; {only}")
    if ftype in _SPECIAL_TYPES:
        raise SubmissionError(f"{where}: entry {shown} is {_SPECIAL_TYPES[ftype]}; {only}")
    is_dir = name.endswith("/") or ftype == stat.S_IFDIR
    if is_dir and info.file_size:
        raise SubmissionError(f"{where}: entry {shown} is marked as a folder but holds {info.file_size} bytes")
    if not parts and not is_dir:
        raise SubmissionError(f"{where}: entry {shown} has an empty file name")
    if info.flag_bits & 0x1:
        raise SubmissionError(f"{where}: entry {shown} is password-protected; submit an unencrypted zip")
    return parts, is_dir


def _plan(
    zf: zipfile.ZipFile, where: str, max_files: int, max_total_bytes: int, max_ratio: float, report: ExtractReport
) -> list[_Planned]:
    """Validate every entry and the declared totals; nothing is written yet."""
    files: set[tuple[str, ...]] = set()
    dirs: set[tuple[str, ...]] = set()
    plan: list[_Planned] = []
    n_files = 0
    declared = 0
    backslashes = False
    for info in zf.infolist():
        parts, is_dir = _entry_parts(info, where)
        backslashes = backslashes or "\\" in info.orig_filename
        if not parts:
            continue  # "./" or "/" as a folder entry: nothing to create
        shown = "/".join(parts)
        parents = [parts[:i] for i in range(1, len(parts))]
        if any(p in files for p in parents):
            raise SubmissionError(f"{where}: entry {shown!r} lies below something the archive also holds as a file")
        if is_dir:
            if parts in files:
                raise SubmissionError(f"{where}: entry {shown!r} is both a file and a folder")
            dirs.update(parents)
            dirs.add(parts)
        else:
            if parts in files:
                raise SubmissionError(f"{where}: entry {shown!r} appears twice in the archive")
            if parts in dirs:
                raise SubmissionError(f"{where}: entry {shown!r} is both a file and a folder")
            files.add(parts)
            dirs.update(parents)
            n_files += 1
            if n_files > max_files:
                raise SubmissionError(
                    f"{where}: more than {max_files} files (stopped at entry {shown!r}); a submission needs a handful"
                )
        if _is_macos_junk(parts):
            report.skipped.append(shown + ("/" if is_dir else ""))
            continue
        if not is_dir:
            declared += info.file_size
            if declared > max_total_bytes:
                raise SubmissionError(
                    f"{where}: entry {shown!r} ({info.file_size} bytes) brings the unpacked size over "
                    f"the limit of {max_total_bytes} bytes"
                )
            if info.file_size > RATIO_MIN_BYTES and info.file_size > max_ratio * max(info.compress_size, 1):
                raise SubmissionError(
                    f"{where}: entry {shown!r} would expand {info.file_size} bytes from "
                    f"{info.compress_size} (more than {max_ratio:g}x): refused as a possible zip bomb"
                )
        plan.append(_Planned(info, parts, is_dir))
    if backslashes:
        report.notes.append(f"{where}: entry names use '\\' as the separator (a Windows tool); read as '/'")
    return plan


def copy_bounded(src: BinaryIO, dst: BinaryIO, *, limit: int, what: str) -> int:
    """Copy `src` to `dst` in chunks; raise SubmissionError once more than `limit` bytes arrive.

    Counts the bytes actually read, so it holds whatever a header claimed.
    """
    total = 0
    while True:
        chunk = src.read(CHUNK)
        if not chunk:
            return total
        total += len(chunk)
        if total > limit:
            raise SubmissionError(f"{what} (more than {limit} bytes read); refused")
        dst.write(chunk)


def safe_extract(
    zip_path: Path | str,
    dest: Path | str,
    *,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    max_ratio: float = MAX_RATIO,
) -> ExtractReport:
    """Unpack `zip_path` into `dest` (created if missing), refusing anything unsafe.

    Refused with a SubmissionError naming the entry: paths escaping `dest` (`..`,
    absolute, drive letters, also when written with `\\`), symlinks, device files,
    FIFOs, sockets, duplicate names, file/folder clashes, encrypted entries, more
    than `max_files` files, more than `max_total_bytes` unpacked (declared or
    actually read), an entry expanding more than `max_ratio` times, and corrupt
    data. macOS debris (`__MACOSX/`, `.DS_Store`, `._*`) is left out and listed in
    the report. Files are written with mode 0644, whatever the archive says.
    On refusal, `dest` may hold part of the archive: the caller owns `dest`.
    """
    zip_path = Path(zip_path)
    dest = Path(dest)
    where = str(zip_path)
    report = ExtractReport()
    try:
        zf = zipfile.ZipFile(zip_path)
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise SubmissionError(f"{where}: not a readable zip archive ({exc}); download or zip it again") from exc
    except OSError as exc:
        raise SubmissionError(f"{where}: cannot open ({exc.strerror or exc})") from exc
    with zf:
        plan = _plan(zf, where, max_files, max_total_bytes, max_ratio, report)
        dest.mkdir(parents=True, exist_ok=True)
        root = Path(os.path.realpath(dest))
        for item in plan:
            target = dest.joinpath(*item.parts)
            shown = "/".join(item.parts)
            folder = target if item.is_dir else target.parent
            folder.mkdir(mode=0o755, parents=True, exist_ok=True)
            if not is_within(folder, root):  # only possible if `dest` held links beforehand
                raise SubmissionError(f"{where}: entry {shown!r} would land outside {dest}")
            if item.is_dir:
                continue
            budget = max_total_bytes - report.total_bytes
            if item.info.file_size < budget:
                limit, why = item.info.file_size, "holds more bytes than its header declares"
            else:
                limit, why = budget, f"brings the unpacked size over the limit of {max_total_bytes} bytes"
            try:
                with zf.open(item.info) as src, open(target, "xb") as dst:
                    written = copy_bounded(src, dst, limit=limit, what=f"{where}: entry {shown!r} {why}")
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise SubmissionError(f"{where}: entry {shown!r} is corrupt ({exc}); zip it again") from exc
            except NotImplementedError as exc:
                raise SubmissionError(
                    f"{where}: entry {shown!r} uses a compression method Python cannot read ({exc}); "
                    "zip it again with standard deflate"
                ) from exc
            except FileExistsError as exc:
                raise SubmissionError(f"{where}: entry {shown!r} collides with a file already unpacked") from exc
            if written > RATIO_MIN_BYTES and written > max_ratio * max(item.info.compress_size, 1):
                raise SubmissionError(
                    f"{where}: entry {shown!r} expanded to {written} bytes from {item.info.compress_size} "
                    f"(more than {max_ratio:g}x): refused as a possible zip bomb"
                )
            os.chmod(target, 0o644)
            report.files += 1
            report.total_bytes += written
    return report
