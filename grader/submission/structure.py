"""The `structure.*` checks: files, names and checkpoint sanity, read from disk only.

Nothing here imports or runs submission code, and nothing is unpickled: formats
are told apart by their first bytes (see sniff.py). Scores stay 0; the rubric
assigns points. Check ids:

- `structure.layout`      Miniproject_2 with model.py (fail) and __init__.py (warn)
- `structure.folder_name` Proj_SCIPER1_SCIPER2[_SCIPER3]; warn only, as the course did
- `structure.bestmodel`   bestmodel.pth present, real (not an LFS pointer), sized sanely
- `structure.report`      Report_2.pdf (Report_1.pdf) present, a readable PDF of at most 3 pages, read with
                          pypdf (page count and title in details); warn only by default: people grade it
- `structure.files`       hints of trouble: links, sourceless bytecode, big or many files
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.checks.declare import check
from grader.result import Check, Status
from grader.submission.limits import MAX_TOTAL_BYTES, MiB
from grader.submission.locate import Submission
from grader.submission.naming import TEAM_PATTERN, scipers_in
from grader.submission.sniff import parse_lfs_pointer, read_head, sniff_format
from grader.submission.walk import Entry, walk

LAYOUT = check("structure.layout", 2, "a Miniproject_2 package with __init__.py and model.py was found", required=True)
FOLDER_NAME = check(
    "structure.folder_name",
    0.5,
    "the team folder is named Proj_SCIPER1_SCIPER2[_SCIPER3] (warning only)",
    warn_only=True,
)
BESTMODEL = check(
    "structure.bestmodel", 1.5, "bestmodel.pth is present, not a Git LFS pointer, not empty, not oversized"
)
REPORT = check(
    "structure.report",
    0.5,
    "Report_2.pdf is present, a readable PDF of at most 3 pages (warning only by default; people grade the report)",
    warn_only=True,
)
REPORT_MAX_PAGES = 3  # the handout's limit
REPORT_MAX_BYTES = 50 * MiB  # larger files are not parsed
FILES = check(
    "structure.files", 0.5, "no stray bytecode-only modules, huge or numerous files (warning only)", warn_only=True
)
CHECKS = (LAYOUT, FOLDER_NAME, BESTMODEL, REPORT, FILES)

BESTMODEL_NAME = "bestmodel.pth"
BESTMODEL_WARN_BYTES = 50 * MiB
BESTMODEL_FAIL_BYTES = 200 * MiB
LARGE_FILE_BYTES = 20 * MiB
MANY_FILES = 200
WALK_LIMIT = 10_000
CHECKPOINT_SUFFIXES = (".pth", ".pt", ".pkl", ".ckpt")
COURSE_DATA_FILES = frozenset({"train_data.pkl", "val_data.pkl"})
LOADABLE_FORMATS = {
    "torch-zip": "torch.save zip format",
    "torch-legacy": "legacy torch.save format",
    "pickle": "pickle format",
}


@dataclass
class _Tree:
    """One listing of the package (junk included), shared by all checks."""

    entries: list[Entry]
    truncated: bool
    root_files: list[Path]
    error: str | None = None

    def top(self, name: str) -> Entry | None:
        return next((e for e in self.entries if e.rel == name), None)

    def files(self) -> list[Entry]:
        return [e for e in self.entries if e.kind == "file" and not e.junk]


def _list(sub: Submission) -> _Tree:
    error = None
    try:
        entries = list(itertools.islice(walk(sub.package_dir, include_junk=True), WALK_LIMIT + 1))
    except OSError as exc:
        entries, error = [], f"cannot list {sub.package_dir} ({exc.strerror or exc})"
    try:
        root_files = sorted(p for p in sub.root.iterdir() if p.is_file() and not p.is_symlink())
    except OSError:
        root_files = []
    return _Tree(entries[:WALK_LIMIT], len(entries) > WALK_LIMIT, root_files, error)


def structure_checks(sub: Submission, *, report_severity: str = Status.WARN) -> list[Check]:
    """The five `structure.*` checks of a located submission, in a fixed order.

    `report_severity` is the status of a missing, unreadable or too long report (the rubric's
    `[reports] severity`: warn by default, as the report is graded by people).
    """
    tree = _list(sub)
    return [
        _layout(sub, tree),
        _folder_name(sub),
        _bestmodel(sub, tree),
        _report(sub, tree, Status(report_severity)),
        _files(tree),
    ]


def _mib(n: int) -> str:
    """A size as a person reads it: bytes, KiB under 1 MiB (a 20 KiB report is not '0.0 MiB'), else MiB."""
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.0f} KiB" if n < MiB else f"{n / MiB:.1f} MiB"


def _verdict(fails: list[str], warns: list[str]) -> str:
    return Status.FAIL if fails else Status.WARN if warns else Status.PASS


def _elsewhere(sub: Submission, tree: _Tree, wanted) -> list[str]:
    """Paths (relative to the root) of non-junk files anywhere in the package or at the root matching `wanted(name)`."""
    pkg = sub.package_dir.name
    found = [f"{pkg}/{e.rel}" for e in tree.files() if wanted(PurePosixPath(e.rel).name)]
    found += [p.name for p in tree.root_files if wanted(p.name)]
    return found


def _layout(sub: Submission, tree: _Tree) -> Check:
    fails: list[str] = []
    warns: list[str] = []
    hints: list[str] = []
    if tree.error:
        fails.append(tree.error)
    model = tree.top("model.py")
    init = tree.top("__init__.py")
    if model is None:
        fails.append(f"no model.py in {sub.package_dir.name}/: it is the entry point the grader imports")
        hints += [
            f"found {p}: it must be {sub.project.package}/model.py"
            for p in _elsewhere(sub, tree, lambda n: n.lower() == "model.py")
        ]
        bytecode = [
            e.rel
            for e in tree.entries
            if e.junk
            and e.kind == "file"
            and PurePosixPath(e.rel).name.split(".")[0] == "model"
            and e.rel.endswith((".pyc", ".pyo"))
        ]
        if bytecode:
            hints.append(f"found only compiled {', '.join(bytecode)}: the grader runs sources, never bytecode")
    elif model.kind == "symlink":
        fails.append("model.py is a symbolic link: the grader copies regular files only; put the file itself")
    elif model.kind != "file":
        fails.append("model.py is not a regular file")
    elif model.size == 0:
        fails.append("model.py is empty")
    if init is None:
        warns.append(
            "no __init__.py: Python 3 imports the folder as a namespace package, "
            "but the course required an (empty) __init__.py"
        )
    elif init.kind != "file":
        warns.append("__init__.py is not a regular file (the private copy skips it)")
    if sub.package_dir.name != sub.project.package:
        warns.append(
            f"the folder is named {sub.package_dir.name!r}: the course required exactly "
            f"{sub.project.package!r} (accepted here; other graders are case-sensitive)"
        )
    status = _verdict(fails, warns)
    if status == Status.PASS:
        message = f"{sub.project.package}/ holds __init__.py and model.py"
    else:
        message = "; ".join(fails + warns + hints)
    return Check(
        LAYOUT.id,
        status,
        message,
        details={
            "package_dir": str(sub.package_dir),
            "package_name": sub.package_dir.name,
            "has_model": model is not None and model.kind == "file",
            "has_init": init is not None and init.kind == "file",
            "model_bytes": model.size if model is not None and model.kind == "file" else None,
            "hints": hints,
        },
    )


def _folder_name(sub: Submission) -> Check:
    name = sub.team_name
    scipers = scipers_in(name)
    expected = "Proj_SCIPER1_SCIPER2[_SCIPER3] (6-digit SCIPERs)"
    details = {"team_name": name, "scipers": scipers, "expected": expected}
    if TEAM_PATTERN.fullmatch(name):
        if len(set(scipers)) < len(scipers):
            return Check(
                FOLDER_NAME.id,
                Status.WARN,
                f"team folder {name!r} repeats a SCIPER; list each member once",
                details=details,
            )
        return Check(FOLDER_NAME.id, Status.PASS, f"team folder {name!r} names {len(scipers)} SCIPERs", details=details)
    if re.fullmatch(r"Proj_\d{6}", name):
        problem = "names one SCIPER; teams had two or three members"
    elif re.fullmatch(r"Proj(_\d{6}){4,}", name):
        problem = f"names {len(scipers)} SCIPERs; teams had two or three members"
    elif re.fullmatch(r"proj[_\- ]?(\d{6}[_\- ]?){1,3}", name, re.IGNORECASE):
        problem = f"is close but not exact: write it as {expected}"
    else:
        problem = f"does not match {expected}"
    return Check(
        FOLDER_NAME.id,
        Status.WARN,
        f"team folder {name!r} {problem} (a warning only, as in the course's own check)",
        details=details,
    )


def _bestmodel(sub: Submission, tree: _Tree) -> Check:
    entry = tree.top(BESTMODEL_NAME)
    details: dict = {"path": f"{sub.package_dir.name}/{BESTMODEL_NAME}"}
    if entry is None:
        others = _elsewhere(sub, tree, lambda n: n.lower().endswith(CHECKPOINT_SUFFIXES) and n not in COURSE_DATA_FILES)
        details["candidates"] = others
        message = f"no {BESTMODEL_NAME} next to model.py: the pretrained-model checks will be skipped"
        if others:
            message += (
                f"; found {', '.join(others)}: the API requires "
                f"{sub.project.package}/{BESTMODEL_NAME} (exact name, next to model.py)"
            )
        return Check(BESTMODEL.id, Status.FAIL, message, details=details)
    if entry.kind == "symlink":
        return Check(
            BESTMODEL.id,
            Status.FAIL,
            f"{BESTMODEL_NAME} is a symbolic link: the grader copies regular files only",
            details=details,
        )
    if entry.kind != "file":
        return Check(BESTMODEL.id, Status.FAIL, f"{BESTMODEL_NAME} is not a regular file", details=details)
    details["size_bytes"] = entry.size
    fmt = sniff_format(entry.path)
    details["format"] = fmt
    fails: list[str] = []
    warns: list[str] = []
    if fmt == "empty":
        fails.append(f"{BESTMODEL_NAME} is empty (0 bytes): save the trained weights into it")
    elif fmt == "lfs-pointer":
        pointer = parse_lfs_pointer(read_head(entry.path))
        details["lfs_oid"], details["lfs_size"] = pointer.oid, pointer.size
        real = f" ({pointer.size} bytes)" if pointer.size is not None else ""
        fails.append(
            f"{BESTMODEL_NAME} is a Git LFS pointer ({entry.size} bytes of text), not the weights: "
            f"run `git lfs pull` and submit the real file{real}"
        )
    elif fmt == "html":
        fails.append(f"{BESTMODEL_NAME} is an HTML page (a failed download?), not saved weights")
    elif fmt == "zip-corrupt":
        fails.append(
            f"{BESTMODEL_NAME} starts like a torch.save archive but cannot be read: "
            "truncated or corrupt (an interrupted upload?); save and submit it again"
        )
    elif fmt == "zip":
        warns.append(f"{BESTMODEL_NAME} is a zip archive without data.pkl: not what torch.save writes")
    elif fmt not in LOADABLE_FORMATS:
        warns.append(
            f"{BESTMODEL_NAME} is in no format we recognize ({fmt}); "
            "loading may still work if load_pretrained_model reads it its own way"
        )
    if entry.size > BESTMODEL_FAIL_BYTES:
        fails.append(f"{BESTMODEL_NAME} is {_mib(entry.size)}, over the {_mib(BESTMODEL_FAIL_BYTES)} limit")
    elif entry.size > BESTMODEL_WARN_BYTES:
        warns.append(
            f"{BESTMODEL_NAME} is {_mib(entry.size)}, large for this network "
            f"(over {_mib(BESTMODEL_WARN_BYTES)}): did it save more than the weights?"
        )
    status = _verdict(fails, warns)
    if status == Status.PASS:
        message = f"{BESTMODEL_NAME}: {_mib(entry.size)}, {LOADABLE_FORMATS[fmt]}"
    else:
        message = "; ".join(fails + warns)
    return Check(BESTMODEL.id, status, message, details=details)


def _report(sub: Submission, tree: _Tree, severity: Status = Status.WARN) -> Check:
    report_name = sub.project.report_name  # Report_1.pdf or Report_2.pdf
    entry = tree.top(report_name)
    details: dict = {"path": f"{sub.package_dir.name}/{report_name}"}
    if entry is None or entry.kind != "file":
        others = _elsewhere(sub, tree, lambda n: n.lower().endswith(".pdf"))
        details["other_pdfs"] = others
        what = "is not a regular file" if entry is not None else "is missing"
        message = f"{report_name} {what} (the report is graded separately)"
        if others:
            message += f"; found {', '.join(others)}: the course asked for {sub.project.package}/{report_name}"
        return Check(REPORT.id, severity, message, details=details)
    details["size_bytes"] = entry.size
    if sniff_format(entry.path) != "pdf":
        return Check(
            REPORT.id,
            severity,
            f"{report_name} does not start with %PDF-: it is not a PDF file",
            details=details,
        )
    if entry.size > REPORT_MAX_BYTES:
        details["readable"] = None
        return Check(REPORT.id, severity, f"{report_name} is {_mib(entry.size)}: too large to read", details=details)
    pages, title, error = read_pdf(entry.path)
    details.update({"readable": error is None, "pages": pages, "title": title})
    if error is not None:
        details["error"] = error
        return Check(REPORT.id, severity, f"{report_name} is not a readable PDF ({error})", details=details)
    titled = f", title {title!r}" if title else ""
    if pages > REPORT_MAX_PAGES:
        return Check(
            REPORT.id,
            severity,
            f"{report_name} has {pages} pages, over the handout's limit of {REPORT_MAX_PAGES}{titled}",
            details=details,
        )
    shown = f"{_mib(entry.size)}, {pages} page{'s' if pages != 1 else ''}"
    return Check(REPORT.id, Status.PASS, f"{report_name} present ({shown}){titled}", details=details)


def read_pdf(path: Path) -> tuple[int | None, str | None, str | None]:
    """(pages, title, None) of a PDF, or (None, None, why) when pypdf cannot read it.

    pypdf only parses (pure Python, nothing in the file runs); the file's size is bounded before.
    """
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about sloppy files would go to stderr
    try:
        from pypdf import PdfReader

        reader = PdfReader(str(path), strict=False)
        pages = len(reader.pages)
        meta = reader.metadata
        title = str(meta.title).strip() if meta is not None and meta.title else None
        if not title and pages:  # no /Title: the first line of text on the first page
            lines = (reader.pages[0].extract_text() or "").strip().splitlines()
            title = lines[0].strip()[:200] if lines else None
        return pages, title or None, None
    except Exception as exc:  # any parse error is the file's problem, said plainly
        return None, None, f"{type(exc).__name__}: {str(exc)[:200]}"


def _sourceless_bytecode(tree: _Tree) -> list[str]:
    """Compiled files (`.pyc`) whose `.py` source is not in the package."""
    sources = {e.rel for e in tree.entries if e.kind == "file" and e.rel.endswith(".py")}
    lonely = []
    for e in tree.entries:
        if e.kind != "file" or not e.rel.endswith((".pyc", ".pyo")):
            continue
        p = PurePosixPath(e.rel)
        folder = p.parent.parent if p.parent.name == "__pycache__" else p.parent
        source = (folder / (p.name.split(".")[0] + ".py")).as_posix()
        if source not in sources:
            lonely.append(e.rel)
    return lonely


def _files(tree: _Tree) -> Check:
    files = tree.files()
    total = sum(e.size for e in files)
    large = [e.rel for e in files if e.size > LARGE_FILE_BYTES and e.rel != BESTMODEL_NAME]
    links = [e.rel for e in tree.entries if e.kind == "symlink" and not e.junk]
    special = [e.rel for e in tree.entries if e.kind == "other" and not e.junk]
    data = [e.rel for e in files if PurePosixPath(e.rel).name in COURSE_DATA_FILES]
    lonely = _sourceless_bytecode(tree)
    warns = []
    if tree.truncated:
        warns.append(f"more than {WALK_LIMIT} entries: listing stopped there")
    if len(files) > MANY_FILES:
        warns.append(f"{len(files)} files, more than the {MANY_FILES} a submission plausibly needs")
    if total > MAX_TOTAL_BYTES:
        warns.append(
            f"{_mib(total)} in all: over the {_mib(MAX_TOTAL_BYTES)} the grader copies, so grading will refuse it"
        )
    if large:
        warns.append(f"files over {_mib(LARGE_FILE_BYTES)}: {', '.join(large)}")
    if data:
        warns.append(f"course data files included ({', '.join(data)}): not needed, remove them")
    if links:
        warns.append(f"symbolic links, skipped by the grader's copy: {', '.join(links)}")
    if special:
        warns.append(f"special files (device, FIFO, socket), skipped: {', '.join(special)}")
    if lonely:
        warns.append(
            f"compiled files without their source: {', '.join(lonely)}; "
            "the grader never runs bytecode, include the .py files"
        )
    details = {
        "file_count": len(files),
        "total_bytes": total,
        "large_files": large,
        "symlinks": links,
        "special_files": special,
        "course_data_files": data,
        "sourceless_bytecode": lonely,
        "truncated": tree.truncated,
    }
    if not warns:
        return Check(FILES.id, Status.PASS, f"{len(files)} files, {_mib(total)}: nothing unusual", details=details)
    return Check(FILES.id, Status.WARN, "; ".join(warns), details=details)
