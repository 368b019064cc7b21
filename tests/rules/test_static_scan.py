"""The static scan: one snippet per case, asserting category, name, severity and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from grader.rules.static_scan import MAX_NAMES_PER_CATEGORY, scan_source, scan_submission

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl" / "Miniproject_2"


def _scan(src: str):
    return scan_source(textwrap.dedent(src), "model.py")


def _summary(findings):
    return sorted((f.category, f.name, f.severity, f.line) for f in findings)


# (id, snippet, expected (category, name, severity, line) that must be among the findings)
FLAGGED = [
    ("alias-torch", "import torch as t\nt.zeros(3)", ("forbidden_torch", "torch.zeros", "fail", 2)),
    (
        "from-torch-nn-base",
        "from torch import nn\nclass A(nn.Module): pass",
        ("forbidden_torch", "torch.nn.Module", "fail", 2),
    ),
    (
        "functional-as-F",
        "from torch.nn import functional as F\ny = F.conv2d(x, w)",
        ("forbidden_torch", "torch.nn.functional.conv2d", "fail", 2),
    ),
    (
        "import-functional-as",
        "import torch.nn.functional as F\ny = F.conv2d(x, w)",
        ("forbidden_torch", "torch.nn.functional.conv2d", "fail", 2),
    ),
    (
        "from-functional",
        "from torch.nn.functional import conv2d, unfold",
        ("forbidden_torch", "torch.nn.functional.conv2d", "fail", 1),
    ),
    (
        "nn-base-class",
        "import torch\nclass A(torch.nn.Conv2d): pass",
        ("forbidden_torch", "torch.nn.Conv2d", "fail", 2),
    ),
    ("nn-call", "import torch\nm = torch.nn.Conv2d(3, 3, 3)", ("forbidden_torch", "torch.nn.Conv2d", "fail", 2)),
    (
        "nn-modules-path",
        "from torch.nn.modules.conv import Conv2d",
        ("forbidden_torch", "torch.nn.modules.conv.Conv2d", "fail", 1),
    ),
    (
        "nn-init",
        "import torch\ntorch.nn.init.kaiming_uniform_(w)",
        ("forbidden_torch", "torch.nn.init.kaiming_uniform_", "fail", 2),
    ),
    ("nn-parameter", "import torch\np = torch.nn.Parameter(w)", ("forbidden_torch", "torch.nn.Parameter", "fail", 2)),
    (
        "optim",
        "import torch.optim as optim\nopt = optim.SGD(p, lr=1)",
        ("forbidden_torch", "torch.optim.SGD", "fail", 2),
    ),
    ("linalg", "import torch as t\nn = t.linalg.norm(x)", ("forbidden_torch", "torch.linalg.norm", "fail", 2)),
    ("einsum", "import torch\ny = torch.einsum('ij,jk->ik', a, b)", ("forbidden_torch", "torch.einsum", "fail", 2)),
    ("private-nn", "import torch\ny = torch._C._nn.im2col(x)", ("forbidden_torch", "torch._C._nn.im2col", "fail", 2)),
    ("ops", "import torch\ny = torch.ops.aten.relu(x)", ("forbidden_torch", "torch.ops.aten.relu", "fail", 2)),
    ("functorch", "import functorch", ("forbidden_torch", "functorch", "fail", 1)),
    ("torch-func", "from torch.func import vmap", ("forbidden_torch", "torch.func.vmap", "fail", 1)),
    (
        "assigned-alias",
        "import torch\nF = torch.nn.functional\ny = F.conv2d(x, w)",
        ("forbidden_torch", "torch.nn.functional.conv2d", "fail", 3),
    ),
    (
        "assigned-alias-chain",
        "import torch as t\nnn = t.nn\nF = nn.functional\ny = F.relu(x)",
        ("forbidden_torch", "torch.nn.functional.relu", "fail", 4),
    ),
    ("getattr-literal", "import torch\nf = getattr(torch, 'randn')", ("forbidden_torch", "torch.randn", "fail", 2)),
    ("star-import", "from torch import *\ny = zeros(3)", ("forbidden_torch", "torch.zeros", "fail", 2)),
    ("star-import-itself", "from torch import *", ("forbidden_torch", "torch.*", "warn", 1)),
    ("legacy-constructor", "import torch\nx = torch.Tensor(3)", ("forbidden_torch", "torch.Tensor(...)", "warn", 2)),
    ("query-function", "import torch\nn = torch.numel(x)", ("forbidden_torch", "torch.numel", "warn", 2)),
    (
        "utils-data",
        "from torch.utils.data import DataLoader",
        ("forbidden_torch", "torch.utils.data.DataLoader", "warn", 1),
    ),
    # third-party libraries
    ("numpy", "import numpy as np", ("forbidden_import", "numpy", "fail", 1)),
    ("numpy-star", "from numpy import *", ("forbidden_import", "numpy", "fail", 1)),
    ("numpy-from", "\n\nfrom numpy.random import randn", ("forbidden_import", "numpy", "fail", 3)),
    ("torchvision", "import torchvision.transforms as T", ("forbidden_import", "torchvision", "fail", 1)),
    ("scipy-dynamic-literal", "x = __import__('scipy')", ("forbidden_import", "scipy", "fail", 1)),
    (
        "importlib-literal",
        "import importlib\nnp = importlib.import_module('numpy')",
        ("forbidden_import", "numpy", "fail", 2),
    ),
    ("tqdm", "from tqdm import tqdm", ("third_party", "tqdm", "warn", 1)),
    ("pil", "from PIL import Image", ("third_party", "PIL", "warn", 1)),
    ("matplotlib", "import matplotlib.pyplot as plt", ("third_party", "matplotlib", "warn", 1)),
    ("unknown-lib", "import somethingodd", ("third_party", "somethingodd", "warn", 1)),
    ("other-miniproject", "from Miniproject_1.model import Model", ("third_party", "Miniproject_1", "warn", 1)),
    # autograd
    ("autograd-grad", "import torch\ng = torch.autograd.grad(y, x)", ("autograd", "torch.autograd.grad", "fail", 2)),
    ("autograd-import", "from torch.autograd import Variable", ("autograd", "torch.autograd.Variable", "fail", 1)),
    # grad mode on is autograd only if a graph is built (issue 9 item 6c): a hint the runtime trace settles
    ("enable-grad", "import torch\nwith torch.enable_grad():\n    pass", ("autograd", "torch.enable_grad", "warn", 2)),
    (
        "set-grad-true",
        "import torch\ntorch.set_grad_enabled(True)",
        ("autograd", "torch.set_grad_enabled(True)", "warn", 2),
    ),
    (
        "set-grad-expr",
        "import torch\ntorch.set_grad_enabled(mode)",
        ("autograd", "torch.set_grad_enabled(<expression>)", "warn", 2),
    ),
    ("backward-noargs", "loss = crit(y, t)\nloss.backward()", ("autograd", ".backward()", "warn", 2)),
    ("backward-retain", "loss.backward(retain_graph=True)", ("autograd", ".backward(retain_graph=)", "fail", 1)),
    ("backward-gradient", "y.backward(gradient=g)", ("autograd", ".backward(gradient=)", "warn", 1)),
    (
        "tensor-backward-explicit",
        "import torch\ntorch.Tensor.backward(y)",
        ("autograd", "torch.Tensor.backward", "fail", 2),
    ),
    ("requires-grad-method", "w.requires_grad_()", ("autograd", ".requires_grad_()", "warn", 1)),
    (
        "requires-grad-kw-torch",
        "import torch\nw = torch.empty(3, requires_grad=True)",
        ("autograd", "torch.empty(requires_grad=True)", "fail", 2),
    ),
    ("requires-grad-kw-other", "w = Param(3, requires_grad=True)", ("autograd", "requires_grad=True", "warn", 1)),
    ("requires-grad-attr", "w.requires_grad = True", ("autograd", ".requires_grad = True", "warn", 1)),
    ("grad-fn", "if y.grad_fn is None:\n    pass", ("autograd", ".grad_fn", "warn", 1)),
    ("retain-grad", "y.retain_grad()", ("autograd", ".retain_grad()", "warn", 1)),
    (
        "checkpoint",
        "import torch.utils.checkpoint as cp\ny = cp.checkpoint(f, x)",
        ("autograd", "torch.utils.checkpoint.checkpoint", "fail", 2),
    ),
    # tampering
    (
        "monkeypatch-attr",
        "import torch\ntorch.nn.functional.unfold = my_unfold",
        ("tampering", "torch.nn.functional.unfold", "fail", 2),
    ),
    (
        "monkeypatch-alias",
        "import torch.nn.functional as F\nF.unfold = my_unfold",
        ("tampering", "torch.nn.functional.unfold", "fail", 2),
    ),
    ("monkeypatch-tensor", "import torch\ntorch.Tensor.conv = my_conv", ("tampering", "torch.Tensor.conv", "fail", 2)),
    ("setattr-torch", "import torch\nsetattr(torch, 'zeros', f)", ("tampering", "setattr(torch, ...)", "fail", 2)),
    ("sys-modules-store", "import sys\nsys.modules['torch'] = fake", ("tampering", "sys.modules", "fail", 2)),
    ("sys-modules-pop", "import sys\nsys.modules.pop('grader', None)", ("tampering", "sys.modules", "fail", 2)),
    ("sys-modules-read", "import sys\nok = 'x' in sys.modules", ("obfuscation", "sys.modules", "warn", 2)),
    ("grader-import", "import grader.rules", ("tampering", "grader.rules", "fail", 1)),
    ("grader-from", "from n2n_grade import judge", ("tampering", "n2n_grade", "fail", 1)),
    ("gc-objects", "import gc\nobjs = gc.get_objects()", ("tampering", "gc.get_objects", "fail", 2)),
    ("gc-from", "from gc import get_referrers", ("tampering", "gc.get_referrers", "fail", 1)),
    ("inspect-stack", "import inspect\ns = inspect.stack()", ("tampering", "inspect.stack", "fail", 2)),
    ("getframe", "import sys\nf = sys._getframe(1)", ("tampering", "sys._getframe", "fail", 2)),
    ("frame-attr", "g = frame.f_back.f_globals", ("tampering", "frame.f_globals", "fail", 1)),
    (
        "torch-function-def",
        "class T:\n    def __torch_function__(self, *a):\n        pass",
        ("tampering", "__torch_function__", "fail", 2),
    ),
    (
        "overrides",
        "from torch.overrides import TorchFunctionMode",
        ("tampering", "torch.overrides.TorchFunctionMode", "fail", 1),
    ),
    (
        "disable-torch-function",
        "import torch\nwith torch._C.DisableTorchFunction():\n    pass",
        ("tampering", "torch._C.DisableTorchFunction", "fail", 2),
    ),
    ("ctypes", "import ctypes", ("tampering", "ctypes", "fail", 1)),
    # risky code
    ("dynamic-import", "m = __import__(name)", ("obfuscation", "__import__", "warn", 1)),
    (
        "importlib-dynamic",
        "import importlib\nm = importlib.import_module(name)",
        ("obfuscation", "importlib.import_module", "warn", 2),
    ),
    (
        "getattr-dynamic",
        "import torch\nf = getattr(torch, name)",
        ("obfuscation", "getattr(torch, <expression>)", "warn", 2),
    ),
    ("exec", "exec(code)", ("obfuscation", "exec", "warn", 1)),
    ("eval", "v = eval('1 + 1')", ("obfuscation", "eval", "warn", 1)),
    ("compile", "c = compile(s, 'f', 'exec')", ("obfuscation", "compile", "warn", 1)),
    ("subprocess", "import subprocess", ("process", "subprocess", "warn", 1)),
    ("os-system", "import os\nos.system('ls')", ("process", "os.system", "warn", 2)),
    ("multiprocessing", "from multiprocessing import Pool", ("process", "multiprocessing", "warn", 1)),
    ("socket", "import socket", ("network", "socket", "warn", 1)),
    ("urllib", "import urllib.request", ("network", "urllib", "warn", 1)),
    ("requests", "import requests", ("network", "requests", "warn", 1)),
    ("environ", "import os\nhome = os.environ['HOME']", ("environment", "os.environ", "note", 2)),
    ("getenv", "import os\nhome = os.getenv('HOME')", ("environment", "os.getenv", "note", 2)),
    (
        "default-dtype",
        "import torch\ntorch.set_default_dtype(torch.float64)",
        ("global_state", "torch.set_default_dtype", "note", 2),
    ),
    # code that never runs under grading is reported, but only as a warning
    (
        "main-guard",
        "import torch\nif __name__ == '__main__':\n    m = torch.nn.Conv2d(1, 1, 1)",
        ("forbidden_torch", "torch.nn.Conv2d", "warn", 3),
    ),
    ("syntax", "x = 1\ndef f(:\n    pass", ("syntax", "syntax error", "fail", 2)),
]


@pytest.mark.parametrize("src, expected", [c[1:] for c in FLAGGED], ids=[c[0] for c in FLAGGED])
def test_flagged(src, expected):
    findings = _scan(src)
    assert expected in _summary(findings), _summary(findings)
    found = next(f for f in findings if (f.category, f.name) == expected[:2])
    assert found.message and found.file == "model.py"


# Allowed code: no finding at all.
CLEAN = [
    ("allowed-imports", "from torch import empty, cat, arange\nfrom torch.nn.functional import fold, unfold"),
    ("relative-imports", "from .others.conv import Conv2d\nfrom . import others\nfrom .others import module as m"),
    ("local-absolute", "from others.conv import Conv2d"),
    (
        "tensor-methods",
        "import torch\nfrom torch.nn.functional import unfold\n"
        "def f(x, w):\n"
        "    u = unfold(x, 3)\n"
        "    y = w.view(2, -1).matmul(u).sigmoid().clamp(min=0) ** .5\n"
        "    return y.repeat_interleave(2, dim=2).exp().mean()",
    ),
    ("class-level-method", "import torch\ny = torch.Tensor.sigmoid(x)\nok = isinstance(x, torch.Tensor)"),
    (
        "utilities",
        "import torch\n"
        "dev = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
        "torch.set_grad_enabled(False)\nstate = torch.load(p, map_location=dev)\n"
        "torch.save(state, p)\ntorch.manual_seed(0)\nx = torch.empty(3, dtype=torch.float32)\n"
        "with torch.no_grad():\n    pass\ng = torch.Generator().manual_seed(1)\n"
        "torch.set_num_threads(2)\nv = torch.__version__\ns = torch.Size([1, 2])\n"
        "torch.backends.cudnn.benchmark = True\nb = torch.is_tensor(x)",
    ),
    ("backward-result-used", "net.backward(loss.backward())\ng = crit.backward()"),
    (
        "own-backward",
        "class Seq:\n    def backward(self, grad):\n"
        "        for m in reversed(self.modules):\n            grad = m.backward(grad)\n"
        "        return grad",
    ),
    (
        "requires-grad-false",
        "x.requires_grad_(False)\nx.requires_grad = False\nimport torch\ny = torch.empty(2, requires_grad=False)",
    ),
    (
        "stdlib",
        "import os, sys, math, random, pickle, time, pathlib, gc\nfrom pathlib import Path\n"
        "p = Path(__file__).parent / 'bestmodel.pth'\nsys.path.append(os.path.dirname(__file__))\n"
        "gc.collect()",
    ),
    ("regex-compile", "import re\npat = re.compile('x')"),
    ("grad-attribute", "p.grad = g\ng = p.grad"),
    ("shadowed-eval", "def eval(self):\n    return self\nm.eval()"),
]


@pytest.mark.parametrize("src", [c[1] for c in CLEAN], ids=[c[0] for c in CLEAN])
def test_clean(src):
    assert _summary(scan_source(src, "model.py")) == []


def test_messages_are_actionable():
    (f,) = _scan("import torch.nn.functional as F\ny = F.conv2d(x, w)")
    assert f.message.startswith("forbidden call torch.nn.functional.conv2d:")
    assert "only fold and unfold" in f.message and "unfold + matmul" in f.message
    (f,) = _scan("import torch\ny = torch.zeros(3)")
    assert "new_zeros" in f.message


def test_repeated_import_is_grouped_with_count_and_first_lines():
    findings = _scan("import numpy as np\n" * 200)
    assert len(findings) == 1
    f = findings[0]
    assert (f.count, f.line, f.lines[:3]) == (200, 1, [1, 2, 3])
    assert len(f.lines) == 10 and "200 uses" in f.message


def test_distinct_names_are_capped_per_category():
    names = [f"f{i}" for i in range(MAX_NAMES_PER_CATEGORY + 7)]
    src = "import torch\n" + "\n".join(f"torch.{n}(x)" for n in names)
    findings = [f for f in _scan(src) if f.category == "forbidden_torch"]
    assert len(findings) == MAX_NAMES_PER_CATEGORY + 1
    summary = findings[-1]
    assert summary.name == "7 more" and summary.severity == "fail" and summary.count == 7


def test_unparsable_sources_give_findings_not_exceptions():
    (f,) = scan_source(b"x = 1\x00\n", "bad.py")
    assert (f.category, f.severity) == ("syntax", "fail")
    (f,) = scan_source("x = (" * 300 + ")" * 300, "deep.py")
    assert f.category == "syntax"


# ---------------------------------------------------------------- whole submissions


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def _by_file(findings):
    return {(f.file, f.name): f for f in findings}


def test_submission_paths_and_reachability(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "__init__.py": "",
            "model.py": "from .others.conv import Conv2d\nfrom others.act import ReLU\n",
            "others/__init__.py": "",
            "others/conv.py": "import torch\nz = torch.zeros(3)\n",
            "others/act.py": "from .helpers import h\n",
            "others/helpers.py": "import numpy\n",
            "others/test_blocks.py": "import torch\nref = torch.nn.Conv2d(1, 1, 1)\n",
        },
    )
    found = _by_file(scan_submission(root))
    assert found[("others/conv.py", "torch.zeros")].severity == "fail"
    assert found[("others/helpers.py", "numpy")].severity == "fail"  # reached through act.py
    unused = found[("others/test_blocks.py", "torch.nn.Conv2d")]
    assert unused.severity == "warn" and "not imported by model.py" in unused.message


def test_package_qualified_import_counts_as_reachable(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "from Miniproject_2.others import conv\n",
            "others/conv.py": "import torch\nz = torch.zeros(3)\n",
        },
    )
    (f,) = scan_submission(root)
    assert (f.file, f.severity) == ("others/conv.py", "fail")


def test_dynamic_import_makes_every_file_reachable(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "import importlib\nm = importlib.import_module(name)\n",
            "others/x.py": "import torch\nz = torch.zeros(3)\n",
        },
    )
    found = _by_file(scan_submission(root))
    assert found[("others/x.py", "torch.zeros")].severity == "fail"


def test_an_importlib_in_a_file_grading_never_runs_does_not_switch_reachability_off(tmp_path):
    """Issue 9 item 8: only a reachable file may make every file count as reachable."""
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "from .others import blocks\n",
            "others/blocks.py": "from torch import empty\n",
            "others/explore.py": "import importlib\nmod = importlib.import_module(name)\n",
            "others/compare.py": "import torch\nref = torch.nn.Conv2d(1, 1, 1)\n",
        },
    )
    found = _by_file(scan_submission(root))
    assert found[("others/compare.py", "torch.nn.Conv2d")].severity == "warn"
    assert found[("others/explore.py", "importlib.import_module")].severity == "warn"


def test_a_literal_import_module_is_followed_like_an_import(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "import importlib\nblocks = importlib.import_module('others.blocks')\n",
            "others/blocks.py": "import torch\nz = torch.zeros(3)\n",
            "others/unused.py": "import torch\nz = torch.ones(3)\n",
        },
    )
    found = _by_file(scan_submission(root))
    assert found[("others/blocks.py", "torch.zeros")].severity == "fail"
    assert found[("others/unused.py", "torch.ones")].severity == "warn"


def test_without_model_py_nothing_is_demoted(tmp_path):
    root = _write(tmp_path / "Miniproject_2", {"others/x.py": "import numpy\n"})
    (f,) = scan_submission(root)
    assert f.severity == "fail"


def test_syntax_error_in_one_file_does_not_stop_the_scan(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "from .others import broken\nimport numpy\n",
            "others/broken.py": "def f(:\n",
        },
    )
    found = _by_file(scan_submission(root))
    assert found[("model.py", "numpy")].severity == "fail"
    broken = found[("others/broken.py", "syntax error")]
    assert (broken.severity, broken.line) == ("fail", 1)


def test_sibling_module_names_are_local(tmp_path):
    root = _write(
        tmp_path / "Miniproject_2",
        {
            "model.py": "from others.blocks import Conv2d\n",
            "others/blocks.py": "import utils\nfrom utils import helper\n",
            "others/utils.py": "x = 1\n",
        },
    )
    assert scan_submission(root) == []


@pytest.mark.skipif(not (REFERENCE / "model.py").is_file(), reason="reference_impl not written yet")
def test_reference_implementation_is_clean():
    findings = scan_submission(REFERENCE)
    flagged = [(f.location(), f.category, f.name, f.severity) for f in findings if f.severity != "note"]
    assert flagged == []


def test_star_import_resolves_only_names_the_star_binds():
    src = (
        "from torch import *\nfrom torch.nn.functional import *\nn = len(x)\nu = unfold(x, 3)\n"
        "y = relu(x)\nm = max(x)\ndef zeros(n):\n    return n\nz = zeros(3)\n"
    )
    got = {(f.name, f.line) for f in _scan(src)}
    assert ("torch.nn.functional.relu", 5) in got  # the later star import wins
    assert ("torch.max", 6) in got  # torch.__all__ has max: the star import shadows the builtin
    assert not any(n in ("torch.len", "torch.nn.functional.unfold", "torch.zeros") for n, _ in got)
