"""The judge's expectations: torch.nn.functional and autograd in float64."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def with_grads(
    fn: Callable[..., torch.Tensor], inputs: dict[str, torch.Tensor | None], grad_output: torch.Tensor | None
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Run `fn(**inputs)` in float64 with autograd; return the output and each input's gradient."""
    with torch.enable_grad():
        leaves = {
            k: (v.detach().to(torch.float64).requires_grad_(True) if v is not None else None) for k, v in inputs.items()
        }
        out = fn(**leaves)
        if grad_output is None:
            return out.detach(), {}
        out.backward(grad_output.to(torch.float64))
    return out.detach(), {k: v.grad.detach() for k, v in leaves.items() if v is not None and v.grad is not None}


def conv2d(stride=1, padding=0, dilation=1):
    return lambda x, weight, bias: F.conv2d(x, weight, bias, stride=stride, padding=padding, dilation=dilation)


def conv2d_no_bias(stride=1, padding=0):
    return lambda x, weight, bias=None: F.conv2d(x, weight, None, stride=stride, padding=padding)


def conv_transpose2d(stride=1, padding=0, output_padding=0, dilation=1):
    return lambda x, weight, bias: F.conv_transpose2d(
        x, weight, bias, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )


def nearest_conv(scale: int, stride=1, padding=0):
    """Nearest-neighbour upsampling followed by a convolution."""
    return lambda x, weight, bias: F.conv2d(
        F.interpolate(x, scale_factor=scale, mode="nearest"), weight, bias, stride=stride, padding=padding
    )


def nearest(scale: int):
    return lambda x: F.interpolate(x, scale_factor=scale, mode="nearest")


def relu(x):
    return torch.relu(x)


def sigmoid(x):
    return torch.sigmoid(x)


def mse(prediction, target):
    return F.mse_loss(prediction, target, reduction="mean")


def sgd_steps(
    params: list[torch.Tensor],
    grads_per_step: list[list[torch.Tensor]],
    lr: float,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> list[list[torch.Tensor]]:
    """Parameters after each step of torch.optim.SGD, given the gradients of each step."""
    leaves = [p.detach().to(torch.float64).clone().requires_grad_(True) for p in params]
    opt = torch.optim.SGD(leaves, lr=lr, momentum=momentum, weight_decay=weight_decay)
    history = []
    for grads in grads_per_step:
        for leaf, g in zip(leaves, grads):
            leaf.grad = g.detach().to(torch.float64).clone()
        opt.step()
        history.append([leaf.detach().clone() for leaf in leaves])
    return history
