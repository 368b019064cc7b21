"""Helpers for the reference solution's tests: loading it, and comparing a block with torch."""

import importlib
import importlib.util
import sys
from pathlib import Path

import torch

REF_DIR = Path(__file__).resolve().parents[2] / "reference_impl" / "Miniproject_2"
PACKAGE = "n2n_reference_impl"  # a unique name: sample submissions are also called Miniproject_2

TOL = {torch.float64: 1e-10, torch.float32: 2e-5}  # max |ours - torch| / max(1, max |torch|)

def load_reference():
    """The reference's model module, imported as package `n2n_reference_impl` (relative imports work)."""
    if PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(PACKAGE, REF_DIR / "__init__.py",
                                                      submodule_search_locations=[str(REF_DIR)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(PACKAGE + ".model")

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
