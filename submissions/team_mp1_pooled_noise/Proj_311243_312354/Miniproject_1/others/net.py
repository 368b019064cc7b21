"""A small residual denoiser: a few 3x3 convolutions that predict the noise to subtract."""

from torch import nn


class Denoiser(nn.Module):
    def __init__(self, channels=32, depth=4):
        super().__init__()
        layers = [nn.Conv2d(3, channels, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        last = nn.Conv2d(channels, 3, 3, padding=1)
        nn.init.zeros_(last.weight)  # no noise predicted at first: the untrained network returns its input
        nn.init.zeros_(last.bias)
        self.body = nn.Sequential(*layers, last)

    def forward(self, x):
        # one noise estimate per 2x2 block, spread back over its four pixels
        blocks = nn.functional.avg_pool2d(self.body(x), 2)
        return x - nn.functional.interpolate(blocks, scale_factor=2, mode="nearest")
