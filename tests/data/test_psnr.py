"""PSNR: both course definitions, cross-checked against scikit-image."""

import math

import numpy as np
import pytest
import torch
from skimage.metrics import peak_signal_noise_ratio

from grader.psnr import EPS, psnr_each, psnr_global, psnr_per_image


def _pair(seed=0, n=6, sigmas=(5, 10, 20, 30, 40, 60)):
    """Clean uint8 images and noisy copies whose noise level differs per image."""
    rng = np.random.default_rng(seed)
    clean = rng.integers(0, 256, size=(n, 3, 16, 16)).astype(np.uint8)
    s = np.asarray(sigmas[:n], dtype=np.float64)[:, None, None, None]
    noisy = np.clip(np.rint(clean + s * rng.standard_normal(clean.shape)), 0, 255).astype(np.uint8)
    return noisy, clean


def test_each_image_matches_skimage_exactly_without_epsilon():
    noisy, clean = _pair()
    ours = psnr_each(noisy, clean, data_range=255.0, eps=0.0).numpy()
    ref = [peak_signal_noise_ratio(c, p, data_range=255) for p, c in zip(noisy, clean)]
    assert np.max(np.abs(ours - ref)) < 1e-6


def test_default_epsilon_shifts_psnr_only_by_its_analytic_amount():
    noisy, clean = _pair()
    ours = psnr_each(noisy, clean, data_range=255.0).numpy()
    ref = np.array([peak_signal_noise_ratio(c, p, data_range=255) for p, c in zip(noisy, clean)])
    mse01 = ((noisy.astype(np.float64) - clean) / 255.0) ** 2
    bound = 10 * np.log10(1 + EPS / mse01.mean(axis=(1, 2, 3)))
    assert np.all(ref - ours >= 0)
    assert np.all(ref - ours <= bound * (1 + 1e-6) + 1e-12)
    assert np.max(ref - ours) < 1e-3  # negligible below 40 dB (1.2e-4 dB at 34 dB)


def test_per_image_is_mean_of_each_and_matches_skimage_mean():
    noisy, clean = _pair()
    ref = np.mean([peak_signal_noise_ratio(c, p, data_range=255) for p, c in zip(noisy, clean)])
    assert psnr_per_image(noisy, clean, data_range=255.0, eps=0.0) == pytest.approx(ref, abs=1e-6)


def test_global_is_one_mse_over_the_set_as_in_skimage():
    noisy, clean = _pair()
    ref = peak_signal_noise_ratio(clean, noisy, data_range=255)  # skimage: one MSE over the whole array
    assert abs(psnr_global(noisy, clean, data_range=255.0, eps=0.0) - ref) < 1e-6


def test_the_two_definitions_differ_when_noise_varies_per_image():
    noisy, clean = _pair()
    per_image = psnr_per_image(noisy, clean, data_range=255.0)
    global_ = psnr_global(noisy, clean, data_range=255.0)
    assert global_ < per_image - 1.0  # Jensen: the global MSE is dominated by the noisiest images


def test_definitions_agree_when_every_image_has_the_same_error():
    clean = np.full((4, 3, 8, 8), 100, dtype=np.uint8)
    pred = clean + np.uint8(10)
    assert psnr_per_image(pred, clean, data_range=255.0) == pytest.approx(psnr_global(pred, clean, data_range=255.0))
    assert psnr_global(pred, clean, data_range=255.0) == pytest.approx(-10 * math.log10((10 / 255) ** 2 + EPS))


def test_handout_formula_on_unit_range():
    rng = np.random.default_rng(3)
    clean = rng.random((5, 3, 8, 8))
    pred = clean + 0.05 * rng.standard_normal(clean.shape)
    mse = np.mean((pred - clean) ** 2)
    assert psnr_global(pred, clean, data_range=1.0) == pytest.approx(-10 * np.log10(mse + 1e-8), abs=1e-12)


def test_perfect_prediction_is_80_db_not_inf():
    x = torch.randint(0, 256, (3, 3, 8, 8), dtype=torch.uint8)
    assert psnr_per_image(x, x, data_range=255.0) == pytest.approx(80.0)
    assert psnr_global(x, x, data_range=255.0) == pytest.approx(80.0)


def test_tensor_numpy_dtypes_and_ranges_agree():
    noisy, clean = _pair(seed=1)
    ref = psnr_per_image(noisy, clean, data_range=255.0)
    assert psnr_per_image(torch.from_numpy(noisy), torch.from_numpy(clean), data_range=255.0) == pytest.approx(ref)
    assert psnr_per_image(noisy.astype(np.int32), clean.astype(np.float32), data_range=255.0) == pytest.approx(ref)
    assert psnr_per_image(
        torch.from_numpy(noisy).double() / 255, torch.from_numpy(clean).float() / 255, data_range=1.0
    ) == pytest.approx(ref, abs=1e-5)  # float32 rounding of /255


def test_uint8_inputs_do_not_wrap_around():
    a = np.zeros((1, 3, 4, 4), dtype=np.uint8)
    b = np.full((1, 3, 4, 4), 255, dtype=np.uint8)
    assert psnr_global(a, b, data_range=255.0) == pytest.approx(0.0, abs=1e-6)  # (0 - 255)², not (0 - 255) mod 256


def test_one_image_chw_is_accepted():
    noisy, clean = _pair()
    assert psnr_per_image(noisy[0], clean[0], data_range=255.0) == pytest.approx(
        psnr_per_image(noisy[:1], clean[:1], data_range=255.0)
    )


def test_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3, 8, 8\).*\(2, 3, 8, 9\)"):
        psnr_per_image(np.zeros((2, 3, 8, 8)), np.zeros((2, 3, 8, 9)), data_range=1.0)


@pytest.mark.parametrize("shape", [(8, 8), (1, 1, 3, 8, 8)])
def test_wrong_rank_is_refused(shape):
    with pytest.raises(ValueError, match="N×C×H×W"):
        psnr_global(np.zeros(shape), np.zeros(shape), data_range=1.0)


def test_data_range_is_required_and_positive():
    x = np.zeros((1, 3, 4, 4))
    with pytest.raises(TypeError):
        psnr_per_image(x, x)  # keyword-only and required: no silent default scale
    with pytest.raises(ValueError, match="data_range"):
        psnr_per_image(x, x, data_range=0)


def test_non_array_input_is_refused():
    with pytest.raises(TypeError, match="list"):
        psnr_per_image([[1.0]], np.zeros((1, 1)), data_range=1.0)
