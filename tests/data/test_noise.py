"""Noise models: the statistics the course's noise is known to have, and how the others differ."""

import numpy as np
import pytest

from grader.data.noise import DEFAULT_NOISE, NOISE_NAMES, SIGMA, add_noise, describe


def _grey(n=400, value=128, size=32):
    """Mid-grey images: far from 0 and 255, so clipping does not bias the statistics."""
    return np.full((n, 3, size, size), value, dtype=np.uint8)


def _texture(n=200, seed=5):
    """Smooth random texture (values 40-215), so block averaging visibly changes it."""
    rng = np.random.default_rng(seed)
    base = rng.integers(40, 216, size=(n, 3, 16, 16)).astype(np.uint8)
    return np.repeat(base, 2, axis=2).repeat(2, axis=3)


def _residual(name, clean, seed=0):
    noisy = add_noise(clean, name, np.random.default_rng(seed))
    return noisy.astype(np.float64) - clean


def _corr(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def test_default_is_gaussian_with_the_course_sigma():
    assert DEFAULT_NOISE == "gaussian"
    assert SIGMA == 25.8


@pytest.mark.parametrize("name", NOISE_NAMES)
def test_output_is_uint8_same_shape_and_seeded(name):
    clean = _texture(20)
    a = add_noise(clean, name, np.random.default_rng(7))
    b = add_noise(clean, name, np.random.default_rng(7))
    c = add_noise(clean, name, np.random.default_rng(8))
    assert a.dtype == np.uint8 and a.shape == clean.shape
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a, clean)


def test_gaussian_is_zero_mean_with_sigma_25_8():
    r = _residual("gaussian", _grey())  # 1.2 M values
    assert abs(r.mean()) < 0.1  # standard error 25.8 / sqrt(1.2e6) = 0.024
    # Rounding to integers adds a uniform error of variance 1/12.
    assert np.sqrt(r.var() - 1 / 12) == pytest.approx(SIGMA, rel=0.005)


def test_gaussian_is_independent_across_channels_and_pixels():
    r = _residual("gaussian", _grey())
    assert abs(_corr(r[:, 0], r[:, 1])) < 0.01
    assert abs(_corr(r[:, 1], r[:, 2])) < 0.01
    assert abs(_corr(r[:, :, :, :-1], r[:, :, :, 1:])) < 0.01  # horizontal neighbours
    assert abs(_corr(r[:, :, :-1], r[:, :, 1:])) < 0.01  # vertical neighbours


def test_gaussian_is_clipped_to_the_valid_range():
    noisy = add_noise(_grey(value=250, n=50), "gaussian", np.random.default_rng(0))
    assert noisy.max() == 255 and (noisy == 255).mean() > 0.3  # many draws clipped, none wrapped around


def test_pixelate_is_not_plain_pixel_noise():
    clean = _texture()
    pix = _residual("pixelate", clean)
    gau = _residual("gaussian", clean)
    # Block averaging makes the residual correlated between neighbours; independent noise is not.
    assert abs(_corr(pix[:, :, :, :-1], pix[:, :, :, 1:])) > 0.05
    assert abs(_corr(gau[:, :, :, :-1], gau[:, :, :, 1:])) < 0.02


def test_pixelate_uses_a_random_grid_offset():
    clean = _texture(400)
    noisy = add_noise(clean, "pixelate", np.random.default_rng(1)).astype(np.float64)
    # 2x2 block edges fall on even columns for some images and on odd columns for others.
    d = np.abs(np.diff(noisy, axis=3)).mean(axis=(1, 2))  # per image, per column boundary
    even_stronger = d[:, 1::2].mean(axis=1) > d[:, 0::2].mean(axis=1)
    assert 0.2 < even_stronger.mean() < 0.8


def test_poisson_noise_grows_with_brightness():
    dark = _residual("poisson", _grey(value=50, n=100))
    bright = _residual("poisson", _grey(value=170, n=100))  # 3 std below 255: little clipping
    assert bright.std() > dark.std() * 1.2
    assert abs(dark.mean()) < 0.5 and abs(bright.mean()) < 0.5


def test_impulse_sets_a_few_values_to_black_or_white():
    clean = _grey(n=200)
    noisy = add_noise(clean, "impulse", np.random.default_rng(0))
    changed = noisy != clean
    assert 0.03 < changed.mean() < 0.05
    assert set(np.unique(noisy[changed])) == {0, 255}


def test_unknown_noise_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown noise 'speckle'; valid names: gaussian, poisson, impulse, pixelate"):
        add_noise(_grey(n=1), "speckle", np.random.default_rng(0))


def test_non_uint8_input_is_refused():
    with pytest.raises(TypeError, match="uint8"):
        add_noise(np.zeros((1, 3, 4, 4)), "gaussian", np.random.default_rng(0))


@pytest.mark.parametrize("name", NOISE_NAMES)
def test_every_model_is_described(name):
    assert describe(name)
