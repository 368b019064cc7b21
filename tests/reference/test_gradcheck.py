"""Finite differences, no autograd: each backward pass against central differences of its own forward, in float64.

For L(x, θ) = <forward(x), G>, dL/dx_i ≈ (L(x + h·e_i) - L(x - h·e_i)) / 2h with an
error of order h² (truncation) + ε·|L|/h (rounding): about 1e-9 here for h = 1e-6.
"""

import pytest
import torch

H = 1e-6
TOL = 1e-7


def numerical_gradient(f, t):
    """Central differences of the scalar function f() with respect to every entry of tensor t (perturbed in place)."""
    grad = torch.zeros_like(t)
    flat, gflat = t.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = float(flat[i])
        flat[i] = old + H
        up = float(f())
        flat[i] = old - H
        down = float(f())
        flat[i] = old
        gflat[i] = (up - down) / (2 * H)
    return grad


def assert_close(analytic, numeric, what):
    err = float((analytic - numeric).abs().max() / numeric.abs().max().clamp(min=1))
    assert err < TOL, f"{what}: relative error {err:.2e} between backward and finite differences"


def gradcheck(block, x):
    """Checks backward's input and parameter gradients against finite differences of forward."""
    gen = torch.Generator().manual_seed(1)
    g = torch.randn(block.forward(x).shape, dtype=torch.float64, generator=gen)

    def loss():
        return (block.forward(x) * g).sum()

    for _, grad in block.param():
        grad.zero_()
    block.forward(x)
    dx = block.backward(g)
    assert_close(dx, numerical_gradient(loss, x), "input gradient")
    for (p, grad), name in zip(block.param(), block.param_names):
        assert_close(grad, numerical_gradient(loss, p), name + " gradient")


def away_from_zero(shape, seed=0):
    """Random float64 values with |x| >= 0.05: central differences stay on one side of ReLU's kink."""
    x = torch.randn(shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    return x + 0.05 * x.sign()


BLOCKS = {  # name: (block factory, input channels)
    "conv-3x3": (lambda r: r.Conv2d(2, 3, 3, padding=1), 2),
    "conv-stride2-dilated": (lambda r: r.Conv2d(3, 2, (2, 3), stride=2, padding=(1, 2), dilation=(1, 2)), 3),
    "conv-4x4-stride2": (lambda r: r.Conv2d(2, 2, 4, stride=2, padding=1), 2),
    "transpose-conv": (lambda r: r.TransposeConv2d(2, 3, 3, stride=2, padding=1, output_padding=1), 2),
    "nearest": (lambda r: r.NearestUpsampling(2), 2),
    "upsampling-patches": (lambda r: r.Upsampling(2, 3, 3, scale_factor=2, padding=1), 2),
    "upsampling-multiply-first": (lambda r: r.Upsampling(3, 1, 3, scale_factor=(2, 1), padding=1), 3),
    "upsampling-plain": (lambda r: r.Upsampling(2, 3, 3, scale_factor=2, stride=2, padding=1), 2),
    "relu": (lambda r: r.ReLU(), 2),
    "sigmoid": (lambda r: r.Sigmoid(), 2),
    "sequential": (
        lambda r: r.Sequential(r.Conv2d(2, 3, 2, stride=2), r.ReLU(), r.Upsampling(3, 2, 3, padding=1), r.Sigmoid()),
        2,
    ),
}


@pytest.mark.parametrize("name", BLOCKS)
def test_backward_matches_finite_differences(ref, name):
    factory, channels = BLOCKS[name]
    block = factory(ref).to(dtype=torch.float64)
    if name.startswith("upsampling-"):
        assert block.multiply_first == (name == "upsampling-multiply-first")
    gradcheck(block, away_from_zero((2, channels, 4, 5)))


def test_mse_matches_finite_differences(ref):
    mse = ref.MSE()
    p, t = away_from_zero((2, 3, 2, 2)), away_from_zero((2, 3, 2, 2), seed=1)
    mse.forward(p, t)
    assert_close(mse.backward(), numerical_gradient(lambda: mse.forward(p, t), p), "MSE gradient")
