"""structure_checks: each check's pass / warn / fail, read from disk without importing anything."""

import os
import sys

import pytest

from grader.result import Check
from grader.submission import locate_submission, structure_checks
from grader.submission import structure as structure_mod
from grader.submission.limits import MiB

IDS = ["structure.layout", "structure.folder_name", "structure.bestmodel", "structure.report", "structure.files"]

LFS = (
    b"version https://git-lfs.github.com/spec/v1\n"
    b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
    b"size 1234567\n"
)


def checks_of(path):
    return {c.id: c for c in structure_checks(locate_submission(path))}


def test_good_submission_passes_everything(make_package):
    checks = structure_checks(locate_submission(make_package()))
    assert [c.id for c in checks] == IDS
    assert all(isinstance(c, Check) for c in checks)
    assert {c.id: c.status for c in checks} == dict.fromkeys(IDS, "pass")
    assert all(c.score == 0 and c.max_score == 0 for c in checks)
    by_id = {c.id: c for c in checks}
    assert by_id["structure.bestmodel"].details["format"] == "torch-zip"
    assert by_id["structure.bestmodel"].message.endswith("torch.save zip format")
    assert by_id["structure.files"].details["file_count"] == 6


def test_zip_submission_is_checked_too(make_package, helpers, tmp_path):
    team_dir = make_package()
    zip_path = helpers.zip_tree(team_dir, tmp_path / "Proj_123456_654321.zip", prefix="Proj_123456_654321/")
    with locate_submission(zip_path, work_dir=tmp_path) as sub:
        assert {c.status for c in structure_checks(sub)} == {"pass"}


def test_no_submission_code_runs(make_package, tmp_path):
    marker = tmp_path / "imported"
    code = f"open({str(marker)!r}, 'w').write('ran')\nraise SystemExit('imported!')\n"
    team_dir = make_package({"model.py": code, "__init__.py": code, "others/layers.py": code})
    before = set(sys.modules)
    checks_of(team_dir)
    assert not marker.exists()
    assert not any("Miniproject_2" in m or m.startswith("others") for m in set(sys.modules) - before)


# structure.layout


def test_layout_missing_model_fails_with_hints(make_package):
    team_dir = make_package(
        {"model.py": None, "Model.py": "x", "others/model.py": "x", "__pycache__/model.cpython-311.pyc": b"\x00" * 16}
    )
    check = checks_of(team_dir)["structure.layout"]
    assert check.status == "fail"
    assert "no model.py in Miniproject_2/" in check.message
    assert "found Miniproject_2/Model.py" in check.message
    assert "found Miniproject_2/others/model.py" in check.message
    assert "__pycache__/model.cpython-311.pyc" in check.message
    assert check.details["has_model"] is False


def test_layout_missing_init_warns(make_package):
    check = checks_of(make_package({"__init__.py": None}))["structure.layout"]
    assert check.status == "warn" and "__init__.py" in check.message and "namespace package" in check.message
    assert check.details["has_init"] is False and check.details["has_model"] is True


def test_layout_near_miss_folder_warns(make_package):
    check = checks_of(make_package(package="miniproject_2"))["structure.layout"]
    assert check.status == "warn" and "'miniproject_2'" in check.message


@pytest.mark.parametrize(
    "setup,phrase",
    [
        (lambda pkg: ((pkg / "model.py").unlink(), (pkg / "model.py").symlink_to("/etc/passwd")), "symbolic link"),
        (lambda pkg: (pkg / "model.py").write_text(""), "model.py is empty"),
    ],
)
def test_layout_unusable_model_fails(make_package, setup, phrase):
    team_dir = make_package()
    setup(team_dir / "Miniproject_2")
    check = checks_of(team_dir)["structure.layout"]
    assert check.status == "fail" and phrase in check.message


# structure.folder_name


@pytest.mark.parametrize(
    "team,status,phrase",
    [
        ("Proj_123456_654321", "pass", "2 SCIPERs"),
        ("Proj_123456_654321_111111", "pass", "3 SCIPERs"),
        ("Proj_123456", "warn", "one SCIPER"),
        ("Proj_123456_654321_111111_222222", "warn", "4 SCIPERs"),
        ("proj-123456-654321", "warn", "close but not exact"),
        ("Proj_12345_654321", "warn", "does not match"),
        ("Proj_123456_123456", "warn", "repeats a SCIPER"),
        ("team_x", "warn", "does not match"),
    ],
)
def test_folder_name(make_package, team, status, phrase):
    check = checks_of(make_package(team=team))["structure.folder_name"]
    assert check.status == status and phrase in check.message
    assert check.details["team_name"] == team


# structure.bestmodel


def test_bestmodel_missing_fails(make_package):
    check = checks_of(make_package({"bestmodel.pth": None}))["structure.bestmodel"]
    assert check.status == "fail" and "pretrained-model checks will be skipped" in check.message
    assert "found" not in check.message


def test_bestmodel_missing_names_other_checkpoints(make_package):
    team_dir = make_package(
        {
            "bestmodel.pth": None,
            "best_model.pt": b"\x80\x04",
            "others/bestmodel.pth": b"\x80\x04",
            "train_data.pkl": b"\x80\x04",
        }
    )
    (team_dir / "weights.ckpt").write_bytes(b"\x80\x04")
    check = checks_of(team_dir)["structure.bestmodel"]
    assert check.status == "fail"
    assert "found Miniproject_2/best_model.pt, Miniproject_2/others/bestmodel.pth, weights.ckpt" in check.message
    assert "the API requires Miniproject_2/bestmodel.pth" in check.message
    assert "train_data" not in check.message


def test_bestmodel_lfs_pointer_fails(make_package):
    check = checks_of(make_package({"bestmodel.pth": LFS}))["structure.bestmodel"]
    assert check.status == "fail"
    assert "Git LFS pointer" in check.message and "git lfs pull" in check.message and "1234567 bytes" in check.message
    assert check.details["lfs_size"] == 1234567 and check.details["lfs_oid"].startswith("sha256:4d7a")


@pytest.mark.parametrize(
    "content,phrase",
    [
        (b"", "empty"),
        (b"<!DOCTYPE html><html>Login</html>", "HTML page"),
        (b"PK\x03\x04" + bytes(200), "truncated or corrupt"),
    ],
)
def test_bestmodel_unusable_fails(make_package, content, phrase):
    check = checks_of(make_package({"bestmodel.pth": content}))["structure.bestmodel"]
    assert check.status == "fail" and phrase in check.message


def test_bestmodel_unknown_format_warns(make_package):
    check = checks_of(make_package({"bestmodel.pth": b"\x00\x11weights"}))["structure.bestmodel"]
    assert check.status == "warn" and "no format we recognize" in check.message


def test_bestmodel_symlink_fails(make_package, tmp_path):
    real = tmp_path / "real.pth"
    real.write_bytes(b"\x80\x04")
    team_dir = make_package({"bestmodel.pth": None})
    (team_dir / "Miniproject_2" / "bestmodel.pth").symlink_to(real)
    check = checks_of(team_dir)["structure.bestmodel"]
    assert check.status == "fail" and "symbolic link" in check.message


def _sparse_pickle(path, size):
    """A pickle-headed file of `size` bytes that takes no disk space (a sparse file)."""
    with open(path, "wb") as f:
        f.write(b"\x80\x04\x95")
        f.truncate(size)


@pytest.mark.parametrize("size,status", [(49 * MiB, "pass"), (51 * MiB, "warn"), (201 * MiB, "fail")])
def test_bestmodel_size_limits(make_package, size, status):
    team_dir = make_package()
    _sparse_pickle(team_dir / "Miniproject_2" / "bestmodel.pth", size)
    check = checks_of(team_dir)["structure.bestmodel"]
    assert check.status == status
    assert check.details["size_bytes"] == size and check.details["format"] == "pickle"
    assert structure_mod.BESTMODEL_WARN_BYTES == 50 * MiB and structure_mod.BESTMODEL_FAIL_BYTES == 200 * MiB


# structure.report


def test_report_missing_warns_and_names_other_pdfs(make_package):
    team_dir = make_package({"Report_2.pdf": None, "report.pdf": b"%PDF-1.4"})
    (team_dir / "Report_2.pdf").write_bytes(b"%PDF-1.4")
    check = checks_of(team_dir)["structure.report"]
    assert check.status == "warn"
    assert "Report_2.pdf is missing" in check.message
    assert "found Miniproject_2/report.pdf, Report_2.pdf" in check.message


def test_report_missing_without_others(make_package):
    check = checks_of(make_package({"Report_2.pdf": None}))["structure.report"]
    assert check.status == "warn" and "found" not in check.message


def test_report_not_a_pdf_warns(make_package):
    check = checks_of(make_package({"Report_2.pdf": "my report, in plain text"}))["structure.report"]
    assert check.status == "warn" and "not a PDF" in check.message


def test_report_size_and_pages_are_stated_truthfully(make_package, helpers):
    """Issue 14 item 8: a small report is not '0.0 MiB'; pages are those pypdf reads, none claimed otherwise."""
    pdf = helpers.pdf_bytes(2)
    check = checks_of(make_package({"Report_2.pdf": pdf}))["structure.report"]
    size = f"{len(pdf)} bytes" if len(pdf) < 1024 else f"{len(pdf) / 1024:.0f} KiB"
    assert check.status == "pass" and f"({size}, 2 pages)" in check.message and check.details["pages"] == 2
    hidden = checks_of(make_package({"Report_2.pdf": b"%PDF-1.5\n" + b"x" * 100}))["structure.report"]
    assert hidden.status == "warn" and "not a readable PDF" in hidden.message and hidden.details["pages"] is None


# structure.files


def test_files_sourceless_bytecode_warns(make_package):
    team_dir = make_package(
        {
            "others/__pycache__/layers.cpython-311.pyc": b"\x00" * 16,
            "others/__pycache__/secret.cpython-311.pyc": b"\x00" * 16,
            "helper.pyc": b"\x00" * 16,
        }
    )
    check = checks_of(team_dir)["structure.files"]
    assert check.status == "warn"
    assert check.details["sourceless_bytecode"] == ["helper.pyc", "others/__pycache__/secret.cpython-311.pyc"]


def test_files_bytecode_with_sources_is_fine(make_package):
    team_dir = make_package(
        {"__pycache__/model.cpython-311.pyc": b"\x00", "others/__pycache__/layers.cpython-311.pyc": b"\x00"}
    )
    assert checks_of(team_dir)["structure.files"].status == "pass"


def test_files_links_and_fifos_warn(make_package):
    team_dir = make_package()
    (team_dir / "Miniproject_2" / "data").symlink_to("/tmp")
    os.mkfifo(team_dir / "Miniproject_2" / "pipe")
    check = checks_of(team_dir)["structure.files"]
    assert check.status == "warn"
    assert check.details["symlinks"] == ["data"] and check.details["special_files"] == ["pipe"]


def test_files_course_data_and_large_files_warn(make_package):
    team_dir = make_package({"others/val_data.pkl": b"\x80\x04"})
    _sparse_pickle(team_dir / "Miniproject_2" / "others" / "train_data.pkl", 21 * MiB)
    check = checks_of(team_dir)["structure.files"]
    assert check.status == "warn"
    assert check.details["course_data_files"] == ["others/train_data.pkl", "others/val_data.pkl"]
    assert check.details["large_files"] == ["others/train_data.pkl"]


def test_files_too_many_warns(make_package, monkeypatch):
    team_dir = make_package({f"others/gen_{i}.py": "" for i in range(10)})
    monkeypatch.setattr(structure_mod, "MANY_FILES", 10)
    check = checks_of(team_dir)["structure.files"]
    assert check.status == "warn" and "16 files" in check.message


def test_files_listing_stops_at_the_limit(make_package, monkeypatch):
    team_dir = make_package({f"others/gen_{i}.py": "" for i in range(10)})
    monkeypatch.setattr(structure_mod, "WALK_LIMIT", 5)
    check = checks_of(team_dir)["structure.files"]
    assert check.status == "warn" and check.details["truncated"] is True


def test_report_is_read_pages_and_title_in_details(make_package, helpers):
    check = checks_of(make_package({"Report_2.pdf": helpers.pdf_bytes(2)}))["structure.report"]
    assert check.status == "pass" and check.details["pages"] == 2 and check.details["readable"] is True
    assert "2 pages" in check.message


def test_report_over_three_pages_or_unreadable_warns(make_package, helpers):
    long = checks_of(make_package({"Report_2.pdf": helpers.pdf_bytes(4)}))["structure.report"]
    assert long.status == "warn" and "4 pages, over the handout's limit of 3" in long.message
    broken = checks_of(make_package({"Report_2.pdf": b"%PDF-1.4\n% not a PDF after all\n"}))["structure.report"]
    assert broken.status == "warn" and "not a readable PDF" in broken.message and broken.details["readable"] is False


def test_report_severity_fail_makes_a_missing_report_fail(make_package):
    with locate_submission(make_package({"Report_2.pdf": None})) as sub:
        check = next(c for c in structure_checks(sub, report_severity="fail") if c.id == "structure.report")
    assert check.status == "fail"
