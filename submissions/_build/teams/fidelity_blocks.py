"""Block APIs and defects met in real 2022 submissions (issue 9), each written afresh on the template.

Correct-but-unusual designs must pass (they pin the grader's adapters: optimizers
that walk the model, gradients kept on the tensors or in parameter objects, one
list of pairs per layer, gradient buffers from empty(), a tape-style backward, a
transposed convolution stored in convolution layout or exported as Upsampling,
loss values as Python floats); real defects must fail, or warn where the handout
leaves the point open, with a message that names them.
"""

from __future__ import annotations

from sample_team import Team
from teams.baseline import NEAREST_BLOCK_END, NEAREST_BLOCK_START, TRANSPOSE_CONV, TRANSPOSE_PREDICT
from teams.snippets import B, CONV_PARAM, CONV_WEIGHT_GRAD, IMPORTS, M, PREDICT

CONV_GRAD_BUFFERS = ("        self.weight_grad = empty(self.weight.shape, device=device).zero_()\n"
                     "        self.use_bias = bias\n"
                     "        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)\n"
                     "        if not bias:\n"
                     "            self.bias.zero_()\n"
                     "        self.bias_grad = empty(out_channels, device=device).zero_()\n")
CONV_SIGNATURE = ("    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, "
                  "device=None):\n")
SGD_CLASS_START = "\n\nclass SGD(object):\n"
SGD_CLASS_END = "        for _, grad in self.params:\n            grad.zero_()\n"
MAKE_SGD = "        self.optimizer = SGD(self.net.param(), lr=LEARNING_RATE, momentum=MOMENTUM)\n"
LOAD_LOOP = ("        for (p, _), w in zip(self.net.param(), weights):\n"
             "            p.copy_(w)\n")
SAVE_LINE = "        torch.save([p.cpu() for p, _ in self.net.param()], path)\n"
TRAIN_STEP = ("                self.optimizer.zero_grad()\n"
              "                self.loss.forward(self.net.forward(x), y)\n"
              "                self.net.backward(self.loss.backward())\n"
              "                self.optimizer.step()\n")
SEQ_PARAM = ("    def param(self):\n        params = []\n        for m in self.modules:\n"
             "            params += m.param()\n        return params\n")

# ---------------------------------------------------------------- team_lazy_grad_buffers
LAZY_SGD = '''

class SGD(object):
    """SGD over a whole model: its param() is read at every step. Momentum has no default (0 for plain SGD)."""

    def __init__(self, model, lr, momentum):
        self.model = model
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def step(self):
        for i, (p, grad) in enumerate(self.model.param()):
            if self.momentum:
                v = self.velocity.get(i)
                v = grad.clone() if v is None else self.momentum * v + grad
                self.velocity[i] = v
                grad = v
            p.sub_(self.lr * grad)

    def zero_grad(self):
        for _, grad in self.model.param():
            grad.zero_()
'''
LAYER_TENSORS = "[t for m in self.net.modules if hasattr(m, 'weight') for t in (m.weight, m.bias)]"
LAZY_BACKWARD = ("        if not hasattr(self, \"weight_grad\"):  # gradient buffers are made at the first backward\n"
                 "            self.weight_grad = empty(self.weight.shape, device=self.weight.device).zero_()\n"
                 "            self.bias_grad = empty(self.bias.shape, device=self.bias.device).zero_()\n"
                 + CONV_WEIGHT_GRAD)

# ---------------------------------------------------------------- team_grads_on_tensors
TENSOR_GRAD_BACKWARD = ("        dw = grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n"
                        "        self.weight.grad = dw if self.weight.grad is None else self.weight.grad + dw\n"
                        "        if self.use_bias:\n"
                        "            db = grad.sum((0, 2))\n"
                        "            self.bias.grad = db if self.bias.grad is None else self.bias.grad + db\n")
TENSOR_GRAD_SGD = '''

class SGD(object):
    """SGD reading each parameter's .grad (None until its first backward), with optional momentum like torch."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.velocity = [None] * len(params)

    def step(self):
        for i, (p, _) in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            if self.momentum:
                if self.velocity[i] is None:
                    self.velocity[i] = grad.clone()
                else:
                    self.velocity[i] = self.momentum * self.velocity[i] + grad
                grad = self.velocity[i]
            p.sub_(self.lr * grad)

    def zero_grad(self):
        for p, _ in self.params:
            p.grad = None
'''

# ---------------------------------------------------------------- team_param_objects
PARAMETER_CLASS = '''

class Parameter(object):
    """A parameter tensor with its gradient; it applies its own SGD update (momentum kept here)."""

    def __init__(self, data, grad):
        self.data = data
        self.grad = grad
        self.velocity = None

    def update(self, lr, momentum=0.0):
        step = self.grad
        if momentum:
            self.velocity = self.grad.clone() if self.velocity is None else momentum * self.velocity + self.grad
            step = self.velocity
        self.data.sub_(lr * step)

    def zero(self):
        self.grad.zero_()
'''
OBJECT_SGD = '''

class SGD(object):
    """Steps a list of Parameter objects: each updates itself."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = params
        self.lr = lr
        self.momentum = momentum

    def step(self):
        for p in self.params:
            p.update(self.lr, self.momentum)

    def zero_grad(self):
        for p in self.params:
            p.zero()
'''

# ---------------------------------------------------------------- team_sgd_walks_layers
LAYER_SGD = '''

class SGD(object):
    """SGD over a Sequential: one list of (param, grad) pairs per layer; each layer gets new tensors."""

    def __init__(self, module, lr, momentum=0.0):
        self.module = module
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def step(self):
        for i, (layer, pairs) in enumerate(zip(self.module.modules, self.module.param())):
            if not pairs:
                continue
            new = []
            for j, (p, grad) in enumerate(pairs):
                if self.momentum:
                    v = self.velocity.get((i, j))
                    v = grad.clone() if v is None else self.momentum * v + grad
                    self.velocity[(i, j)] = v
                    grad = v
                new.append(p - self.lr * grad)
            layer.set_params(*new)

    def zero_grad(self):
        for pairs in self.module.param():
            for _, grad in pairs:
                grad.zero_()
'''
CONV_SET_PARAMS = ("    def set_params(self, weight, bias):\n"
                   "        self.weight, self.bias = weight, bias\n\n"
                   + "    def param(self):\n" + CONV_PARAM)
NEAREST_SET_PARAMS = ("    def set_params(self, weight, bias):\n"
                      "        self.conv.set_params(weight, bias)\n"
                      "        self.weight, self.bias = self.conv.weight, self.conv.bias\n\n"
                      "    def param(self):\n        return self.conv.param()\n")
FLAT_PAIRS = "[pair for layer in self.net.param() for pair in layer]"

# ---------------------------------------------------------------- team_tape_autograd
TAPE_BLOCKS = '''"""Our blocks, chained by a small tape: every output remembers the block that made it.

forward(x) keeps x and tags its output with `source` (the block) and `slot` (where x was kept).
backward(grad) finds x from the gradient's slot, adds the parameter gradients into the .grad of
the parameter tensors, and passes dL/dx on to the block that produced x. It returns nothing:
the loss starts the chain and every block hands the gradient to the one before it.
"""

import math

from torch import empty
from torch.nn.functional import fold, unfold


def _pair(x):
    return (x, x) if isinstance(x, int) else tuple(x)


def _accumulate(tensor, grad):
    tensor.grad = grad if tensor.grad is None else tensor.grad + grad


class Module(object):
    def __init__(self):
        self.saved = []

    def forget(self):
        self.saved = []

    def remember(self, x, out):
        self.saved.append(x)
        out.source = self
        out.slot = len(self.saved) - 1
        return out

    def send_back(self, x, grad):
        producer = getattr(x, "source", None)
        if producer is not None:
            grad.slot = getattr(x, "slot", None)
            producer.backward(grad)

    def param(self):
        return []

    def __call__(self, *input):
        return self.forward(*input)


class Conv2d(Module):
    """2D convolution as unfold + matrix product; gradients go to weight.grad and bias.grad."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, device=None):
        super().__init__()
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        kh, kw = self.kernel_size
        bound = 1 / math.sqrt(in_channels * kh * kw)
        self.weight = empty(out_channels, in_channels, kh, kw, device=device).uniform_(-bound, bound)
        self.use_bias = bias
        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)
        if not bias:
            self.bias.zero_()

    def compute(self, x):
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        cols = unfold(x, (kh, kw), padding=self.padding, stride=self.stride)
        h_out = (h + 2 * self.padding[0] - kh) // self.stride[0] + 1
        w_out = (w + 2 * self.padding[1] - kw) // self.stride[1] + 1
        out = self.weight.view(self.out_channels, -1).matmul(cols) + self.bias.view(1, -1, 1)
        return out.view(n, self.out_channels, h_out, w_out)

    def gradients(self, x, gradwrtoutput):
        n = x.shape[0]
        cols = unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)
        grad = gradwrtoutput.reshape(n, self.out_channels, -1)
        _accumulate(self.weight, grad.matmul(cols.transpose(1, 2)).sum(0).view(self.weight.shape))
        if self.use_bias:
            _accumulate(self.bias, grad.sum((0, 2)))
        grad_cols = self.weight.view(self.out_channels, -1).t().matmul(grad)
        return fold(grad_cols, (x.shape[2], x.shape[3]), self.kernel_size, padding=self.padding, stride=self.stride)

    def forward(self, x):
        return self.remember(x, self.compute(x))

    def backward(self, gradwrtoutput):
        x = self.saved[gradwrtoutput.slot]
        self.send_back(x, self.gradients(x, gradwrtoutput))

    def param(self):
        return [self.weight, self.bias]


class NearestUpsampling(Module):
    """Nearest-neighbour upsampling by an integer factor, followed by a convolution."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, device=None):
        super().__init__()
        self.scale_factor = scale_factor
        if padding is None:
            padding = kernel_size // 2
        self.conv = Conv2d(in_channels, out_channels, kernel_size, padding=padding, device=device)
        self.weight, self.bias = self.conv.weight, self.conv.bias

    def forward(self, x):
        s = self.scale_factor
        up = x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)
        out = self.conv.compute(up)
        self.saved.append((x, up))
        out.source, out.slot = self, len(self.saved) - 1
        return out

    def backward(self, gradwrtoutput):
        x, up = self.saved[gradwrtoutput.slot]
        s = self.scale_factor
        grad = self.conv.gradients(up, gradwrtoutput)
        n, c, h, w = grad.shape
        self.send_back(x, grad.view(n, c, h // s, s, w // s, s).sum((3, 5)))

    def param(self):
        return self.conv.param()


class ReLU(Module):
    def forward(self, x):
        return self.remember(x, x * (x > 0))

    def backward(self, gradwrtoutput):
        x = self.saved[gradwrtoutput.slot]
        self.send_back(x, gradwrtoutput * (x > 0))


class Sigmoid(Module):
    def forward(self, x):
        return self.remember(x, 1 / (1 + (-x).exp()))

    def backward(self, gradwrtoutput):
        x = self.saved[gradwrtoutput.slot]
        s = 1 / (1 + (-x).exp())
        self.send_back(x, gradwrtoutput * s * (1 - s))


class MSE(Module):
    """Mean squared error like torch.nn.MSELoss(); backward() starts the chain from the prediction."""

    def forward(self, prediction, target):
        diff = prediction - target
        self.saved = [(prediction, diff)]
        loss = (diff ** 2).mean()
        loss.source = self
        return loss

    def backward(self):
        prediction, diff = self.saved[-1]
        self.send_back(prediction, 2 * diff / diff.numel())


class SGD(object):
    """SGD over parameter tensors whose gradient is in .grad, with optional momentum like torch."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = list(params)
        self.lr = lr
        self.momentum = momentum
        self.velocity = [None] * len(self.params)

    def step(self):
        for i, p in enumerate(self.params):
            grad = p.grad
            if grad is None:
                continue
            if self.momentum:
                self.velocity[i] = grad.clone() if self.velocity[i] is None else self.momentum * self.velocity[i] + grad
                grad = self.velocity[i]
            p.sub_(self.lr * grad)

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class Sequential(Module):
    def __init__(self, *modules):
        super().__init__()
        self.modules = list(modules)

    def forward(self, x):
        for m in self.modules:
            x = m.forward(x)
        return x

    def backward(self, gradwrtoutput):
        self.modules[-1].backward(gradwrtoutput)

    def forget(self):
        for m in self.modules:
            m.forget()

    def param(self):
        params = []
        for m in self.modules:
            params += m.param()
        return params
'''
TAPE_TRAIN_STEP = ("                self.optimizer.zero_grad()\n"
                   "                self.loss.forward(self.net.forward(x), y)\n"
                   "                self.loss.backward()\n"
                   "                self.optimizer.step()\n"
                   "                self.net.forget()\n")
TAPE_PREDICT = ("        x = test_input.to(self.device).float() / 255\n"
                "        out = self.net.forward(x) * 255\n"
                "        self.net.forget()\n"
                "        return out.to(test_input.device)\n")

# ---------------------------------------------------------------- team_transpose_conv_layout
LAYOUT_TRANSPOSE = '''

class TransposeConv2d(Module):
    """Transposed convolution as a plain convolution: spread the input with stride - 1 zeros between pixels,
    pad it by kernel - 1 - padding, and convolve. The kernel lives in our inner Conv2d, as a convolution's
    (out, in, kh, kw)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, device=None):
        kh, kw = _pair(kernel_size)
        ph, pw = _pair(padding)
        self.stride = stride
        self.conv = Conv2d(in_channels, out_channels, (kh, kw), padding=(kh - 1 - ph, kw - 1 - pw), device=device)
        bound = 1 / math.sqrt(out_channels * kh * kw)  # torch's fan-in for a transposed convolution
        self.conv.weight.uniform_(-bound, bound)
        self.conv.bias.uniform_(-bound, bound)

    def forward(self, x):
        n, c, h, w = x.shape
        s = self.stride
        spread = empty(n, c, (h - 1) * s + 1, (w - 1) * s + 1, device=x.device).zero_()
        spread[:, :, ::s, ::s] = x
        return self.conv.forward(spread)

    def backward(self, gradwrtoutput):
        s = self.stride
        return self.conv.backward(gradwrtoutput)[:, :, ::s, ::s]

    def param(self):
        return self.conv.param()


class Upsampling(TransposeConv2d):
    """The name our report uses for the upsampling layers."""
'''
TRANSPOSE_NETWORK = ("            TransposeConv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
                     "            TransposeConv2d(c, 3, 4, stride=2, padding=1, device=self.device), Sigmoid(),\n")
NEAREST_NETWORK = ("            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                   "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n")

# ---------------------------------------------------------------- team_flat_param_list
FLAT_SGD = '''

class SGD(object):
    """SGD over our flat parameter lists: each block gives [weight, bias, weight_grad, bias_grad]."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.velocity = {}

    def step(self):
        for i in range(0, len(self.params), 4):
            for j in range(2):
                p, grad = self.params[i + j], self.params[i + j + 2]
                if self.momentum:
                    v = self.velocity.get(i + j)
                    v = grad.clone() if v is None else self.momentum * v + grad
                    self.velocity[i + j] = v
                    grad = v
                p.sub_(self.lr * grad)

    def zero_grad(self):
        for i in range(0, len(self.params), 4):
            self.params[i + 2].zero_()
            self.params[i + 3].zero_()
'''
FLAT_WEIGHTS = "[t for i in range(0, len(ps), 4) for t in ps[i:i + 2]]"

# ---------------------------------------------------------------- team_none_pairs
NONE_SGD_STEP = ("        for i, (p, grad) in enumerate(self.params):\n"
                 "            if p is None:\n"
                 "                continue\n")

TEAMS: list[Team] = [
    # -------------------------------------------------------------- optimizers and parameters
    Team(
        name="team_lazy_grad_buffers",
        summary="gradient buffers made at the first backward (param() raises before it); SGD(model, lr, momentum) "
                "reads model.param() at every step, momentum required",
        folder="Proj_310422_297154",
        edits=[(B, CONV_GRAD_BUFFERS,
                "        self.use_bias = bias\n"
                "        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)\n"
                "        if not bias:\n"
                "            self.bias.zero_()\n"),
               (B, CONV_WEIGHT_GRAD, LAZY_BACKWARD),
               (B, "@span", (SGD_CLASS_START, SGD_CLASS_END, LAZY_SGD)),
               (M, MAKE_SGD, "        self.optimizer = SGD(self.net, LEARNING_RATE, MOMENTUM)\n"),
               (M, TRAIN_STEP, TRAIN_STEP.replace("                self.optimizer.zero_grad()\n", "")
                + "                self.optimizer.zero_grad()  # after the step: the buffers exist by then\n"),
               (M, LOAD_LOOP, f"        for p, w in zip({LAYER_TENSORS}, weights):\n            p.copy_(w)\n"),
               (M, SAVE_LINE, f"        torch.save([t.cpu() for t in {LAYER_TENSORS}], path)\n")],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.accumulate": "pass", "blocks.Conv2d.param": "warn", "blocks.SGD.step": "pass",
                "blocks.SGD.zero_grad": "pass", "blocks.SGD.momentum": "pass", "blocks.Sequential.param": "pass",
                "model.load_pretrained": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "before the first backward"},
        exit_code=0, score_min=80,
        details="Correct code. The grader must set the weights through .weight when param() raises, read the "
                "gradients once they exist, and drive an optimizer that takes the model and requires momentum.",
    ),
    Team(
        name="team_grads_on_tensors",
        summary="gradients kept as .grad on the parameter tensors (None until the first backward); SGD reads p.grad "
                "and zero_grad() sets it to None",
        folder="Proj_296631_305218",
        edits=[(B, CONV_GRAD_BUFFERS,
                "        self.use_bias = bias\n"
                "        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)\n"
                "        if not bias:\n"
                "            self.bias.zero_()\n"),
               (B, CONV_WEIGHT_GRAD, TENSOR_GRAD_BACKWARD),
               (B, CONV_PARAM, "        return [(self.weight, self.weight.grad), (self.bias, self.bias.grad)]\n"),
               (B, "@span", (SGD_CLASS_START, SGD_CLASS_END, TENSOR_GRAD_SGD))],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "pass", "blocks.NearestUpsampling.backward_weight": "pass",
                "blocks.SGD.step": "pass", "blocks.SGD.zero_grad": "pass", "blocks.SGD.momentum": "pass",
                "blocks.Sequential.param": "pass", "model.load_pretrained": "pass", "model.train_time": "pass"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_param_objects",
        summary="param() returns Parameter objects (tensor, gradient, their own update rule); SGD asks each to update",
        folder="Proj_283390_312876",
        edits=[(B, "\n\nclass Module(object):\n", PARAMETER_CLASS + "\n\nclass Module(object):\n"),
               (B, CONV_PARAM, "        return [Parameter(self.weight, self.weight_grad), "
                               "Parameter(self.bias, self.bias_grad)]\n"),
               (B, "@span", (SGD_CLASS_START, SGD_CLASS_END, OBJECT_SGD)),
               (M, LOAD_LOOP, "        for p, w in zip(self.net.param(), weights):\n            p.data.copy_(w)\n"),
               (M, SAVE_LINE, "        torch.save([p.data.cpu() for p in self.net.param()], path)\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.param": "warn", "blocks.SGD.step": "pass",
                "blocks.SGD.zero_grad": "pass", "blocks.SGD.momentum": "pass", "blocks.Sequential.param": "pass",
                "model.load_pretrained": "pass", "model.train_time": "pass"},
        contains={"blocks.SGD.step": "your Conv2d"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_sgd_walks_layers",
        summary="Sequential.param() gives one list of pairs per layer; SGD(network, lr) walks them with the layers "
                "and hands each layer new tensors through set_params()",
        folder="Proj_301876_290045",
        edits=[(B, "    def param(self):\n" + CONV_PARAM, CONV_SET_PARAMS),
               (B, "    def param(self):\n        return self.conv.param()\n", NEAREST_SET_PARAMS),
               (B, SEQ_PARAM, "    def param(self):\n        return [m.param() for m in self.modules]\n"),
               (B, "@span", (SGD_CLASS_START, SGD_CLASS_END, LAYER_SGD)),
               (M, MAKE_SGD, "        self.optimizer = SGD(self.net, lr=LEARNING_RATE, momentum=MOMENTUM)\n"),
               (M, LOAD_LOOP, f"        for (p, _), w in zip({FLAT_PAIRS}, weights):\n            p.copy_(w)\n"),
               (M, SAVE_LINE, f"        torch.save([p.cpu() for p, _ in {FLAT_PAIRS}], path)\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.SGD.step": "pass", "blocks.SGD.zero_grad": "pass",
                "blocks.SGD.momentum": "pass", "blocks.Sequential.param": "warn", "blocks.Sequential.backward": "pass",
                "model.load_pretrained": "pass", "model.train_time": "pass"},
        contains={"blocks.Sequential.param": "one list per block", "blocks.SGD.step": "your Sequential"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_none_pairs",
        summary="blocks without parameters answer param() with [(None, None)]; SGD and the checkpoint skip them",
        folder="Proj_277145_309981",
        edits=[(B, "    def param(self):\n        return []\n", "    def param(self):\n        return [(None, None)]\n"),
               (B, "        for i, (p, grad) in enumerate(self.params):\n", NONE_SGD_STEP),
               (B, "        for _, grad in self.params:\n            grad.zero_()\n",
                "        for _, grad in self.params:\n            if grad is not None:\n                grad.zero_()\n"),
               (M, LOAD_LOOP, "        params = [p for p, _ in self.net.param() if p is not None]\n"
                              "        for p, w in zip(params, weights):\n            p.copy_(w)\n"),
               (M, SAVE_LINE, "        torch.save([p.cpu() for p, _ in self.net.param() if p is not None], path)\n")],
        expect={"blocks.ReLU.param": "fail", "blocks.Sigmoid.param": "fail", "blocks.Sequential.param": "warn",
                "blocks.SGD.step": "pass", "blocks.Conv2d.param": "pass", "model.load_pretrained": "pass",
                "model.train_time": "pass"},
        contains={"blocks.ReLU.param": "(None, None)", "blocks.Sequential.param": "left out"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_flat_param_list",
        summary="param() returns a flat [weight, bias, weight_grad, bias_grad]; SGD walks it four at a time",
        folder="Proj_304417_281663",
        edits=[(B, CONV_PARAM, "        return [self.weight, self.bias, self.weight_grad, self.bias_grad]\n"),
               (B, "@span", (SGD_CLASS_START, SGD_CLASS_END, FLAT_SGD)),
               (M, LOAD_LOOP, f"        ps = self.net.param()\n        for p, w in zip({FLAT_WEIGHTS}, weights):\n"
                              "            p.copy_(w)\n"),
               (M, SAVE_LINE, f"        ps = self.net.param()\n        torch.save([p.cpu() for p in {FLAT_WEIGHTS}], path)\n")],
        expect={"blocks.Conv2d.param": "fail", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.accumulate": "pass", "blocks.NearestUpsampling.backward_weight": "pass",
                "blocks.SGD.step": "pass", "blocks.Sequential.param": "pass", "model.load_pretrained": "pass",
                "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "flat list"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_param_duplicates",
        summary="Sequential.param() appends to a list it keeps: every call returns the pairs once more",
        folder="Proj_300219_294471",
        edits=[(B, "    def __init__(self, *modules):\n        self.modules = list(modules)\n",
                "    def __init__(self, *modules):\n        self.modules = list(modules)\n        self.params = []\n"),
               (B, SEQ_PARAM, "    def param(self):\n        for m in self.modules:\n"
                              "            self.params += m.param()\n        return self.params\n")],
        expect={"blocks.Sequential.forward": "pass", "blocks.Sequential.backward": "pass",
                "blocks.Sequential.param": "fail", "blocks.SGD.step": "pass", "model.load_pretrained": "pass",
                "model.train_time": "pass"},
        contains={"blocks.Sequential.param": "second call"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- gradient buffers
    Team(
        name="team_garbage_grad_buffers",
        summary="gradient buffers allocated with empty() and never cleared before the first backward: correct, "
                "because the optimizer's zero_grad() runs before every backward",
        folder="Proj_292208_306671",
        edits=[(B, "        self.weight_grad = empty(self.weight.shape, device=device).zero_()\n",
                "        self.weight_grad = empty(self.weight.shape, device=device)  # zero_grad() clears it\n"),
               (B, "        self.bias_grad = empty(out_channels, device=device).zero_()\n",
                "        self.bias_grad = empty(out_channels, device=device)\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "pass", "blocks.Conv2d.stride": "pass", "blocks.Conv2d.padding": "pass",
                "blocks.NearestUpsampling.backward_weight": "pass", "blocks.SGD.step": "pass",
                "model.train_time": "pass"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_garbage_overwritten",
        summary="gradient buffers from empty(), overwritten in place by every backward: right gradients, but a "
                "second backward replaces the first instead of adding to it",
        folder="Proj_299514_287302",
        edits=[(B, "        self.weight_grad = empty(self.weight.shape, device=device).zero_()\n",
                "        self.weight_grad = empty(self.weight.shape, device=device)\n"),
               (B, "        self.bias_grad = empty(out_channels, device=device).zero_()\n",
                "        self.bias_grad = empty(out_channels, device=device)\n"),
               (B, CONV_WEIGHT_GRAD,
                "        self.weight_grad.copy_(grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape))\n"
                "        if self.use_bias:\n"
                "            self.bias_grad.copy_(grad.sum((0, 2)))\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "fail", "blocks.NearestUpsampling.accumulate": "fail",
                "blocks.Conv2d.stride": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.accumulate": "overwrote the gradients"},
        exit_code=0, score_min=80,
    ),
    # -------------------------------------------------------------- a tape of their own
    Team(
        name="team_tape_autograd",
        summary="a tape-style design: backward returns nothing and hands dL/dx to the block that produced the "
                "input; gradients in .grad; param() returns the tensors",
        folder="Proj_308841_275530",
        files={B: TAPE_BLOCKS},
        edits=[(M, TRAIN_STEP, TAPE_TRAIN_STEP), (M, PREDICT, TAPE_PREDICT),
               (M, LOAD_LOOP, "        for p, w in zip(self.net.param(), weights):\n            p.copy_(w)\n"),
               (M, SAVE_LINE, "        torch.save([p.cpu() for p in self.net.param()], path)\n")],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_input": "warn",
                "blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.accumulate": "pass",
                "blocks.Conv2d.param": "fail", "blocks.NearestUpsampling.backward_input": "warn",
                "blocks.ReLU.backward": "warn", "blocks.MSE.backward": "warn", "blocks.SGD.step": "pass",
                "blocks.SGD.zero_grad": "pass", "blocks.Sequential.forward": "pass",
                "blocks.Sequential.backward": "fail", "blocks.Sequential.param": "pass",
                "model.load_pretrained": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.backward_input": "tape", "blocks.Sequential.backward": "instead of returning it"},
        exit_code=1,
        details="Every block is numerically right. The design breaks the handout's interface (backward returns "
                "dL/dx) in one place that matters to a caller: Sequential.backward returns None. That is charged "
                "once, there (a required check, hence exit 1); the blocks' own checks read the gradient where the "
                "tape sent it and only warn.",
    ),
    # -------------------------------------------------------------- upsampling family
    Team(
        name="team_transpose_conv_layout",
        summary="TransposeConv2d written as zero insertion + padding + an inner Conv2d, its kernel stored in "
                "convolution layout; also exported as Upsampling(TransposeConv2d)",
        folder="Proj_305562_284417",
        checkpoint="train", train_from="transpose",
        edits=[(B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, LAYOUT_TRANSPOSE)),
               (M, IMPORTS, IMPORTS.replace("NearestUpsampling", "TransposeConv2d, Upsampling")),
               (M, NEAREST_NETWORK, TRANSPOSE_NETWORK), (M, PREDICT, TRANSPOSE_PREDICT),
               (M, "from torch import empty\n", "from torch import cat, empty\n")],
        expect={"blocks.TransposeConv2d.name": "pass", "blocks.TransposeConv2d.forward": "warn",
                "blocks.TransposeConv2d.backward_input": "warn", "blocks.TransposeConv2d.backward_weight": "warn",
                "blocks.TransposeConv2d.accumulate": "warn", "blocks.TransposeConv2d.param": "warn",
                "blocks.TransposeConv2d.padding": "warn", "blocks.TransposeConv2d.tuple_kernel": "warn",
                "blocks.NearestUpsampling.forward": "skipped", "model.architecture": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.TransposeConv2d.forward": "convolution layout",
                  "blocks.NearestUpsampling.forward": "transposed convolution"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_transpose_named_upsampling",
        summary="a correct transposed convolution exported only as Upsampling (no class named TransposeConv2d)",
        folder="Proj_291174_302259",
        checkpoint="train", train_from="transpose",
        edits=[(B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END,
                             TRANSPOSE_CONV.replace("class TransposeConv2d(Module):", "class Upsampling(Module):"))),
               (M, IMPORTS, IMPORTS.replace("NearestUpsampling", "Upsampling")),
               (M, NEAREST_NETWORK, TRANSPOSE_NETWORK.replace("TransposeConv2d(", "Upsampling(")),
               (M, PREDICT, TRANSPOSE_PREDICT),
               (M, "from torch import empty\n", "from torch import cat, empty\n")],
        expect={"blocks.TransposeConv2d.name": "warn", "blocks.TransposeConv2d.forward": "pass",
                "blocks.TransposeConv2d.backward_weight": "pass", "blocks.TransposeConv2d.accumulate": "pass",
                "blocks.NearestUpsampling.forward": "skipped", "model.pretrained_psnr": "pass",
                "model.train_time": "pass"},
        contains={"blocks.TransposeConv2d.name": "Upsampling"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_nearest_fixed_factor",
        summary="NearestUpsampling takes a scale factor but always upsamples by 2",
        folder="Proj_286650_311903",
        edits=[(B, "        s = self.scale_factor\n        return self.conv.forward(",
                "        s = 2\n        return self.conv.forward("),
               (B, "        s = self.scale_factor\n        grad = self.conv.backward(",
                "        s = 2\n        grad = self.conv.backward(")],
        expect={"blocks.NearestUpsampling.forward": "pass", "blocks.NearestUpsampling.backward_input": "pass",
                "blocks.NearestUpsampling.scale_factor": "warn", "model.train_time": "pass"},
        contains={"blocks.NearestUpsampling.scale_factor": "scale_factor=3"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- Conv2d defects the basic checks missed
    Team(
        name="team_conv_padding_first",
        summary="Conv2d(in, out, kernel_size, padding=0, stride=1): a call written for torch's positional order "
                "builds another layer (the model itself uses keywords)",
        folder="Proj_302981_278854",
        edits=[(B, CONV_SIGNATURE, CONV_SIGNATURE.replace("stride=1, padding=0", "padding=0, stride=1"))],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.stride": "pass", "blocks.Conv2d.padding": "pass",
                "blocks.Conv2d.positional": "fail", "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.positional": "`padding` and `stride`"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_conv_cached_size",
        summary="Conv2d computes its output size at the first forward and keeps it: any other input size fails",
        folder="Proj_297733_283046",
        edits=[(B, "        self.input_size = (h, w)\n",
                "        if not hasattr(self, \"input_size\"):  # sizes are worked out once\n"
                "            self.input_size = (h, w)\n"),
               (B, "        h_out = (h + 2 * self.padding[0] - kh) // self.stride[0] + 1\n"
                   "        w_out = (w + 2 * self.padding[1] - kw) // self.stride[1] + 1\n",
                "        if not hasattr(self, \"out_size\"):\n"
                "            self.out_size = ((h + 2 * self.padding[0] - kh) // self.stride[0] + 1,\n"
                "                             (w + 2 * self.padding[1] - kw) // self.stride[1] + 1)\n"
                "        h_out, w_out = self.out_size\n")],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.stride": "pass", "blocks.Conv2d.other_size": "fail",
                "model.pretrained_psnr": "pass"},
        contains={"blocks.Conv2d.other_size": "first call"},
        exit_code=0, score_min=75,
    ),
    # -------------------------------------------------------------- activations and loss
    Team(
        name="team_inplace_relu",
        summary="ReLU works in place: forward overwrites its input, backward the gradient it is given",
        folder="Proj_288813_300174",
        edits=[(B, "        self.mask = x > 0\n        return x * self.mask\n",
                "        self.mask = x > 0\n        return x.mul_(self.mask)\n"),
               (B, "        return gradwrtoutput * self.mask\n", "        return gradwrtoutput.mul_(self.mask)\n")],
        expect={"blocks.ReLU.forward": "pass", "blocks.ReLU.backward": "pass", "blocks.ReLU.unchanged": "warn",
                "blocks.Sigmoid.unchanged": "pass", "model.train_time": "pass"},
        contains={"blocks.ReLU.unchanged": "in place"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_sigmoid_overflow",
        summary="Sigmoid.backward computes exp(-x) / (1 + exp(-x))²: nan once exp(-x) overflows (x < -88)",
        folder="Proj_303355_296218",
        edits=[(B, "        self.out = 1 / (1 + (-x).exp())\n", "        self.x = x\n        self.out = 1 / (1 + (-x).exp())\n"),
               (B, "        return gradwrtoutput * self.out * (1 - self.out)\n",
                "        e = (-self.x).exp()\n        return gradwrtoutput * e / (1 + e) ** 2\n")],
        expect={"blocks.Sigmoid.forward": "pass", "blocks.Sigmoid.backward": "pass", "blocks.Sigmoid.extreme": "warn",
                "model.train_time": "pass"},
        contains={"blocks.Sigmoid.extreme": "non-finite"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_mse_item_tuple",
        summary="MSE.forward returns a Python float (.item()); MSE.backward returns (d_prediction, d_target)",
        folder="Proj_294460_308817",
        edits=[(B, "        return (self.diff ** 2).mean()\n", "        return (self.diff ** 2).mean().item()\n"),
               (B, "        return 2 * self.diff / self.diff.numel()\n",
                "        grad = 2 * self.diff / self.diff.numel()\n        return grad, -grad\n"),
               (M, "self.net.backward(self.loss.backward())", "self.net.backward(self.loss.backward()[0])")],
        expect={"blocks.MSE.forward": "pass", "blocks.MSE.backward": "warn", "model.train_time": "pass"},
        contains={"blocks.MSE.backward": "(d_input, d_target)"},
        exit_code=0, score_min=85,
    ),
]
