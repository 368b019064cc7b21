"""Classical baselines: tuned on training pairs only, and better than doing nothing."""

import pytest
import torch

from grader.data import baselines, load_default_data
from grader.data.baselines import run_baselines


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("N2N_GRADE_CACHE", str(tmp_path_factory.mktemp("cache")))
        return load_default_data(0, n_train=48, n_val=24, progress=False)


def test_denoisers_beat_the_noisy_input_on_both_definitions(small):
    res = {
        r.name: r for r in run_baselines(small, n_tune=32, methods=["non-local means", "total variation (Chambolle)"])
    }
    noisy = res["noisy input (no denoising)"]
    for name in ("non-local means", "total variation (Chambolle)"):
        assert res[name].psnr_per_image > noisy.psnr_per_image + 2, name
        assert res[name].psnr_global > noisy.psnr_global + 2, name
        assert res[name].params, name


def test_parameters_do_not_depend_on_validation_data(small):
    scrambled = small.subset()
    scrambled.val_input = torch.flip(small.val_input, dims=(0, 3))
    scrambled.val_target = torch.flip(small.val_target, dims=(0, 3))
    a = run_baselines(small, n_tune=32, methods=["total variation (Chambolle)"])[1]
    b = run_baselines(scrambled, n_tune=32, methods=["total variation (Chambolle)"])[1]
    assert a.params == b.params


def test_unknown_method_is_refused(small):
    with pytest.raises(ValueError, match="unknown baseline"):
        run_baselines(small, methods=["median"])


def test_wavelet_is_reported_unavailable_without_pywavelets(small, monkeypatch):
    monkeypatch.setattr(baselines, "_has_module", lambda name: name != "pywt")
    (r,) = [r for r in run_baselines(small, n_tune=8, methods=["wavelet (BayesShrink)"]) if "wavelet" in r.name]
    assert r.psnr_per_image is None and "PyWavelets" in r.note
