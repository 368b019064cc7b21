"""locate_projects: both mini-projects of one submission, from a folder or a zip, or the one that is there."""

from __future__ import annotations

import pytest

from grader.projects import MP1, MP2
from grader.submission import SubmissionError, locate_projects

TEAM = "Proj_123456_654321"
PACKAGE = {"__init__.py": "", "model.py": "class Model:\n    pass\n"}


def _team(helpers, base, *packages):
    files = {f"{TEAM}/{package}/{rel}": text for package in packages for rel, text in PACKAGE.items()}
    return helpers.write_tree(base, files) / TEAM


def test_a_team_folder_with_both_projects(helpers, tmp_path):
    team = _team(helpers, tmp_path, "Miniproject_1", "Miniproject_2")
    subs = locate_projects(team)
    assert [(s.project, s.package_dir) for s in subs] == [(MP1, team / "Miniproject_1"), (MP2, team / "Miniproject_2")]
    assert {s.team_name for s in subs} == {TEAM}


def test_a_zip_with_both_is_unpacked_once_and_owned_by_the_first_located(helpers, tmp_path):
    _team(helpers, tmp_path / "src", "Miniproject_1", "Miniproject_2")
    archive = helpers.zip_tree(tmp_path / "src", tmp_path / f"{TEAM}.zip")
    subs = locate_projects(archive)
    assert [s.project.number for s in subs] == [1, 2]
    assert subs[0].root == subs[1].root and all(s.from_zip for s in subs)
    owner = next(s for s in subs if s.temp_dir is not None)
    assert owner.project == MP2  # project 2 is located first; project 1 is found beside it
    with owner:
        assert (subs[0].package_dir / "model.py").is_file()
    assert not subs[0].package_dir.exists()  # the extraction went with its owner


def test_only_project_1(helpers, tmp_path):
    team = _team(helpers, tmp_path, "Miniproject_1")
    assert [s.project for s in locate_projects(team)] == [MP1]


def test_near_miss_spelling_of_project_1_is_accepted_with_a_note(helpers, tmp_path):
    team = _team(helpers, tmp_path, "miniproject1", "Miniproject_2")
    subs = locate_projects(team)
    assert subs[0].project == MP1 and subs[0].package_dir.name == "miniproject1"
    assert "Miniproject_1" in subs[0].notes[0]


def test_asking_for_one_project(helpers, tmp_path):
    team = _team(helpers, tmp_path, "Miniproject_1", "Miniproject_2")
    assert [s.project for s in locate_projects(team, (1,))] == [MP1]
    assert [s.project for s in locate_projects(team, (2,))] == [MP2]


def test_pointing_at_a_package_grades_that_project_only(helpers, tmp_path):
    team = _team(helpers, tmp_path, "Miniproject_1", "Miniproject_2")
    assert [s.project for s in locate_projects(team / "Miniproject_1")] == [MP1]


def test_neither_project_names_both(helpers, tmp_path):
    helpers.write_tree(tmp_path / "team", {"notes.txt": ""})
    with pytest.raises(SubmissionError) as err:
        locate_projects(tmp_path / "team")
    assert "no Miniproject_2 folder" in str(err.value) and "no Miniproject_1 folder" in str(err.value)
