"""ReLU, Sigmoid and MSE against torch and autograd."""

import pytest
import torch
from reference_testing import TOL, check_block, rel_error


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", ["ReLU", "Sigmoid"])
def test_activation_matches_torch(ref, name, dtype):
    x = torch.randn(3, 4, 5, 7, dtype=dtype) * 4
    x[0, 0, 0, :3] = torch.tensor([0.0, -0.0, 1e-30], dtype=dtype)  # ReLU's gradient at 0 is 0, as torch's
    errors = check_block(getattr(ref, name)(), getattr(torch.nn, name)(), x)
    assert max(errors.values()) < TOL[dtype], errors
    assert getattr(ref, name)().param() == []


def test_sigmoid_saturates_without_nan(ref):
    """exp(-x) overflows to inf for very negative x in float32: y must be 0 and the gradient 0, not nan."""
    x = torch.tensor([[[[-1e4, -100.0, 0.0, 100.0, 1e4]]]])
    s = ref.Sigmoid()
    y = s.forward(x)
    dx = s.backward(torch.ones_like(y))
    assert torch.equal(y, torch.sigmoid(x)) and torch.isfinite(dx).all()
    assert rel_error(dx, torch.sigmoid(x) * (1 - torch.sigmoid(x))) < 1e-7


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("shape", [(1,), (2, 3, 4, 5), (1, 3, 7, 1)])
def test_mse_matches_torch(ref, dtype, shape):
    p, t = torch.randn(shape, dtype=dtype), torch.randn(shape, dtype=dtype)
    pr = p.clone().requires_grad_(True)
    with torch.enable_grad():
        loss_ref = torch.nn.MSELoss()(pr, t)
        loss_ref.backward()
    mse = ref.MSE()
    loss = mse.forward(p, t)
    assert loss.dim() == 0 and loss.dtype == dtype
    assert rel_error(loss, loss_ref) < TOL[dtype]
    assert rel_error(mse.backward(), pr.grad) < TOL[dtype]
    assert rel_error(mse.backward(torch.tensor(3.0, dtype=dtype)), 3 * pr.grad) < TOL[dtype]  # chain rule factor


def test_mse_rejects_shape_mismatch(ref):
    with pytest.raises(ValueError, match="same shape|differ"):
        ref.MSE().forward(torch.zeros(2, 3), torch.zeros(3, 2))
