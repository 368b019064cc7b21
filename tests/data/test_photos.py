"""The shipped photos: present, credited, split without overlap, found without heavy imports."""

import dataclasses
import subprocess
import sys

import pytest

from grader.data import photos as photo_db


def test_every_photo_is_on_disk_and_loads_as_rgb():
    for p in photo_db.PHOTOS:
        img = photo_db.load_photo(p)
        assert img.ndim == 3 and img.shape[2] == 3 and img.dtype.name == "uint8", p.name
        assert min(img.shape[:2]) >= 256, p.name  # big enough for 8x downscaling to 32x32 crops


def test_every_photo_has_credit_and_licence():
    for p in photo_db.PHOTOS:
        assert p.credit and p.licence and p.subject, p.name


def test_at_least_three_whole_photos_are_held_out():
    val = photo_db.photos("val")
    assert len(val) >= 3
    assert len(photo_db.photos("train")) >= 5


def test_no_photo_in_both_splits_by_name_or_content():
    train, val = photo_db.photos("train"), photo_db.photos("val")
    assert not {p.name for p in train} & {p.name for p in val}
    assert not {photo_db.file_sha256(p) for p in train} & {photo_db.file_sha256(p) for p in val}
    assert len({photo_db.file_sha256(p) for p in photo_db.PHOTOS}) == len(photo_db.PHOTOS)


def test_the_near_duplicate_stereo_view_is_not_used():
    assert "motorcycle_right" not in {p.name for p in photo_db.PHOTOS}
    assert all("motorcycle_right" not in p.relpath for p in photo_db.PHOTOS)


def test_a_missing_photo_names_its_package_and_path():
    ghost = dataclasses.replace(photo_db.PHOTOS[0], relpath="data/no_such_photo.png")
    with pytest.raises(FileNotFoundError, match=r"package 'skimage' should ship it at .*data/no_such_photo\.png"):
        photo_db.load_photo(ghost)


def test_a_missing_package_is_named():
    ghost = dataclasses.replace(photo_db.PHOTOS[0], package="no_such_package_n2n")
    with pytest.raises(FileNotFoundError, match=r"package 'no_such_package_n2n' is not installed"):
        photo_db.photo_path(ghost)


def test_finding_and_loading_photos_does_not_import_the_heavy_packages():
    code = (
        "import sys\n"
        "from grader.data import photos, embedded\n"
        "[photos.load_photo(p) for p in photos.PHOTOS]\n"
        "embedded.build_embedded(0, n_train=20, n_val=4, progress=False)\n"
        "print(sorted(m for m in ('skimage', 'sklearn', 'matplotlib') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
