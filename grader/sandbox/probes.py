"""Small trusted modules the judge plants in the worker (runs inside the worker).

They let the judge test a student's Sequential and SGD in isolation, with
blocks whose maths is known exactly, so a broken Conv2d cannot spoil them.
"""

from __future__ import annotations

import torch


class Affine:
    """y = x * a + b per channel; parameters (a, b) with gradient tensors."""

    def __init__(self, a: torch.Tensor, b: torch.Tensor):
        self.a, self.b = a.clone(), b.clone()
        self.ga, self.gb = a.new_zeros(a.shape), b.new_zeros(b.shape)
        self.x = None

    def forward(self, x, *rest, **kwargs):
        self.x = x
        return x * self.a.view(1, -1, 1, 1) + self.b.view(1, -1, 1, 1)

    def backward(self, g, *rest, **kwargs):
        self.ga += (g * self.x).sum(dim=(0, 2, 3))
        self.gb += g.sum(dim=(0, 2, 3))
        return g * self.a.view(1, -1, 1, 1)

    __call__ = forward

    def param(self):
        return [(self.a, self.ga), (self.b, self.gb)]

    params = parameters = param


class Square:
    """y = x ** 2, no parameters (makes the order of blocks matter)."""

    def __init__(self):
        self.x = None

    def forward(self, x, *rest, **kwargs):
        self.x = x
        return x * x

    def backward(self, g, *rest, **kwargs):
        return 2 * self.x * g

    __call__ = forward

    def param(self):
        return []

    params = parameters = param


class ParamHolder:
    """A model-like object whose param() returns the pairs given (for SGD(model, lr) styles)."""

    def __init__(self, pairs):
        self.pairs = pairs

    def param(self):
        return self.pairs

    params = parameters = param


def planted(pairs: list[tuple[torch.Tensor, torch.Tensor]], layout: str):
    """Parameters for an optimizer under test, in one of the layouts students' optimizers walk.

    Each gradient is also the parameter's `.grad` (and `.gradient`), so an optimizer that reads the pair and
    one that reads the tensor see the same numbers: "pairs" [(p, g), ...], "lists" [[p, g], ...],
    "tensors" [p, ...] (torch's style), "nested" [[(p, g), ...]] (one list per layer).
    """
    for p, g in pairs:
        p.grad = g
        p.gradient = g
    if layout == "pairs":
        return [(p, g) for p, g in pairs]
    if layout == "lists":
        return [[p, g] for p, g in pairs]
    if layout == "tensors":
        return [p for p, _ in pairs]
    if layout == "nested":
        return [[(p, g) for p, g in pairs]]
    raise ValueError(f"unknown layout {layout!r}")


PROBES = {"affine": Affine, "square": Square, "holder": ParamHolder}
