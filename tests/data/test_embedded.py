"""The embedded data set: deterministic, course-shaped, and validation drawn only from held-out photos."""

import hashlib

import numpy as np
import pytest
import torch

from grader.data import N2NData, embedded, load_default_data
from grader.data import photos as photo_db

SMALL = dict(n_train=300, n_val=40)


@pytest.fixture(scope="module")
def built():
    return embedded.build_embedded(0, **SMALL, progress=False)


def _symmetries(crop):
    """The 8 flips/rotations of a 3×H×W crop."""
    for k in range(4):
        r = np.rot90(crop, k, axes=(1, 2))
        yield r
        yield r[:, :, ::-1]


def _window_hashes(split, factors):
    """{sha1 of a 32×32 window: factor} over every window of the split's photos at those factors."""
    out = {}
    for p in photo_db.photos(split):
        img = photo_db.load_photo(p)
        for f in factors:
            w = embedded._Source(img, f).windows
            for y in range(w.shape[0]):
                for x in range(w.shape[1]):
                    out[hashlib.sha1(np.ascontiguousarray(w[y, x]).tobytes()).digest()] = f
    return out


def _lookup(crop, hashes):
    for s in _symmetries(crop):
        f = hashes.get(hashlib.sha1(np.ascontiguousarray(s).tobytes()).digest())
        if f is not None:
            return f
    return None


def test_shapes_and_dtypes_are_the_course_format(built):
    for name, n in [("train_input", 300), ("train_target", 300), ("val_input", 40), ("val_target", 40)]:
        a = getattr(built, name)
        assert a.dtype == np.uint8 and a.shape == (n, 3, 32, 32), name


def test_same_seed_gives_byte_identical_arrays(built):
    again = embedded.build_embedded(0, **SMALL, progress=False)
    for name in ("train_input", "train_target", "val_input", "val_target"):
        assert getattr(again, name).tobytes() == getattr(built, name).tobytes(), name


def test_another_seed_gives_other_arrays(built):
    other = embedded.build_embedded(1, **SMALL, progress=False)
    for name in ("train_input", "train_target", "val_input", "val_target"):
        assert not np.array_equal(getattr(other, name), getattr(built, name)), name


def test_training_pairs_are_two_independent_noise_draws(built):
    a, b = built.train_input.astype(np.float64), built.train_target.astype(np.float64)
    assert not np.array_equal(a, b)
    d = a - b
    assert abs(d.mean()) < 0.5
    assert 30 < d.std() < 37  # sqrt(2) * 25.8 = 36.5, a little less where 0/255 clipping bites


def test_clean_crops_do_not_depend_on_the_noise_model(built):
    impulse = embedded.build_embedded(0, "impulse", **SMALL, progress=False)
    assert np.array_equal(impulse.val_target, built.val_target)
    assert not np.array_equal(impulse.val_input, built.val_input)


def test_no_flat_crops(built):
    assert built.val_target.reshape(40, -1).std(axis=1).min() >= embedded.MIN_STD
    train_clean, _ = embedded._clean_train(200, np.random.default_rng(0))
    assert train_clean.reshape(200, -1).std(axis=1).min() >= embedded.MIN_STD


def test_validation_crops_come_from_held_out_photos_half_4x_half_8x(built):
    hashes = _window_hashes("val", embedded.VAL_FACTORS)
    factors = [_lookup(c, hashes) for c in built.val_target]
    assert None not in factors  # every validation crop is a (flipped/rotated) window of a held-out photo
    assert factors.count(4) == factors.count(8) == 20


def test_training_crops_never_come_from_held_out_photos():
    hashes = _window_hashes("val", (4, 8))
    train_clean, _ = embedded._clean_train(300, np.random.default_rng(0))
    assert all(_lookup(c, hashes) is None for c in train_clean)
    # The same lookup does find crops of the held-out photos (the test can fail).
    val_clean, _ = embedded._clean_val(10, np.random.default_rng(0))
    assert all(_lookup(c, hashes) is not None for c in val_clean)


def test_photos_are_drawn_in_proportion_to_the_square_root_of_their_area():
    _, counts = embedded._clean_train(4000, np.random.default_rng(0))
    records = photo_db.photos("train")
    w = np.array([np.sqrt(np.prod(photo_db.load_photo(p).shape[:2])) for p in records])
    expected = 4000 * w / w.sum()
    got = np.array([counts[p.name] for p in records])
    # Flat-crop rejection removes a few (dark sky, retina border), hence the loose bound.
    assert np.all(np.abs(got - expected) < 0.2 * expected + 30), dict(zip(counts, expected.round()))


def test_sizes_are_validated():
    with pytest.raises(ValueError, match="positive"):
        embedded.build_embedded(0, n_train=0, n_val=5, progress=False)
    with pytest.raises(ValueError, match="unknown noise"):
        embedded.build_embedded(0, "blur", n_train=5, n_val=5, progress=False)


def test_load_default_data_returns_tensors_and_info():
    d = load_default_data(3, n_train=50, n_val=10, progress=False)
    assert isinstance(d, N2NData)
    assert d.train_input.dtype == torch.uint8 and d.val_target.shape == (10, 3, 32, 32)
    assert d.info["source"] == "embedded" and d.info["seed"] == 3 and d.info["noise"] == "gaussian"
    assert set(d.info["photos"]["val"]) == {p.name for p in photo_db.photos("val")}
    assert len(d.data_id) == 12 and d.data_id == d.info["data_id"]


def test_subset_takes_the_first_pairs_and_gets_its_own_id():
    d = load_default_data(0, n_train=50, n_val=10, progress=False)
    s = d.subset(20, 4)
    assert torch.equal(s.train_input, d.train_input[:20]) and torch.equal(s.val_target, d.val_target[:4])
    assert s.info["n_train"] == 20 and s.info["subset_of"] == d.data_id
    assert s.data_id != d.data_id and s.data_id == d.subset(20, 4).data_id
    with pytest.raises(ValueError, match="out of range"):
        d.subset(51, 4)
