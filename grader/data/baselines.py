"""Classical denoisers as reference points for the validation PSNR.

Each method's parameters are chosen by a small grid search on a few hundred
TRAINING pairs, never on validation. The training set has no clean images (in
the course format too), so tuning follows Noise2Noise: denoise the first noisy
copy and score against the second. For noise that is zero-mean and independent
between the copies, E|f(y1) - y2|² = E|f(y1) - x|² + E|x - y2|², so the grid
point with the lowest noisy-target MSE is the one with the lowest clean MSE
(clipping to 0-255 makes the noise slightly non-zero-mean near black and white:
a small bias, the same for every grid point up to second order).

Denoisers come from scikit-image (imported lazily: it is slow to import); the
wavelet one needs PyWavelets and is reported as unavailable without it.
"""

from __future__ import annotations

import importlib.util
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.psnr import psnr_global, psnr_per_image

__all__ = ["BaselineResult", "METHODS", "run_baselines"]

DEFAULT_N_TUNE = 256


@dataclass
class BaselineResult:
    """One denoiser's validation PSNR (both definitions) with its tuned parameters."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    psnr_per_image: float | None = None
    psnr_global: float | None = None
    seconds: float = 0.0
    note: str = ""


def _grid(**axes) -> list[dict[str, Any]]:
    keys = list(axes)
    return [dict(zip(keys, values)) for values in itertools.product(*axes.values())]


def _nl_means(img, **p):
    from skimage.restoration import denoise_nl_means

    return denoise_nl_means(img, fast_mode=True, channel_axis=-1, **p)


def _tv(img, **p):
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(img, channel_axis=-1, **p)


def _wavelet(img, **p):
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(img, channel_axis=-1, convert2ycbcr=True, rescale_sigma=True, **p)


def _bilateral(img, **p):
    from skimage.restoration import denoise_bilateral

    return denoise_bilateral(img, channel_axis=-1, **p)


# name -> (denoiser on one H×W×3 float image in [0, 1], parameter grid, requirement or None)
METHODS: dict[str, tuple[Callable, list[dict[str, Any]], str | None]] = {
    "non-local means": (
        _nl_means,
        _grid(h=[0.05, 0.07, 0.09, 0.11, 0.14], patch_size=[3, 5], patch_distance=[4]),
        None,
    ),
    "total variation (Chambolle)": (_tv, _grid(weight=[0.03, 0.05, 0.07, 0.09, 0.12, 0.16]), None),
    "wavelet (BayesShrink)": (_wavelet, _grid(sigma=[0.05, 0.07, 0.09, 0.11, 0.14], method=["BayesShrink"]), "pywt"),
    "bilateral": (_bilateral, _grid(sigma_color=[0.03, 0.05, 0.08, 0.12], sigma_spatial=[1.0, 2.0, 3.0]), None),
}


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _to_hwc01(x) -> np.ndarray:
    a = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    return a.transpose(0, 2, 3, 1).astype(np.float64) / 255.0


def _denoise(fn: Callable, images: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """N×3×H×W float64 on 0-255 (clipped, not rounded) from N×H×W×3 [0, 1] inputs."""
    out = np.stack([fn(img, **params) for img in images])
    return np.clip(out * 255.0, 0.0, 255.0).transpose(0, 3, 1, 2)


def _tune(fn: Callable, grid: list[dict[str, Any]], noisy1: np.ndarray, noisy2: np.ndarray) -> dict[str, Any]:
    target = noisy2.astype(np.float64)
    scores = [float(np.mean((_denoise(fn, noisy1, p) - target) ** 2)) for p in grid]
    return grid[int(np.argmin(scores))]


def run_baselines(
    data, *, n_tune: int = DEFAULT_N_TUNE, methods: list[str] | None = None, progress: bool = False
) -> list[BaselineResult]:
    """Validation PSNR of the noisy input and of each classical denoiser in `methods` (default: all).

    `data` is an N2NData; parameters are tuned on its first `n_tune` training pairs.
    """
    import click

    names = list(METHODS) if methods is None else methods
    unknown = [m for m in names if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown baseline(s) {unknown}; valid: {', '.join(METHODS)}")
    n_tune = min(int(n_tune), len(data.train_input))
    noisy1 = _to_hwc01(data.train_input[:n_tune])
    noisy2 = data.train_target[:n_tune].numpy().astype(np.float64)
    val_in = _to_hwc01(data.val_input)
    clean = data.val_target

    results = [
        BaselineResult(
            "noisy input (no denoising)",
            psnr_per_image=psnr_per_image(data.val_input, clean, data_range=255.0),
            psnr_global=psnr_global(data.val_input, clean, data_range=255.0),
        )
    ]
    for name in names:
        fn, grid, needs = METHODS[name]
        if needs and not _has_module(needs):
            results.append(BaselineResult(name, note=f"unavailable: needs the {needs} module (PyWavelets)"))
            continue
        if progress:
            click.echo(f"baseline {name}: tuning {len(grid)} settings on {n_tune} training pairs", err=True)
        t0 = time.perf_counter()
        best = _tune(fn, grid, noisy1, noisy2)
        pred = _denoise(fn, val_in, best)
        results.append(
            BaselineResult(
                name,
                params=best,
                psnr_per_image=psnr_per_image(pred, clean, data_range=255.0),
                psnr_global=psnr_global(pred, clean, data_range=255.0),
                seconds=time.perf_counter() - t0,
                note=f"tuned on {n_tune} noisy/noisy training pairs",
            )
        )
    return results
