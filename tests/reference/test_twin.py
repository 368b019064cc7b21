"""The torch.nn twin (scripts/reference_twin.py) is the same network as the reference."""

import torch
from reference_testing import twin_script


def test_twin_computes_the_same_function(ref):
    torch.manual_seed(0)
    net = ref.Model().net.to(dtype=torch.float64)
    twin = twin_script().twin_of(net)
    assert len(twin) == len(net)
    x = torch.rand(2, 3, 32, 32, dtype=torch.float64)
    with torch.no_grad():
        assert float((twin(x) - net.forward(x)).abs().max()) < 1e-12
    n_twin = sum(p.numel() for p in twin.parameters())
    assert n_twin == sum(p.numel() for p, _ in net.param())
