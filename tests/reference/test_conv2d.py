"""Conv2d against torch.nn.Conv2d and autograd, over a matrix of shapes and arguments."""

import itertools

import pytest
import torch
from reference_testing import TOL, check_block, copy_params, rel_error

KERNELS = [1, 3, (2, 3), 4]
STRIDES = [1, 2, (3, 1)]
PADDINGS = [0, 1, (2, 0)]
DILATIONS = [1, 2]


def conv_cases():
    """(in, out, kernel, stride, padding, dilation, bias, x shape), every combination that gives a non-empty output."""
    cases = []
    for i, (k, s, p, d) in enumerate(itertools.product(KERNELS, STRIDES, PADDINGS, DILATIONS)):
        cin, cout = (3, 5) if i % 2 else (4, 2)  # asymmetric channels: a swapped (out, in) order fails
        shape = (1 if i % 3 == 0 else 2, cin, 9 + i % 3, 7 + i % 4)  # batch 1 and 2, non-square, odd and even
        cases.append(pytest.param(cin, cout, k, s, p, d, i % 5 != 4, shape, id=f"k{k}-s{s}-p{p}-d{d}-{i}"))
    return cases


def pair_of_blocks(ref, args, dtype, bias=True):
    cin, cout, k, s, p, d = args
    theirs = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p, dilation=d, bias=bias, dtype=dtype)
    ours = ref.Conv2d(cin, cout, k, stride=s, padding=p, dilation=d, bias=bias, dtype=dtype)
    copy_params(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("cin, cout, k, s, p, d, bias, shape", conv_cases())
def test_conv2d_matches_torch(ref, dtype, cin, cout, k, s, p, d, bias, shape):
    ours, theirs = pair_of_blocks(ref, (cin, cout, k, s, p, d), dtype, bias)
    x = torch.randn(shape, dtype=dtype)
    errors = check_block(ours, theirs, x)
    assert max(errors.values()) < TOL[dtype], errors


@pytest.mark.parametrize("padding, dilation, kernel", [("same", 1, 3), ("same", 2, (2, 3)), ("valid", 1, 3)])
def test_conv2d_string_padding(ref, padding, dilation, kernel):
    ours, theirs = pair_of_blocks(ref, (3, 4, kernel, 1, padding, dilation), torch.float64)
    errors = check_block(ours, theirs, torch.randn(2, 3, 8, 7, dtype=torch.float64))
    assert max(errors.values()) < 1e-10, errors


def test_conv2d_gradients_accumulate(ref):
    """Two backward calls ADD their gradients: the result is torch's for the summed output gradient."""
    ours, theirs = pair_of_blocks(ref, (3, 5, (3, 2), 2, 1, 1), torch.float64)
    x1, x2 = torch.randn(2, 3, 8, 9, dtype=torch.float64), torch.randn(2, 3, 8, 9, dtype=torch.float64)
    g1, g2 = torch.randn_like(theirs(x1)), torch.randn_like(theirs(x2))
    with torch.enable_grad():
        (theirs(x1) * g1).sum().backward()
        (theirs(x2) * g2).sum().backward()
    ours.forward(x1)
    ours.backward(g1)
    ours.forward(x2)
    ours.backward(g2)
    (w, dw), (b, db) = ours.param()
    assert w is ours.weight and b is ours.bias
    assert rel_error(dw, theirs.weight.grad) < 1e-10
    assert rel_error(db, theirs.bias.grad) < 1e-10


def test_conv2d_initialisation_is_torchs(ref):
    """Same seed, same numbers: U(±1/sqrt(in·kh·kw)) for weight then bias, as torch's kaiming_uniform(a=√5)."""
    torch.manual_seed(7)
    theirs = torch.nn.Conv2d(6, 4, (3, 2))
    torch.manual_seed(7)
    ours = ref.Conv2d(6, 4, (3, 2))
    assert torch.equal(ours.weight, theirs.weight.detach()) and torch.equal(ours.bias, theirs.bias.detach())
    big = ref.Conv2d(16, 32, 3)
    bound = 1 / (16 * 9) ** 0.5
    assert big.weight.abs().max() <= bound and big.weight.abs().max() > 0.95 * bound
    assert big.weight.std() == pytest.approx(bound / 3**0.5, rel=0.1)  # the std of U(-b, b) is b/√3


def test_conv2d_attributes(ref):
    conv = ref.Conv2d(3, 8, (2, 3), stride=2, padding=(1, 0))
    assert conv.weight.shape == (8, 3, 2, 3) and conv.bias.shape == (8,)
    assert conv.weight_grad.shape == conv.weight.shape and conv.bias_grad.shape == conv.bias.shape
    assert conv.stride == (2, 2) and conv.kernel_size == (2, 3)
    assert [tuple(p.shape) for p, _ in conv.param()] == [(8, 3, 2, 3), (8,)]
    assert ref.Conv2d(3, 8, 3, bias=False).param()[0][0].shape == (8, 3, 3, 3)
    assert len(ref.Conv2d(3, 8, 3, bias=False).param()) == 1


def test_conv2d_rejects_wrong_channels(ref):
    with pytest.raises(ValueError, match="N×3×H×W"):
        ref.Conv2d(3, 8, 3).forward(torch.randn(1, 4, 8, 8))


def test_replaced_parameter_gets_matching_gradient(ref):
    """A grader may swap in float64 weights: the gradient buffer follows the parameter's dtype."""
    conv = ref.Conv2d(2, 3, 3)
    conv.weight = conv.weight.double()
    conv.bias = conv.bias.double()
    y = conv.forward(torch.randn(1, 2, 5, 5, dtype=torch.float64))
    conv.backward(torch.ones_like(y))
    assert all(g.dtype == torch.float64 for _, g in conv.param())
