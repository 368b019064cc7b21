"""result.json, Gradescope results.json, JUnit XML and Markdown: each view parsed back and checked."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from grader.report import gradescope, junit, markdown, schema
from grader.report.views import FILES, write_views
from grader.result import Result


def test_result_json_matches_the_schema_and_round_trips(make_result):
    result = make_result(forbidden=True, conv_ok=False)
    data = json.loads(result.to_json())
    schema.validate(data, "result")
    assert Result.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    "breakage",
    [
        lambda d: d["checks"][0].update(status="passed"),
        lambda d: d.pop("checks"),
        lambda d: d.update(scipers=["12345"]),
        lambda d: d["checks"][0].update(score=-1),
        lambda d: d["environment"].update(device="tpu"),
    ],
)
def test_the_result_schema_rejects_broken_results(make_result, breakage):
    data = json.loads(make_result().to_json())
    breakage(data)
    with pytest.raises(jsonschema.ValidationError):
        schema.validate(data, "result")


def test_gradescope_results_follow_the_schema_and_the_score(make_result, nasty):
    result = make_result(forbidden=True, conv_ok=False, message_extra=nasty)
    data = json.loads(gradescope.render(result))
    schema.validate(data, "gradescope")
    assert data["score"] == result.score
    by_name = {t["name"].split(" ")[0]: t for t in data["tests"]}
    # the not-applicable upsampling variant is not a test; every other check is
    assert "blocks.TransposeConv2d.forward" not in by_name
    assert len(data["tests"]) == len(result.checks) - 1
    assert by_name["blocks.Conv2d.forward"]["status"] == "failed"
    assert by_name["blocks.Conv2d.forward"]["max_score"] == result.check("blocks.Conv2d.forward").max_score
    assert by_name["structure.layout"]["status"] == "passed"
    assert "Miniproject_2/others/layers.py:12" in by_name["rules.static_imports"]["output"]
    assert by_name["rules.static_imports"]["name"].endswith("(required)")
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(result.score)


def test_gradescope_rejects_an_unknown_visibility(make_result):
    with pytest.raises(ValueError, match="visibility"):
        gradescope.to_gradescope(make_result(), visibility="public")
    assert gradescope.to_gradescope(make_result(), visibility="hidden")["tests"][0]["visibility"] == "hidden"


def test_junit_xml_parses_with_one_testcase_per_check(make_result, nasty):
    good = make_result()
    bad = make_result(
        "Proj_111111_222222",
        scipers=("111111", "222222"),
        forbidden=True,
        conv_ok=False,
        pretrained=None,
        message_extra=nasty,
    )
    root = ET.fromstring(junit.render([good, bad]).encode())
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [good.submission, bad.submission]
    bad_suite = suites[1]
    cases = bad_suite.findall("testcase")
    assert len(cases) == int(bad_suite.get("tests")) == len(bad.checks) - 1
    failed = {c.get("name") for c in cases if c.find("failure") is not None}
    assert failed == {c.id for c in bad.checks if c.status == "fail"}
    assert int(root.get("failures")) == len(failed)
    skipped = {c.get("name") for c in cases if c.find("skipped") is not None}
    assert "model.pretrained_psnr" in skipped
    failure = next(c for c in cases if c.get("name") == "rules.static_imports").find("failure")
    assert "Miniproject_2/others/layers.py:12" in failure.text
    assert "\x01" not in failure.get("message")  # XML 1.0 cannot carry control characters
    props = {p.get("name"): p.get("value") for p in bad_suite.find("properties")}
    assert props["scipers"] == "111111 222222" and float(props["score"]) == bad.score


def test_markdown_tables_keep_their_columns_with_pipes_in_messages(make_result, nasty):
    text = markdown.render(make_result(conv_ok=False, forbidden=True, message_extra=nasty))
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows, text
    for row in rows:
        # an unescaped pipe would add a column: count separators outside escapes
        assert row.replace("\\|", "").count("|") == 5, row
    assert "<script>" not in text
    assert "`Miniproject_2/model.py:80`" not in text  # model.load_pretrained passed here
    assert "`Miniproject_2/others/layers.py:12`" in text


def test_markdown_lists_where_a_student_exception_happened(make_result):
    text = markdown.render(make_result(pretrained=None))
    assert "`Miniproject_2/model.py:80` (model.load_pretrained)" in text


def test_write_views_writes_every_file_and_no_temporaries(tmp_path, make_result):
    written = write_views(make_result(), tmp_path / "team")
    assert set(written) == set(FILES)
    assert sorted(p.name for p in (tmp_path / "team").iterdir()) == sorted(FILES)
    schema.validate(json.loads((tmp_path / "team" / "result.json").read_text()), "result")
    schema.validate(json.loads((tmp_path / "team" / "results.json").read_text()), "gradescope")
