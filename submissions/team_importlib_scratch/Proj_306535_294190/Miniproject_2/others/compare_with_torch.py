"""Our blocks against torch.nn, run by hand while developing (not part of the model)."""

import importlib

import torch


def load(name):
    return importlib.import_module(f"others.{name}")


def compare_conv():
    ours = load("blocks").Conv2d(3, 4, 3)
    ref = torch.nn.Conv2d(3, 4, 3)
    ref.weight.data.copy_(ours.weight)
    ref.bias.data.copy_(ours.bias)
    x = torch.randn(2, 3, 8, 8)
    return (ours.forward(x) - ref(x)).abs().max()
