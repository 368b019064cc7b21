"""SGD and Adam: several steps against torch.optim on the same gradients, in float64."""

import pytest
import torch
from reference_testing import rel_error


def run_both(ref_optimizer, torch_optimizer, steps=5, seed=0):
    """Steps ours and torch's optimizers on identical parameters and gradients; returns the max relative error."""
    gen = torch.Generator().manual_seed(seed)
    shapes = [(4, 3, 2, 2), (4,), (2, 5)]
    ours = [torch.randn(s, dtype=torch.float64, generator=gen) for s in shapes]
    theirs = [torch.nn.Parameter(p.clone()) for p in ours]
    grads = [torch.zeros_like(p) for p in ours]
    opt_ours, opt_theirs = ref_optimizer(list(zip(ours, grads))), torch_optimizer(theirs)
    for _ in range(steps):
        opt_ours.zero_grad()
        opt_theirs.zero_grad()
        for p, g, q in zip(ours, grads, theirs):
            new = torch.randn(p.shape, dtype=torch.float64, generator=gen)
            g.add_(new)
            q.grad = new.clone()
        opt_ours.step()
        opt_theirs.step()
    assert all(g.abs().max() > 0 for g in grads)
    opt_ours.zero_grad()
    assert all(g.abs().max() == 0 for g in grads)  # zero_grad clears in place
    return max(rel_error(p, q) for p, q in zip(ours, theirs))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=0.1),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.05, momentum=0.9, weight_decay=0.01),
        dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1),
        dict(lr=0.05, momentum=0.9, nesterov=True),
    ],
    ids=str,
)
def test_sgd_matches_torch(ref, kwargs):
    err = run_both(lambda ps: ref.SGD(ps, **kwargs), lambda ps: torch.optim.SGD(ps, **kwargs))
    assert err < 1e-12


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(lr=1e-3),
        dict(lr=0.01, betas=(0.8, 0.99)),
        dict(lr=0.01, weight_decay=0.1, eps=1e-6),
    ],
    ids=str,
)
def test_adam_matches_torch(ref, kwargs):
    err = run_both(lambda ps: ref.Adam(ps, **kwargs), lambda ps: torch.optim.Adam(ps, foreach=False, **kwargs), steps=8)
    assert err < 1e-12


def test_sgd_steps_model_parameters_in_place(ref):
    """SGD(model.param()) updates the very tensors the blocks use."""
    conv = ref.Conv2d(2, 3, 3, dtype=torch.float64)
    w0 = conv.weight.clone()
    opt = ref.SGD(conv.param(), lr=0.1)
    y = conv.forward(torch.randn(1, 2, 5, 5, dtype=torch.float64))
    conv.backward(torch.ones_like(y))
    opt.step()
    assert torch.allclose(conv.weight, w0 - 0.1 * conv.weight_grad, rtol=0, atol=1e-14)


def test_optimizer_rejects_empty_params(ref):
    with pytest.raises(ValueError, match="empty"):
        ref.SGD([], lr=0.1)
