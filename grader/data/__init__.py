"""The data the grader trains and scores on, in the course's format.

`load_data(folder)` reads the course's own train_data.pkl / val_data.pkl;
`load_data()` (or `load_default_data()`) gives the embedded default, built from
photos shipped inside scikit-image, scikit-learn and matplotlib and cached on
disk. Either way the result is an `N2NData`: four uint8 N×3×32×32 tensors
(noisy/noisy training pairs, noisy/clean validation pairs) and an `info` dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import torch

from grader.data import cache, course, embedded
from grader.data import noise as noise_models
from grader.data import photos as photo_db
from grader.data.checksums import ARRAY_NAMES, array_sha256, data_id
from grader.data.course import export_course_data  # N2NData has the four tensors it writes
from grader.data.errors import DataError

__all__ = ["N2NData", "DataError", "load_data", "load_default_data", "load_course_data", "export_course_data"]


@dataclass
class N2NData:
    """Training pairs (two noisy copies) and validation pairs (noisy, clean), uint8 N×3×H×W.

    `info` holds: source ('embedded' or 'course:<folder>'), seed, noise, n_train,
    n_val, photos (embedded only), checksums, and data_id (a short stable hash
    of the four tensors, for caching results).
    """

    train_input: torch.Tensor
    train_target: torch.Tensor
    val_input: torch.Tensor
    val_target: torch.Tensor
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def data_id(self) -> str:
        return self.info["data_id"]

    def subset(self, n_train: int | None = None, n_val: int | None = None) -> N2NData:
        """The first `n_train` training and first `n_val` validation pairs (None keeps all)."""
        nt = len(self.train_input) if n_train is None else int(n_train)
        nv = len(self.val_input) if n_val is None else int(n_val)
        if not (0 < nt <= len(self.train_input) and 0 < nv <= len(self.val_input)):
            raise ValueError(
                f"subset({n_train}, {n_val}) out of range: have {len(self.train_input)} "
                f"training and {len(self.val_input)} validation pairs"
            )
        tensors = {
            "train_input": self.train_input[:nt],
            "train_target": self.train_target[:nt],
            "val_input": self.val_input[:nv],
            "val_target": self.val_target[:nv],
        }
        info = {**self.info, "n_train": nt, "n_val": nv, "subset_of": self.info.get("data_id")}
        return _make(tensors, info)


def _make(tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> N2NData:
    sums = {name: array_sha256(tensors[name]) for name in ARRAY_NAMES}
    info = {**info, "checksums": sums, "data_id": data_id(sums)}
    return N2NData(**tensors, info=info)


def load_default_data(
    seed: int = 0,
    noise: str = noise_models.DEFAULT_NOISE,
    *,
    rebuild: bool = False,
    progress: bool = True,
    n_train: int = embedded.DEFAULT_N_TRAIN,
    n_val: int = embedded.DEFAULT_N_VAL,
) -> N2NData:
    """The embedded default data set: from the cache when it checks out, else built and cached.

    `progress` shows a progress bar and cache messages on stderr (turn it off
    for library use). `rebuild` ignores any cached copy.
    """
    noise_models.check_noise_name(noise)
    request = {
        "generator_version": embedded.GENERATOR_VERSION,
        "seed": int(seed),
        "noise": noise,
        "n_train": int(n_train),
        "n_val": int(n_val),
        "crop": embedded.CROP,
        "photos": {s: [p.name for p in photo_db.photos(s)] for s in ("train", "val")},
        # A changed photo file (new package version) must invalidate the cache.
        "photo_sha256": {p.name: photo_db.file_sha256(p) for p in photo_db.PHOTOS},
    }
    arrays, why = (None, "rebuild requested") if rebuild else cache.load_entry(request)
    status = "cache hit"
    if arrays is None:
        if progress and why != "not cached yet":
            click.echo(f"data cache: {why}; rebuilding", err=True)
        arrays = embedded.build_embedded(seed, noise, n_train=n_train, n_val=n_val, progress=progress)
        status = f"built ({why})"
        try:
            cache.store_entry(arrays, request)
            if progress:
                click.echo(f"data cache: stored in {cache.entry_dir(request)}", err=True)
        except (OSError, DataError) as e:  # an unwritable cache costs a rebuild next time, not this run
            status += f"; not cached: {e}"
            if progress:
                click.echo(f"data cache: could not store ({e}); continuing without cache", err=True)
    tensors = {name: torch.from_numpy(getattr(arrays, name)) for name in ARRAY_NAMES}
    info = {
        "source": "embedded",
        "seed": int(seed),
        "noise": noise,
        "noise_description": noise_models.describe(noise),
        "n_train": int(n_train),
        "n_val": int(n_val),
        "photos": request["photos"],
        "crops_per_photo": arrays.params.get("crops_per_photo"),
        "generator_version": embedded.GENERATOR_VERSION,
        "cache": status,
        "cache_dir": str(cache.entry_dir(request)),
    }
    return _make(tensors, info)


def load_course_data(folder) -> N2NData:
    """The course's train_data.pkl and val_data.pkl from `folder`, validated (DataError if not)."""
    tensors = dict(zip(ARRAY_NAMES, course.read_course_files(folder)))
    info = {
        "source": f"course:{Path(folder)}",
        "seed": None,
        "noise": "course (unpublished)",
        "n_train": len(tensors["train_input"]),
        "n_val": len(tensors["val_input"]),
        "photos": None,
    }
    return _make(tensors, info)


def load_data(
    folder=None,
    *,
    seed: int = 0,
    noise: str = noise_models.DEFAULT_NOISE,
    rebuild: bool = False,
    progress: bool = True,
    **sizes,
) -> N2NData:
    """The course data in `folder` if given, else the cached embedded default (see `load_default_data`).

    `sizes` (n_train, n_val) apply to the embedded set only.
    """
    if folder is not None:
        return load_course_data(folder)
    return load_default_data(seed, noise, rebuild=rebuild, progress=progress, **sizes)
