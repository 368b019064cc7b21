"""The Python files a submission ships, per project, read once into memory.

Similarity compares source text only: nothing here imports, runs or unpickles
anything from a submission. A zip is unpacked with the grader's safe extractor
into a temporary folder; folders are walked without following links; every
file is read once, size-bounded, into memory, and those private copies are
what gets compared. A file that cannot be compared (too big, binary, not
readable) is skipped with a reason; it never stops the run.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.submission.errors import SubmissionError
from grader.submission.unzip import safe_extract
from grader.submission.walk import walk

PROJECTS = (1, 2)
SEARCH_DEPTH = 2  # folder levels below the given one where Miniproject_N may sit (as the grader's locator)
MAX_FILE_BYTES = 512 * 1024  # a hand-written source file is a few tens of KB; bigger ones are generated data
MAX_TEAM_BYTES = 4 * 1024 * 1024  # all Python files of one project of one submission

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass
class SourceFile:
    """One Python file: its path inside the project folder (POSIX) and its text."""

    rel: str
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Skipped:
    """A file (or a whole project) left out of the comparison, and why."""

    path: str
    reason: str


@dataclass
class ProjectSources:
    """The Python files of one project (Miniproject_1 or Miniproject_2) of one submission."""

    project: int
    folder: str  # the project folder, relative to the submission
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class SubmissionSources:
    """What one submission (a folder or a zip) holds for each project it has."""

    path: Path
    name: str  # the team's folder name (or the zip's stem)
    projects: dict[int, ProjectSources] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def project_number(name: str) -> int | None:
    """1 or 2 for `Miniproject_1` / `Miniproject_2` and their slips (`miniproject2`, `MiniProject-1`)."""
    match = re.fullmatch(r"miniproject([12])", re.sub(r"[\s_\-]", "", name).lower())
    return int(match.group(1)) if match else None


def read_submission(path: Path | str, projects: tuple[int, ...] = PROJECTS) -> SubmissionSources:
    """The Python files of each wanted project in `path` (a folder or a .zip).

    Raises SubmissionError when `path` is missing, not a folder or zip, or the zip
    is unsafe; a submission with none of the projects comes back with no projects
    and a note saying so.
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise SubmissionError(f"{path}: no such file or folder")
    if path.is_file() and path.suffix.lower() == ".zip":
        return _read_zip(path, path.stem, projects)
    if not path.is_dir():
        raise SubmissionError(f"{path}: neither a folder nor a .zip")
    name = path.resolve().name
    found = _find_projects(path)
    if project_number(path.resolve().name) is not None:  # the user gave Miniproject_N itself
        name = path.resolve().parent.name
    if not found:
        zips = [p for p in sorted(path.iterdir()) if p.suffix.lower() == ".zip" and p.is_file() and not p.is_symlink()]
        if len(zips) == 1:  # a course download: a folder holding the team's zip
            sources = _read_zip(zips[0], name, projects)
            sources.path = path
            sources.notes.insert(0, f"read {zips[0].name}, the one zip in the folder")
            return sources
    return _collect(path, name, found, projects)


def _read_zip(zip_path: Path, name: str, projects: tuple[int, ...]) -> SubmissionSources:
    temp = Path(tempfile.mkdtemp(prefix="n2n-similarity-"))
    try:
        safe_extract(zip_path, temp)
        found = _find_projects(temp)
        # a zip holding Proj_.../Miniproject_N is named after that folder, as the grader does
        tops = {folders[0].parent for folders in found.values() if folders}
        if len(tops) == 1 and (top := tops.pop()) != temp:
            name = top.name
        sources = _collect(temp, name, found, projects)
        sources.path = zip_path
        return sources
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _find_projects(top: Path) -> dict[int, list[Path]]:
    """Project folders: `top` itself, or those at the nearest level below it that has one, per project."""
    own = project_number(top.name)
    if own is not None:
        return {own: [top]}
    found: dict[int, list[Path]] = {}
    level = [top]
    for _ in range(SEARCH_DEPTH):
        children = [c for parent in level for c in _subfolders(parent)]
        for number in PROJECTS:
            hits = [c for c in children if project_number(c.name) == number]
            if hits and number not in found:
                found[number] = hits
        level = [c for c in children if project_number(c.name) is None]
    return found


def _subfolders(folder: Path) -> list[Path]:
    try:
        return sorted(
            p
            for p in folder.iterdir()
            if p.is_dir()
            and not p.is_symlink()
            and not p.name.startswith(".")
            and p.name not in ("__MACOSX", "__pycache__")
        )
    except OSError:
        return []


def _collect(top: Path, name: str, found: dict[int, list[Path]], projects: tuple[int, ...]) -> SubmissionSources:
    sources = SubmissionSources(path=top, name=name)
    for number in projects:
        folders = found.get(number, [])
        if not folders:
            continue
        if len(folders) > 1:
            listed = ", ".join(f.relative_to(top).as_posix() for f in folders)
            sources.notes.append(f"project {number} left out: several Miniproject_{number} folders ({listed})")
            continue
        folder = folders[0]
        rel = folder.relative_to(top).as_posix() if folder != top else folder.name
        sources.projects[number] = read_project(folder, number, rel)
    if not sources.projects:
        wanted = " or ".join(f"Miniproject_{n}" for n in projects)
        sources.notes.append(f"no {wanted} folder found (searched {SEARCH_DEPTH} levels down)")
    return sources


def read_project(folder: Path, number: int, shown: str | None = None) -> ProjectSources:
    """Every `.py` file below `folder` (links, bytecode and hidden folders left out), read into memory."""
    project = ProjectSources(project=number, folder=shown or folder.name)
    budget = MAX_TEAM_BYTES
    try:
        entries = [e for e in walk(folder) if not any(part.startswith(".") for part in e.rel.split("/"))]
    except OSError as exc:
        project.skipped.append(Skipped(project.folder, f"cannot list the folder ({exc.strerror or exc})"))
        return project
    for entry in entries:
        if not entry.rel.endswith(".py"):
            continue
        if entry.kind != "file":
            project.skipped.append(Skipped(entry.rel, "not a regular file (a link or a device): not read"))
            continue
        if entry.size > MAX_FILE_BYTES:
            project.skipped.append(
                Skipped(
                    entry.rel,
                    f"{entry.size:,} bytes, over the {MAX_FILE_BYTES:,}-byte "
                    "limit for one source file (generated data?)",
                )
            )
            continue
        if entry.size > budget:
            project.skipped.append(
                Skipped(
                    entry.rel,
                    f"the project's Python files exceed {MAX_TEAM_BYTES:,} bytes together; the rest is not read",
                )
            )
            continue
        try:
            data = _read_bounded(entry.path, MAX_FILE_BYTES)
        except OSError as exc:
            project.skipped.append(Skipped(entry.rel, f"cannot read ({exc.strerror or exc})"))
            continue
        budget -= len(data)
        if b"\x00" in data:
            project.skipped.append(Skipped(entry.rel, "binary content (NUL bytes), not Python source"))
            continue
        project.files.append(_decode(entry.rel, data))
    return project


def _read_bounded(path: Path, limit: int) -> bytes:
    fd = os.open(path, _OPEN_FLAGS)
    with open(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"grew past {limit:,} bytes while being read")
    return data


def _decode(rel: str, data: bytes) -> SourceFile:
    try:
        source = SourceFile(rel, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        source = SourceFile(rel, data.decode("latin-1"), ["not UTF-8: read as Latin-1"])
    problem = _syntax_problem(source.text, rel)
    if problem:
        source.notes.append(f"{problem}; compared as tokens all the same")
    return source


def _syntax_problem(text: str, rel: str) -> str | None:
    """Why the text is not valid Python, or None. Parsing only builds a syntax tree; nothing runs."""
    try:
        compile(text, rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return f"does not parse as Python (SyntaxError, line {exc.lineno}: {exc.msg})"
    except (ValueError, RecursionError, MemoryError) as exc:
        return f"does not parse as Python ({type(exc).__name__})"
    return None


def submissions_in(path: Path | str) -> list[Path]:
    """`path` when it is one submission; each of its entries when it is a folder of several (folders or zips)."""
    path = Path(path)
    if not path.is_dir() or project_number(path.name) is not None:
        return [path]
    found = _find_projects(path)
    if found and all(len(folders) == 1 for folders in found.values()):
        return [path]
    zips = sorted(p for p in path.iterdir() if p.suffix.lower() == ".zip" and p.is_file() and not p.is_symlink())
    entries = [e for e in _subfolders(path) if _find_projects(e)] + zips
    return entries if len(entries) >= 2 else [path]
