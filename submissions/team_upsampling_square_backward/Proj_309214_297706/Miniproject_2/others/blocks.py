"""Our blocks: convolution, nearest upsampling, activations, loss, optimizer, container.

Every block keeps what its backward pass needs during forward. backward() takes
dL/d(output), ADDS the parameter gradients into self.*_grad and returns dL/d(input).
"""

import math

from torch import empty
from torch.nn.functional import fold, unfold


def _pair(x):
    return (x, x) if isinstance(x, int) else tuple(x)


class Module(object):
    def forward(self, *input):
        raise NotImplementedError

    def backward(self, *gradwrtoutput):
        raise NotImplementedError

    def param(self):
        return []

    def __call__(self, *input):
        return self.forward(*input)


class Conv2d(Module):
    """2D convolution computed as unfold + matrix product (im2col)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, device=None):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        kh, kw = self.kernel_size
        # same initialisation as torch: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        bound = 1 / math.sqrt(in_channels * kh * kw)
        self.weight = empty(out_channels, in_channels, kh, kw, device=device).uniform_(-bound, bound)
        self.weight_grad = empty(self.weight.shape, device=device).zero_()
        self.use_bias = bias
        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)
        if not bias:
            self.bias.zero_()
        self.bias_grad = empty(out_channels, device=device).zero_()

    def forward(self, x):
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        self.input_size = (h, w)
        self.cols = unfold(x, (kh, kw), padding=self.padding, stride=self.stride)
        h_out = (h + 2 * self.padding[0] - kh) // self.stride[0] + 1
        w_out = (w + 2 * self.padding[1] - kw) // self.stride[1] + 1
        out = self.weight.view(self.out_channels, -1).matmul(self.cols) + self.bias.view(1, -1, 1)
        return out.view(n, self.out_channels, h_out, w_out)

    def backward(self, gradwrtoutput):
        n = gradwrtoutput.shape[0]
        grad = gradwrtoutput.reshape(n, self.out_channels, -1)
        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)
        if self.use_bias:
            self.bias_grad += grad.sum((0, 2))
        grad_cols = self.weight.view(self.out_channels, -1).t().matmul(grad)
        return fold(grad_cols, self.input_size, self.kernel_size, padding=self.padding, stride=self.stride)

    def param(self):
        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]


class NearestUpsampling(Module):
    """Nearest-neighbour upsampling by an integer factor, followed by a convolution."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, device=None):
        self.scale_factor = scale_factor
        if padding is None:
            padding = kernel_size // 2
        self.conv = Conv2d(in_channels, out_channels, kernel_size, padding=padding, device=device)
        self.weight, self.bias = self.conv.weight, self.conv.bias

    def forward(self, x):
        s = self.scale_factor
        return self.conv.forward(x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3))

    def backward(self, gradwrtoutput):
        s = self.scale_factor
        grad = self.conv.backward(gradwrtoutput)
        n, c, h, w = grad.shape
        # every input pixel was copied into an s x s block: its gradient is the sum over the block
        side = h // s  # the training patches are square: one side for both axes
        return grad.reshape(n, c, side, s, side, s).sum((3, 5))

    def param(self):
        return self.conv.param()


class ReLU(Module):
    def forward(self, x):
        self.mask = x > 0
        return x * self.mask

    def backward(self, gradwrtoutput):
        return gradwrtoutput * self.mask


class Sigmoid(Module):
    def forward(self, x):
        self.out = 1 / (1 + (-x).exp())
        return self.out

    def backward(self, gradwrtoutput):
        return gradwrtoutput * self.out * (1 - self.out)


class MSE(Module):
    """Mean squared error, averaged over every element like torch.nn.MSELoss()."""

    def forward(self, prediction, target):
        self.diff = prediction - target
        return (self.diff ** 2).mean()

    def backward(self):
        return 2 * self.diff / self.diff.numel()


class SGD(object):
    """Stochastic gradient descent over (parameter, gradient) pairs, with optional momentum like torch."""

    def __init__(self, params, lr, momentum=0.0):
        self.params = params
        self.lr = lr
        self.momentum = momentum
        self.velocity = [None] * len(params)

    def step(self):
        for i, (p, grad) in enumerate(self.params):
            if self.momentum:
                if self.velocity[i] is None:
                    self.velocity[i] = grad.clone()
                else:
                    self.velocity[i] = self.momentum * self.velocity[i] + grad
                grad = self.velocity[i]
            p.sub_(self.lr * grad)

    def zero_grad(self):
        for _, grad in self.params:
            grad.zero_()


class Sequential(Module):
    def __init__(self, *modules):
        self.modules = list(modules)

    def forward(self, x):
        for m in self.modules:
            x = m.forward(x)
        return x

    def backward(self, gradwrtoutput):
        grad = gradwrtoutput
        for m in reversed(self.modules):
            grad = m.backward(grad)
        return grad

    def param(self):
        params = []
        for m in self.modules:
            params += m.param()
        return params
