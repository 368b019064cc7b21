"""`grade similarity` end to end, its files, and the column it adds to `grade summary`."""

from __future__ import annotations

import json
import subprocess
import sys

import copydetect
import planted
import pytest
import tomllib
from click.testing import CliRunner
from conftest import REFERENCE, REPO

from grader.cli import main
from grader.report import schema
from grader.report.views import write_views
from grader.result import Check, Result
from grader.similarity import load_run
from grader.similarity.class_column import most_similar_teams


@pytest.fixture(scope="module")
def class_run(tmp_path_factory, independent):
    """A batch-like folder: three independent teams and a disguised copy of the reference, then the command."""
    root = tmp_path_factory.mktemp("class")
    copy = planted.plant(REFERENCE, root / "Proj_111111_222222", planted.disguise)
    out = root / "out"
    result = CliRunner().invoke(
        main, ["similarity", *map(str, independent), str(copy), "--out", str(out), "--project", "2"]
    )
    return out, result


def test_the_command_writes_json_html_and_side_by_side_pages(class_run):
    out, result = class_run
    assert result.exit_code == 0, result.output
    assert "reference_impl" in result.output and "flagged" in result.output
    assert "mini-project 2: 4 teams, 6 pairs" in result.output
    run = load_run(out / "similarity.json")
    assert run.tool == {"name": "copydetect", "version": copydetect.__version__}
    top = run.pairs[0]
    assert {top.team_a, top.team_b} == {"reference_impl", "Proj_111111_222222"} and top.flagged
    assert top.view and (out / top.view).is_file()
    page = (out / "similarity.html").read_text()
    assert top.view in page and "<svg class='hist'" in page
    assert run.settings["threshold"] == pytest.approx(0.25) and run.settings["projects"] == [2]


def test_the_recorded_version_is_the_pinned_one():
    pins = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["similarity"]
    assert pins == [f"copydetect=={copydetect.__version__}"]  # exact: scores changed between versions


def test_make_installs_every_extra():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    done = subprocess.run(["make", "-n", "-B", ".venv/.installed"], cwd=REPO, capture_output=True, text=True)
    install = next(line for line in done.stdout.splitlines() if "-e " in line)
    assert install.endswith(f'-e ".[{",".join(extras)}]"'), install


def test_json_output_and_exit_codes(tmp_path, make_team):
    code = (REFERENCE / "Miniproject_2" / "model.py").read_text()
    teams = [str(make_team(n, {"Miniproject_2/model.py": code})) for n in ("a", "b")]
    ok = CliRunner().invoke(main, ["similarity", *teams, "--out", str(tmp_path / "o"), "--json", "--k", "40"])
    assert ok.exit_code == 0
    data = json.loads(ok.stdout)
    assert data["pairs"][0]["score"] > 0.99 and data["settings"]["k"] == 40
    none = CliRunner().invoke(main, ["similarity", str(tmp_path / "nothing"), "--out", str(tmp_path / "o2")])
    assert none.exit_code == 2 and "no such file" in none.output
    bad = CliRunner().invoke(main, ["similarity", *teams, "--out", str(tmp_path / "o3"), "--threshold", "0"])
    assert bad.exit_code == 2


def graded(team: str) -> Result:
    return Result(
        submission=team, source=team, checks=[Check("structure.layout", "pass", "ok", {})], score=1.0, max_score=1.0
    )


def test_grade_summary_shows_each_teams_most_similar_team(class_run):
    out, _ = class_run
    for team in ("reference_impl", "template", "other_team", "Proj_111111_222222"):
        write_views(graded(team), out / team)
    found, problem = most_similar_teams(out)
    assert problem is None and found["Proj_111111_222222"]["team"] == "reference_impl"
    text = CliRunner().invoke(main, ["summary", str(out), "--format", "github"]).output
    assert "most similar team (score)" in text
    row = next(line for line in text.splitlines() if line.startswith("| Proj_111111_222222"))
    assert "reference_impl (" in row and "flagged" in row
    data = json.loads(CliRunner().invoke(main, ["summary", str(out), "--format", "json"]).output)
    schema.validate(data, "summary")
    assert {r["team"]: r["most_similar"]["team"] for r in data["rows"]}["reference_impl"] == "Proj_111111_222222"


def test_without_a_similarity_run_the_summary_has_no_such_column(tmp_path):
    write_views(graded("solo"), tmp_path / "solo")
    text = CliRunner().invoke(main, ["summary", str(tmp_path)]).output
    assert "most similar" not in text
    (tmp_path / "similarity.json").write_text("{broken")
    broken = CliRunner().invoke(main, ["summary", str(tmp_path)])
    assert broken.exit_code == 0 and "cannot read a similarity run" in broken.output


def test_reading_results_does_not_need_copydetect():
    code = (
        "import sys, grader.report.summary, grader.report.summary_tables, grader.similarity.class_column;"
        "assert 'copydetect' not in sys.modules and 'matplotlib.pyplot' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO)


def test_pairs_with_nothing_in_common_get_no_page(tmp_path, make_team):
    teams = [
        str(make_team(n, {f"Miniproject_2/{n}.py": f"import math\n{n} = math.sqrt({i})\n"}))
        for i, n in enumerate(("x", "y"))
    ]
    done = CliRunner().invoke(main, ["similarity", *teams, "--out", str(tmp_path / "o")])
    assert done.exit_code == 0, done.output
    run = load_run(tmp_path / "o" / "similarity.json")
    assert run.pairs[0].score == 0 and run.pairs[0].view is None  # listed as each team's best, no page
    assert not (tmp_path / "o" / "similarity").exists()


def test_without_the_extra_the_command_says_how_to_install_it(tmp_path):
    code = (
        "import sys; sys.modules['copydetect'] = None\n"  # as if not installed
        "from grader.cli import main\n"
        f"main(['similarity', {str(REFERENCE)!r}, '--out', {str(tmp_path)!r}])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2 and "pip install 'n2n-grade[similarity]'" in done.stderr
