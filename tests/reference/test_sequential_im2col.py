"""Sequential against torch.nn.Sequential, and im2col / col2im as an adjoint pair."""

import pytest
import torch
from reference_testing import copy_params


def test_sequential_matches_torch(ref):
    """The model's own architecture at small size: every parameter gradient, in order."""
    nn = torch.nn
    theirs = nn.Sequential(
        nn.Conv2d(3, 5, 4, 2, 1),
        nn.ReLU(),
        nn.Conv2d(5, 4, 4, 2, 1),
        nn.ReLU(),
        nn.Upsample(scale_factor=2),
        nn.Conv2d(4, 5, 3, padding=1),
        nn.ReLU(),
        nn.Upsample(scale_factor=2),
        nn.Conv2d(5, 3, 3, padding=1),
        nn.Sigmoid(),
    ).double()
    ours = ref.Sequential(
        ref.Conv2d(3, 5, 4, 2, 1),
        ref.ReLU(),
        ref.Conv2d(5, 4, 4, 2, 1),
        ref.ReLU(),
        ref.Upsampling(4, 5, 3, padding=1),
        ref.ReLU(),
        ref.Upsampling(5, 3, 3, padding=1),
        ref.Sigmoid(),
    ).to(dtype=torch.float64)
    for mine, index in zip([ours[0], ours[2], ours[4], ours[6]], [0, 2, 5, 8]):
        copy_params(mine, theirs[index])
    assert len(ours.param()) == 8 and len(ours) == 8
    torch.manual_seed(0)
    x = torch.randn(2, 3, 12, 8, dtype=torch.float64)
    g = torch.randn(2, 3, 12, 8, dtype=torch.float64)
    xr = x.clone().requires_grad_(True)
    with torch.enable_grad():
        (theirs(xr) * g).sum().backward()
    y = ours.forward(x)
    assert float((y - theirs(x).detach()).abs().max()) < 1e-12
    assert float((ours.backward(g) - xr.grad).abs().max()) < 1e-12
    for (_, grad), p in zip(ours.param(), theirs.parameters()):
        assert float((grad - p.grad).abs().max() / p.grad.abs().max().clamp(min=1)) < 1e-12


def test_sequential_state_dict_round_trip(ref):
    a = ref.Sequential(ref.Conv2d(3, 4, 3), ref.ReLU(), ref.Upsampling(4, 3, 3, padding=1))
    b = ref.Sequential(ref.Conv2d(3, 4, 3), ref.ReLU(), ref.Upsampling(4, 3, 3, padding=1))
    assert list(a.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    weight = b[0].weight
    b.load_state_dict(a.state_dict())
    assert b[0].weight is weight  # copied in place: optimizers keep pointing at the live tensors
    assert all(torch.equal(p, q) for (p, _), (q, _) in zip(a.param(), b.param()))
    with pytest.raises(KeyError, match="expects"):
        b.load_state_dict({"0.weight": weight})


def test_sequential_of_nothing_is_identity(ref):
    x = torch.randn(1, 3, 4, 4)
    seq = ref.Sequential()
    assert seq.forward(x) is x and seq.backward(x) is x and seq.param() == []


@pytest.mark.parametrize(
    "kernel, stride, padding, dilation",
    [
        ((3, 3), (1, 1), ((1, 1), (1, 1)), (1, 1)),
        ((2, 3), (2, 1), ((0, 1), (2, 0)), (1, 2)),
        ((4, 4), (2, 2), ((1, 1), (1, 1)), (1, 1)),
        ((2, 2), (2, 2), ((0, 0), (0, 0)), (1, 1)),
    ],
)
def test_col2im_is_the_adjoint_of_im2col(ref, kernel, stride, padding, dilation):
    """<im2col(x), c> = <x, col2im(c)> for all x, c: the input gradient of a convolution is exact."""
    from n2n_reference_impl.others.im2col import col2im, im2col

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 9, 7, 3, dtype=torch.float64, generator=gen)
    cols, (ho, wo) = im2col(x, kernel, stride, padding, dilation)
    assert cols.shape == (2 * ho * wo, kernel[0] * kernel[1] * 3)
    c = torch.randn(cols.shape, dtype=torch.float64, generator=gen)
    back = col2im(c, (9, 7), kernel, stride, padding, dilation)
    assert back.shape == x.shape
    assert abs(float((cols * c).sum() - (x * back).sum())) < 1e-10
