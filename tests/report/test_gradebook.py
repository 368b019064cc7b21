"""Instructor bookkeeping (issue 14 item 11): roster join, late penalties, adjustments, Moodle/Canvas CSVs,
and `grade summary --compare OLD NEW`."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from grader.cli import main
from grader.report.views import write_views


def _class(folder, make_result, conv_ok=True):
    write_views(make_result("Proj_100001_100002", scipers=("100001", "100002")), folder / "Proj_100001_100002")
    write_views(
        make_result("Proj_200001_200002", scipers=("200001", "200002"), conv_ok=conv_ok), folder / "Proj_200001_200002"
    )
    return folder


def _files(tmp_path):
    (tmp_path / "roster.csv").write_text(
        "SCIPER,Name,Email\n100001,Ada L,ada@epfl.ch\n100002,Bob M,bob@epfl.ch\n200001,Cy N,cy@epfl.ch\n"
        "200002,Di O,di@epfl.ch\n300001,Ed P,ed@epfl.ch\n"
    )
    (tmp_path / "adjustments.toml").write_text(
        '[[adjustment]]\nteam = "Proj_100001_100002"\npoints = -1.5\nreason = "report late by email"\n'
    )
    (tmp_path / "times.csv").write_text(
        "team,submitted\nProj_100001_100002,2022-05-27T22:00:00+02:00\nProj_200001_200002,2022-05-29T08:00:00+02:00\n"
    )
    (tmp_path / "rubric.toml").write_text("[late]\npercent_per_day = 10\ncap_percent = 50\n")


def _gradebook(tmp_path, folder, fmt):
    args = ["summary", str(folder), "--format", fmt, "--roster", str(tmp_path / "roster.csv")]
    args += ["--adjustments", str(tmp_path / "adjustments.toml"), "--submitted", str(tmp_path / "times.csv")]
    args += ["--deadline", "2022-05-27T23:59:00+02:00", "--rubric", str(tmp_path / "rubric.toml")]
    run = CliRunner().invoke(main, args)
    assert run.exit_code == 0, run.output
    return list(csv.DictReader(io.StringIO(run.stdout)))


def test_gradebook_joins_the_roster_and_applies_late_penalties_and_adjustments(tmp_path, make_result):
    folder = _class(tmp_path / "out", make_result)
    _files(tmp_path)
    rows = {r["sciper"]: r for r in _gradebook(tmp_path, folder, "gradebook")}
    assert rows["100001"]["name"] == "Ada L" and rows["100001"]["email"] == "ada@epfl.ch"
    on_time, late = rows["100001"], rows["200001"]
    assert on_time["late_days"] == "0" and float(on_time["final"]) == float(on_time["score"]) - 1.5
    assert "report late by email" in on_time["reasons"]
    assert late["late_days"] == "2" and late["late_percent"] == "20"  # 1 day 8 h: two started days
    assert float(late["final"]) == round(float(late["score"]) * 0.8, 2)
    assert rows["300001"]["status"] == "no submission" and rows["300001"]["final"] == ""


def test_moodle_and_canvas_layouts(tmp_path, make_result):
    folder = _class(tmp_path / "out", make_result)
    _files(tmp_path)
    moodle = _gradebook(tmp_path, folder, "moodle")
    assert list(moodle[0]) == ["ID number", "Email address", "Name", "n2n-grade", "Feedback"]
    assert {r["ID number"] for r in moodle} == {"100001", "100002", "200001", "200002", "300001"}
    canvas = _gradebook(tmp_path, folder, "canvas")
    assert list(canvas[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def test_bad_bookkeeping_files_are_usage_errors(tmp_path, make_result):
    folder = _class(tmp_path / "out", make_result)
    (tmp_path / "adj.toml").write_text('[[adjustment]]\nteam = "nobody"\npoints = 1\nreason = "x"\n')
    run = CliRunner().invoke(
        main, ["summary", str(folder), "--format", "gradebook", "--adjustments", str(tmp_path / "adj.toml")]
    )
    assert run.exit_code == 2 and "no result: nobody" in run.output
    run = CliRunner().invoke(main, ["summary", str(folder), "--roster", str(tmp_path / "adj.toml")])
    assert run.exit_code == 2 and "--format gradebook" in run.output


def test_compare_lists_what_a_regrade_changed(tmp_path, make_result):
    old = _class(tmp_path / "old", make_result, conv_ok=False)
    new = _class(tmp_path / "new", make_result, conv_ok=True)
    run = CliRunner().invoke(main, ["summary", "--compare", str(old), str(new)])
    assert run.exit_code == 0, run.output
    lines = run.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Proj_200001_200002: score ")
    assert "status fail → pass" in lines[0] and "no longer failing: blocks.Conv2d.forward" in lines[0]
    same = CliRunner().invoke(main, ["summary", "--compare", str(old), str(old)])
    assert same.exit_code == 0 and "no team's score" in same.stdout
