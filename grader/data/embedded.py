"""Build the embedded default data set from the shipped photos, deterministically.

A crop should look like the course's 32×32 thumbnails of whole objects, so each
photo is first downscaled (Pillow Lanczos) by 2, 4 or 8 for training and by 4
or 8 (half each) for validation, then cut into random 32×32 crops with random
flips and 90° rotations. Nearly flat crops (std < 4 on 0-255) are rejected.
Photos are drawn in proportion to the square root of their area, so large
photos give more crops without swamping the small ones. Validation crops come
only from the held-out photos.

Everything is vectorised (one downscale per photo and factor, crops by numpy
indexing, noise in bulk) so the course-sized set (50,000 + 1,000) builds in
seconds. All randomness flows from `numpy.random.SeedSequence(seed)`, with
separate streams for train crops, validation crops, and their noise, so the
clean crops do not depend on the noise model or on the other split's size.
"""

from __future__ import annotations

import sys
from contextlib import nullcontext
from dataclasses import dataclass, field

import click
import numpy as np
from PIL import Image

from grader.data import noise as noise_models
from grader.data import photos as photo_db

__all__ = [
    "GENERATOR_VERSION",
    "CROP",
    "DEFAULT_N_TRAIN",
    "DEFAULT_N_VAL",
    "TRAIN_FACTORS",
    "VAL_FACTORS",
    "MIN_STD",
    "EmbeddedArrays",
    "build_embedded",
]

# Bump when any change below alters the bytes produced for a given seed: it
# invalidates every cached copy.
GENERATOR_VERSION = 1
CROP = 32
DEFAULT_N_TRAIN = 50_000
DEFAULT_N_VAL = 1_000
TRAIN_FACTORS = (2, 4, 8)
VAL_FACTORS = (4, 8)
MIN_STD = 4.0
_NOISE_CHUNK = 5_000  # images per noise block (memory bound; part of the output definition)


@dataclass
class EmbeddedArrays:
    """The four uint8 N×3×32×32 arrays, and what produced them."""

    train_input: np.ndarray
    train_target: np.ndarray
    val_input: np.ndarray
    val_target: np.ndarray
    params: dict = field(default_factory=dict)


class _Source:
    """One photo downscaled by one factor, viewed as all its 32×32 windows (channel-first)."""

    def __init__(self, image: np.ndarray, factor: int):
        h, w = image.shape[:2]
        size = (max(CROP, round(w / factor)), max(CROP, round(h / factor)))
        small = np.asarray(Image.fromarray(image).resize(size, Image.Resampling.LANCZOS))
        # (H-31, W-31, 3, 32, 32): indexing [ys, xs] gives N×3×32×32 crops directly.
        self.windows = np.lib.stride_tricks.sliding_window_view(small, (CROP, CROP), axis=(0, 1))
        self.ny, self.nx = self.windows.shape[:2]


def _augment(crops: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Apply one of the 8 flip/rotation symmetries to each crop (kinds in 0..7)."""
    out = np.empty_like(crops)
    for k in range(8):
        idx = np.flatnonzero(kinds == k)
        if idx.size:
            t = np.rot90(crops[idx], k % 4, axes=(2, 3))
            out[idx] = t[..., ::-1] if k >= 4 else t
    return out


def _std(crops: np.ndarray) -> np.ndarray:
    """Per-crop standard deviation from exact integer sums (faster than float64 std)."""
    flat = crops.reshape(len(crops), -1)
    n = flat.shape[1]
    s1 = flat.sum(axis=1, dtype=np.int64)
    sq = flat.astype(np.uint16)
    np.multiply(sq, sq, out=sq)  # 255² = 65025 fits in uint16
    s2 = sq.sum(axis=1, dtype=np.int64)
    return np.sqrt((s2 * n - s1 * s1) / float(n * n))


def _sample_crops(
    sources: list[dict[int, _Source]], weights: np.ndarray, factors: tuple[int, ...], n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`n` accepted crops and the photo index of each; photo ~ weights, factor uniform in `factors`."""
    accepted: list[np.ndarray] = []
    origin: list[np.ndarray] = []
    have = 0
    while have < n:
        m = int((n - have) * 1.25) + 16  # a margin for rejected flat crops
        pi = rng.choice(len(sources), size=m, p=weights)
        fi = rng.integers(0, len(factors), size=m)
        u = rng.random((m, 2))
        kinds = rng.integers(0, 8, size=m)
        crops = np.empty((m, 3, CROP, CROP), dtype=np.uint8)
        for p in range(len(sources)):
            for j, f in enumerate(factors):
                idx = np.flatnonzero((pi == p) & (fi == j))
                if idx.size:
                    src = sources[p][f]
                    ys = (u[idx, 0] * src.ny).astype(np.intp)
                    xs = (u[idx, 1] * src.nx).astype(np.intp)
                    crops[idx] = src.windows[ys, xs]
        crops = _augment(crops, kinds)
        keep = _std(crops) >= MIN_STD
        accepted.append(crops[keep])
        origin.append(pi[keep])
        have += int(keep.sum())
    return np.concatenate(accepted)[:n], np.concatenate(origin)[:n]


def _split_sources(split: str, factors: tuple[int, ...]):
    records = photo_db.photos(split)
    images = [photo_db.load_photo(p) for p in records]
    sources = [{f: _Source(img, f) for f in factors} for img in images]
    w = np.sqrt([img.shape[0] * img.shape[1] for img in images])
    return records, sources, w / w.sum()


def _counts(records, origin: np.ndarray) -> dict[str, int]:
    return {p.name: int(c) for p, c in zip(records, np.bincount(origin, minlength=len(records)))}


def _clean_train(n: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, int]]:
    records, sources, weights = _split_sources("train", TRAIN_FACTORS)
    crops, origin = _sample_crops(sources, weights, TRAIN_FACTORS, n, rng)
    return crops, _counts(records, origin)


def _clean_val(n: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, int]]:
    records, sources, weights = _split_sources("val", VAL_FACTORS)
    halves = [_sample_crops(sources, weights, (f,), k, rng) for f, k in zip(VAL_FACTORS, (n // 2, n - n // 2))]
    order = rng.permutation(n)
    crops = np.concatenate([h[0] for h in halves])[order]
    return crops, _counts(records, np.concatenate([h[1] for h in halves]))


def build_embedded(
    seed: int = 0,
    noise: str = noise_models.DEFAULT_NOISE,
    *,
    n_train: int = DEFAULT_N_TRAIN,
    n_val: int = DEFAULT_N_VAL,
    progress: bool = True,
) -> EmbeddedArrays:
    """Build the embedded data set: `n_train` noisy/noisy pairs and `n_val` noisy/clean pairs.

    The result depends only on (GENERATOR_VERSION, seed, noise, n_train, n_val)
    and the photo files. `progress` shows a click progress bar on stderr.
    """
    noise_models.check_noise_name(noise)
    if int(seed) < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    if n_train < 1 or n_val < 1:
        raise ValueError(f"n_train and n_val must be positive, got {n_train} and {n_val}")
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(4)]
    rng_train, rng_val, rng_train_noise, rng_val_noise = streams

    bar = (
        click.progressbar(length=2 * (n_train + n_val), label="building embedded data", file=sys.stderr)
        if progress
        else nullcontext(None)
    )
    with bar as b:
        step = b.update if b is not None else (lambda k: None)
        train_clean, train_counts = _clean_train(n_train, rng_train)
        step(n_train)
        val_clean, val_counts = _clean_val(n_val, rng_val)
        step(n_val)
        train_input = np.empty_like(train_clean)
        train_target = np.empty_like(train_clean)
        for i in range(0, n_train, _NOISE_CHUNK):
            chunk = train_clean[i : i + _NOISE_CHUNK]
            train_input[i : i + len(chunk)] = noise_models.add_noise(chunk, noise, rng_train_noise)
            train_target[i : i + len(chunk)] = noise_models.add_noise(chunk, noise, rng_train_noise)
            step(len(chunk))
        val_input = noise_models.add_noise(val_clean, noise, rng_val_noise)
        step(n_val)

    params = {
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "noise": noise,
        "n_train": int(n_train),
        "n_val": int(n_val),
        "crop": CROP,
        "photos": {s: [p.name for p in photo_db.photos(s)] for s in ("train", "val")},
        "crops_per_photo": {"train": train_counts, "val": val_counts},
    }
    return EmbeddedArrays(train_input, train_target, val_input, val_clean, params)
