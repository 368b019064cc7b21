"""Mini-project 1's checks: declared once from project 2's, renamed mp1.*, scored per project."""

from __future__ import annotations

import pytest

from grader.checks import mp1
from grader.checks.catalog import catalog
from grader.projects import MP1, MP2, project_of
from grader.report import junit, markdown, terminal
from grader.report.gradescope import to_gradescope
from grader.report.schema import errors
from grader.report.summary import summarize
from grader.report.summary_tables import render_csv, render_text
from grader.result import Check, Result
from grader.scoring import RubricError, load_rubric, score


def test_mp1_ids_are_project_2_ids_under_mp1_without_blocks_or_architecture():
    ids = [i for i in catalog() if MP1.owns(i)]
    assert ids and all(i.startswith("mp1.") for i in ids)
    assert {i.removeprefix("mp1.") for i in ids} <= set(catalog())
    assert not any(i.startswith(("mp1.blocks.", "mp1.model.architecture", "mp1.rules.runtime_forbidden")) for i in ids)
    assert "mp1.model.pretrained_psnr" in ids and "mp1.structure.report" in ids
    assert catalog()["mp1.model.pretrained_psnr"].credit == catalog()["model.pretrained_psnr"].credit


def test_project_of_tells_the_projects_apart():
    assert project_of("mp1.model.api") == MP1 and project_of("model.api") == MP2 and project_of("blocks.ReLU.x") == MP2
    assert Check("mp1.model.api", "pass").family == "mp1.model" and Check("model.api", "pass").family == "model"


def test_as_project1_renames_ids_and_the_ids_they_name():
    checks = [
        Check("structure.import", "fail", "model.py raised"),
        Check("model.api", "skipped", "skipped (because structure.import failed)", {"because": "structure.import"}),
        Check("model.architecture", "skipped", "not for project 1"),
        Check("structure.folder_name", "pass", "graded once, with project 2"),
    ]
    renamed = mp1.as_project1(checks)
    assert [c.id for c in renamed] == ["mp1.structure.import", "mp1.model.api"]
    assert renamed[1].details["because"] == "mp1.structure.import"
    assert renamed[1].message == "skipped (because mp1.structure.import failed)"


def _two_projects() -> Result:
    result = Result(submission="Proj_123456_654321", scipers=["123456", "654321"])
    result.checks = [Check(i, "pass") for i in catalog()]
    result.check("mp1.model.pretrained_psnr").details["gain_db"] = 1.5  # half the PSNR points
    result.check("model.pretrained_psnr").details["gain_db"] = 3.0
    result.check("mp1.rules.static_imports").status = "fail"
    result.projects = {
        "1": {"package": "Miniproject_1", "graded": True, "psnr": {"noisy_input": 20.5, "pretrained": 22.0}},
        "2": {"package": "Miniproject_2", "graded": True, "psnr": {"noisy_input": 20.5, "pretrained": 23.5}},
    }
    for alternative in (c for c in result.checks if c.id.startswith("blocks.TransposeConv2d.")):
        alternative.details["not_applicable"] = True
    return score(result, load_rubric())


def test_each_project_is_scored_and_the_total_is_their_sum():
    result = _two_projects()
    one, two = result.projects["1"], result.projects["2"]
    assert two["score"] == two["max_score"] == 100
    assert one["max_score"] == 100 and one["score"] == pytest.approx(100 - 10 - 15)  # static imports, half the PSNR
    assert result.score == pytest.approx(one["score"] + two["score"])
    assert one["passed_required"] is False and two["passed_required"] is True
    assert errors(result.to_dict()) == []


def test_every_view_shows_both_projects_and_the_total():
    result = _two_projects()
    text = terminal.render(result)
    assert "Projects: project 1: 75/100, project 2: 100/100" in text and "Score: 175 / 200" in text
    assert "Mini-project 1: rules" in text
    md = markdown.render(result)
    assert "project 1: 75/100" in md and "Mini-project 1 (full PyTorch): PSNR" in md
    xml = junit.render(result)
    assert 'name="project1.score" value="75"' in xml
    gradescope = to_gradescope(result)
    assert gradescope["score"] == 175 and gradescope["extra_data"]["projects"]["1"]["score"] == 75
    assert "project1" in next(t for t in gradescope["tests"] if t["name"].startswith("mp1.model.api"))["tags"]
    summary = summarize([result])
    assert summary.rows[0].projects["1"]["score"] == 75
    assert summary.stats["project1_passed"]["mean"] == 0 and summary.stats["project2_passed"]["mean"] == 1
    assert "project 1" in render_text(summary, "github")
    assert "project1_score" in render_csv(summary).splitlines()[0]


def test_rubric_sections_of_project_1_are_checked(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[mp1]\ntorchvision = "maybe"\n')
    with pytest.raises(RubricError, match="torchvision"):
        load_rubric(bad)
    bad.write_text('[reports]\nseverity = "loud"\n')
    with pytest.raises(RubricError, match="severity"):
        load_rubric(bad)
    assert load_rubric().mp1 == {"torchvision": "warn"} and load_rubric().reports == {"severity": "warn"}
