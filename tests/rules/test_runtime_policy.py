"""classify_runtime_call under a real TorchFunctionMode, and the name policy behind it."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

from grader.rules import policy
from grader.rules.policy import Verdict, classify_name, classify_runtime_call, classify_torch_name


class Recorder(TorchFunctionMode):
    """Records every non-None verdict, like the worker's tracer, without changing results."""

    def __init__(self):
        super().__init__()
        self.verdicts: list[Verdict] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        verdict = classify_runtime_call(func, args, kwargs)
        if verdict is not None:
            self.verdicts.append(verdict)
        return func(*args, **kwargs)


def run(fn, grad: bool = False):
    """Verdicts seen while running fn(x) with grad mode `grad` (the worker runs with it off)."""
    x = torch.arange(2 * 3 * 6 * 6, dtype=torch.float32).reshape(2, 3, 6, 6) / 100
    previous = torch.is_grad_enabled()
    torch.set_grad_enabled(grad)
    try:
        with Recorder() as rec:
            fn(x)
    finally:
        torch.set_grad_enabled(previous)
    return rec.verdicts


def names(verdicts):
    return {(v.category, v.name, v.severity) for v in verdicts}


def _unfold_conv(x):
    w = torch.empty(4, 3, 3, 3).normal_()
    u = F.unfold(x, 3, padding=1)
    y = w.view(4, -1).matmul(u).view(2, 4, 6, 6)
    return F.fold(u, (6, 6), 3, padding=1), y


ALLOWED = [
    ("unfold-conv", _unfold_conv),
    ("cat-empty-arange", lambda x: (torch.cat([x, x]), torch.empty(3).zero_(), torch.arange(4))),
    (
        "tensor-methods",
        lambda x: (
            x.exp(),
            x**0.5,
            x + 1,
            1 - x,
            -x,
            x @ x,
            x[0],
            x.sum(),
            x.view(-1),
            x.clamp(min=0),
            x.sigmoid(),
            x.repeat_interleave(2, dim=2),
            x.new_zeros(3),
            x.clone().uniform_(),
            x.T if x.dim() == 2 else x.mT,
            x.shape,
            x.size(),
            len(x),
            x.tolist(),
            x.mean().item(),
        ),
    ),
    ("class-level-method", lambda x: torch.Tensor.sigmoid(x)),
    (
        "utilities",
        lambda x: (
            torch.device("cpu"),
            x.to("cpu"),
            torch.is_tensor(x),
            torch.manual_seed(0),
            torch.get_default_dtype(),
            str(x),
        ),
    ),
    ("grad-off", lambda x: (torch.set_grad_enabled(False), torch.no_grad().__enter__())),
    ("grad-attribute", lambda x: (setattr(x, "grad", x.clone()), x.grad, x.requires_grad)),
    (
        "requires-grad-false",
        lambda x: (x.requires_grad_(False), setattr(x, "requires_grad", False), torch.empty(2, requires_grad=False)),
    ),
]


@pytest.mark.parametrize("fn", [c[1] for c in ALLOWED], ids=[c[0] for c in ALLOWED])
def test_allowed_calls_give_no_verdict(fn):
    assert run(fn) == []


def test_save_and_load_give_no_verdict(tmp_path):
    path = tmp_path / "w.pth"
    assert run(lambda x: torch.load(torch.save({"w": x}, path) or path)) == []


FORBIDDEN = [
    ("zeros", lambda x: torch.zeros(3), "torch.zeros"),
    ("randn", lambda x: torch.randn(3), "torch.randn"),
    ("sigmoid", lambda x: torch.sigmoid(x), "torch.sigmoid"),
    ("matmul", lambda x: torch.matmul(x, x), "torch.matmul"),
    ("einsum", lambda x: torch.einsum("ij->i", x[0, 0]), "torch.einsum"),
    ("split", lambda x: torch.split(x, 1), "torch.split"),
    ("conv2d", lambda x: torch.conv2d(x, x[:1]), "torch.conv2d"),
    ("F.conv2d", lambda x: F.conv2d(x, x[:1]), "torch.conv2d"),
    ("F.relu", lambda x: F.relu(x), "torch.nn.functional.relu"),
    ("F.max_pool2d", lambda x: F.max_pool2d(x, 2), "torch.nn.functional.max_pool2d"),
    ("F.softplus", lambda x: F.softplus(x), "torch.nn.functional.softplus"),
    ("F.interpolate", lambda x: F.interpolate(x, scale_factor=2), "torch.nn.functional.interpolate"),
    ("mse-module", lambda x: torch.nn.MSELoss()(x, x), "torch.nn.functional.mse_loss"),
    ("linalg", lambda x: torch.linalg.norm(x), "torch.linalg.norm"),
    ("private-nn", lambda x: torch._C._nn.gelu(x), "torch.nn.functional.gelu"),
    ("ops", lambda x: torch.ops.aten.relu(x), "torch.ops.aten.relu"),
    ("init", lambda x: torch.nn.init.uniform_(torch.empty(3)), "torch.nn.init.uniform_"),
]


@pytest.mark.parametrize("fn, name", [c[1:] for c in FORBIDDEN], ids=[c[0] for c in FORBIDDEN])
def test_forbidden_calls(fn, name):
    seen = run(fn)
    assert ("forbidden_torch", name, "fail") in names(seen)
    assert all(v.reason for v in seen)


def test_conv2d_module_is_forbidden():
    seen = names(run(lambda x: torch.nn.Conv2d(3, 2, 3)(x)))
    assert ("forbidden_torch", "torch.conv2d", "fail") in seen
    assert ("forbidden_torch", "torch.nn.init.kaiming_uniform_", "fail") in seen
    # constructing it reads .grad_fn internally: reported, but only as a warning
    assert {s for s in seen if s[0] == "autograd"} <= {("autograd", "torch.Tensor.grad_fn", "warn")}


def _backward(x):
    with torch.enable_grad():
        p = torch.empty(3).fill_(1).requires_grad_()
        p.sum().backward()


def _autograd_grad(x):
    with torch.enable_grad():
        p = x.clone().requires_grad_()
        return torch.autograd.grad(p.sum(), p)


AUTOGRAD = [
    ("requires-grad-method", lambda x: x.clone().requires_grad_(), "torch.Tensor.requires_grad_"),
    ("requires-grad-set", lambda x: setattr(x.clone(), "requires_grad", True), "torch.Tensor.requires_grad=True"),
    ("factory-kwarg", lambda x: torch.empty(2, requires_grad=True), "torch.empty(requires_grad=True)"),
    ("method-kwarg", lambda x: x.new_zeros(2, requires_grad=True), "torch.Tensor.new_zeros(requires_grad=True)"),
    ("enable-grad", lambda x: torch.enable_grad().__enter__(), "torch.set_grad_enabled(True)"),
    ("set-grad-true", lambda x: torch.set_grad_enabled(True), "torch.set_grad_enabled(True)"),
    ("backward", _backward, "torch.Tensor.backward"),
    ("autograd-grad", lambda x: _autograd_grad(x), "torch.autograd.grad"),
    ("retain-grad", lambda x: x.clone().requires_grad_().retain_grad(), "torch.Tensor.retain_grad"),
    ("register-hook", lambda x: x.clone().requires_grad_().register_hook(lambda g: g), "torch.Tensor.register_hook"),
]


@pytest.mark.parametrize("fn, name", [c[1:] for c in AUTOGRAD], ids=[c[0] for c in AUTOGRAD])
def test_autograd_calls(fn, name):
    assert ("autograd", name, "fail") in names(run(fn))


def test_grad_fn_read_is_a_warning():
    assert names(run(lambda x: x.grad_fn)) == {("autograd", "torch.Tensor.grad_fn", "warn")}


def test_every_runtime_verdict_round_trips_through_its_name():
    seen = run(lambda x: torch.nn.Conv2d(3, 2, 3)(x))
    for _, fn, _name in FORBIDDEN + AUTOGRAD:
        seen += run(fn)
    assert len(seen) > 20
    for verdict in seen:
        assert classify_name(verdict.name) == verdict


def test_verdicts_are_cached_by_function():
    policy._RUNTIME_CACHE.pop(torch.zeros, None)
    first = classify_runtime_call(torch.zeros, (3,), {})
    assert policy._RUNTIME_CACHE[torch.zeros] is first
    assert classify_runtime_call(torch.zeros, (3,), {}) is first
    assert classify_runtime_call(torch.Tensor.exp, (), {}) is None


def test_unhashable_or_foreign_callables_are_allowed():
    class Unhashable:
        __hash__ = None
        __qualname__ = "Unhashable"

        def __call__(self):
            pass

    assert classify_runtime_call(Unhashable()) is None
    assert classify_runtime_call(print) is None


NAMES = [
    ("torch.empty", None),
    ("torch.cat", None),
    ("torch.arange", None),
    ("torch.nn.functional.unfold", None),
    ("torch.nn.functional.fold", None),
    ("torch.Tensor.matmul", None),
    ("torch.Tensor", None),
    ("torch.float64", None),
    ("torch.cuda.is_available", None),
    ("torch.cuda.device_count", None),
    ("torch.load", None),
    ("torch.no_grad", None),
    ("torch.inference_mode", None),
    ("torch.Size", None),
    ("torch.nn", None),
    ("torch.nn.functional", None),
    ("torch.__version__", None),
    ("torch.set_default_dtype", ("global_state", "note")),
    ("torch.numel", ("forbidden_torch", "warn")),
    ("torch.jit.script", ("forbidden_torch", "warn")),
    ("torch.cuda.amp.autocast", ("forbidden_torch", "warn")),
    ("torch.zeros", ("forbidden_torch", "fail")),
    ("torch.tensor", ("forbidden_torch", "fail")),
    ("torch.nn.functional.conv2d", ("forbidden_torch", "fail")),
    ("torch.nn.Sequential", ("forbidden_torch", "fail")),
    ("torch.optim.SGD", ("forbidden_torch", "fail")),
    ("torch.func.grad", ("forbidden_torch", "fail")),
    ("torch.hub.load", ("forbidden_torch", "fail")),
    ("torch.autograd.backward", ("autograd", "fail")),
    ("torch.enable_grad", ("autograd", "fail")),
    ("torch.Tensor.backward", ("autograd", "fail")),
    ("torch.overrides.TorchFunctionMode", ("tampering", "fail")),
    ("numpy", ("forbidden_import", "fail")),
    ("numpy.zeros", ("forbidden_import", "fail")),
    ("tqdm", ("third_party", "warn")),
    ("grader.rules", ("tampering", "fail")),
    ("os.path.join", None),
    ("gc.get_objects", ("tampering", "fail")),
]


@pytest.mark.parametrize("name, expected", NAMES, ids=[n for n, _ in NAMES])
def test_classify_name(name, expected):
    verdict = classify_name(name)
    got = None if verdict is None else (verdict.category, verdict.severity)
    assert got == expected


def test_hints_point_to_the_allowed_spelling():
    assert "x.new_zeros" in classify_torch_name("torch.zeros").reason
    assert "normal_" in classify_torch_name("torch.randn").reason
    assert "x.sigmoid()" in classify_torch_name("torch.sigmoid").reason
    assert "unfold + matmul" in classify_torch_name("torch.nn.functional.conv2d").reason
    assert "write your own Conv2d" in classify_torch_name("torch.nn.Conv2d").reason
    assert "SGD" in classify_torch_name("torch.optim.SGD").reason


# One name decided by each row of the torch table, in the table's order.
ROW_EXAMPLES = {
    "dispatch hooks": "torch.overrides.TorchFunctionMode",
    "autograd": "torch.autograd.grad",
    "checkpointing": "torch.utils.checkpoint.checkpoint",
    "tensor methods": "torch.Tensor.backward",
    "the allowed list": "torch.cat",
    "mixed precision": "torch.cuda.amp.autocast",
    "utility namespaces": "torch.cuda.is_available",
    "dtypes": "torch.float32",
    "sizes and dtypes": "torch.Size.numel",
    "process-wide settings": "torch.set_default_dtype",
    "torch.nn.functional": "torch.nn.functional.conv2d",
    "torch.nn": "torch.nn.Conv2d",
    "optimizers": "torch.optim.SGD",
    "function transforms": "torch.func.vmap",
    "internal kernels": "torch.ops.aten.relu",
    "tooling": "torch.jit.script",
    "compiled extensions": "torch.utils.cpp_extension.load",
    "data loaders": "torch.utils.data.DataLoader",
    "other utilities": "torch.utils.tensorboard",
    "distribution": "torch.distributed.init_process_group",
    "queries": "torch.numel",
    "module-level functions": "torch.zeros",
    "every other submodule": "torch.linalg.norm",
}


def test_every_row_of_the_torch_table_decides_its_example():
    from grader.rules.policy import TORCH_RULES

    assert [row for row, _, _ in TORCH_RULES] == list(ROW_EXAMPLES)
    for row, name in ROW_EXAMPLES.items():
        parts = name.split(".")
        first = next(label for label, matches, _ in TORCH_RULES if matches(name, parts))
        assert first == row, name
