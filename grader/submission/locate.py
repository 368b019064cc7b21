"""Finding a mini-project's package (`Miniproject_2`, `Miniproject_1`) in a folder or a zip."""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from grader.projects import MP2, PROJECTS, Project
from grader.submission.errors import PackageNotFound, SubmissionError
from grader.submission.limits import MAX_FILES, MAX_TOTAL_BYTES
from grader.submission.naming import scipers_in
from grader.submission.unzip import safe_extract

SEARCH_DEPTH = 2
"""How many folder levels below the given folder we look for `Miniproject_2`."""
OTHER_COPIES_DEPTH = 5
"""How deep below the given folder another `Miniproject_2` (an old copy, a nested zip's) is reported in a note."""

_LIST_AT_MOST = 20
_CANDIDATES_SHOWN = 5


@dataclass
class Submission:
    """A located submission.

    `source` is what the user gave; `root` the folder holding the package (inside
    `temp_dir` for a zip); `package_dir` the `Miniproject_2` folder (or its
    near-miss spelling, see `notes`); `team_name` the root folder's name, or the
    zip's stem when the zip holds `Miniproject_2` at its top. Use it as a context
    manager, or call `cleanup()`, to remove a zip's temporary extraction.
    """

    source: Path
    root: Path
    package_dir: Path
    team_name: str
    scipers: list[str] = field(default_factory=list)
    from_zip: bool = False
    temp_dir: Path | None = None
    notes: list[str] = field(default_factory=list)
    project: Project = MP2
    beside: bool = False  # found beside another project's package (locate_projects), which owns the team's notes

    def __post_init__(self):
        # Removes the extraction even if the caller forgets cleanup(), at the latest at exit.
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.temp_dir), True) if self.temp_dir else None

    def cleanup(self) -> None:
        """Delete the temporary extraction of a zip (nothing for a folder). Safe to call twice."""
        if self._finalizer is not None:
            self._finalizer()

    def __enter__(self) -> Submission:
        return self

    def __exit__(self, *exc) -> None:
        self.cleanup()


def locate_submission(
    path: Path | str,
    *,
    work_dir: Path | str | None = None,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
    project: Project = MP2,
) -> Submission:
    """Find the submission's `Miniproject_2` folder (or `project`'s) in `path`.

    `path` may be a `Proj_*` folder, a folder holding `Miniproject_2` up to
    SEARCH_DEPTH levels down, the `Miniproject_2` folder itself, or a `.zip` (with
    `Proj_*/Miniproject_2/...` or `Miniproject_2/...` inside), unpacked with
    `safe_extract` into a temporary folder under `work_dir` (default: the system's).
    A folder with no package but exactly one `.zip` at its top (a course download)
    is graded from that zip, with a note.
    Near-miss spellings (`miniproject_2`, `MiniProject2`) are accepted with a note.
    Raises SubmissionError when the path is missing, is neither a folder nor a
    `.zip`, holds no or several candidate packages, or the zip is unsafe or corrupt.
    """
    source = Path(path).expanduser()
    if not source.exists():
        what = "a broken symbolic link" if source.is_symlink() else "no such file or folder"
        raise SubmissionError(f"{source}: {what}; give a submission folder or a .zip")
    if source.is_dir():
        try:
            return _from_folder(source, source.resolve(), project)
        except PackageNotFound as not_found:
            only_zip = _only_zip(source)
            if only_zip is None:
                raise
            # a course download is often a folder holding the team's zip: grade that zip
            try:
                sub = _from_zip(only_zip, work_dir, max_total_bytes, max_files, project)
            except SubmissionError as exc:
                raise SubmissionError(f"{not_found}; graded its only zip instead: {exc}", exc.candidates) from None
            sub.notes.insert(0, f"no {project.package} folder in {source}: graded {only_zip.name}, the one zip there")
            return sub
    if source.is_file() and source.suffix.lower() == ".zip":
        return _from_zip(source, work_dir, max_total_bytes, max_files, project)
    kind = "a file" if source.is_file() else "not a regular file"
    raise SubmissionError(
        f"{source}: {kind}, neither a folder nor a .zip; give the Proj_... folder, "
        f"its {project.package} folder, or the submitted .zip"
    )


def locate_projects(
    path: Path | str,
    numbers: tuple[int, ...] = (1, 2),
    *,
    work_dir: Path | str | None = None,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_files: int = MAX_FILES,
) -> list[Submission]:
    """Every mini-project of `numbers` found in `path`, in project order (one zip unpacked once).

    The first package is located as `locate_submission` does (project 2 first); the
    others are looked for beside it, in the same team folder. A path that is a
    package folder itself grades that project only. The first Submission located
    owns a zip's extraction: keep it open (a context manager) while the others are used.
    Raises SubmissionError as `locate_submission` does when none of them is found.
    """
    wanted = sorted((PROJECTS[n] for n in numbers), key=lambda p: p != MP2)
    first, not_found = None, []
    for project in wanted:
        try:
            first = locate_submission(
                path, work_dir=work_dir, max_total_bytes=max_total_bytes, max_files=max_files, project=project
            )
            break
        except PackageNotFound as exc:
            not_found.append(str(exc))
    if first is None:
        raise PackageNotFound("; ".join(not_found))
    found = [first]
    pointed_at_package = Path(path).expanduser().resolve() == first.package_dir.resolve()
    for project in wanted:
        if project == first.project or pointed_at_package:
            continue
        siblings = [c for c in _subfolders(first.root) if project.is_package_name(c.name)] or [
            c for c in _subfolders(first.root) if project.is_near_miss(c.name)
        ]
        if len(siblings) == 1:
            package_dir = siblings[0]
            notes = [] if project.is_package_name(package_dir.name) else [_near_miss_note(package_dir.name, project)]
            found.append(
                Submission(
                    source=first.source,
                    root=first.root,
                    package_dir=package_dir,
                    team_name=first.team_name,
                    scipers=list(first.scipers),
                    from_zip=first.from_zip,
                    notes=notes,
                    project=project,
                    beside=True,
                )
            )
    return sorted(found, key=lambda sub: sub.project.number)


def _from_folder(source: Path, folder: Path, project: Project) -> Submission:
    notes: list[str] = []
    if project.is_package_name(folder.name) or project.is_near_miss(folder.name):
        package_dir = folder
        if project.is_near_miss(folder.name):
            notes.append(_near_miss_note(folder.name, project))
    else:
        package_dir, note = _find_package(folder, str(folder), project)
        notes += note
    root = package_dir.parent
    return Submission(
        source=source,
        root=root,
        package_dir=package_dir,
        team_name=root.name,
        scipers=scipers_in(root.name),
        notes=notes,
        project=project,
    )


def _from_zip(zip_path: Path, work_dir, max_total_bytes: int, max_files: int, project: Project) -> Submission:
    temp = Path(tempfile.mkdtemp(prefix="n2n-submission-", dir=work_dir)).resolve()
    try:
        report = safe_extract(zip_path, temp, max_total_bytes=max_total_bytes, max_files=max_files)
        package_dir, notes = _find_package(temp, f"{zip_path} (unpacked)", project)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    notes = report.notes + notes
    if report.skipped:
        notes.append(f"left out {len(report.skipped)} macOS archive entries (__MACOSX/, .DS_Store, ._*)")
    root = package_dir.parent
    if root == temp:
        team = zip_path.stem
    else:
        team = root.name
        if zip_path.stem != team:
            notes.append(f"the zip is named {zip_path.name} but its folder is {team}; the folder name is used")
    return Submission(
        source=zip_path,
        root=root,
        package_dir=package_dir,
        team_name=team,
        scipers=scipers_in(team),
        from_zip=True,
        temp_dir=temp,
        notes=notes,
        project=project,
    )


def _near_miss_note(name: str, project: Project) -> str:
    return (
        f"package folder is named {name!r}, not {project.package!r}; accepted, "
        f"but the course required exactly {project.package}"
    )


def _subfolders(folder: Path) -> list[Path]:
    """Real (not linked) subfolders worth searching, sorted; hidden and junk folders are left out."""
    try:
        with os.scandir(folder) as it:
            found = [
                Path(e.path)
                for e in it
                if e.is_dir(follow_symlinks=False)
                and not e.name.startswith(".")
                and e.name not in ("__MACOSX", "__pycache__")
            ]
    except OSError:
        return []
    return sorted(found)


def _find_package(top: Path, shown: str, project: Project) -> tuple[Path, list[str]]:
    """The one package folder below `top`, breadth first; exact names win over near misses per level."""
    level = [top]
    for _depth in range(SEARCH_DEPTH):
        children = [c for parent in level for c in _subfolders(parent)]
        exact = [c for c in children if project.is_package_name(c.name)]
        near = [c for c in children if project.is_near_miss(c.name)]
        for group, notes in ((exact, []), (near, None)):
            if len(group) == 1:
                found = group[0]
                notes = notes if notes is not None else [_near_miss_note(found.name, project)]
                return found, notes + _other_copies_note(top, found, project)
            if len(group) > 1:
                listed = ", ".join(c.relative_to(top).as_posix() for c in group)
                raise SubmissionError(
                    f"{shown}: several candidate {project.package} folders: {listed}; "
                    "give the one to grade instead (grade accepts several paths, one per submission)",
                    [str(c) for c in group],
                )
        level = children
    raise PackageNotFound(_not_found_message(top, shown, project), [str(c) for c in _model_folders(top, project)])


def _other_copies_note(top: Path, found: Path, project: Project) -> list[str]:
    """A note naming other package folders further down (an old copy, the package inside itself), not graded."""
    others, level = [], [top]
    for _depth in range(OTHER_COPIES_DEPTH):
        level = [c for parent in level for c in _subfolders(parent)][: _LIST_AT_MOST * 50]
        others += [c for c in level if c != found and (project.is_package_name(c.name) or project.is_near_miss(c.name))]
    if not others:
        return []
    listed = ", ".join(c.relative_to(top).as_posix() for c in others[:_CANDIDATES_SHOWN])
    more = f" (and {len(others) - _CANDIDATES_SHOWN} more)" if len(others) > _CANDIDATES_SHOWN else ""
    return [
        f"graded {found.relative_to(top).as_posix()}, the shallowest {project.package} folder; also found, not "
        f"graded: {listed}{more}"
    ]


def _only_zip(folder: Path) -> Path | None:
    """The single regular .zip file at the top of `folder`, if there is exactly one."""
    try:
        zips = [
            Path(e.path)
            for e in os.scandir(folder)
            if e.name.lower().endswith(".zip") and e.is_file(follow_symlinks=False)
        ]
    except OSError:
        return None
    return zips[0] if len(zips) == 1 else None


def _model_folders(top: Path, project: Project) -> list[Path]:
    """Folders below `top` (SEARCH_DEPTH levels) holding model.py: the package under another name, perhaps.

    The other projects' folders (any spelling) are left out: they are not candidates.
    """
    others = [p for p in PROJECTS.values() if p != project]
    found, level = [], [top]
    for _depth in range(SEARCH_DEPTH):
        level = [c for parent in level for c in _subfolders(parent)]
        found += [
            c
            for c in level
            if not any(p.is_package_name(c.name) or p.is_near_miss(c.name) for p in others)
            and (c / "model.py").is_file()
        ]
    return found


def _not_found_message(top: Path, shown: str, project: Project) -> str:
    try:
        entries = sorted(e for e in top.iterdir() if e.name not in ("__MACOSX", ".DS_Store"))
    except OSError as exc:
        return f"{shown}: cannot list ({exc.strerror or exc})"
    names = [e.name + ("/" if e.is_dir() and not e.is_symlink() else "") for e in entries]
    if not names:
        seen = "it is empty"
    else:
        more = f", ... and {len(names) - _LIST_AT_MOST} more" if len(names) > _LIST_AT_MOST else ""
        seen = "top-level entries: " + ", ".join(names[:_LIST_AT_MOST]) + more
    hints = []
    if (top / "model.py").is_file():
        hints.append(f"model.py sits at the top: put the files in a folder named {project.package}")
    zips = [n for n in names if n.lower().endswith(".zip")]
    if zips:
        hints.append(f"it holds {', '.join(zips)}: unpack it or grade that zip")
    candidates = _model_folders(top, project)
    if candidates:
        listed = ", ".join(f"'{c.relative_to(top).as_posix()}/'" for c in candidates[:_CANDIDATES_SHOWN])
        more = f" (and {len(candidates) - _CANDIDATES_SHOWN} more)" if len(candidates) > _CANDIDATES_SHOWN else ""
        one = len(candidates) == 1
        hints.append(
            f"{'a folder' if one else 'folders'} under another name {'holds' if one else 'hold'} model.py: "
            f"{listed}{more}; if {'it is' if one else 'one is'} the project, rename "
            f"{'it' if one else 'that folder'} to {project.package} (the name the course required) and grade again"
        )
    hint = ("; " + "; ".join(hints)) if hints else ""
    return f"{shown}: no {project.package} folder found (searched {SEARCH_DEPTH} levels down); {seen}{hint}"
