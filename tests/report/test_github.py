"""GitHub Actions annotations and the job summary."""

from __future__ import annotations

import re

from grader.report import github

# ::level props::message  (props: key=value pairs separated by commas)
COMMAND = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _parse(line: str) -> tuple[str, dict, str]:
    match = COMMAND.match(line)
    assert match, line
    props = dict(p.split("=", 1) for p in match[2].split(",")) if match[2] else {}
    return match[1], props, match[3]


def test_findings_become_annotations_at_their_file_and_line(make_result, tmp_path):
    repo = tmp_path / "repo"
    result = make_result(forbidden=True, package_dir=str(repo / "Miniproject_2"))
    lines = github.annotations(result, cwd=repo)
    parsed = [_parse(line) for line in lines]
    at = {(p.get("file"), p.get("line")): (level, p.get("title")) for level, p, _ in parsed}
    assert at[("Miniproject_2/others/layers.py", "12")] == ("error", "rules.static_imports (required)")
    # a warning-level finding inside a failed check stays a warning
    assert at[("Miniproject_2/model.py", "3")][0] == "warning"
    assert all(level != "error" or p.get("title", "").startswith("rules.") for level, p, _ in parsed)


def test_failed_checks_without_a_place_are_unanchored_errors(make_result, tmp_path):
    result = make_result(conv_ok=False, pretrained=None, package_dir=str(tmp_path / "Miniproject_2"))
    parsed = [_parse(line) for line in github.annotations(result, cwd=tmp_path)]
    conv = [p for level, p, _ in parsed if p.get("title") == "blocks.Conv2d.forward (required)"]
    assert conv == [{"title": "blocks.Conv2d.forward (required)"}]
    load = [p for level, p, _ in parsed if p.get("title") == "model.load_pretrained"]
    assert load == [{"file": "Miniproject_2/model.py", "line": "80", "title": "model.load_pretrained"}]
    assert not any(p.get("title", "").startswith("structure.layout") for _, p, _ in parsed)  # passed


def test_messages_and_properties_are_escaped(nasty):
    line = github.command("error", nasty + "\r", file="a,b:c.py", line=3, title="x: y, z")
    assert "\n" not in line and "\r" not in line
    level, props, message = _parse(line)
    assert props == {"file": "a%2Cb%3Ac.py", "line": "3", "title": "x%3A y%2C z"}
    assert "100%25 done" in message and "%0Asecond line" in message and message.endswith("%0D")


def test_step_summary_is_appended(make_result, tmp_path, monkeypatch):
    target = tmp_path / "summary.md"
    target.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(target))
    assert github.write_step_summary(make_result(conv_ok=False)) == target
    text = target.read_text()
    assert text.startswith("earlier step\n") and "| ❌ | `blocks.Conv2d.forward`" in text
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert github.write_step_summary(make_result()) is None
