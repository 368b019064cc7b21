"""The natural colour photos that ship inside installed Python wheels.

They are found on disk through `importlib.util.find_spec`, which locates a
top-level package without importing it (importing skimage, sklearn or
matplotlib would cost seconds and pull in their heavy modules).

Credits and licences are copied from the packages' own files:
skimage/data/_fetchers.py docstrings, sklearn/datasets/images/README.txt, and
for grace_hopper.jpg the photo's origin (US Navy, public domain).
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["Photo", "PHOTOS", "photos", "photo_path", "load_photo", "file_sha256"]


@dataclass(frozen=True)
class Photo:
    """One source photo: where it lives, who made it, and which split it feeds."""

    name: str
    package: str  # top-level import name of the wheel that ships it
    relpath: str  # path inside that package's folder
    subject: str
    credit: str
    licence: str
    split: str  # "train" or "val"


# Held out for validation: a portrait, an object and an outdoor scene, so the
# validation set is varied and shares no photo with training. The near-duplicate
# right half of skimage's stereo motorcycle pair is not used at all.
PHOTOS: tuple[Photo, ...] = (
    Photo(
        "astronaut",
        "skimage",
        "data/astronaut.png",
        "portrait of astronaut Eileen Collins",
        "NASA (NASA Great Images database)",
        "public domain",
        "val",
    ),
    Photo(
        "coffee",
        "skimage",
        "data/coffee.png",
        "coffee cup on a wooden table",
        "Rachel Michetti, courtesy of Pikolo Espresso Bar",
        "CC0",
        "val",
    ),
    Photo(
        "china",
        "sklearn",
        "datasets/images/china.jpg",
        "Chinese temple roof and trees",
        "danielbuechele (Flickr), retrieved by Robert Layton",
        "CC BY 2.0",
        "val",
    ),
    Photo("chelsea", "skimage", "data/chelsea.png", "Chelsea the cat", "Stefan van der Walt", "CC0", "train"),
    Photo(
        "rocket", "skimage", "data/rocket.jpg", "Falcon 9 launch carrying DSCOVR", "SpaceX", "public domain", "train"
    ),
    Photo(
        "motorcycle_left",
        "skimage",
        "data/motorcycle_left.png",
        "motorcycle (left view of a stereo pair)",
        "Scharstein et al., Middlebury 2014 stereo benchmark",
        "not stated (Middlebury 2014 research data set)",
        "train",
    ),
    Photo(
        "hubble_deep_field",
        "skimage",
        "data/hubble_deep_field.jpg",
        "Hubble eXtreme Deep Field",
        "NASA (HubbleSite)",
        "public domain",
        "train",
    ),
    Photo(
        "retina",
        "skimage",
        "data/retina.jpg",
        "fundus photograph of a human retina",
        "Mikael Häggström (Wikimedia Commons)",
        "CC0",
        "train",
    ),
    Photo(
        "ihc",
        "skimage",
        "data/ihc.png",
        "immunohistochemistry stain of colonic glands",
        "Center for Microscopy And Molecular Imaging (CMMI)",
        "no known copyright restrictions",
        "train",
    ),
    Photo(
        "flower",
        "sklearn",
        "datasets/images/flower.jpg",
        "flower close-up",
        "vultilion (Flickr), retrieved by Robert Layton",
        "CC BY 2.0",
        "train",
    ),
    Photo(
        "grace_hopper",
        "matplotlib",
        "mpl-data/sample_data/grace_hopper.jpg",
        "portrait of Grace Hopper",
        "US Navy",
        "public domain (US Navy photo)",
        "train",
    ),
)


def photos(split: str | None = None) -> list[Photo]:
    """The photo records, optionally only those of one split ("train" or "val")."""
    if split not in (None, "train", "val"):
        raise ValueError(f"split must be 'train', 'val' or None, got {split!r}")
    return [p for p in PHOTOS if split is None or p.split == split]


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)  # locates without importing a top-level package
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"package {package!r} is not installed; the embedded data set needs its sample photos "
            f"(install scikit-image, scikit-learn and matplotlib)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def photo_path(photo: Photo) -> Path:
    """Where the photo's file is on disk; FileNotFoundError naming package and path if absent."""
    path = _package_dir(photo.package) / photo.relpath
    if not path.is_file():
        raise FileNotFoundError(
            f"photo {photo.name!r} is missing: package {photo.package!r} should ship it at {path} "
            f"(a slimmed or different version of {photo.package} may lack its sample data)"
        )
    return path


def load_photo(photo: Photo) -> np.ndarray:
    """The photo as an H×W×3 uint8 RGB array."""
    with Image.open(photo_path(photo)) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def file_sha256(photo: Photo) -> str:
    """sha256 of the photo's file bytes (to prove no image is in both splits)."""
    return hashlib.sha256(photo_path(photo).read_bytes()).hexdigest()
