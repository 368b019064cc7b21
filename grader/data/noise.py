"""Noise models, selectable by name, applied to uint8 clean images.

What is known of the course's noise (measured on its files): independent,
zero-mean noise per pixel AND per channel; not pixelation or blur alone, and
not noise shared across channels or in 2×2 blocks. `gaussian` (the default)
is that. The others exist to test that a denoiser is not tuned to one noise
("the test set's noise may vary").

Every model takes N×C×H×W uint8 clean images and a `numpy.random.Generator`,
and returns uint8 of the same shape (rounded half to even, then clipped to
0-255). Randomness comes only from the generator, so a seed fixes the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["SIGMA", "DEFAULT_NOISE", "NOISE_NAMES", "describe", "check_noise_name", "add_noise"]

SIGMA = 25.8  # gaussian standard deviation on the 0-255 scale
POISSON_GAIN = 4.0  # 0-255 units per photon: variance 4·x + 12² (std ~25.6 at mid grey)
POISSON_READ_SIGMA = 12.0
IMPULSE_AMOUNT = 0.04  # fraction of values set to 0 or 255 (half each)
PIXELATE_BLOCK = 2
PIXELATE_SIGMA = 15.0


def _to_uint8(x: np.ndarray) -> np.ndarray:
    """Round half to even and clip, in place on the float buffer `x`."""
    np.rint(x, out=x)
    np.clip(x, 0, 255, out=x)
    return x.astype(np.uint8)


def _gaussian(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    z = rng.standard_normal(clean.shape, dtype=np.float32)
    z *= np.float32(SIGMA)
    z += clean
    return _to_uint8(z)


def _poisson(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Poisson-Gaussian (shot + read noise): brighter pixels are noisier.
    photons = rng.poisson(clean.astype(np.float64) / POISSON_GAIN)
    read = rng.standard_normal(clean.shape, dtype=np.float32)
    return _to_uint8(POISSON_GAIN * photons.astype(np.float32) + np.float32(POISSON_READ_SIGMA) * read)


def _impulse(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(clean.shape, dtype=np.float32)
    out = clean.copy()
    out[u < IMPULSE_AMOUNT / 2] = 0
    out[(u >= IMPULSE_AMOUNT / 2) & (u < IMPULSE_AMOUNT)] = 255
    return out


def _block_mean(x: np.ndarray, b: int, oy: int, ox: int) -> np.ndarray:
    """Each b×b block (grid shifted by oy, ox) replaced by its mean; edges replicated."""
    n, c, h, w = x.shape
    top, left = (b - oy) % b, (b - ox) % b
    bottom, right = (-(h + top)) % b, (-(w + left)) % b
    p = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode="edge")
    hh, ww = p.shape[2] // b, p.shape[3] // b
    m = p.reshape(n, c, hh, b, ww, b).mean(axis=(3, 5), dtype=np.float32)
    up = np.repeat(np.repeat(m, b, axis=2), b, axis=3)
    return up[:, :, top : top + h, left : left + w]


def _pixelate(clean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if clean.ndim != 4:
        raise ValueError(f"pixelate noise needs N×C×H×W images, got shape {clean.shape}")
    b = PIXELATE_BLOCK
    offsets = rng.integers(0, b, size=(clean.shape[0], 2))  # a random grid per image
    out = np.empty(clean.shape, dtype=np.float32)
    for oy in range(b):
        for ox in range(b):
            idx = np.flatnonzero((offsets[:, 0] == oy) & (offsets[:, 1] == ox))
            if idx.size:
                out[idx] = _block_mean(clean[idx].astype(np.float32), b, oy, ox)
    z = rng.standard_normal(clean.shape, dtype=np.float32)
    return _to_uint8(out + np.float32(PIXELATE_SIGMA) * z)


_MODELS: dict[str, tuple[Callable[[np.ndarray, np.random.Generator], np.ndarray], str]] = {
    "gaussian": (_gaussian, f"gaussian, sigma {SIGMA} on 0-255, independent per pixel and channel"),
    "poisson": (
        _poisson,
        f"Poisson-Gaussian: {POISSON_GAIN:g}·Poisson(x/{POISSON_GAIN:g}) + N(0, {POISSON_READ_SIGMA:g}²)",
    ),
    "impulse": (_impulse, f"salt and pepper, {IMPULSE_AMOUNT:.0%} of values set to 0 or 255"),
    "pixelate": (
        _pixelate,
        f"{PIXELATE_BLOCK}×{PIXELATE_BLOCK} block means on a random grid, plus gaussian sigma {PIXELATE_SIGMA:g}",
    ),
}
NOISE_NAMES: tuple[str, ...] = tuple(_MODELS)
DEFAULT_NOISE = "gaussian"


def check_noise_name(name: str) -> str:
    """`name` if it is a known noise model; otherwise ValueError listing the valid names."""
    if name not in _MODELS:
        raise ValueError(f"unknown noise {name!r}; valid names: {', '.join(NOISE_NAMES)}")
    return name


def describe(name: str) -> str:
    """One line saying what the noise model does."""
    return _MODELS[check_noise_name(name)][1]


def add_noise(clean: np.ndarray, name: str, rng: np.random.Generator) -> np.ndarray:
    """A noisy uint8 copy of the uint8 `clean` images (N×C×H×W) under noise model `name`."""
    fn = _MODELS[check_noise_name(name)][0]
    clean = np.asarray(clean)
    if clean.dtype != np.uint8:
        raise TypeError(f"noise is applied to uint8 images, got dtype {clean.dtype}")
    return fn(clean, rng)
