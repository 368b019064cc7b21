"""NearestUpsampling and Upsampling against torch, and the sub-pixel path against the plain definition."""

import pytest
import torch
from reference_testing import TOL, check_block, copy_params, rel_error

UPSAMPLING_CASES = [  # (scale, kernel, stride, padding): the first is the model's own
    (2, 3, 1, 1),
    (2, 2, 1, 0),
    (2, 1, 1, 0),
    (3, 5, 1, 1),
    ((2, 3), (3, 5), 1, (0, 2)),
    (2, 4, 1, 3),
    (3, 2, 1, (1, 0)),
    (1, 3, 1, 1),
    (2, 3, 2, 1),
    (2, (3, 2), (1, 2), 0),
]


@pytest.mark.parametrize("scale", [1, 2, 3, (2, 3), 2.0])
def test_nearest_upsampling_matches_torch(ref, scale):
    theirs = torch.nn.Upsample(scale_factor=scale, mode="nearest")
    errors = check_block(ref.NearestUpsampling(scale), theirs, torch.randn(2, 3, 5, 4, dtype=torch.float64))
    assert errors["forward"] == 0 and errors["input_grad"] < 1e-15, errors  # copies, and sums of a few numbers


def test_nearest_upsampling_rejects_fractional_scale(ref):
    with pytest.raises(ValueError, match="positive integer"):
        ref.NearestUpsampling(1.5)


def torch_upsampling(cin, cout, scale, k, s, p, dtype):
    conv = torch.nn.Conv2d(cin, cout, k, stride=s, padding=p, dtype=dtype)
    return torch.nn.Sequential(torch.nn.Upsample(scale_factor=scale, mode="nearest"), conv), conv


def channels_for(path, scale):
    """(in, out) that make the sub-pixel convolution take `path`: multiply-first needs s_h·s_w·out < in."""
    sh, sw = (scale, scale) if isinstance(scale, int) else scale
    return (4, 3) if path == "patches" else (sh * sw * 2 + 1, 2)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(2, 5, 7), (1, 8, 8), (3, 1, 2)], ids=["odd", "square", "tiny"])
@pytest.mark.parametrize("path", ["patches", "multiply-first"])
@pytest.mark.parametrize("scale, k, s, p", UPSAMPLING_CASES, ids=str)
def test_upsampling_matches_torch(ref, dtype, shape, path, scale, k, s, p):
    cin, cout = channels_for(path, scale)
    theirs, conv = torch_upsampling(cin, cout, scale, k, s, p, dtype)
    ours = ref.Upsampling(cin, cout, k, scale_factor=scale, stride=s, padding=p, dtype=dtype)
    if s == 1 and scale != 1:
        assert ours.subpixel and ours.multiply_first == (path == "multiply-first")
    copy_params(ours, conv)
    x = torch.randn((shape[0], cin, *shape[1:]), dtype=dtype)
    try:
        theirs(x)
    except RuntimeError:  # kernel larger than the padded input: torch has no answer to compare with
        pytest.skip("torch rejects this size")
    errors = check_block(ours, theirs, x)
    assert max(errors.values()) < TOL[dtype], errors


@pytest.mark.parametrize("path", ["patches", "multiply-first"])
@pytest.mark.parametrize("scale, k, p", [(2, 3, 1), (3, 4, 2), ((2, 3), (2, 5), (1, 0))], ids=str)
def test_subpixel_equals_upsample_then_conv(ref, scale, k, p, path):
    """The sub-pixel path gives what our own NearestUpsampling then Conv2d give, forward and backward."""
    cin, cout = channels_for(path, scale)
    fast = ref.Upsampling(cin, cout, k, scale_factor=scale, padding=p, dtype=torch.float64)
    assert fast.subpixel and fast.multiply_first == (path == "multiply-first")
    plain_up, plain_conv = ref.NearestUpsampling(scale), ref.Conv2d(cin, cout, k, padding=p, dtype=torch.float64)
    plain_conv.weight, plain_conv.bias = fast.weight.clone(), fast.bias.clone()
    x = torch.randn(2, cin, 6, 7, dtype=torch.float64)
    y = fast.forward(x)
    assert rel_error(y, plain_conv.forward(plain_up.forward(x))) < 1e-12
    g = torch.randn_like(y)
    assert rel_error(fast.backward(g), plain_up.backward(plain_conv.backward(g))) < 1e-12
    for (_, ours), (_, plain) in zip(fast.param(), plain_conv.param()):
        assert rel_error(ours, plain) < 1e-12


def test_subpixel_phase_kernels(ref):
    """s=2, k=3, p=1: phase 0 reads small rows (a-1, a) with taps (w0, w1+w2);
    phase 1 reads (a, a+1) with (w0+w1, w2)."""
    from n2n_reference_impl.others.upsampling import Phases  # loaded by the `ref` fixture

    phases = Phases(2, 3, (1, 1), 8)
    assert phases.taps == 2 and phases.first == [-1, 0] and phases.tap_of == [[0, 1, 1], [0, 0, 1]]
    assert phases.size == 16 and phases.count == [8, 8] and phases.pads == (1, 1)
    m = phases.matrix(torch.empty(0, dtype=torch.float64))
    assert m.tolist() == [[[1, 0, 0], [0, 1, 1]], [[1, 1, 0], [0, 0, 1]]]


def test_upsampling_exposes_its_convolution(ref):
    up = ref.Upsampling(4, 6, 3, scale_factor=2, padding=1)
    assert up.weight is up.conv.weight and up.weight.shape == (6, 4, 3, 3) and up.bias.shape == (6,)
    assert [p for p, _ in up.param()] == [up.conv.weight, up.conv.bias]
    assert up.scale_factor == (2, 2) and up.stride == (1, 1)
    new = torch.zeros(6, 4, 3, 3)
    up.weight = new
    assert up.conv.weight is new
