"""PSNR, the two ways the course computed it, in float64.

Both definitions normalise by `data_range` first and add the course's epsilon
to the [0, 1]-scale MSE: ``psnr = -10 * log10(mse / data_range**2 + 1e-8)``.
So a perfect prediction scores 80 dB (not inf), and for an MSE well above
1e-8 the value matches ``skimage.metrics.peak_signal_noise_ratio`` to within
``10*log10(1 + 1e-8/mse)`` dB (4e-6 dB at 20 dB); pass ``eps=0`` for the exact
textbook value.

- `psnr_per_image`: PSNR of each image (MSE over C, H, W), then the mean. The
  course's test script; the PRIMARY definition of this toolkit.
- `psnr_global`: one MSE over the whole set (the handout's formula). By Jensen's
  inequality it is never above the per-image mean, typically ~1 dB below it.
"""

from __future__ import annotations

import numpy as np
import torch

EPS = 1e-8  # the course's epsilon, on the [0, 1]-normalised MSE

__all__ = ["EPS", "psnr_each", "psnr_per_image", "psnr_global"]


_CHUNK = 2048  # images per float64 block: bounds memory on 50,000-image sets


def _check_type(x, name: str) -> None:
    if isinstance(x, np.ndarray):
        if not (np.issubdtype(x.dtype, np.number) or x.dtype == np.bool_):
            raise TypeError(f"{name}: expected a numeric array, got dtype {x.dtype}")
    elif isinstance(x, torch.Tensor):
        if x.is_complex():
            raise TypeError(f"{name}: expected a real tensor, got dtype {x.dtype}")
    else:
        raise TypeError(f"{name}: expected a torch.Tensor or numpy.ndarray, got {type(x).__name__}")


def _as_float64(x) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.asarray(x, dtype=np.float64))
    return x.detach().to(device="cpu", dtype=torch.float64)


def _pair(pred, target):
    """Validated (pred, target) as 4-D arrays/tensors, not yet converted."""
    _check_type(pred, "pred")
    _check_type(target, "target")
    if tuple(pred.shape) != tuple(target.shape):
        raise ValueError(
            f"PSNR needs equal shapes: pred has shape {tuple(pred.shape)}, target has shape {tuple(target.shape)}"
        )
    if pred.ndim == 3:  # one C×H×W image
        pred, target = pred[None], target[None]
    if pred.ndim != 4:
        raise ValueError(f"PSNR expects N×C×H×W or C×H×W, got shape {tuple(pred.shape)}")
    if min(pred.shape) == 0:
        raise ValueError(f"PSNR of an empty set (shape {tuple(pred.shape)})")
    return pred, target


def _mse_each(pred, target, r: float) -> torch.Tensor:
    """[0, 1]-normalised MSE of each image, float64, computed in chunks."""
    p, t = _pair(pred, target)
    out = []
    for i in range(0, p.shape[0], _CHUNK):
        d = (_as_float64(p[i : i + _CHUNK]) - _as_float64(t[i : i + _CHUNK])) / r
        out.append(d.pow(2).mean(dim=(1, 2, 3)))
    return torch.cat(out)


def _check_range(data_range: float) -> float:
    r = float(data_range)
    if not r > 0:
        raise ValueError(f"data_range must be positive (255.0 for 0-255 images, 1.0 for [0, 1]), got {data_range}")
    return r


def psnr_each(pred, target, *, data_range: float, eps: float = EPS) -> torch.Tensor:
    """Per-image PSNR in dB (float64 tensor of length N), MSE over C, H, W.

    `data_range` is 255.0 for 0-255 values or 1.0 for [0, 1] values; `eps` is
    added to the normalised MSE (see module docstring).
    """
    mse = _mse_each(pred, target, _check_range(data_range))
    return -10.0 * torch.log10(mse + eps)


def psnr_per_image(pred, target, *, data_range: float, eps: float = EPS) -> float:
    """Mean of the per-image PSNRs in dB: the course test script's definition (primary)."""
    return float(psnr_each(pred, target, data_range=data_range, eps=eps).mean())


def psnr_global(pred, target, *, data_range: float, eps: float = EPS) -> float:
    """PSNR in dB of one MSE over the whole set: the handout's ``-10·log10(mse + 1e-8)``."""
    # Every image has the same C·H·W, so the global MSE is the mean of per-image MSEs.
    mse = _mse_each(pred, target, _check_range(data_range)).mean()
    return float(-10.0 * torch.log10(mse + eps))
