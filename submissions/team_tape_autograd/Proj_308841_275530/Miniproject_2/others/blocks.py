"""Our blocks, chained by a small tape: every output remembers the block that made it.

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
