"""Bad input is compared or skipped with a reason, never a crash; nothing a submission holds is run."""

from __future__ import annotations

import os
import zipfile

import pytest
from conftest import REFERENCE

from grader.similarity import SimilarityOptions, check_similarity
from grader.similarity.sources import MAX_FILE_BYTES, project_number, read_submission, submissions_in

P2 = SimilarityOptions(projects=(2,))
CODE = (REFERENCE / "Miniproject_2" / "others" / "conv.py").read_text()


def skipped(run, team, project="2") -> dict[str, str]:
    return {s.path: s.reason for s in run.team(team).projects[project].skipped}


@pytest.mark.parametrize(
    "name, number",
    [
        ("Miniproject_2", 2),
        ("miniproject2", 2),
        ("MiniProject-1", 1),
        ("Mini project 2", 2),
        ("Miniproject_3", None),
        ("project2", None),
    ],
)
def test_project_folder_names(name, number):
    assert project_number(name) == number


def test_every_odd_file_is_compared_or_skipped_with_its_reason(make_team):
    odd = make_team(
        "odd",
        {
            "Miniproject_2/model.py": CODE,
            "Miniproject_2/broken.py": CODE.replace("def forward", "def forward(:", 1),  # a syntax error
            "Miniproject_2/empty.py": "",
            "Miniproject_2/tiny.py": "x = 1\n",
            "Miniproject_2/weights.py": "W = [" + "0.123456789, " * (MAX_FILE_BYTES // 12) + "]\n",  # generated data
            "Miniproject_2/binary.py": b"\x00\x01\x02 not text",
            "Miniproject_2/latin.py": "# caf\xe9\n".encode("latin-1") + CODE.encode(),
            "Miniproject_2/notes.ipynb": "{}",  # notebooks are not compared
            "Miniproject_2/bestmodel.pth": b"\x80\x02 not read",
        },
    )
    other = make_team("other", {"Miniproject_2/model.py": CODE})
    run = check_similarity([odd, other], P2).run
    entry = run.team("odd").projects["2"]
    assert set(entry.files) == {"model.py", "broken.py", "latin.py"}
    reasons = skipped(run, "odd")
    assert "shorter than 35" in reasons["empty.py"] and "shorter than 35" in reasons["tiny.py"]
    assert "limit for one source file" in reasons["weights.py"]
    assert "binary" in reasons["binary.py"]
    assert not any(name.endswith((".ipynb", ".pth")) for name in reasons)
    assert any(n.startswith("broken.py: does not parse as Python (SyntaxError") for n in entry.notes)
    assert "latin.py: not UTF-8: read as Latin-1" in entry.notes
    assert run.pairs[0].flagged  # the readable copies of conv.py still match


def test_a_zip_is_read_like_a_folder_and_named_after_its_team_folder(tmp_path, make_team):
    archive = tmp_path / "upload.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("Proj_123456_654321/Miniproject_2/model.py", CODE)
        zf.writestr("Proj_123456_654321/Miniproject_1/model.py", "import torch\n")
    found = read_submission(archive)
    assert found.name == "Proj_123456_654321" and set(found.projects) == {1, 2}
    assert found.projects[2].files[0].text == CODE
    run = check_similarity([archive, make_team("folder_team", {"Miniproject_2/model.py": CODE})], P2).run
    assert run.pairs[0].score > 0.99 and {run.pairs[0].team_a, run.pairs[0].team_b} == {"upload", "folder_team"}


def test_unsafe_or_broken_submissions_are_problems_not_crashes(tmp_path, make_team):
    slip = tmp_path / "slip.zip"
    with zipfile.ZipFile(slip, "w") as zf:
        zf.writestr("../../evil.py", CODE)
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 this is no zip")
    good = [make_team(n, {"Miniproject_2/model.py": CODE}) for n in ("a", "b")]
    run = check_similarity([slip, garbage, tmp_path / "missing", *good], P2).run
    assert [t.id for t in run.teams] == ["a", "b"]
    assert len(run.problems) == 3
    assert any("slip.zip" in p and ".." in p for p in run.problems)
    assert any("missing" in p and "no such file" in p for p in run.problems)
    assert not (tmp_path.parent / "evil.py").exists()


def test_links_are_not_followed(tmp_path, make_team):
    secret = tmp_path / "secret.py"
    secret.write_text(CODE)
    team = make_team("linker", {"Miniproject_2/model.py": "import torch\n" * 3})
    os.symlink(secret, team / "Miniproject_2" / "stolen.py")
    run = check_similarity([team, make_team("owner", {"Miniproject_2/model.py": CODE})], P2).run
    assert "stolen.py" not in run.team("linker").projects["2"].files
    assert "not a regular file" in skipped(run, "linker")["stolen.py"]


def test_submissions_are_read_never_run(tmp_path, make_team):
    sentinel = tmp_path / "ran"
    payload = f"open({str(sentinel)!r}, 'w').write('x')\nraise SystemExit(3)\n" + CODE
    teams = [
        make_team(
            n,
            {
                "Miniproject_2/__init__.py": payload,
                "Miniproject_2/model.py": payload,
                "Miniproject_2/others/__init__.py": payload,
            },
        )
        for n in ("p", "q")
    ]
    run = check_similarity(teams, P2).run
    assert run.pairs[0].flagged
    assert not sentinel.exists()


def test_a_submission_without_project_folders_gets_a_note(make_team):
    team = make_team("wrong_layout", {"model.py": CODE})
    run = check_similarity([team, make_team("fine", {"Miniproject_2/model.py": CODE})], P2).run
    assert run.team("wrong_layout").projects == {}
    assert "no Miniproject_2 folder found" in run.team("wrong_layout").notes[0]
    assert run.projects[0].pairs == 0


def test_projects_are_compared_only_with_the_same_project(make_team):
    one = make_team("one", {"Miniproject_1/model.py": CODE, "Miniproject_2/model.py": "import torch\n"})
    two = make_team("two", {"Miniproject_2/model.py": CODE, "Miniproject_1/model.py": "import math\n"})
    run = check_similarity([one, two]).run
    assert all(p.score == 0 for p in run.pairs)
    assert [s.project for s in run.projects] == [1, 2]


def test_a_folder_of_past_submissions_counts_as_each_of_them(tmp_path, make_team):
    past = tmp_path / "2021"
    for name in ("Proj_111111_222222", "Proj_333333_444444"):
        make_team(f"2021/{name}", {"Miniproject_2/model.py": CODE})
    assert [p.name for p in submissions_in(past)] == ["Proj_111111_222222", "Proj_333333_444444"]
    assert submissions_in(past / "Proj_111111_222222") == [past / "Proj_111111_222222"]
    assert submissions_in(REFERENCE) == [REFERENCE]
