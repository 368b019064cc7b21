"""Where a block keeps a weight the judge knows in torch's layout: torch's own, or a documented alternative.

A TransposeConv2d written as "insert zeros, pad, convolve" naturally stores its
kernel as a convolution's, (out, in, kh, kw); used as it is, that kernel is the
torch kernel flipped in both spatial dimensions, and some students flip it at
run time instead. Both are correct transposed convolutions. The judge plants its
weight through the layout's `to_student` and reads gradients back through
`to_torch` (the same linear map inverted), and the check says which layout it
found, instead of failing correct maths over a storage convention.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Layout:
    """A weight storage convention: how torch's tensor maps to the student's and back."""

    name: str
    note: str  # what the check says when it graded through this layout ("" for torch's)
    to_student: Callable[[torch.Tensor], torch.Tensor]
    to_torch: Callable[[torch.Tensor], torch.Tensor]

    def shape(self, torch_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The student's shape for a torch-layout weight of `torch_shape`."""
        return tuple(self.to_student(torch.empty(torch_shape)).shape)


def _same(w: torch.Tensor) -> torch.Tensor:
    return w


def _swap(w: torch.Tensor) -> torch.Tensor:
    return w.transpose(0, 1)


def _swap_flip(w: torch.Tensor) -> torch.Tensor:
    return w.transpose(0, 1).flip(2, 3)


TORCH = Layout("torch", "", _same, _same)
CONV_LAYOUT = Layout(
    "convolution layout",
    "kernel stored in convolution layout (out, in, kh, kw) and transposed at run time, not torch's "
    "(in, out, kh, kw): graded through that mapping",
    _swap,
    _swap,
)
CONV_LAYOUT_FLIPPED = Layout(
    "convolution layout, flipped",
    "kernel stored in convolution layout (out, in, kh, kw) and flipped, as the equivalent convolution's, not "
    "torch's (in, out, kh, kw): graded through that mapping",
    _swap_flip,
    _swap_flip,
)
# what a TransposeConv2d whose weight does not have torch's shape may be using, most common first
TRANSPOSED_ALTERNATIVES = (CONV_LAYOUT_FLIPPED, CONV_LAYOUT)
