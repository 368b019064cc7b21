"""Content checksums of image arrays, and the short data id derived from them."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np
import torch

__all__ = ["array_sha256", "data_id"]

ARRAY_NAMES = ("train_input", "train_target", "val_input", "val_target")


def array_sha256(x) -> str:
    """sha256 of an array's dtype, shape and raw C-order bytes (numpy array or CPU tensor)."""
    a = x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)
    a = np.ascontiguousarray(a)
    h = hashlib.sha256(f"{a.dtype.str}{a.shape}".encode())
    h.update(memoryview(a).cast("B"))
    return h.hexdigest()


def data_id(checksums: Mapping[str, str]) -> str:
    """A short stable id (12 hex digits) of the four arrays' checksums, for result caching."""
    missing = [n for n in ARRAY_NAMES if n not in checksums]
    if missing:
        raise KeyError(f"data_id needs the checksums of {', '.join(ARRAY_NAMES)}; missing {', '.join(missing)}")
    text = "\n".join(f"{n}:{checksums[n]}" for n in ARRAY_NAMES)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
