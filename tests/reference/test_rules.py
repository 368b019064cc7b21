"""The reference obeys the mini-project's rules: a static walk over every file of reference_impl/.

Allowed: `from torch import empty, cat, arange`, `from torch.nn.functional import fold, unfold`,
tensor methods, the standard library, and `import torch` for the utility calls torch.load,
torch.save, torch.device, torch.cuda.is_available and torch.set_grad_enabled.
"""

import ast
import sys

import pytest
from reference_testing import REF_DIR

ALLOWED_FROM = {"torch": {"empty", "cat", "arange"}, "torch.nn.functional": {"fold", "unfold"}}
ALLOWED_TORCH_ATTRS = {"torch.load", "torch.save", "torch.device", "torch.cuda.is_available", "torch.set_grad_enabled"}
LOCAL_PACKAGES = {"others"}  # model.py's fallback when imported as a top-level module
FILES = sorted(REF_DIR.rglob("*.py"))


def dotted(node):
    """'torch.cuda.is_available' for the attribute chain torch.cuda.is_available, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    return None


def violations(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    inner = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}  # parts of a longer chain
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if alias.name != "torch" and (top == "torch" or top not in sys.stdlib_module_names):
                    found.append(f"line {node.lineno}: import {alias.name}")
                if alias.name == "torch" and alias.asname:
                    found.append(f"line {node.lineno}: torch imported as {alias.asname}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            module, top = node.module, node.module.split(".")[0]
            names = {a.name for a in node.names}
            if module in ALLOWED_FROM:
                if not names <= ALLOWED_FROM[module]:
                    found.append(f"line {node.lineno}: from {module} import {sorted(names - ALLOWED_FROM[module])}")
            elif top not in sys.stdlib_module_names and top not in LOCAL_PACKAGES:
                found.append(f"line {node.lineno}: from {module} import ...")
        if isinstance(node, ast.Attribute) and id(node) not in inner:
            name = dotted(node)
            if name and name.startswith("torch.") and name not in ALLOWED_TORCH_ATTRS:
                found.append(f"line {node.lineno}: {name}")
        if isinstance(node, ast.Attribute) and node.attr in {"requires_grad", "requires_grad_", "autograd", "grad_fn"}:
            found.append(f"line {node.lineno}: .{node.attr} (autograd)")
    for node in import_time_nodes(tree):  # nothing at import time may change torch's global state
        if isinstance(node, ast.Call) and (dotted(node.func) or "").startswith("torch."):
            found.append(f"line {node.lineno}: module-level call {dotted(node.func)}")
    return found


def import_time_nodes(node):
    """Every node that runs when the module is imported: all but the insides of functions and lambdas."""
    for child in ast.iter_child_nodes(node):
        if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            yield child
            yield from import_time_nodes(child)


def test_reference_files_found():
    assert {p.name for p in FILES} >= {"__init__.py", "model.py", "conv.py", "upsampling.py"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REF_DIR)))
def test_only_allowed_names(path):
    assert violations(path) == []


def test_the_checker_catches_violations(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import numpy\nimport torch\nfrom torch import zeros\nfrom torch.nn.functional import relu\n"
        "torch.set_grad_enabled(False)\nclass A:\n    dtype = torch.get_default_dtype()\n"
        "def f(x):\n    x.requires_grad_(True)\n    return torch.sigmoid(torch.nn.functional.relu(x))\n"
    )
    found = "\n".join(violations(bad))
    for needle in [
        "import numpy",
        "zeros",
        "relu",
        "module-level call torch.set_grad_enabled",
        "module-level call torch.get_default_dtype",
        "requires_grad_",
        "torch.sigmoid",
        "torch.nn.functional.relu",
    ]:
        assert needle in found, (needle, found)
