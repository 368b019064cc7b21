"""Self-ensembling: denoise the 8 rotated/flipped copies of an image and average them back.

The noise is independent per pixel and the photos have no preferred orientation,
so the 8 predictions are equally good but their errors only partly agree: the
mean is better than any one of them.
"""


def dihedral(x, k, flip):
    """x (N×C×H×W) rotated by k quarter turns, then mirrored left-right if flip."""
    x = x.rot90(k, (2, 3))
    return x.flip(3) if flip else x


def undo_dihedral(y, k, flip):
    """The inverse of `dihedral(·, k, flip)`."""
    y = y.flip(3) if flip else y
    return y.rot90(-k, (2, 3))


def self_ensemble(f, x):
    """mean over the 8 symmetries g of g⁻¹(f(g(x))), for an f that maps N×C×H×W to the same size."""
    total = None
    for k in range(4):
        for flip in (False, True):
            y = undo_dihedral(f(dihedral(x, k, flip)), k, flip)
            total = y if total is None else total + y
    return total / 8
