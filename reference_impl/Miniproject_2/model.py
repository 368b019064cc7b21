"""EE-559 mini-project 2, reference solution: a Noise2Noise denoiser from hand-written blocks.

Blocks (see others/): Conv2d, TransposeConv2d, NearestUpsampling, Upsampling, ReLU,
Sigmoid, MSE, SGD, Adam, Sequential. Only `empty`, tensor methods and the standard
library do the maths; torch itself is used for load/save, the device and the grad mode.
"""

import math
import time
from pathlib import Path

import torch
from torch import arange, cat

try:  # imported as a package (Miniproject_2.model) ...
    from .others.activation import ReLU, Sigmoid
    from .others.container import Sequential
    from .others.conv import Conv2d, TransposeConv2d
    from .others.data import shuffled_batches
    from .others.loss import MSE
    from .others.module import Module
    from .others.optim import SGD, Adam
    from .others.schedule import learning_rate
    from .others.symmetry import self_ensemble
    from .others.upsampling import NearestUpsampling, Upsampling
except ImportError:  # ... or as a top-level module, with Miniproject_2/ on sys.path (`from model import Conv2d`)
    from others.activation import ReLU, Sigmoid
    from others.container import Sequential
    from others.conv import Conv2d, TransposeConv2d
    from others.data import shuffled_batches
    from others.loss import MSE
    from others.module import Module
    from others.optim import SGD, Adam
    from others.schedule import learning_rate
    from others.symmetry import self_ensemble
    from others.upsampling import NearestUpsampling, Upsampling

__all__ = [
    "Model",
    "Module",
    "Conv2d",
    "TransposeConv2d",
    "NearestUpsampling",
    "Upsampling",
    "ReLU",
    "Sigmoid",
    "MSE",
    "SGD",
    "Adam",
    "Sequential",
]

CHECKPOINT = Path(__file__).parent / "bestmodel.pth"


def denoiser(channels=64, device=None):
    """The required architecture: Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU, Upsampling, Sigmoid.

    32×32 → 16×16 → 8×8 → 16×16 → 32×32. The encoder's 2×2 stride-2 kernels cut the image
    into disjoint patches (as cheap as a reshape); the decoder's 5×5 kernels on the
    upsampled images give each output pixel a wide context, which the denoising needs.
    """
    c = channels
    return Sequential(
        Conv2d(3, c, kernel_size=2, stride=2, device=device),
        ReLU(),
        Conv2d(c, c, kernel_size=2, stride=2, device=device),
        ReLU(),
        Upsampling(c, c, kernel_size=5, scale_factor=2, padding=2, device=device),
        ReLU(),
        Upsampling(c, 3, kernel_size=5, scale_factor=2, padding=2, device=device),
        Sigmoid(),
    )


def check_images(x, name):
    """A clear error unless x is an N×3×H×W tensor."""
    if not hasattr(x, "dim") or x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"{name}: expected an N×3×H×W tensor of 0-255 values, got {getattr(x, 'shape', type(x))}")


class Model:
    """The Noise2Noise denoiser: 0-255 images in, 0-255 float32 images out."""

    multiple = 4  # two stride-2 stages: sizes are padded up to a multiple of 4 inside predict

    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.net = denoiser(device=self.device)
        self.loss = MSE()
        self.batch_size = 100
        self.lr = 8e-3  # the schedule's peak
        self.warmup = 0.03  # fraction of the steps spent warming up to it
        self.decay = 0.3  # fraction of the steps, at the end, spent decaying to zero
        self.self_ensemble = True  # predict averages the 8 rotated/flipped predictions
        self.optimizer = Adam(self.net.param(), lr=self.lr)

    def load_pretrained_model(self):
        """Loads bestmodel.pth (next to this file) into the network, on this machine's device."""
        state = torch.load(CHECKPOINT, map_location=self.device, weights_only=True)
        self.net.load_state_dict(state)

    def save_model(self, path=CHECKPOINT):
        """Saves the weights as a plain dict of CPU float32 tensors (readable with weights_only=True)."""
        torch.save({k: v.detach().to("cpu").float().clone() for k, v in self.net.state_dict().items()}, path)

    def train(self, train_input, train_target, num_epochs, *, on_epoch=None):
        """Trains on pairs of noisy images (N×3×H×W, 0-255) for num_epochs epochs.

        The learning rate warms up, holds, then decays to zero over this call's epochs.
        on_epoch(epoch, seconds, mean_loss), if given, is called after each epoch.
        """
        check_images(train_input, "train_input")
        check_images(train_target, "train_target")
        if train_input.shape != train_target.shape or train_input.shape[0] == 0:
            raise ValueError(
                f"train_input {tuple(train_input.shape)} and train_target "
                f"{tuple(train_target.shape)} must have the same, non-empty shape"
            )
        a, b = train_input.to(self.device), train_target.to(self.device)  # read only: batches are new tensors
        total, warmup, decay_start = self.schedule_steps(a.shape[0], num_epochs)
        step = 0
        with torch.set_grad_enabled(False):  # restores the caller's mode on exit
            for epoch in range(num_epochs):
                start, loss_sum, batches = time.perf_counter(), 0.0, 0
                for x, y in shuffled_batches(a, b, self.batch_size, self.device):
                    self.optimizer.lr = learning_rate(step, total, self.lr, warmup, decay_start)
                    self.optimizer.zero_grad()
                    loss = self.loss.forward(self.net.forward(x), y)
                    self.net.backward(self.loss.backward())
                    self.optimizer.step()
                    loss_sum, batches, step = loss_sum + loss, batches + 1, step + 1
                if on_epoch is not None:
                    on_epoch(epoch, time.perf_counter() - start, float(loss_sum) / batches)

    def schedule_steps(self, pairs, num_epochs):
        """(total steps, warm-up steps, first decay step) of the learning-rate schedule of one train() call."""
        total = num_epochs * math.ceil(pairs / self.batch_size)
        return total, max(1, int(self.warmup * total)), int((1 - self.decay) * total)

    def predict(self, test_input):
        """Denoised images: N×3×H×W float32 in [0, 255] on the input's device, for any H, W ≥ 1.

        With `self_ensemble` (the default) each image is denoised in its 8 orientations
        and the results are averaged (see others/symmetry.py).
        """
        check_images(test_input, "test_input")
        n, _, h, w = test_input.shape
        if min(n, h, w) == 0:
            return test_input.new_zeros(test_input.shape).float()
        m = self.multiple
        # Pad H and W up to a multiple of 4 by repeating the last row/column, and crop back after.
        rows = arange(math.ceil(h / m) * m, device=self.device).clamp(max=h - 1)
        cols = arange(math.ceil(w / m) * m, device=self.device).clamp(max=w - 1)
        chunk = max(1, 2**18 // (rows.numel() * cols.numel()))  # ~256 32×32 images: bounds the memory of a pass
        out = []
        with torch.set_grad_enabled(False):
            for i in range(0, n, chunk):
                x = test_input[i : i + chunk].to(self.device).float().div(255)  # a new tensor: the input is untouched
                x = x[:, :, rows][:, :, :, cols]
                y = self_ensemble(self.net.forward, x) if self.self_ensemble else self.net.forward(x)
                out.append(y[:, :, :h, :w].mul(255))
        return cat(out).to(test_input.device).contiguous()
