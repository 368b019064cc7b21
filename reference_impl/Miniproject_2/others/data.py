"""Training batches: a fresh random order every epoch, and the symmetries the data allows.

Randomness comes from torch's global generator through tensor methods, so
`torch.manual_seed` (set by whoever starts the training) fixes every batch.
"""

from torch import empty


def shuffled_batches(noisy_a, noisy_b, batch_size, device):
    """One epoch of (input, target) pairs, float32 in [0, 1] on `device`, batches of `batch_size` (last one smaller).

    noisy_a, noisy_b: N×C×H×W, values 0-255 (uint8 or float), two noisy copies of the same images.
    Per batch, two augmentations that keep the pair a valid Noise2Noise pair:
    - the copies swap roles half the time (both are noisy, so either can be the target);
    - one of the 8 symmetries of the square (flips and, for square images, a transpose):
      photos have no preferred orientation.
    """
    n = noisy_a.shape[0]
    order = empty(n, device=noisy_a.device).uniform_().argsort()
    square = noisy_a.shape[2] == noisy_a.shape[3]
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        swap, flip_v, flip_h, transpose = empty(4).uniform_().lt(0.5).tolist()
        x, y = (noisy_b, noisy_a) if swap else (noisy_a, noisy_b)
        x, y = x[index].to(device).float().div_(255), y[index].to(device).float().div_(255)
        dims = [d for d, flip in ((2, flip_v), (3, flip_h)) if flip]
        if dims:
            x, y = x.flip(dims), y.flip(dims)
        if transpose and square:
            x, y = x.transpose(2, 3), y.transpose(2, 3)
        yield x, y
