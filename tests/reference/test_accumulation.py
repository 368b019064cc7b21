"""backward ADDS parameter gradients: two calls give torch's gradients for the two losses summed."""

import pytest
import torch
from reference_testing import copy_params, rel_error

nn = torch.nn
CASES = {  # name: (our block, the torch module it should match)
    "conv2d": lambda r: (r.Conv2d(3, 5, (3, 2), stride=2, padding=1), nn.Conv2d(3, 5, (3, 2), stride=2, padding=1)),
    "transpose-conv2d": lambda r: (r.TransposeConv2d(3, 5, 3, stride=2), nn.ConvTranspose2d(3, 5, 3, stride=2)),
    "upsampling-patches": lambda r: (
        r.Upsampling(3, 5, 5, padding=2),
        nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(3, 5, 5, padding=2)),
    ),
    "upsampling-multiply-first": lambda r: (
        r.Upsampling(9, 2, 3, padding=1),
        nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(9, 2, 3, padding=1)),
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_two_backward_calls_accumulate(ref, name):
    ours, theirs = CASES[name](ref)
    ours.to(dtype=torch.float64)
    theirs = theirs.double()
    copy_params(ours, theirs[1] if isinstance(theirs, nn.Sequential) else theirs)
    gen = torch.Generator().manual_seed(0)
    cin = ours.weight.shape[1] if name != "transpose-conv2d" else ours.weight.shape[0]
    xs = [torch.randn(2, cin, 6, 5, dtype=torch.float64, generator=gen) for _ in range(2)]
    gs = [torch.randn(theirs(x).shape, dtype=torch.float64, generator=gen) for x in xs]
    with torch.enable_grad():
        for x, g in zip(xs, gs):
            (theirs(x) * g).sum().backward()
    for x, g in zip(xs, gs):
        ours.forward(x)
        ours.backward(g)
    for (_, grad), p in zip(ours.param(), theirs.parameters()):
        assert rel_error(grad, p.grad) < 1e-10
