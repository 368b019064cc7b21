"""The reference network rebuilt with torch.nn (its "twin"), and a loader for the reference packages.

The twin has the same layers and the same weights as the reference's Sequential
and is trained with torch's autograd and torch.optim, so it is the yardstick for
both the reference's speed (benchmarks/) and its training (scripts/train_reference.py --twin).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
# project -> (folder, package name); unique names: sample submissions are also called Miniproject_1/2
REFERENCES = {
    1: (ROOT / "reference_impl" / "Miniproject_1", "n2n_reference_mp1"),
    2: (ROOT / "reference_impl" / "Miniproject_2", "n2n_reference_impl"),
}
REF_DIR, PACKAGE = REFERENCES[2]


def load_reference(project=2):
    """The model module of the project-1 or project-2 reference, imported as its package (relative imports work)."""
    folder, name = REFERENCES[project]
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return importlib.import_module(name + ".model")


def _conv(block) -> nn.Conv2d:
    conv = nn.Conv2d(
        block.in_channels,
        block.out_channels,
        block.kernel_size,
        stride=block.stride,
        padding=block.padding,
        dilation=block.dilation,
        bias=block.bias is not None,
        device=block.weight.device,
        dtype=block.weight.dtype,
    )
    with torch.no_grad():
        conv.weight.copy_(block.weight)
        if block.bias is not None:
            conv.bias.copy_(block.bias)
    return conv


def twin_of(net) -> nn.Sequential:
    """A torch.nn.Sequential equal to the reference Sequential `net`, with copies of its current weights.

    Conv2d -> nn.Conv2d, Upsampling -> nn.Sequential(nn.Upsample(nearest), nn.Conv2d),
    ReLU -> nn.ReLU, Sigmoid -> nn.Sigmoid.
    """
    layers = []
    for block in net:
        kind = type(block).__name__
        if kind == "Conv2d":
            layers.append(_conv(block))
        elif kind == "Upsampling":
            layers.append(
                nn.Sequential(nn.Upsample(scale_factor=block.scale_factor, mode="nearest"), _conv(block.conv))
            )
        elif kind in ("ReLU", "Sigmoid"):
            layers.append(getattr(nn, kind)())
        else:
            raise TypeError(f"twin_of: no torch.nn counterpart for block {kind}")
    return nn.Sequential(*layers)
