"""GitHub Actions: workflow-command annotations for findings and failed checks, and the job summary."""

from __future__ import annotations

import os
from pathlib import Path

from grader.report import markdown
from grader.report.details import locations, package_dir, package_of
from grader.result import Result

LEVEL = {"fail": "error", "error": "error", "warn": "warning"}


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF escaped (GitHub's toolkit rules)."""
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: also ':' and ','."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(
    level: str, message: str, *, file: str | None = None, line: int | None = None, title: str | None = None
) -> str:
    """One `::error file=...,line=...,title=...::message` line."""
    props = []
    if file:
        props.append(f"file={escape_property(file)}")
        if line:
            props.append(f"line={int(line)}")
    if title:
        props.append(f"title={escape_property(title)}")
    return f"::{level}{' ' + ','.join(props) if props else ''}::{escape_data(message)}"


def _repo_path(result: Result, path: str, cwd: Path) -> str:
    """A submission-relative path made relative to the repository root (the working directory)."""
    package = package_dir(result)
    if package is None:
        return path
    absolute = package.parent / path
    try:
        return os.path.relpath(absolute, cwd)
    except ValueError:
        return str(absolute)


def annotations(result: Result, *, cwd: str | Path | None = None) -> list[str]:
    """Annotations for every failed, errored or warned check: at each file/line it names, else unanchored."""
    cwd = Path(cwd or os.getcwd())
    lines = []
    for check in result.checks:
        level = LEVEL.get(check.status)
        if level is None or check.details.get("not_applicable") or check.details.get("counted") is False:
            continue
        title = check.id + (" (required)" if check.required else "")
        places = locations(check, package_of(result, check))
        for loc in places:
            # a warning-level finding inside a failed check stays a warning
            loc_level = (
                "error"
                if level == "error" and loc.severity == "error"
                else ("notice" if loc.severity == "notice" else "warning")
            )
            lines.append(
                command(loc_level, loc.message, file=_repo_path(result, loc.path, cwd), line=loc.line, title=title)
            )
        if not places:
            lines.append(command(level, check.message or check.status, title=title))
    return lines


def write_step_summary(result: Result, path: str | Path | None = None) -> Path | None:
    """Append the Markdown report to $GITHUB_STEP_SUMMARY (or `path`); None when neither is set."""
    target = path or os.environ.get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    target = Path(target)
    with target.open("a", encoding="utf-8") as fh:
        fh.write(markdown.render(result) + "\n")
    return target
