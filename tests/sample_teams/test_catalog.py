"""The sample teams on disk are what the catalog builds, their EXPECTED.toml files are usable, and their
checkpoints are what they claim to be (no grading here: fast)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from sample_expected import EXPECTATION_STATUSES, load_expected, team_dirs  # the catalog's folder: see conftest.py
from sample_files import differences
from sample_teams import TEAMS

from grader.checks.catalog import catalog
from grader.submission.sniff import sniff_format

MiB = 2**20


def _team(name):
    return next(t for t in TEAMS if t.name == name)


def _checkpoint(name) -> Path:
    team = _team(name)
    return team.team_dir / team.folder / team.package / "bestmodel.pth"


def test_at_least_twenty_teams_and_team_x():
    names = [d.name for d in team_dirs()]
    assert len(names) >= 20
    assert "team_x" in names


def test_every_folder_is_in_the_catalog():
    assert sorted(d.name for d in team_dirs()) == sorted(t.name for t in TEAMS)


@pytest.mark.parametrize("team", TEAMS, ids=[t.name for t in TEAMS])
def test_folder_matches_the_catalog(team):
    assert differences(team) == [], "run python submissions/_build/build.py"


@pytest.mark.parametrize("team_dir", team_dirs(), ids=[d.name for d in team_dirs()])
def test_expectations_name_real_checks(team_dir):
    exp = load_expected(team_dir)
    assert exp.expect, f"{team_dir}: no expectation"
    for check_id, status in {**exp.expect, **{k: "pass" for k in exp.contains}}.items():
        assert check_id in catalog(), f"{team_dir}/EXPECTED.toml: unknown check id {check_id}"
        assert status in EXPECTATION_STATUSES
    assert exp.exit_code in (0, 1, 2)  # 2: not gradable (the grader refuses the path)
    assert exp.target.exists(), f"{exp.target} is missing"


@pytest.mark.parametrize(
    "team", [t for t in TEAMS if t.checkpoint not in ("none", "lfs") and t.zip_extra is None], ids=lambda t: t.name
)
def test_checkpoints_are_small_torch_files(team):
    path = _checkpoint(team.name)
    assert path.is_file()
    assert path.stat().st_size < 2 * MiB
    assert sniff_format(path) == "torch-zip"


def test_missing_and_lfs_checkpoints():
    assert not _checkpoint("team_missing_checkpoint").exists()
    assert _checkpoint("team_lfs_pointer").read_text().startswith("version https://git-lfs.github.com/spec/v1")


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA machine loads CUDA tensors")
def test_cuda_checkpoint_needs_map_location_on_a_cpu_machine():
    path = _checkpoint("team_cuda_checkpoint")
    with pytest.raises(RuntimeError, match="CUDA"):
        torch.load(path)
    weights = torch.load(path, map_location="cpu")
    source = torch.load(_checkpoint("team_x"))
    assert len(weights) == len(source) and all(torch.equal(a, b) for a, b in zip(weights, source))


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA machine loads CUDA tensors")
def test_project_1_cuda_checkpoint_is_team_mp1_goods_state_dict_tagged_cuda():
    path = _checkpoint("team_mp1_cuda_checkpoint")
    with pytest.raises(RuntimeError, match="CUDA"):
        torch.load(path)
    weights, source = torch.load(path, map_location="cpu"), torch.load(_checkpoint("team_mp1_good"))
    assert weights.keys() == source.keys() and all(torch.equal(weights[k], source[k]) for k in source)


@pytest.mark.parametrize("team", [t for t in TEAMS if t.with_project1 is not None], ids=lambda t: t.name)
def test_whole_submissions_hold_both_projects_with_their_checkpoints(team):
    import zipfile

    if team.zip_extra is not None:
        with zipfile.ZipFile(team.team_dir / team.grade_path) as zf:
            names = set(zf.namelist())
    else:
        folder = team.team_dir / team.folder
        names = {f"{team.folder}/{p.relative_to(folder).as_posix()}" for p in folder.rglob("*")}
    for package in ("Miniproject_1", "Miniproject_2"):
        assert {f"{team.folder}/{package}/model.py", f"{team.folder}/{package}/bestmodel.pth"} <= names
    assert f"{team.folder}/Miniproject_1/Report_1.pdf" in names


def test_zip_slip_team_escapes_its_folder():
    import zipfile

    team = _team("team_zip_slip")
    with zipfile.ZipFile(team.team_dir / team.grade_path) as zf:
        names = [i.filename for i in zf.infolist()]
    assert any(".." in n.split("/") for n in names) and any(n.startswith("/") for n in names)
    assert f"{team.folder}/Miniproject_2/model.py" in names


def test_a_teams_own_project_1_half_is_a_project_1_team_with_a_derived_checkpoint():
    from sample_team import Team

    def half(**how):
        return Team(name="half", summary="", expect={}, exit_code=0, **how)

    Team(name="t", summary="", expect={}, exit_code=0, with_project1=half(project=1))
    for wrong in (half(project=2), half(project=1, checkpoint="train")):
        with pytest.raises(ValueError, match="project-1 half"):
            Team(name="t", summary="", expect={}, exit_code=0, with_project1=wrong)
