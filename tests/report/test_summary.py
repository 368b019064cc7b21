"""The class summary: rows, statistics, pass rates, and every format read back."""

from __future__ import annotations

import csv
import io
import json
import statistics

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.report import schema, summary_tables, summary_writer
from grader.report.summary import SummaryError, summarize, summarize_folder
from grader.report.views import write_views


@pytest.fixture
def class_dir(tmp_path, make_result):
    """Three graded teams and one error record, written the way a batch writes them."""
    teams = [
        make_result("Proj_100001_100002", scipers=("100001", "100002"), pretrained=25.0),
        make_result(
            "Proj_200001_200002_200003", scipers=("200001", "200002", "200003"), conv_ok=False, pretrained=23.0
        ),
        make_result("no_sciper_team", scipers=(), forbidden=True, pretrained=None, epoch=None),
    ]
    for r in teams:
        write_views(r, tmp_path / r.submission)
    from grader.batch import Task, error_result

    crashed = error_result(Task(3, tmp_path / "x.zip", "crashed_team"), "grader.timeout", "took too long", {})
    write_views(crashed, tmp_path / "crashed_team")
    return tmp_path, teams


def test_rows_statistics_and_pass_rates(class_dir):
    folder, teams = class_dir
    s = summarize_folder(folder)
    assert [r.team for r in s.rows][-1] == "crashed_team"  # not graded: last, without a score
    assert s.count("pass") + s.count("fail") + s.count("error") == 4 and s.count("error") == 1
    graded_scores = [t.score for t in teams]
    assert s.stats["score"]["n"] == 3
    assert s.stats["score"]["mean"] == pytest.approx(statistics.fmean(graded_scores), abs=1e-3)
    assert s.stats["score"]["median"] == pytest.approx(statistics.median(graded_scores))
    assert s.stats["pretrained_psnr"]["n"] == 2  # the team without a loaded model has no PSNR
    conv = next(c for c in s.checks if c.id == "blocks.Conv2d.forward")
    assert (conv.applicable, conv.passed, conv.failed, conv.pass_rate) == (3, 2, 1, pytest.approx(2 / 3, abs=1e-3))
    # a skipped check that cost the team its points is not a pass (issue 14 item 3): every team counts
    train = next(c for c in s.checks if c.id == "model.train_time")
    assert train.skipped == 1 and train.pass_rate == pytest.approx(2 / 3, abs=1e-3)
    psnr = next(c for c in s.checks if c.id == "model.pretrained_psnr")
    assert (psnr.passed, psnr.skipped, psnr.pass_rate) == (2, 1, pytest.approx(2 / 3, abs=1e-3))
    assert not any(c.id.startswith("blocks.TransposeConv2d") for c in s.checks)  # not applicable anywhere
    rates = [c.pass_rate for c in s.checks if c.pass_rate is not None]
    assert rates == sorted(rates)  # the checks most teams fail come first


@pytest.mark.parametrize(
    "sort, first", [("score", "Proj_100001_100002"), ("psnr", "Proj_100001_100002"), ("name", "crashed_team")]
)
def test_sort_orders(class_dir, sort, first):
    assert summarize_folder(class_dir[0], sort=sort).rows[0].team == first


def test_csv_has_one_row_per_sciper(class_dir):
    folder, teams = class_dir
    rows = list(csv.DictReader(io.StringIO(summary_writer.render(summarize_folder(folder), "csv"))))
    scipers = [r["sciper"] for r in rows if r["sciper"]]
    assert sorted(scipers) == sorted(s for t in teams for s in t.scipers)
    by_sciper = {r["sciper"]: r for r in rows}
    assert float(by_sciper["200003"]["score"]) == teams[1].score
    assert by_sciper["200003"]["team"] == teams[1].submission
    assert by_sciper["200003"]["failed_required"] == "blocks.Conv2d.forward"
    assert by_sciper[""]["team"] in ("no_sciper_team", "crashed_team")
    assert {r["team"] for r in rows if not r["sciper"]} == {"no_sciper_team", "crashed_team"}


def test_json_format_matches_the_schema(class_dir):
    data = json.loads(summary_writer.render(summarize_folder(class_dir[0]), "json"))
    schema.validate(data, "summary")
    assert data["teams"] == 4 and data["errored"] == 1


@pytest.mark.parametrize("fmt", ["github", "grid", "latex"])
def test_text_formats_list_every_team_and_the_failing_checks(class_dir, fmt):
    text = summary_writer.render(summarize_folder(class_dir[0]), fmt)
    for team in ("Proj_100001_100002", "Proj_200001_200002_200003", "crashed_team"):
        assert (team.replace("_", "\\_") if fmt == "latex" else team) in text
    assert "blocks.Conv2d.forward" in text
    if fmt == "github":
        table = [line for line in text.splitlines() if line.startswith("| Proj_")]
        assert len(table) == 2 and all(line.count("|") == text.splitlines()[4].count("|") for line in table)
    if fmt == "latex":
        assert text.count("\\begin{tabular}") == 3


def test_unreadable_results_are_reported_not_fatal(class_dir):
    folder, _ = class_dir
    (folder / "broken").mkdir()
    (folder / "broken" / "result.json").write_text("{not json")
    (folder / "other").mkdir()
    (folder / "other" / "result.json").write_text('{"hello": 1}')
    s = summarize_folder(folder)
    assert len(s.rows) == 4
    assert any("broken/result.json: not valid JSON" in p for p in s.problems)
    assert any("other/result.json: not a grader result.json" in p for p in s.problems)


def test_an_empty_folder_is_a_clear_error(tmp_path):
    with pytest.raises(SummaryError, match="no grader results"):
        summarize_folder(tmp_path)
    with pytest.raises(SummaryError, match="not a folder"):
        summarize_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="sort must be"):
        summarize([], sort="grade")


@pytest.mark.parametrize("fmt", summary_writer.FORMATS)
def test_grade_summary_command(class_dir, fmt):
    result = CliRunner().invoke(main, ["summary", str(class_dir[0]), "--format", fmt, "--sort", "name"])
    assert result.exit_code == 0, result.output
    assert ("Proj\\_100001\\_100002" if fmt == "latex" else "Proj_100001_100002") in result.output


def test_grade_summary_command_errors(tmp_path):
    result = CliRunner().invoke(main, ["summary", str(tmp_path)])
    assert result.exit_code == 2 and "no grader results" in result.output
    result = CliRunner().invoke(main, ["summary", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2 and "xlsx" in result.output


def test_a_folder_column_appears_when_folders_are_not_named_after_teams(make_result):
    same = summarize([("Proj_100001_100002", make_result("Proj_100001_100002"))])
    assert "folder" not in summary_tables.class_headers(same)
    other = summarize([("team_numpy", make_result("Proj_100001_100002"))])
    headers = summary_tables.class_headers(other)
    assert headers[:2] == ["team", "folder"]
    assert summary_tables.class_rows(other)[0][:2] == ["Proj_100001_100002", "team_numpy"]
    assert len(summary_tables.class_rows(other)[0]) == len(headers)


def test_follow_ons_errors_and_incomplete_results(make_result):
    """One cause is one failure in the class table; a grader error is no verdict and asks for a regrade."""
    from grader.result import Check
    from grader.scoring import load_rubric, score

    broken = make_result("Proj_300001_300002", scipers=("300001", "300002"), conv_ok=False)
    broken.checks.append(
        Check("blocks.Conv2d.backward_input", "skipped", "skipped (because ...)", {"because": "blocks.Conv2d.forward"})
    )
    busy = make_result("Proj_400001_400002", scipers=("400001", "400002"))
    busy.check("model.train_time").status = "error"
    for r in (broken, busy):
        score(r, load_rubric())
    s = summarize([broken, busy])
    stat = {c.id: c for c in s.checks}
    backward = stat["blocks.Conv2d.backward_input"]
    assert (backward.failed, backward.follow_on, backward.pass_rate) == (0, 1, 0.0)
    assert stat["blocks.Conv2d.forward"].failed == 1
    train = stat["model.train_time"]
    assert (train.errored, train.passed, train.pass_rate) == (1, 1, 1.0)  # the error is not in the rate
    assert {r.team: r.status for r in s.rows} == {"Proj_300001_300002": "fail", "Proj_400001_400002": "incomplete"}
    assert s.to_regrade == ["Proj_400001_400002"]
    assert "incomplete (to regrade: Proj_400001_400002)" in summary_tables.totals_line(s)
    schema.validate(s.to_dict(), "summary")
