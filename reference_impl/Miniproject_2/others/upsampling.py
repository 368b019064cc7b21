"""NearestUpsampling, and Upsampling = nearest upsampling followed by a convolution.

Upsampling by s then convolving (stride 1) never needs the big image: output
row y = s·a + r (phase r) reads big rows y + i - p, that is small rows
a + floor((r + i - p) / s). So each phase is an ordinary convolution of the
SMALL image with a kernel of T taps whose tap t sums the original taps i with
floor((r + i - p) / s) - floor((r - p) / s) = t. For the usual s = 2, k = 3,
p = 1 that is a 2×2 kernel per phase: 16 products per output pixel and
channel pair instead of 36, and no upsampled image in memory.

`subpixel_weight` builds the s_h·s_w phase kernels from the weight with two
0/1 matrices (one per axis), one matrix product applies them all, and the phase
outputs interleave into the big image. Everything is linear, so the backward
pass runs the same maps transposed.

The phase convolution runs in one of two equal ways: gather the T×T patches
then multiply (im2col: T²·in numbers per pixel), or multiply every pixel by
every tap then add the shifted products (T²·s²·out numbers per pixel). The
second moves less data when s²·out < in, as in the last layer (out = 3).
"""

from .conv import Conv2d, check_input
from .im2col import col2im, im2col, nchw, nhwc, shifted_sum, shifted_sum_adjoint
from .module import Module


def integer_scale(scale_factor):
    """(s_h, s_w) as ints from an int, an integral float or a pair of them."""
    pairs = (scale_factor, scale_factor) if isinstance(scale_factor, (int, float)) else tuple(scale_factor)
    if len(pairs) != 2 or any(int(s) != s or s < 1 for s in pairs):
        raise ValueError(f"scale_factor must be a positive integer or a pair of them, got {scale_factor!r}")
    return int(pairs[0]), int(pairs[1])


class NearestUpsampling(Module):
    """Each pixel repeated s_h × s_w times, as torch.nn.Upsample(scale_factor=s, mode='nearest')."""

    def __init__(self, scale_factor=2, mode="nearest"):
        if mode != "nearest":
            raise NotImplementedError("NearestUpsampling supports mode='nearest' only")
        self.scale_factor = integer_scale(scale_factor)

    def forward(self, x):
        n, c, h, w = x.shape
        sh, sw = self.scale_factor
        self.input_shape = x.shape
        # out[n, c, y, x] = x[n, c, y // sh, x // sw]
        return x[:, :, :, None, :, None].expand(n, c, h, sh, w, sw).reshape(n, c, h * sh, w * sw)

    def backward(self, grad_output):
        n, c, h, w = self.input_shape
        sh, sw = self.scale_factor
        # every input pixel receives the sum over its s_h × s_w copies
        return grad_output.reshape(n, c, h, sh, w, sw).sum((3, 5))

    def __repr__(self):
        return f"NearestUpsampling(scale_factor={self.scale_factor})"


class Phases:
    """The sub-pixel decomposition along one axis: scale s, kernel k, padding (before, after), input length n.

    - `taps`: T, the kernel length of every phase;
    - `first[r]`: the small-image offset of phase r's first tap, floor((r - p) / s);
    - `tap_of[r][i]`: which of phase r's taps original tap i adds into;
    - `pads`: zero padding of the small image so that every phase's window fits;
    - `start[r]`, `count[r]`: where phase r's outputs begin among the windows, and how many there are.
    """

    def __init__(self, s, k, padding, n):
        before, after = padding
        self.s, self.k = s, k
        self.size = s * n + before + after - k + 1  # length of conv(upsample(x))
        if self.size <= 0:
            raise ValueError(f"Upsampling: input length {n} gives an empty output ({self.size})")
        self.first = [(r - before) // s for r in range(s)]
        self.tap_of = [[(r + i - before) // s - self.first[r] for i in range(k)] for r in range(s)]
        self.taps = max(t[-1] for t in self.tap_of) + 1
        self.count = [len(range(r, self.size, s)) for r in range(s)]
        last = max(self.first[r] + c - 1 + self.taps - 1 for r, c in enumerate(self.count) if c)
        self.pads = (max(0, -min(self.first)), max(0, last - (n - 1)))
        self.start = [f + self.pads[0] for f in self.first]

    def matrix(self, like):
        """M (s × T × k): M[r, t, i] = 1 when original tap i adds into tap t of phase r."""
        m = like.new_zeros(self.s, self.taps, self.k)
        for r, taps in enumerate(self.tap_of):
            for i, t in enumerate(taps):
                m[r, t, i] = 1
        return m


def subpixel_weight(w, mh, mw):
    """W_sub[(rh, rw, o), (th, tw, c)] = Σ_(i, j) mh[rh, th, i] · mw[rw, tw, j] · w[o, c, i, j], a matrix."""
    o, c, kh, kw = w.shape
    (sh, th, _), (sw, tw, _) = mh.shape, mw.shape
    a = mh.reshape(sh * th, kh).matmul(w.permute(0, 2, 3, 1).reshape(o, kh, kw * c))  # rows mixed: (o, sh·th, kw·c)
    b = mw.reshape(sw * tw, kw).matmul(a.reshape(o * sh * th, kw, c))  # columns mixed: (o·sh·th, sw·tw, c)
    return b.reshape(o, sh, th, sw, tw, c).permute(1, 3, 0, 2, 4, 5).reshape(sh * sw * o, th * tw * c)


def subpixel_weight_grad(g, mh, mw, shape):
    """The adjoint of `subpixel_weight`: dL/dw (o, c, kh, kw) from dL/dW_sub."""
    o, c, kh, kw = shape
    (sh, th, _), (sw, tw, _) = mh.shape, mw.shape
    b = g.reshape(sh, sw, o, th, tw, c).permute(2, 0, 3, 1, 4, 5).reshape(o * sh * th, sw * tw, c)
    a = mw.reshape(sw * tw, kw).t().matmul(b)  # (o·sh·th, kw, c)
    w = mh.reshape(sh * th, kh).t().matmul(a.reshape(o, sh * th, kw * c))  # (o, kh, kw·c)
    return w.reshape(o, kh, kw, c).permute(0, 3, 1, 2)


def interleave(y, ph, pw):
    """The upsampled-and-convolved image (N, H, W, out) from the phase outputs y (N, Lh, Lw, sh, sw, out).

    out[:, s·a + r] = y[:, start[r] + a, ..., r, ...] along each axis.
    """
    out = y.new_empty(y.shape[0], ph.size, pw.size, y.shape[-1])
    for rh in range(ph.s):
        for rw in range(pw.s):
            out[:, rh :: ph.s, rw :: pw.s] = y[
                :, ph.start[rh] : ph.start[rh] + ph.count[rh], pw.start[rw] : pw.start[rw] + pw.count[rw], rh, rw
            ]
    return out


def interleave_adjoint(g, ph, pw, windows):
    """dL/dy from dL/d(out): each phase takes back its pixels (zero where a phase window gives no output)."""
    dy = g.new_zeros(g.shape[0], *windows, ph.s, pw.s, g.shape[-1])
    for rh in range(ph.s):
        for rw in range(pw.s):
            dy[:, ph.start[rh] : ph.start[rh] + ph.count[rh], pw.start[rw] : pw.start[rw] + pw.count[rw], rh, rw] = g[
                :, rh :: ph.s, rw :: pw.s
            ]
    return dy


class Upsampling(Module):
    """NearestUpsampling(scale_factor) followed by Conv2d(in, out, kernel_size, stride, padding, dilation, bias).

    `weight`, `bias` and their gradients are the convolution's. With stride 1 and
    dilation 1 it runs the sub-pixel decomposition above; otherwise the plain two steps.
    """

    param_names = ("weight", "bias")

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        scale_factor=2,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        device=None,
        dtype=None,
    ):
        self.upsample = NearestUpsampling(scale_factor)
        self.conv = Conv2d(
            in_channels, out_channels, kernel_size, stride, padding, dilation, bias=bias, device=device, dtype=dtype
        )
        self.scale_factor, self.stride = self.upsample.scale_factor, self.conv.stride
        self.subpixel = self.conv.stride == (1, 1) and self.conv.dilation == (1, 1)
        self.multiply_first = self.scale_factor[0] * self.scale_factor[1] * out_channels < in_channels

    # the parameters are the convolution's
    weight = property(lambda self: self.conv.weight, lambda self, v: setattr(self.conv, "weight", v))
    bias = property(lambda self: self.conv.bias, lambda self, v: setattr(self.conv, "bias", v))
    weight_grad = property(lambda self: self.conv.weight_grad, lambda self, v: setattr(self.conv, "weight_grad", v))
    bias_grad = property(lambda self: self.conv.bias_grad, lambda self, v: setattr(self.conv, "bias_grad", v))

    def forward(self, x):
        if not self.subpixel:
            return self.conv.forward(self.upsample.forward(x))
        check_input(x, self.conv.in_channels, "Upsampling")
        n, _, h, w = x.shape
        self.phases = tuple(
            Phases(s, k, p, size)
            for s, k, p, size in zip(self.scale_factor, self.conv.kernel_size, self.conv.pads, (h, w))
        )
        self.input_size = (h, w)
        return nchw(interleave(self.phase_forward(nhwc(x)), *self.phases))

    def backward(self, grad_output):
        if not self.subpixel:
            return self.upsample.backward(self.conv.backward(grad_output))
        if self.bias is not None:
            self.grad("bias").add_(grad_output.sum((0, 2, 3)))
        dy = interleave_adjoint(nhwc(grad_output), *self.phases, self.windows)
        return nchw(self.phase_backward(dy))

    def phase_forward(self, x):
        """All phase outputs y (N, Lh, Lw, sh, sw, out) of x (N×H×W×in): one convolution of the small image."""
        ph, pw = self.phases
        n, h, w, _ = x.shape
        self.mh, self.mw = ph.matrix(self.weight), pw.matrix(self.weight)
        self.wsub = subpixel_weight(self.weight, self.mh, self.mw)  # (sh·sw·out × th·tw·in)
        m = self.wsub.shape[0]
        self.windows = (h + sum(ph.pads) - ph.taps + 1, w + sum(pw.pads) - pw.taps + 1)
        if self.multiply_first:  # every pixel times every tap, then the shifted products summed
            self.x = x.reshape(n * h * w, -1)
            z = self.x.matmul(self.tap_matrix().t()).view(n, h, w, ph.taps, pw.taps, m)
            y = shifted_sum(z, (ph.pads, pw.pads), self.windows).view(-1, m)
        else:  # patches, then one product
            self.cols, _ = im2col(x, (ph.taps, pw.taps), (1, 1), (ph.pads, pw.pads), (1, 1))
            y = self.cols.matmul(self.wsub.t())
        if self.bias is not None:  # every phase has the same bias
            y += self.bias.repeat(ph.s * pw.s)
        return y.view(n, *self.windows, ph.s, pw.s, -1)

    def phase_backward(self, dy):
        """dL/dx (N×H×W×in) from dL/dy, adding dL/dweight; dy is (N, Lh, Lw, sh, sw, out)."""
        ph, pw = self.phases
        n, m = dy.shape[0], self.wsub.shape[0]
        if self.multiply_first:
            dz = shifted_sum_adjoint(
                dy.reshape(n, *self.windows, m), (ph.pads, pw.pads), self.input_size, (ph.taps, pw.taps)
            ).view(self.x.shape[0], -1)
            dtaps = dz.t().matmul(self.x)  # rows (th, tw, phase, out): back to W_sub's layout
            dwsub = dtaps.view(ph.taps, pw.taps, m, -1).permute(2, 0, 1, 3).reshape(self.wsub.shape)
            dx = dz.matmul(self.tap_matrix()).view(n, *self.input_size, -1)
        else:
            dy = dy.reshape(-1, m)
            dwsub = dy.t().matmul(self.cols)
            dx = col2im(dy.matmul(self.wsub), self.input_size, (ph.taps, pw.taps), (1, 1), (ph.pads, pw.pads), (1, 1))
        self.grad("weight").add_(subpixel_weight_grad(dwsub, self.mh, self.mw, self.weight.shape))
        return dx

    def tap_matrix(self):
        """W_sub regrouped by tap: rows (th, tw, phase, out), columns in."""
        ph, pw = self.phases
        m = self.wsub.shape[0]
        return self.wsub.view(m, ph.taps, pw.taps, -1).permute(1, 2, 0, 3).reshape(ph.taps * pw.taps * m, -1)

    def __repr__(self):
        c = self.conv
        return (
            f"Upsampling({c.in_channels}, {c.out_channels}, kernel_size={c.kernel_size}, "
            f"scale_factor={self.scale_factor}, stride={c.stride}, padding={c.padding}, "
            f"dilation={c.dilation}, bias={c.bias is not None})"
        )
