"""Helpers for the reference solution's tests: loading it, and comparing a block with torch."""

import importlib.util
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
REF_DIR = ROOT / "reference_impl" / "Miniproject_2"

TOL = {torch.float64: 1e-10, torch.float32: 2e-5}  # max |ours - torch| / max(1, max |torch|)
_scripts = {}


def twin_script():
    """scripts/reference_twin.py (the torch.nn twin and the reference loader), loaded once."""
    if "twin" not in _scripts:
        spec = importlib.util.spec_from_file_location(
            "reference_twin_under_test", ROOT / "scripts" / "reference_twin.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _scripts["twin"] = module
    return _scripts["twin"]


def load_reference():
    """The reference's model module, imported as package `n2n_reference_impl` (relative imports work)."""
    return twin_script().load_reference()


def rel_error(ours, theirs):
    """max |ours - theirs| relative to max(1, max |theirs|), in float64; shapes must agree."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    theirs = theirs.detach().double()
    return float((ours.double() - theirs).abs().max() / theirs.abs().max().clamp(min=1))


def copy_params(ours, torch_module):
    """Gives our block the torch module's parameters (weight, then bias), as fresh tensors."""
    for name in ours.param_names:
        value = getattr(torch_module, name, None)
        if value is not None:
            setattr(ours, name, value.detach().clone())


def run_torch(module, x, grad_output):
    """(y, dL/dx, [dL/dparam...]) from torch's autograd, for L = <y, grad_output>."""
    x = x.clone().requires_grad_(True)
    with torch.enable_grad():
        y = module(x)
        y.backward(grad_output)
    return y.detach(), x.grad, [p.grad for p in module.parameters()]


def check_block(ours, torch_module, x, seed=0):
    """Forward, input gradient and parameter gradients of `ours` against torch; returns the errors by name."""
    torch.manual_seed(seed)
    y_ref = torch_module(x).detach()
    grad_output = torch.randn_like(y_ref)
    y_ref, dx_ref, dp_ref = run_torch(torch_module, x, grad_output)
    y = ours.forward(x)
    dx = ours.backward(grad_output)
    errors = {"forward": rel_error(y, y_ref), "input_grad": rel_error(dx, dx_ref)}
    for (name, (_, grad)), g_ref in zip(zip(ours.param_names, ours.param()), dp_ref):
        errors[name + "_grad"] = rel_error(grad, g_ref)
    return errors
