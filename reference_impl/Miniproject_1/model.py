"""EE-559 mini-project 1, reference solution: a Noise2Noise denoiser in PyTorch.

A residual U-Net (others/network.py) trained on pairs of noisy images with an MSE loss,
Adam and a warm-up / hold / cosine learning-rate schedule; predict averages the 8
orientations of each image (others/augment.py). PyTorch and the standard library only.
"""

import math
import time
from pathlib import Path

import torch
from torch.nn import functional as F

try:  # imported as a package (Miniproject_1.model) ...
    from .others.augment import batches, ensemble
    from .others.network import UNet
except ImportError:  # ... or as a top-level module, with Miniproject_1/ on sys.path
    from others.augment import batches, ensemble
    from others.network import UNet

CHECKPOINT = Path(__file__).parent / "bestmodel.pth"


def check_images(x, name):
    """A clear error unless x is an N×3×H×W tensor."""
    if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != 3:
        raise ValueError(f"{name}: expected an N×3×H×W tensor of 0-255 values, got {getattr(x, 'shape', type(x))}")


class Model:
    """The Noise2Noise denoiser: 0-255 images in (uint8 or float), 0-255 float32 images out."""

    def __init__(self):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        # channels-last memory: oneDNN's fastest layout for these convolutions on CPU (13 % per step here)
        self.net = UNet().to(self.device, memory_format=torch.channels_last)
        self.batch_size = 100
        self.lr = 1e-3  # the schedule's peak (2e-3 diverged after 6 epochs of 50,000 pairs)
        self.clip = 1.0  # gradient norm cap: one bad batch cannot throw Adam's weights far
        self.warmup = 0.03  # fraction of the steps spent warming up to it
        self.decay = 0.4  # fraction of the steps, at the end, spent decaying to zero along a half cosine
        self.self_ensemble = True  # predict averages the predictions of the 8 orientations

    def load_pretrained_model(self):
        """Loads bestmodel.pth (next to this file) on this machine's device, GPU or not."""
        self.net.load_state_dict(torch.load(CHECKPOINT, map_location=self.device, weights_only=True))

    def save_model(self, path=CHECKPOINT):
        """Saves the weights as a plain dict of CPU tensors (readable with weights_only=True)."""
        torch.save({k: v.detach().cpu().clone() for k, v in self.net.state_dict().items()}, path)

    def learning_rate(self, step, total):
        """Multiplier of the peak rate at `step` of `total`: linear warm-up, hold, half-cosine decay to zero."""
        warmup, decay_start = max(1, int(self.warmup * total)), int((1 - self.decay) * total)
        if step < warmup:
            return (step + 1) / warmup
        if step < decay_start:
            return 1.0
        return 0.5 * (1 + math.cos(math.pi * min(1.0, (step - decay_start) / max(1, total - decay_start))))

    def train(self, train_input, train_target, num_epochs, *, on_epoch=None):
        """Trains on pairs of noisy images (N×3×H×W, 0-255, uint8 or float) for num_epochs epochs.

        The schedule spans this call's epochs. on_epoch(epoch, seconds, mean_loss), if given,
        is called after each epoch (for logging).
        """
        check_images(train_input, "train_input")
        check_images(train_target, "train_target")
        if train_input.shape != train_target.shape or train_input.shape[0] == 0:
            raise ValueError(
                f"train_input {tuple(train_input.shape)} and train_target "
                f"{tuple(train_target.shape)} must have the same, non-empty shape"
            )
        total = num_epochs * math.ceil(train_input.shape[0] / self.batch_size)
        optimizer = torch.optim.Adam(self.net.parameters(), lr=self.lr)
        schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: self.learning_rate(step, total))
        self.net.train()
        with torch.enable_grad():
            for epoch in range(num_epochs):
                start, loss_sum, steps = time.perf_counter(), 0.0, 0
                for x, y in batches(train_input, train_target, self.batch_size, self.device):
                    loss = F.mse_loss(self.net(x.contiguous(memory_format=torch.channels_last)), y)
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_(self.net.parameters(), self.clip)
                    optimizer.step()
                    schedule.step()
                    loss_sum, steps = loss_sum + loss.detach(), steps + 1
                if on_epoch is not None:
                    on_epoch(epoch, time.perf_counter() - start, float(loss_sum) / steps)
        self.net.eval()

    def predict(self, test_input):
        """Denoised images: N×3×H×W float32 in [0, 255] on the input's device, for any H, W ≥ 1.

        Sizes are padded up to a multiple of 8 (edge pixels repeated) and cropped back.
        The input tensor is never modified.
        """
        check_images(test_input, "test_input")
        n, _, h, w = test_input.shape
        if min(n, h, w) == 0:
            return torch.zeros(test_input.shape, dtype=torch.float32, device=test_input.device)
        m = self.net.multiple
        pad = (0, -w % m, 0, -h % m)
        chunk = max(1, 2**18 // ((h + pad[3]) * (w + pad[1])))  # ~256 32×32 images per pass: bounds memory
        self.net.eval()
        out = []
        with torch.no_grad():
            for i in range(0, n, chunk):
                x = test_input[i : i + chunk].to(self.device, torch.float32) / 255  # a new tensor
                x = F.pad(x, pad, mode="replicate") if any(pad) else x
                y = ensemble(self.net, x) if self.self_ensemble else self.net(x)
                out.append(y[:, :, :h, :w].clamp(0, 1).mul(255))
        return torch.cat(out).to(test_input.device)
