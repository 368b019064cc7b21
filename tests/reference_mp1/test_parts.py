"""The parts of the project-1 reference: network, augmentation, test-time ensemble, schedule, imports."""

import ast
import sys

import pytest
import torch
from mp1_testing import REF_DIR


@pytest.fixture(scope="module")
def parts(mp1):
    return sys.modules[mp1.__name__.rsplit(".", 1)[0] + ".others.augment"]


@pytest.mark.parametrize("k", range(4))
@pytest.mark.parametrize("mirror", [False, True])
def test_orientations_are_inverted(parts, k, mirror):
    x = torch.rand(2, 3, 8, 6)
    assert torch.equal(parts.unorient(parts.orient(x, k, mirror), k, mirror), x)


def test_ensemble_of_an_equivariant_function_is_the_function(parts):
    """Averaging g⁻¹ f g over the 8 orientations changes nothing for a pixelwise f, and is orientation-invariant."""
    x = torch.rand(2, 3, 8, 8)
    assert torch.allclose(parts.ensemble(lambda t: t * 2 + 1, x), x * 2 + 1)
    f = torch.nn.Conv2d(3, 3, 3, padding=1)
    with torch.no_grad():
        e = parts.ensemble(f, x)
        assert torch.allclose(parts.ensemble(f, parts.orient(x, 1, True)), parts.orient(e, 1, True), atol=1e-6)


@pytest.mark.parametrize("square", [True, False])
def test_batches_cover_every_pair_once_and_keep_pairs_together(parts, square):
    """Every pair appears once per epoch, as (a, b) or (b, a), in the same orientation; the last batch is smaller."""
    n, h, w = 23, 4, 4 if square else 6
    a = torch.arange(n * 3 * h * w, dtype=torch.float32).reshape(n, 3, h, w) % 251
    b = 255 - a
    torch.manual_seed(0)
    got = list(parts.batches(a, b, 5, torch.device("cpu")))
    assert [len(x) for x, _ in got] == [5, 5, 5, 5, 3]
    for x, y in got:
        assert x.dtype == torch.float32 and float(x.max()) <= 1 and torch.allclose(x + y, torch.ones_like(x))
    seen = sorted(round(float(min(x.sum(), y.sum())), 3) for xs, ys in got for x, y in zip(xs, ys))
    expected = sorted(round(float(min(s, t)), 3) for s, t in zip(a.div(255).sum((1, 2, 3)), b.div(255).sum((1, 2, 3))))
    assert seen == expected


def test_network_is_residual_and_size_agnostic(mp1):
    """The network returns input minus estimated noise; it accepts any multiple of 8 in H and W."""
    net = mp1.UNet()
    with torch.no_grad():
        torch.nn.init.zeros_(net.noise.weight)
        torch.nn.init.zeros_(net.noise.bias)
        x = torch.rand(2, 3, 24, 40)
        assert torch.equal(net(x), x)


def test_learning_rate_schedule(mp1):
    """Linear warm-up to the peak, a hold, then a half cosine down to zero at the last step."""
    model = mp1.Model()
    total = 1000
    rates = [model.learning_rate(s, total) for s in range(total + 1)]
    warmup = int(model.warmup * total)
    assert rates[0] == pytest.approx(1 / warmup) and rates[warmup - 1] == pytest.approx(1.0)
    assert all(r == 1.0 for r in rates[warmup : int((1 - model.decay) * total)])
    assert all(p >= q for p, q in zip(rates[warmup:], rates[warmup + 1 :]))
    assert rates[total] == pytest.approx(0.0, abs=1e-12)


FILES = sorted(REF_DIR.rglob("*.py"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REF_DIR)))
def test_imports_only_torch_and_the_standard_library(path):
    """Mini-project 1's rule: "PyTorch only", nothing the course's machine lacks (no numpy, no torchvision)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top not in ("torch", "others") and top not in sys.stdlib_module_names:
                found.append(f"line {node.lineno}: {name}")
    assert not found, f"{path.name}: {found}"
