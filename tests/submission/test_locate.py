"""locate_submission: every accepted form of a submission, and every refusal."""

import gc
import zipfile

import pytest

from grader.submission import Submission, SubmissionError, locate_submission

TEAM = "Proj_123456_654321"


def test_team_folder(make_package):
    team_dir = make_package()
    sub = locate_submission(team_dir)
    assert sub.package_dir == team_dir / "Miniproject_2"
    assert sub.root == team_dir
    assert sub.source == team_dir
    assert sub.team_name == TEAM
    assert sub.scipers == ["123456", "654321"]
    assert (sub.from_zip, sub.temp_dir, sub.notes) == (False, None, [])


def test_folder_holding_the_team_folder(make_package, tmp_path):
    make_package(base=tmp_path / "downloads")
    sub = locate_submission(tmp_path / "downloads")
    assert sub.package_dir == tmp_path / "downloads" / TEAM / "Miniproject_2"
    assert sub.team_name == TEAM


def test_package_folder_itself(make_package):
    team_dir = make_package()
    sub = locate_submission(team_dir / "Miniproject_2")
    assert sub.package_dir == team_dir / "Miniproject_2"
    assert sub.root == team_dir
    assert sub.team_name == TEAM


def test_relative_path_is_resolved(make_package, monkeypatch):
    team_dir = make_package()
    monkeypatch.chdir(team_dir / "Miniproject_2")
    sub = locate_submission(".")
    assert sub.package_dir == team_dir / "Miniproject_2"
    assert sub.team_name == TEAM


def test_zip_with_team_folder(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / f"{TEAM}.zip", prefix=f"{TEAM}/")
    with locate_submission(zip_path, work_dir=tmp_path) as sub:
        assert sub.from_zip and sub.source == zip_path
        assert sub.temp_dir is not None and sub.temp_dir.parent == tmp_path
        assert sub.root == sub.temp_dir / TEAM
        assert (sub.package_dir / "model.py").read_text() == "class Model:\n    pass\n"
        assert sub.team_name == TEAM and sub.scipers == ["123456", "654321"]
        temp = sub.temp_dir
    assert not temp.exists()
    sub.cleanup()  # twice is harmless


def test_zip_with_package_at_top(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / "Proj_111111_222222.zip")
    sub = locate_submission(zip_path, work_dir=tmp_path)
    try:
        assert sub.root == sub.temp_dir
        assert sub.package_dir == sub.temp_dir / "Miniproject_2"
        assert sub.team_name == "Proj_111111_222222"
    finally:
        sub.cleanup()
    assert not sub.temp_dir.exists()


def test_zip_name_differs_from_folder(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / "download (1).zip", prefix=f"{TEAM}/")
    with locate_submission(zip_path, work_dir=tmp_path) as sub:
        assert sub.team_name == TEAM
        assert any("download (1).zip" in n and TEAM in n for n in sub.notes)


def test_zip_from_macos_leaves_junk_out(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / f"{TEAM}.zip", prefix=f"{TEAM}/")
    with zipfile.ZipFile(zip_path, "a") as zf:
        zf.writestr(f"__MACOSX/{TEAM}/Miniproject_2/._model.py", b"\x00\x05\x16\x07")
        zf.writestr(f"{TEAM}/.DS_Store", b"Bud1")
        zf.writestr(f"{TEAM}/Miniproject_2/.DS_Store", b"Bud1")
    with locate_submission(zip_path, work_dir=tmp_path) as sub:
        assert not (sub.temp_dir / "__MACOSX").exists()
        assert not (sub.root / ".DS_Store").exists()
        assert not (sub.package_dir / ".DS_Store").exists()
        assert any("3 macOS" in n for n in sub.notes)


def test_garbage_collected_submission_removes_its_extraction(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / f"{TEAM}.zip", prefix=f"{TEAM}/")
    sub = locate_submission(zip_path, work_dir=tmp_path)
    temp = sub.temp_dir
    assert temp.exists()
    del sub
    gc.collect()
    assert not temp.exists()


@pytest.mark.parametrize("name", ["miniproject_2", "Miniproject2", "MiniProject_2", "Mini-Project 2"])
def test_near_miss_names_are_accepted_with_a_note(make_package, name):
    team_dir = make_package(package=name)
    for given in (team_dir, team_dir / name):
        sub = locate_submission(given)
        assert sub.package_dir == team_dir / name
        assert len(sub.notes) == 1 and repr(name) in sub.notes[0] and "Miniproject_2" in sub.notes[0]


def test_exact_name_wins_over_a_near_miss(make_package):
    team_dir = make_package()
    make_package(package="miniproject_2")
    sub = locate_submission(team_dir)
    assert sub.package_dir.name == "Miniproject_2"
    assert len(sub.notes) == 1 and "also found, not graded: miniproject_2" in sub.notes[0]


def test_missing_path(tmp_path):
    with pytest.raises(SubmissionError, match="no such file or folder") as err:
        locate_submission(tmp_path / "nope")
    assert str(tmp_path / "nope") in str(err.value)


def test_broken_symlink(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    with pytest.raises(SubmissionError, match="broken symbolic link"):
        locate_submission(tmp_path / "link")


def test_file_that_is_not_a_zip(tmp_path):
    (tmp_path / "model.py").write_text("x = 1\n")
    with pytest.raises(SubmissionError, match="neither a folder nor a .zip"):
        locate_submission(tmp_path / "model.py")


def test_no_package_lists_what_was_seen(helpers, tmp_path):
    helpers.write_tree(tmp_path / "team", {"notes.txt": "", "src/a.py": "", "Miniproject_1/model.py": ""})
    with pytest.raises(SubmissionError) as err:
        locate_submission(tmp_path / "team")
    msg = str(err.value)
    assert "no Miniproject_2 folder found" in msg
    assert "Miniproject_1/, notes.txt, src/" in msg
    assert "not graded here" not in msg  # project 1 is graded now (locate_projects finds it)


def test_no_package_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(SubmissionError, match="it is empty"):
        locate_submission(tmp_path / "empty")


def test_no_package_hints_at_loose_model_and_nested_zip(helpers, tmp_path):
    helpers.write_tree(tmp_path / "team", {"model.py": "", "Proj_123456_654321.zip": b"PK", "old.zip": b"PK"})
    with pytest.raises(SubmissionError) as err:
        locate_submission(tmp_path / "team")
    msg = str(err.value)
    assert "model.py sits at the top" in msg
    assert "holds Proj_123456_654321.zip, old.zip" in msg


def test_a_folder_holding_only_a_zip_grades_that_zip(make_package, helpers, tmp_path):
    """As a course site's download often is: a folder per team with the team's zip in it."""
    team_dir = make_package()
    download = tmp_path / "download"
    download.mkdir()
    helpers.zip_tree(team_dir, download / f"{TEAM}.zip", prefix=f"{TEAM}/")
    (download / "feedback.txt").write_text("not part of the submission")
    with locate_submission(download, work_dir=tmp_path) as sub:
        assert sub.from_zip and sub.source == download / f"{TEAM}.zip" and sub.team_name == TEAM
        assert (sub.package_dir / "model.py").is_file()
        assert any(f"graded {TEAM}.zip, the one zip there" in n for n in sub.notes)


def test_a_bad_only_zip_says_both_what_was_missing_and_what_the_zip_did(tmp_path):
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "Proj_123456_654321.zip").write_bytes(b"not a zip" * 10)
    with pytest.raises(SubmissionError) as err:
        locate_submission(tmp_path / "team", work_dir=tmp_path)
    msg = str(err.value)
    assert "no Miniproject_2 folder found" in msg and "graded its only zip instead" in msg
    assert "not a readable zip" in msg


def test_search_stops_two_levels_down(make_package, tmp_path):
    make_package(base=tmp_path / "a" / "b")  # a/b/Proj_.../Miniproject_2: three levels below a
    with pytest.raises(SubmissionError, match="searched 2 levels down"):
        locate_submission(tmp_path / "a")


def test_symlinked_package_is_not_followed(make_package, tmp_path):
    team_dir = make_package()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "Miniproject_2").symlink_to(team_dir / "Miniproject_2")
    with pytest.raises(SubmissionError, match="no Miniproject_2 folder"):
        locate_submission(tmp_path / "other")


def test_several_candidates_are_listed(make_package, tmp_path):
    make_package(team="Proj_111111_222222", base=tmp_path / "all")
    make_package(team="Proj_333333_444444", base=tmp_path / "all")
    with pytest.raises(SubmissionError) as err:
        locate_submission(tmp_path / "all")
    msg = str(err.value)
    assert "several candidate" in msg
    assert "Proj_111111_222222/Miniproject_2" in msg and "Proj_333333_444444/Miniproject_2" in msg
    assert err.value.candidates == [
        str(tmp_path / "all" / team / "Miniproject_2") for team in ("Proj_111111_222222", "Proj_333333_444444")
    ]


def test_a_second_package_deeper_gets_a_note(make_package, tmp_path):
    """The shallowest Miniproject_2 is graded; another one further down (an old copy) is named in a note."""
    team_dir = make_package(team="Proj_111111_222222", base=tmp_path)
    (team_dir / "backup" / "old" / "Miniproject_2").mkdir(parents=True)
    (team_dir / "Miniproject_2" / "Miniproject_2").mkdir()
    sub = locate_submission(team_dir)
    assert sub.package_dir == team_dir / "Miniproject_2"
    (note,) = [n for n in sub.notes if "also found" in n]
    assert "backup/old/Miniproject_2" in note and "Miniproject_2/Miniproject_2" in note


def test_a_single_package_gets_no_such_note(make_package):
    assert not [n for n in locate_submission(make_package()).notes if "also found" in n]


def test_corrupt_zip(tmp_path):
    bad = tmp_path / "Proj_123456_654321.zip"
    bad.write_bytes(b"this is not a zip at all" * 10)
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(SubmissionError, match="not a readable zip") as err:
        locate_submission(bad, work_dir=work)
    assert str(bad) in str(err.value)
    assert list(work.iterdir()) == []  # the temporary folder is gone


def test_zip_without_package_is_cleaned_up(helpers, tmp_path):
    src = helpers.write_tree(tmp_path / "src", {"readme.txt": "hi"})
    zip_path = helpers.zip_tree(src, tmp_path / "x.zip")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(SubmissionError) as err:
        locate_submission(zip_path, work_dir=work)
    assert "x.zip (unpacked)" in str(err.value) and "readme.txt" in str(err.value)
    assert list(work.iterdir()) == []


def test_unsafe_zip_is_refused_and_cleaned_up(tmp_path):
    zip_path = tmp_path / "evil.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("Miniproject_2/model.py", "")
        zf.writestr("../escape.txt", "boo")
    work = tmp_path / "work"
    work.mkdir()
    with pytest.raises(SubmissionError, match=r"'\.\./escape\.txt'"):
        locate_submission(zip_path, work_dir=work)
    assert list(work.iterdir()) == []
    assert not (tmp_path / "escape.txt").exists()


def test_submission_can_be_built_by_hand(tmp_path):
    sub = Submission(source=tmp_path, root=tmp_path, package_dir=tmp_path / "Miniproject_2", team_name="x", scipers=[])
    sub.cleanup()
    with sub:
        pass


def test_a_package_under_another_name_is_named_with_how_to_grade_it(helpers, tmp_path):
    helpers.write_tree(
        tmp_path / "repo",
        {"Noise2Noise from scratch/model.py": "", "Noise2Noise from scratch/others/blocks.py": "",
         "Miniproject_1/model.py": "", "README.md": ""},
    )  # fmt: skip
    with pytest.raises(SubmissionError) as err:
        locate_submission(tmp_path / "repo")
    msg = str(err.value)
    assert "no Miniproject_2 folder found" in msg
    assert "a folder under another name holds model.py: 'Noise2Noise from scratch/'" in msg
    assert "rename it to Miniproject_2" in msg
    assert "'Miniproject_1/'" not in msg  # the other project is no candidate
