"""The denoiser: a small residual U-Net that works on 2×2 pixel blocks.

The image is first folded into 2×2 blocks (pixel unshuffle: 3×32×32 → 12×16×16), as
FFDNet does, so that the finest level costs a quarter of a full-resolution one; a
U-Net with three levels (16×16, 8×8, 4×4) and skip connections then estimates the
noise, which is subtracted from the input (residual learning: the network only has
to model the noise, and an untrained network already returns its input). Every
size that is a multiple of 8 works; Model.predict pads other sizes.
"""

import torch
from torch import nn
from torch.nn import functional as F


def conv_block(c_in, c_out, n):
    """n 3×3 convolutions with LeakyReLU, c_in → c_out → ... → c_out."""
    layers = []
    for i in range(n):
        layers += [nn.Conv2d(c_in if i == 0 else c_out, c_out, 3, padding=1), nn.LeakyReLU(0.1, inplace=True)]
    return nn.Sequential(*layers)


class UNet(nn.Module):
    """Residual U-Net on 2×2-folded images: N×3×H×W in [0, 1] → N×3×H×W (H, W multiples of `multiple`)."""

    multiple = 8  # one fold and two stride-2 stages

    def __init__(self, widths=(48, 64, 80), convs=2):
        super().__init__()
        c1, c2, c3 = widths
        self.enc1 = conv_block(12, c1, convs)
        self.down1 = nn.Sequential(nn.Conv2d(c1, c2, 2, stride=2), nn.LeakyReLU(0.1, inplace=True))
        self.enc2 = conv_block(c2, c2, convs)
        self.down2 = nn.Sequential(nn.Conv2d(c2, c3, 2, stride=2), nn.LeakyReLU(0.1, inplace=True))
        self.bottom = conv_block(c3, c3, convs)
        self.up2 = nn.Sequential(nn.ConvTranspose2d(c3, c2, 2, stride=2), nn.LeakyReLU(0.1, inplace=True))
        self.dec2 = conv_block(2 * c2, c2, convs)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(c2, c1, 2, stride=2), nn.LeakyReLU(0.1, inplace=True))
        self.dec1 = conv_block(2 * c1, c1, convs)
        self.noise = nn.Conv2d(c1, 12, 1)

    def forward(self, x):
        e1 = self.enc1(F.pixel_unshuffle(x, 2))
        e2 = self.enc2(self.down1(e1))
        b = self.bottom(self.down2(e2))
        d2 = self.dec2(torch.cat([self.up2(b), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return x - F.pixel_shuffle(self.noise(d1), 2)
