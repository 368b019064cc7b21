"""JUnit XML: one <testsuite> per submission, one <testcase> per check (CI systems read this)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

from grader.report.details import graded_projects, key_numbers, locations, package_of, pts, shown
from grader.report.settings import mode
from grader.result import Result

# XML 1.0 forbids most control characters; student messages may carry them.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("?", str(text))


def _testsuite(result: Result) -> ET.Element:
    checks = [c for c in result.checks if shown(c)]
    counts = {s: sum(c.status == s for c in checks) for s in ("fail", "error", "skipped", "warn")}
    suite = ET.Element(
        "testsuite",
        {
            "name": _clean(result.submission),
            "tests": str(len(checks)),
            "failures": str(counts["fail"]),
            "errors": str(counts["error"]),
            "skipped": str(counts["skipped"] + counts["warn"]),  # warnings are reported as skipped notes
            "time": f"{float(result.timing.get('grading_seconds') or 0):.3f}",
        },
    )
    props = ET.SubElement(suite, "properties")
    values = {
        "score": f"{pts(result.score)}",
        "max_score": f"{pts(result.max_score)}",
        "source": result.source,
        "scipers": " ".join(result.scipers),
        "mode": mode(result) or "",
        **{f"psnr.{k}": f"{v:.4f}" for k, v in result.psnr.items() if isinstance(v, (int, float))},
        **{
            f"project{p.number}.{k}": pts(e.get(k, 0))
            for p, e in graded_projects(result)
            for k in ("score", "max_score")
        },
        **{
            k: str(result.environment[k])
            for k in ("grader_version", "submission_hash", "device")
            if k in result.environment
        },
    }
    for name, value in values.items():
        ET.SubElement(props, "property", {"name": name, "value": _clean(value)})
    for check in checks:
        seconds = check.details.get("seconds") if check.id == "model.train_time" else None
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": _clean(f"{result.submission}.{check.family}"),
                "name": _clean(check.id),
                "time": f"{float(seconds) if isinstance(seconds, (int, float)) else 0.0:.3f}",
            },
        )
        text_lines = [check.message] + [f"{k}: {v}" for k, v in key_numbers(check)]
        text_lines += [f"{loc.path}:{loc.line}: {loc.message}" for loc in locations(check, package_of(result, check))]
        body = _clean("\n".join(text_lines))
        points = f"{pts(check.score)}/{pts(check.max_score)} points" if check.max_score else "no points"
        if check.status == "fail":
            ET.SubElement(case, "failure", {"message": _clean(check.message), "type": points}).text = body
        elif check.status == "error":
            ET.SubElement(case, "error", {"message": _clean(check.message), "type": points}).text = body
        elif check.status == "skipped":
            ET.SubElement(case, "skipped", {"message": _clean(check.message)})
        elif check.status == "warn":  # a note, not a pass: JUnit has no warning, and readers show skipped apart
            ET.SubElement(
                case, "skipped", {"type": "warning", "message": _clean(f"warning ({points}): {check.message}")}
            )
            ET.SubElement(case, "system-out").text = _clean(f"WARN ({points}): " + body)
        else:
            ET.SubElement(case, "system-out").text = _clean(f"{check.status.upper()} ({points}): " + body)
    return suite


def to_junit(results: Result | Iterable[Result]) -> ET.Element:
    """The <testsuites> element for one or several results."""
    results = [results] if isinstance(results, Result) else list(results)
    root = ET.Element("testsuites", {"name": "n2n-grade"})
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    seconds = 0.0
    for result in results:
        suite = _testsuite(result)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key))
        seconds += float(suite.get("time"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{seconds:.3f}")
    return root


def render(results: Result | Iterable[Result]) -> str:
    """The JUnit XML document as text."""
    root = to_junit(results)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
