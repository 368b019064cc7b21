"""Noise2Noise training batches and the test-time ensemble, both built on the 8 symmetries of the square.

Photos have no preferred orientation and the noise is independent per pixel, so a
rotated or mirrored pair is as valid a training pair as the original, and the 8
orientations of a test image give 8 equally good predictions whose errors partly
cancel when averaged.
"""

import torch


def orient(x, k, mirror):
    """x (N×C×H×W) turned by k quarter turns, then mirrored left-right if `mirror`."""
    x = torch.rot90(x, k, dims=(2, 3))
    return torch.flip(x, dims=(3,)) if mirror else x


def unorient(x, k, mirror):
    """The inverse of orient(·, k, mirror)."""
    x = torch.flip(x, dims=(3,)) if mirror else x
    return torch.rot90(x, -k, dims=(2, 3))


def batches(noisy_a, noisy_b, batch_size, device):
    """One epoch of (input, target) float32 batches in [0, 1] on `device`, in a fresh random order.

    The last batch holds the remainder. Each batch is turned to one random orientation
    (of 8 for square images, of 4 otherwise), and the two noisy copies
    swap roles half the time (either one can be the target). Randomness comes from
    torch's global generator, so torch.manual_seed fixes the whole epoch.
    """
    n = noisy_a.shape[0]
    order = torch.randperm(n)
    square = noisy_a.shape[2] == noisy_a.shape[3]
    for start in range(0, n, batch_size):
        index = order[start : start + batch_size]
        k = int(torch.randint(4, ())) if square else 2 * int(torch.randint(2, ()))  # 90° turns need H = W
        mirror, swap = torch.rand(2).lt(0.5).tolist()
        x, y = (noisy_b, noisy_a) if swap else (noisy_a, noisy_b)
        x = x[index.to(x.device)].to(device, torch.float32) / 255
        y = y[index.to(y.device)].to(device, torch.float32) / 255
        yield orient(x, k, mirror), orient(y, k, mirror)


def ensemble(f, x):
    """The mean over the 8 orientations g of g⁻¹(f(g(x))), for f mapping N×C×H×W to the same shape."""
    return torch.stack([unorient(f(orient(x, k, m)), k, m) for k in range(4) for m in (False, True)]).mean(0)
