"""Pictures for the HTML report: a grid of validation images and a PSNR histogram, as PNG bytes.

The grader's Result holds numbers only; images come from an optional
`Samples` the caller captures while grading (noisy inputs, the submission's
outputs and the clean targets of the first validation images).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from grader.psnr import psnr_each


@dataclass
class Samples:
    """Validation images to show: K×3×H×W uint8 arrays and per-image PSNR (dB)."""

    noisy: np.ndarray
    output: np.ndarray
    clean: np.ndarray
    psnr: list[float]  # output vs clean, for the K images shown
    all_psnr: list[float] = field(default_factory=list)  # output vs clean, every validation image
    all_noisy_psnr: list[float] = field(default_factory=list)  # noisy input vs clean, every image
    label: str = "pretrained model"

    def __post_init__(self):
        shapes = {a.shape for a in (self.noisy, self.output, self.clean)}
        if len(shapes) != 1 or self.noisy.ndim != 4 or self.noisy.shape[1] not in (1, 3):
            raise ValueError(f"Samples need three equal N×C×H×W arrays (C = 1 or 3), got shapes {sorted(shapes)}")
        if len(self.psnr) != len(self.noisy):
            raise ValueError(f"Samples: {len(self.psnr)} PSNR values for {len(self.noisy)} images")


def _uint8(x) -> np.ndarray:
    array = x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)
    array = np.nan_to_num(array.astype(np.float64), nan=0.0, posinf=255.0, neginf=0.0)
    return np.clip(np.rint(array), 0, 255).astype(np.uint8)


def samples_from(noisy, output, clean, *, k: int = 8, label: str = "pretrained model") -> Samples:
    """Samples from N×C×H×W tensors or arrays on the 0–255 scale; the first `k` images are shown."""
    noisy8, output8, clean8 = _uint8(noisy), _uint8(output), _uint8(clean)
    clean64 = clean8.astype(np.float64)
    all_psnr = psnr_each(output8.astype(np.float64), clean64, data_range=255.0).tolist()
    all_noisy = psnr_each(noisy8.astype(np.float64), clean64, data_range=255.0).tolist()
    k = min(k, len(noisy8))
    return Samples(noisy8[:k], output8[:k], clean8[:k], all_psnr[:k], all_psnr, all_noisy, label)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow without FreeType sizing
        return ImageFont.load_default()


def picture_grid(samples: Samples, *, scale: int = 3) -> bytes:
    """PNG: one column per image, rows noisy / output / clean, the output's PSNR under it."""
    k, _, h, w = samples.noisy.shape
    cw, ch, pad, left, label_h = w * scale, h * scale, 6, 78, 16
    width = left + k * (cw + pad) + pad
    height = pad + 3 * (ch + label_h + pad)
    canvas = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(canvas)
    font = _font(12)
    rows = (("noisy", samples.noisy), ("output", samples.output), ("clean", samples.clean))
    for r, (name, images) in enumerate(rows):
        y = pad + r * (ch + label_h + pad)
        draw.text((6, y + ch // 2 - 6), name, fill="black", font=font)
        for i in range(k):
            x = left + pad + i * (cw + pad)
            image = images[i].transpose(1, 2, 0)
            tile = Image.fromarray(image[..., 0] if image.shape[2] == 1 else image)
            canvas.paste(tile.convert("RGB").resize((cw, ch), Image.NEAREST), (x, y))
            if name == "output":
                draw.text((x, y + ch + 2), f"{samples.psnr[i]:.1f} dB", fill="black", font=font)
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def psnr_histogram(samples: Samples, *, reference: float | None = None) -> bytes:
    """PNG: histogram of per-image PSNR of the output and of the noisy input over the validation set."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no global figure state in a long-running judge

    values = samples.all_psnr or samples.psnr
    figure = Figure(figsize=(6.4, 3.2), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    everything = values + samples.all_noisy_psnr + ([reference] if reference is not None else [])
    low, high = min(everything), max(everything)
    bins = np.linspace(low, high if high > low else low + 1.0, 31)
    if samples.all_noisy_psnr:
        axes.hist(samples.all_noisy_psnr, bins=bins, alpha=0.5, color="#999999", label="noisy input")
    axes.hist(values, bins=bins, alpha=0.75, color="#1f77b4", label=samples.label)
    axes.axvline(float(np.mean(values)), color="#1f77b4", linestyle="--", linewidth=1)
    if reference is not None:
        axes.axvline(reference, color="#d62728", linestyle=":", linewidth=1.5, label="reference (mean)")
    axes.set_xlabel("PSNR per image (dB)")
    axes.set_ylabel("images")
    axes.legend(loc="best", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def data_uri(png: bytes) -> str:
    """A data: URI that embeds PNG bytes in an HTML page."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
