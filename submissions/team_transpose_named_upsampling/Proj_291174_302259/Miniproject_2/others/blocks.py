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


class Upsampling(Module):
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
