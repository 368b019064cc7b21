"""Conv2d and TransposeConv2d: one matrix product each way, around im2col / col2im.

With cols = im2col(x) (one row per output pixel) and W the weight as a matrix
(out × kh·kw·in):

    forward          y     = cols · Wᵀ + b
    backward, input  dx    = col2im(dy · W)
    backward, weight dW   += dyᵀ · cols
    backward, bias   db   += Σ_rows dy

A transposed convolution is the same pair read the other way round: its forward
is the input gradient of a convolution, its input gradient that convolution's
forward.
"""

from torch import empty

from .im2col import col2im, im2col, nchw, nhwc, pair
from .module import Module


def uniform(shape, bound, device=None, dtype=None):
    """Samples of U(-bound, bound): torch's default initialisation of convolution weights and biases."""
    return empty(shape, device=device, dtype=dtype).uniform_(-bound, bound)


def conv_padding(padding, kernel, stride, dilation):
    """((top, bottom), (left, right)) from torch's `padding` argument: int, pair, 'valid' or 'same'."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":  # torch's rule: the extra row/column of an odd total goes after
        if stride != (1, 1):
            raise ValueError("padding='same' needs stride 1 (as in torch.nn.Conv2d)")
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    ph, pw = pair(padding, "padding")
    return (ph, ph), (pw, pw)


def check_input(x, channels, block):
    """A clear error for anything but an N×channels×H×W tensor."""
    if x.dim() != 4 or x.shape[1] != channels:
        raise ValueError(f"{block} expects an N×{channels}×H×W tensor, got shape {tuple(x.shape)}")


class Conv2d(Module):
    """2-D convolution (cross-correlation), as torch.nn.Conv2d with groups=1 and zero padding.

    `weight` is (out, in, kh, kw) and `bias` (out,), initialised like torch
    (U(±1/sqrt(in·kh·kw)), weight first); their gradients are `weight_grad` and `bias_grad`.
    """

    param_names = ("weight", "bias")

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if groups != 1 or padding_mode != "zeros":
            raise NotImplementedError("Conv2d supports groups=1 and padding_mode='zeros' only")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding")
        self.pads = conv_padding(padding, self.kernel_size, self.stride, self.dilation)
        kh, kw = self.kernel_size
        bound = 1 / (in_channels * kh * kw) ** 0.5
        self.weight = uniform((out_channels, in_channels, kh, kw), bound, device, dtype)
        self.bias = uniform((out_channels,), bound, device, dtype) if bias else None
        self.weight_grad = self.weight.new_zeros(self.weight.shape)
        self.bias_grad = self.bias.new_zeros(self.bias.shape) if bias else None

    def weight_matrix(self):
        """W as an (out × kh·kw·in) matrix, columns in im2col's (ky, kx, c) order."""
        return self.weight.permute(0, 2, 3, 1).reshape(self.out_channels, -1)

    def forward(self, x):
        check_input(x, self.in_channels, "Conv2d")
        self.input_size = tuple(x.shape[2:])
        self.cols, (ho, wo) = im2col(nhwc(x), self.kernel_size, self.stride, self.pads, self.dilation)
        w = self.weight_matrix()
        y = self.cols.matmul(w.t()) if self.bias is None else self.bias.addmm(self.cols, w.t())  # cols·Wᵀ + b
        return nchw(y.view(x.shape[0], ho, wo, self.out_channels))

    def backward(self, grad_output):
        dy = nhwc(grad_output).reshape(-1, self.out_channels)  # free when grad_output is channels last
        kh, kw = self.kernel_size
        dw = dy.t().matmul(self.cols)  # dyᵀ·cols, (out × kh·kw·in)
        self.grad("weight").add_(dw.view(self.out_channels, kh, kw, self.in_channels).permute(0, 3, 1, 2))
        if self.bias is not None:
            self.grad("bias").add_(dy.sum(0))
        dcols = dy.matmul(self.weight_matrix())
        return nchw(col2im(dcols, self.input_size, self.kernel_size, self.stride, self.pads, self.dilation))

    def __repr__(self):
        return (
            f"Conv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, bias={self.bias is not None})"
        )


class TransposeConv2d(Module):
    """Transposed convolution, as torch.nn.ConvTranspose2d with groups=1 and zero padding.

    `weight` is (in, out, kh, kw) and `bias` (out,), initialised like torch
    (U(±1/sqrt(out·kh·kw)): torch takes the fan-in from the weight's second axis).
    """

    param_names = ("weight", "bias")

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        output_padding=0,
        groups=1,
        bias=True,
        dilation=1,
        padding_mode="zeros",
        device=None,
        dtype=None,
    ):
        if groups != 1 or padding_mode != "zeros":
            raise NotImplementedError("TransposeConv2d supports groups=1 and padding_mode='zeros' only")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.padding = pair(padding, "padding")
        self.output_padding = pair(output_padding, "output_padding")
        self.dilation = pair(dilation, "dilation")
        if any(op >= s for op, s in zip(self.output_padding, self.stride)):
            raise NotImplementedError(f"output_padding {self.output_padding} must be smaller than stride {self.stride}")
        self.pads = tuple((p, p) for p in self.padding)
        kh, kw = self.kernel_size
        bound = 1 / (out_channels * kh * kw) ** 0.5
        self.weight = uniform((in_channels, out_channels, kh, kw), bound, device, dtype)
        self.bias = uniform((out_channels,), bound, device, dtype) if bias else None
        self.weight_grad = self.weight.new_zeros(self.weight.shape)
        self.bias_grad = self.bias.new_zeros(self.bias.shape) if bias else None

    def weight_matrix(self):
        """W as an (in × kh·kw·out) matrix, columns in im2col's (ky, kx, c) order."""
        return self.weight.permute(0, 2, 3, 1).reshape(self.in_channels, -1)

    def output_size(self, h, w):
        """torch's (H_out, W_out): (H-1)·s - 2p + d·(k-1) + output_padding + 1."""
        return tuple(
            (n - 1) * s - 2 * p + d * (k - 1) + op + 1
            for n, s, p, d, k, op in zip(
                (h, w), self.stride, self.padding, self.dilation, self.kernel_size, self.output_padding
            )
        )

    def forward(self, x):
        check_input(x, self.in_channels, "TransposeConv2d")
        n, _, h, w = x.shape
        size = self.output_size(h, w)
        if min(size) <= 0:
            raise ValueError(f"TransposeConv2d: input {h}×{w} gives an empty output {size}")
        self.x = nhwc(x).reshape(n * h * w, self.in_channels)
        y = col2im(self.x.matmul(self.weight_matrix()), size, self.kernel_size, self.stride, self.pads, self.dilation)
        if self.bias is not None:
            y = y + self.bias
        return nchw(y)

    def backward(self, grad_output):
        cols, (h, w) = im2col(nhwc(grad_output), self.kernel_size, self.stride, self.pads, self.dilation)
        kh, kw = self.kernel_size
        dw = self.x.t().matmul(cols)  # (in × kh·kw·out)
        self.grad("weight").add_(dw.view(self.in_channels, kh, kw, self.out_channels).permute(0, 3, 1, 2))
        if self.bias is not None:
            self.grad("bias").add_(grad_output.sum((0, 2, 3)))
        dx = cols.matmul(self.weight_matrix().t())
        return nchw(dx.view(grad_output.shape[0], h, w, self.in_channels))

    def __repr__(self):
        return (
            f"TransposeConv2d({self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, output_padding={self.output_padding}, "
            f"dilation={self.dilation}, bias={self.bias is not None})"
        )
