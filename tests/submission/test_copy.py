"""make_private_copy (regular files only, bounded) and submission_hash (stable, content-sensitive)."""

import os
import stat

import pytest

from grader.submission import SubmissionError, make_private_copy, submission_hash


def tree_of(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_copies_the_package(make_package, tmp_path):
    team_dir = make_package()
    (team_dir / "Miniproject_1").mkdir()
    (team_dir / "Miniproject_1" / "model.py").write_text("mp1")
    notes = []
    new_root = make_private_copy(team_dir, tmp_path / "copy", notes=notes)
    assert new_root == tmp_path / "copy"
    assert tree_of(new_root / "Miniproject_2") == tree_of(team_dir / "Miniproject_2")
    assert not (new_root / "Miniproject_1").exists()  # only the package travels
    assert notes == []


def test_modes_are_normalized(make_package, tmp_path):
    team_dir = make_package()
    os.chmod(team_dir / "Miniproject_2" / "model.py", 0o4755)
    new_root = make_private_copy(team_dir, tmp_path / "copy")
    assert stat.S_IMODE(os.stat(new_root / "Miniproject_2" / "model.py").st_mode) == 0o644


def test_symlinks_are_skipped_with_a_note(make_package, tmp_path):
    secret = tmp_path / "clean_val_images.bin"
    secret.write_bytes(b"the clean images")
    team_dir = make_package({"bestmodel.pth": None})
    pkg = team_dir / "Miniproject_2"
    (pkg / "bestmodel.pth").symlink_to(secret)
    (pkg / "passwd").symlink_to("/etc/passwd")
    (pkg / "data").symlink_to(tmp_path, target_is_directory=True)
    notes = []
    new_root = make_private_copy(team_dir, tmp_path / "copy", notes=notes)
    copied = new_root / "Miniproject_2"
    for name in ("bestmodel.pth", "passwd", "data"):
        assert not os.path.lexists(copied / name)
    assert b"the clean images" not in b"".join(tree_of(copied).values())
    joined = "\n".join(notes)
    assert f"bestmodel.pth -> {secret}" in joined
    assert "passwd -> /etc/passwd" in joined
    assert f"data -> {tmp_path}" in joined


def test_fifo_is_skipped(make_package, tmp_path):
    team_dir = make_package()
    os.mkfifo(team_dir / "Miniproject_2" / "pipe")
    notes = []
    new_root = make_private_copy(team_dir, tmp_path / "copy", notes=notes)  # would hang if the FIFO were opened
    assert not os.path.lexists(new_root / "Miniproject_2" / "pipe")
    assert any("pipe" in n and "not a regular file" in n for n in notes)


def test_bytecode_is_left_out(make_package, tmp_path):
    team_dir = make_package(
        {
            "__pycache__/model.cpython-311.pyc": b"\x00" * 16,
            "others/__pycache__/layers.cpython-311.pyc": b"\x00" * 16,
            "stale.pyc": b"\x00" * 16,
        }
    )
    notes = []
    new_root = make_private_copy(team_dir, tmp_path / "copy", notes=notes)
    copied = tree_of(new_root / "Miniproject_2")
    assert not any(".pyc" in rel or "__pycache__" in rel for rel in copied)
    assert notes == ["left out bytecode and OS/VCS debris: __pycache__/, others/__pycache__/, stale.pyc"]


def test_near_miss_package_is_copied_under_the_exact_name(make_package, tmp_path):
    team_dir = make_package(package="miniproject_2")
    new_root = make_private_copy(team_dir, tmp_path / "copy", package_dir=team_dir / "miniproject_2")
    assert (new_root / "Miniproject_2" / "model.py").is_file()


def test_missing_package(tmp_path):
    (tmp_path / "team").mkdir()
    with pytest.raises(SubmissionError, match="expected the submission's Miniproject_2 folder"):
        make_private_copy(tmp_path / "team", tmp_path / "copy")


def test_existing_destination_is_refused(make_package, tmp_path):
    team_dir = make_package()
    (tmp_path / "copy" / "Miniproject_2").mkdir(parents=True)
    with pytest.raises(SubmissionError, match="already exists"):
        make_private_copy(team_dir, tmp_path / "copy")


def test_too_many_files_is_refused_and_partial_copy_removed(make_package, tmp_path):
    team_dir = make_package()
    with pytest.raises(SubmissionError, match="more than 3 files"):
        make_private_copy(team_dir, tmp_path / "copy", max_files=3)
    assert not (tmp_path / "copy" / "Miniproject_2").exists()


def test_too_many_bytes_is_refused(make_package, tmp_path):
    team_dir = make_package({"others/big.bin": bytes(5000)})
    with pytest.raises(SubmissionError, match="others/big.bin: brings the submission over the limit of 4000 bytes"):
        make_private_copy(team_dir, tmp_path / "copy", max_total_bytes=4000)
    assert not (tmp_path / "copy" / "Miniproject_2").exists()


def test_hash_is_stable_and_location_independent(make_package, tmp_path):
    a = make_package(base=tmp_path / "a") / "Miniproject_2"
    b = make_package(base=tmp_path / "b", team="Proj_999999_888888") / "Miniproject_2"
    h = submission_hash(a)
    assert len(h) == 64 and int(h, 16) >= 0
    assert submission_hash(a) == h == submission_hash(b)


def test_hash_changes_with_one_byte(make_package, tmp_path):
    pkg = make_package() / "Miniproject_2"
    before = submission_hash(pkg)
    data = bytearray((pkg / "bestmodel.pth").read_bytes())
    data[-1] ^= 0x01
    (pkg / "bestmodel.pth").write_bytes(bytes(data))
    assert submission_hash(pkg) != before


def test_hash_changes_with_a_rename_or_new_file(make_package, tmp_path):
    pkg = make_package() / "Miniproject_2"
    before = submission_hash(pkg)
    (pkg / "others" / "layers.py").rename(pkg / "others" / "blocks.py")
    renamed = submission_hash(pkg)
    assert renamed != before
    (pkg / "others" / "empty.py").write_text("")
    assert submission_hash(pkg) not in (before, renamed)


def test_hash_matches_the_private_copy_and_ignores_what_it_leaves_out(make_package, tmp_path):
    team_dir = make_package()
    pkg = team_dir / "Miniproject_2"
    before = submission_hash(pkg)
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\x00" * 16)
    (pkg / "link").symlink_to("/etc/passwd")
    assert submission_hash(pkg) == before
    new_root = make_private_copy(team_dir, tmp_path / "copy")
    assert submission_hash(new_root / "Miniproject_2") == before


def test_hash_of_missing_folder(tmp_path):
    with pytest.raises(SubmissionError, match="not a folder"):
        submission_hash(tmp_path / "nope")
