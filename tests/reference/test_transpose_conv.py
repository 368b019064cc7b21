"""TransposeConv2d against torch.nn.ConvTranspose2d and autograd."""

import itertools

import pytest
import torch
from reference_testing import TOL, check_block, copy_params


def cases():
    out = []
    for i, (k, s, p, d) in enumerate(itertools.product([1, 3, (2, 3), 4], [1, 2, (3, 1)], [0, 1], [1, 2])):
        op = tuple(min(j, x - 1) for j, x in zip((1, 0), (s, s) if isinstance(s, int) else s)) if i % 2 else 0
        cin, cout = (3, 5) if i % 2 else (4, 2)
        shape = (1 if i % 3 == 0 else 2, cin, 4 + i % 3, 5 + i % 2)
        out.append(pytest.param(cin, cout, k, s, p, op, d, shape, id=f"k{k}-s{s}-p{p}-op{op}-d{d}"))
    return out


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("cin, cout, k, s, p, op, d, shape", cases())
def test_transpose_conv_matches_torch(ref, dtype, cin, cout, k, s, p, op, d, shape):
    theirs = torch.nn.ConvTranspose2d(cin, cout, k, s, p, op, dilation=d, dtype=dtype)
    ours = ref.TransposeConv2d(cin, cout, k, s, p, op, dilation=d, dtype=dtype)
    copy_params(ours, theirs)
    x = torch.randn(shape, dtype=dtype)
    if min(theirs(x).shape[2:]) <= 0:
        pytest.skip("empty output")
    errors = check_block(ours, theirs, x)
    assert max(errors.values()) < TOL[dtype], errors


def test_transpose_conv_layout_and_init(ref):
    """Weight (in, out, kh, kw) and torch's numbers for the same seed (fan-in from the weight's 2nd axis)."""
    torch.manual_seed(3)
    theirs = torch.nn.ConvTranspose2d(4, 6, (3, 2), stride=2)
    torch.manual_seed(3)
    ours = ref.TransposeConv2d(4, 6, (3, 2), stride=2)
    assert ours.weight.shape == (4, 6, 3, 2)
    assert torch.equal(ours.weight, theirs.weight.detach()) and torch.equal(ours.bias, theirs.bias.detach())


def test_transpose_conv_without_bias(ref):
    theirs = torch.nn.ConvTranspose2d(3, 2, 3, stride=2, bias=False, dtype=torch.float64)
    ours = ref.TransposeConv2d(3, 2, 3, stride=2, bias=False, dtype=torch.float64)
    copy_params(ours, theirs)
    errors = check_block(ours, theirs, torch.randn(2, 3, 5, 4, dtype=torch.float64))
    assert len(ours.param()) == 1 and max(errors.values()) < 1e-10, errors
