"""Every view says fast or full; a class table of mixed settings is flagged; warnings are notes, not passes
(issue 14 items 5 and 6)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from click.testing import CliRunner

from grader.cli import main
from grader.report import gradescope, html_report, junit, markdown, schema, summary_writer, terminal
from grader.report.summary import summarize_folder
from grader.report.views import write_views
from grader.result import Check
from grader.scoring import load_rubric, score


def _full(result):
    result.environment.update(fast=False, n_train=50000, n_val=1000)
    return result


def test_every_view_of_one_result_says_fast_or_full(make_result):
    fast = make_result()
    full = _full(make_result())
    for result, word in ((fast, "fast mode"), (full, "full mode")):
        assert word in terminal.render(result, width=120)
        assert word in markdown.render(result)
        assert word in html_report.render(result)
        data = gradescope.to_gradescope(result)
        assert word in data["output"] and data["extra_data"]["mode"] == word.split()[0]
        props = {p.get("name"): p.get("value") for p in ET.fromstring(junit.render(result)).iter("property")}
        assert props["mode"] == word.split()[0]


def test_summary_says_the_mode_and_warns_or_refuses_on_mixed_settings(tmp_path, make_result):
    same = tmp_path / "same"
    for team in ("Proj_100001_100002", "Proj_200001_200002"):
        write_views(make_result(team), same / team)
    summary = summarize_folder(same)
    assert summary.mixed == [] and summary.settings["mode"] == ["fast"]
    for fmt in ("github", "simple", "html"):
        assert "Graded in fast mode" in summary_writer.render(summary, fmt)
    assert CliRunner().invoke(main, ["summary", str(same), "--strict"]).exit_code == 0

    mixed = tmp_path / "mixed"
    write_views(make_result("Proj_100001_100002"), mixed / "Proj_100001_100002")
    other = _full(make_result("Proj_200001_200002"))
    other.environment["rubric_digest"] = "fedcba9876543210"
    write_views(other, mixed / "Proj_200001_200002")
    summary = summarize_folder(mixed)
    assert len(summary.mixed) == 2 and "mode (fast/full)" in summary.mixed[0] and "rubric" in summary.mixed[1]
    schema.validate(json.loads(summary_writer.render(summary, "json")), "summary")
    assert "WARNING: results graded with different mode" in summary_writer.render(summary, "github")
    warned = CliRunner().invoke(main, ["summary", str(mixed)])
    assert warned.exit_code == 0 and "grade summary: warning: results graded with different mode" in warned.stderr
    refused = CliRunner().invoke(main, ["summary", str(mixed), "--strict"])
    assert refused.exit_code == 2 and "error: results graded with different rubric" in refused.stderr
    assert refused.stdout == ""


def _with_warning(make_result):
    result = make_result()
    result.checks.append(Check("structure.report", "warn", "Report_2.pdf is missing"))
    return score(result, load_rubric())


def test_gradescope_shows_a_warning_as_a_note_not_passed(make_result):
    data = gradescope.to_gradescope(_with_warning(make_result))
    schema.validate(data, "gradescope")
    (test,) = [t for t in data["tests"] if t["name"].startswith("structure.report")]
    assert "status" not in test and test["name"].endswith("(note)") and "note" in test["tags"]
    assert test["output"].startswith("NOTE (a warning, not a failure): Report_2.pdf is missing")
    assert test["score"] == test["max_score"] == 0.5  # warn_factor 1: no points lost


def test_junit_shows_a_warning_as_a_skipped_note_not_a_pass(make_result):
    suite = ET.fromstring(junit.render(_with_warning(make_result))).find("testsuite")
    (case,) = [c for c in suite.findall("testcase") if c.get("name") == "structure.report"]
    skipped = case.find("skipped")
    assert (
        skipped is not None and skipped.get("type") == "warning" and "Report_2.pdf is missing" in skipped.get("message")
    )
    assert int(suite.get("skipped")) == sum(c.find("skipped") is not None for c in suite.findall("testcase"))


def test_points_have_at_most_two_decimals_in_every_view(make_result):
    """Issue 14 item 8: 14.666… points read 14.67 everywhere."""
    result = make_result()
    result.checks[0].score, result.checks[0].max_score = 2 / 3, 1.0
    result.score = 40 / 3
    texts = [
        terminal.render(result, width=200),
        markdown.render(result),
        html_report.render(result),
        junit.render(result),
    ]
    for text in texts:
        assert "13.33" in text and "13.333" not in text and "0.666" not in text and "0.67/1" in text.replace(" ", "")


def test_pass_rate_bars_are_coloured_by_rate():
    """Issue 14 item 8: a 10 % pass rate does not look like a 100 % one."""
    from grader.report.html_page import bar

    assert 'class="bar"' in bar(1.0) and 'class="bar mid"' in bar(0.6) and 'class="bar low"' in bar(0.1)


def test_html_pages_explain_every_status_they_can_show(make_result, tmp_path):
    """Issue 14 item 8: the legends are complete."""
    page = html_report.render(make_result())
    for status in ("pass", "fail", "warn", "error", "skipped"):
        assert f'<span class="badge b-{status}">{status}</span>' in page.split("<ul class='legend'>")[1]
    write_views(make_result(), tmp_path / "t")
    summary_page = summary_writer.render(summarize_folder(tmp_path), "html")
    for status in ("incomplete", "not_gradable", "error"):
        assert f"b-{status}" in summary_page.split("<ul class='legend'>")[1]
