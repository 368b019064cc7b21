"""Patches in, patches out: the two data movements every convolution here is built on.

Layout ("channels last"): activations travel as N×C×H×W tensors whose memory is
N×H×W×C (a permuted view), so that a convolution is ONE matrix product with the
batch and pixels as rows and the channels as columns:

    cols[(n, oy, ox), (ky, kx, c)] = x_padded[n, sy·oy + dy·ky, sx·ox + dx·kx, c]
    y[(n, oy, ox), o]             = Σ_(ky, kx, c) cols[(n, oy, ox), (ky, kx, c)] · w[o, c, ky, kx]

`im2col` builds `cols`, `col2im` is its adjoint (the sum of every patch back into
the image), which is what the input gradient of a convolution needs.
"""


def pair(value, name="argument"):
    """(a, b) from an int or a pair of ints, as torch's convolution arguments accept."""
    if isinstance(value, int):
        return value, value
    value = tuple(value)
    if len(value) != 2 or not all(isinstance(v, int) for v in value):
        raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")
    return value


def nhwc(x):
    """The N×H×W×C view of an N×C×H×W tensor (rows of pixels after it cost no copy when memory is channels last)."""
    if x.dim() != 4:
        raise ValueError(f"expected a 4-D N×C×H×W tensor, got shape {tuple(x.shape)}")
    return x.permute(0, 2, 3, 1)


def nchw(x):
    """The N×C×H×W view of an N×H×W×C tensor."""
    return x.permute(0, 3, 1, 2)


def output_size(size, kernel, stride, padding, dilation):
    """Output length of a convolution along one axis (torch's formula); padding = (before, after)."""
    return (size + padding[0] + padding[1] - dilation * (kernel - 1) - 1) // stride + 1


def pad(x, padding):
    """x (N×H×W×C) with zero rows/columns added: padding = ((top, bottom), (left, right))."""
    (top, bottom), (left, right) = padding
    if top == bottom == left == right == 0:
        return x
    n, h, w, c = x.shape
    out = x.new_zeros(n, top + h + bottom, left + w + right, c)
    out[:, top : top + h, left : left + w] = x
    return out


def im2col(x, kernel, stride, padding, dilation):
    """cols (N·Ho·Wo × kh·kw·C) of x (N×H×W×C): one row per output pixel, its patch in (ky, kx, c) order.

    kernel, stride, dilation are (vertical, horizontal) pairs; padding is
    ((top, bottom), (left, right)). Returns (cols, (Ho, Wo)).
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    n, h, w, c = x.shape
    ho = output_size(h, kh, sh, padding[0], dh)
    wo = output_size(w, kw, sw, padding[1], dw)
    if ho <= 0 or wo <= 0:
        raise ValueError(
            f"input of size {h}×{w} is too small for kernel {kernel}, dilation {dilation}, padding {padding}"
        )
    xp = pad(x, padding)
    # Tensor.unfold gives every window as a view (N, Ho, Wo, C, span_h, span_w); dilation keeps every d-th tap.
    windows = xp.unfold(1, dh * (kh - 1) + 1, sh).unfold(2, dw * (kw - 1) + 1, sw)[..., ::dh, ::dw]
    cols = windows.permute(0, 1, 2, 4, 5, 3).reshape(n * ho * wo, kh * kw * c)  # the one copy
    return cols, (ho, wo)


def col2im(cols, size, kernel, stride, padding, dilation):
    """The adjoint of `im2col`: every row of cols added back at its patch's place.

    cols is (N·Ho·Wo × kh·kw·C), size the (H, W) of the image the patches came from.
    Returns an N×H×W×C tensor (entries in no patch are zero).
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    (top, bottom), (left, right) = padding
    h, w = size
    ho = output_size(h, kh, sh, padding[0], dh)
    wo = output_size(w, kw, sw, padding[1], dw)
    c = cols.shape[1] // (kh * kw)
    n = cols.shape[0] // (ho * wo)
    patches = cols.view(n, ho, wo, kh, kw, c)
    xp = cols.new_zeros(n, top + h + bottom, left + w + right, c)
    for ky in range(kh):
        for kx in range(kw):
            y0, x0 = ky * dh, kx * dw  # where tap (ky, kx) of output pixel (0, 0) reads
            xp[:, y0 : y0 + sh * (ho - 1) + 1 : sh, x0 : x0 + sw * (wo - 1) + 1 : sw] += patches[:, :, :, ky, kx]
    return xp[:, top : top + h, left : left + w]


def shifted_sum(z, padding, windows):
    """The multiply-first form of a stride-1 convolution: y[n, q] = Σ_t z[n, q - before + t, t].

    z is (N, H, W, Th, Tw, M): every input pixel times every tap's weight matrix.
    padding is ((top, bottom), (left, right)), windows the output size (Ho, Wo).
    Cheaper than im2col when M (outputs per tap) is smaller than C (inputs per tap).
    """
    n, h, w, th, tw, m = z.shape
    (top, _), (left, _) = padding
    y = z.new_zeros(n, windows[0], windows[1], m)
    for ty in range(th):
        for tx in range(tw):
            (q0, q1), (s0, s1) = _shift(top - ty, h, windows[0])
            (r0, r1), (u0, u1) = _shift(left - tx, w, windows[1])
            y[:, q0:q1, r0:r1] += z[:, s0:s1, u0:u1, ty, tx]
    return y


def shifted_sum_adjoint(dy, padding, size, taps):
    """dz (N, H, W, Th, Tw, M) from dy (N, Ho, Wo, M): the adjoint of `shifted_sum`.

    dz[n, p, t] = dy[n, p + before - t].
    """
    n, ho, wo, m = dy.shape
    (h, w), (th, tw) = size, taps
    (top, _), (left, _) = padding
    dz = dy.new_zeros(n, h, w, th, tw, m)
    for ty in range(th):
        for tx in range(tw):
            (q0, q1), (s0, s1) = _shift(top - ty, h, ho)
            (r0, r1), (u0, u1) = _shift(left - tx, w, wo)
            dz[:, s0:s1, u0:u1, ty, tx] = dy[:, q0:q1, r0:r1]
    return dz


def _shift(offset, source_length, target_length):
    """Ranges (target, source) with target = source + offset, both inside their lengths."""
    start, stop = max(0, offset), min(target_length, source_length + offset)
    return (start, stop), (start - offset, stop - offset)
