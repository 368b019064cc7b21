"""Read and write the course's own data files (train_data.pkl, val_data.pkl).

Files are read with ``torch.load(weights_only=True)`` only: it rebuilds tensors
and plain containers but refuses arbitrary Python objects, so a doctored .pkl
cannot run code. Each way a file can be wrong gets its own `DataError` naming
the file and what was expected versus found.
"""

from __future__ import annotations

import os
import pickle
import warnings
import zipfile
from pathlib import Path

import torch

from grader.data.errors import DataError

__all__ = ["TRAIN_FILE", "VAL_FILE", "read_pair", "read_course_files", "export_course_data"]

TRAIN_FILE = "train_data.pkl"
VAL_FILE = "val_data.pkl"
_CONTENTS = {
    TRAIN_FILE: ("noisy_imgs_1", "noisy_imgs_2"),
    VAL_FILE: ("noisy_imgs", "clean_imgs"),
}


def _describe(x) -> str:
    if isinstance(x, torch.Tensor):
        return f"a {x.dtype} tensor of shape {tuple(x.shape)}"
    if isinstance(x, (tuple, list)):
        return f"a {type(x).__name__} of {len(x)} item(s)"
    return f"a {type(x).__name__}"


def read_pair(
    path: str | os.PathLike, names: tuple[str, str] = ("first", "second")
) -> tuple[torch.Tensor, torch.Tensor]:
    """The two uint8 N×3×H×W tensors stored in `path` as ``torch.save((a, b), path)``.

    Raises DataError for: a missing file; a file that is not a torch/pickle file
    or is truncated; one that holds anything but plain tensors; not exactly two
    tensors in a tuple/list; a dtype other than uint8; not 4-D with 3 channels;
    unequal shapes; no images (N = 0).
    """
    path = Path(path)
    want = f"a tuple ({names[0]}, {names[1]}) of two uint8 N×3×H×W tensors of equal shape"
    if not path.exists():
        raise DataError(f"{path}: file not found (expected {want})")
    if not path.is_file():
        raise DataError(f"{path}: not a regular file (expected {want})")
    try:
        with warnings.catch_warnings():
            # A plain-pickle file makes torch warn about its protocol; the error below says more.
            warnings.simplefilter("ignore", UserWarning)
            obj = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as e:
        if "weights_only" in str(e) or "Weights only load failed" in str(e):
            raise DataError(
                f"{path}: refused for safety by torch.load(weights_only=True), which accepts only "
                f"tensors and plain containers ({_weights_only_reason(e)}); expected {want}, "
                f"written with torch.save"
            ) from None
        raise DataError(f"{path}: not a readable pickle/torch file ({_first_line(e)}); expected {want}") from None
    except (
        EOFError,
        RuntimeError,
        ValueError,
        zipfile.BadZipFile,
        UnicodeDecodeError,
        OSError,
        AttributeError,
        ImportError,
        IndexError,
        KeyError,
        TypeError,
    ) as e:
        raise DataError(
            f"{path}: not a readable pickle/torch file, corrupt or truncated "
            f"({type(e).__name__}: {_first_line(e)}); expected {want}"
        ) from None

    if not isinstance(obj, (tuple, list)):
        raise DataError(f"{path}: expected {want}, found {_describe(obj)}")
    if len(obj) != 2:
        raise DataError(f"{path}: expected exactly two tensors ({names[0]}, {names[1]}), found {_describe(obj)}")
    for name, t in zip(names, obj):
        if not isinstance(t, torch.Tensor):
            raise DataError(f"{path}: {name} should be a uint8 tensor, found {_describe(t)}")
    for name, t in zip(names, obj):
        if t.dtype != torch.uint8:
            raise DataError(f"{path}: {name} should have dtype torch.uint8 (values 0-255), found {t.dtype}")
    for name, t in zip(names, obj):
        if t.dim() != 4 or t.shape[1] != 3:
            raise DataError(
                f"{path}: {name} should have shape N×3×H×W (4-D, 3 colour channels), found {tuple(t.shape)}"
            )
    a, b = obj
    if a.shape != b.shape:
        raise DataError(
            f"{path}: {names[0]} and {names[1]} should have equal shapes, found {tuple(a.shape)} and {tuple(b.shape)}"
        )
    if a.shape[0] == 0 or a.shape[2] == 0 or a.shape[3] == 0:
        raise DataError(f"{path}: holds no images (shape {tuple(a.shape)}); expected N > 0 images")
    return a.contiguous(), b.contiguous()


def _weights_only_reason(e: BaseException) -> str:
    text = str(e)
    marker = "WeightsUnpickler error:"
    if marker in text:
        rest = [line.strip() for line in text.split(marker, 1)[1].splitlines() if line.strip()]
        if rest:
            return rest[0][:200]
    return _first_line(e)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def read_course_files(folder: str | os.PathLike) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train_input, train_target, val_input, val_target) from the course files in `folder`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder (expected one holding {TRAIN_FILE} and {VAL_FILE})")
    train_input, train_target = read_pair(folder / TRAIN_FILE, _CONTENTS[TRAIN_FILE])
    val_input, val_target = read_pair(folder / VAL_FILE, _CONTENTS[VAL_FILE])
    return train_input, train_target, val_input, val_target


def _save_private(obj, path: Path) -> None:
    # val_data.pkl holds clean images: keep it as private as the cache.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        torch.save(obj, f)
    os.chmod(path, 0o600)


def export_course_data(data, folder: str | os.PathLike) -> tuple[Path, Path]:
    """Write `data` (anything with train_input/train_target/val_input/val_target) in the course format.

    Returns the paths of train_data.pkl and val_data.pkl (mode 0600).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    train_path, val_path = folder / TRAIN_FILE, folder / VAL_FILE
    # clone(): torch.save writes a view's whole storage, so a subset would carry the full set.
    _save_private((data.train_input.clone(), data.train_target.clone()), train_path)
    _save_private((data.val_input.clone(), data.val_target.clone()), val_path)
    return train_path, val_path
