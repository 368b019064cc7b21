"""Good submissions: team_x (the README's first example) and the TransposeConv2d variant."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B, M, PREDICT, IMPORTS

TRANSPOSE_CONV = '''

class TransposeConv2d(Module):
    """Transposed convolution: every input pixel spreads a weighted kernel; computed as matmul + fold."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, device=None):
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        kh, kw = self.kernel_size
        # torch's ConvTranspose2d takes fan_in from the weight's second dimension
        bound = 1 / math.sqrt(out_channels * kh * kw)
        self.weight = empty(in_channels, out_channels, kh, kw, device=device).uniform_(-bound, bound)
        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)
        self.weight_grad = empty(self.weight.shape, device=device).zero_()
        self.bias_grad = empty(out_channels, device=device).zero_()

    def forward(self, x):
        n, _, h, w = x.shape
        kh, kw = self.kernel_size
        self.x = x
        h_out = (h - 1) * self.stride[0] - 2 * self.padding[0] + kh
        w_out = (w - 1) * self.stride[1] - 2 * self.padding[1] + kw
        cols = self.weight.view(self.in_channels, -1).t().matmul(x.reshape(n, self.in_channels, h * w))
        out = fold(cols, (h_out, w_out), self.kernel_size, padding=self.padding, stride=self.stride)
        return out + self.bias.view(1, -1, 1, 1)

    def backward(self, gradwrtoutput):
        n, _, h, w = self.x.shape
        grad_cols = unfold(gradwrtoutput, self.kernel_size, padding=self.padding, stride=self.stride)
        x = self.x.reshape(n, self.in_channels, h * w)
        self.weight_grad += x.matmul(grad_cols.transpose(1, 2)).sum(0).view(self.weight.shape)
        self.bias_grad += gradwrtoutput.sum((0, 2, 3))
        grad_x = self.weight.view(self.in_channels, -1).matmul(grad_cols)
        return grad_x.view(n, self.in_channels, h, w)

    def param(self):
        return [(self.weight, self.weight_grad), (self.bias, self.bias_grad)]
'''

NEAREST_BLOCK_START = "\n\nclass NearestUpsampling(Module):\n"

NEAREST_BLOCK_END = "        return self.conv.param()\n"

TRANSPOSE_PREDICT = '''        x = test_input.to(self.device).float() / 255
        h, w = x.shape[2], x.shape[3]
        # the two stride-2 convolutions need sizes that are multiples of 4: repeat the last row/column
        while x.shape[2] % 4:
            x = cat([x, x[:, :, -1:]], dim=2)
        while x.shape[3] % 4:
            x = cat([x, x[:, :, :, -1:]], dim=3)
        y = self.net.forward(x)[:, :, :h, :w]
        return (y * 255).to(test_input.device)
'''

TEAMS: list[Team] = [
    Team(
        name="team_x",
        summary="a good submission with a weaker model than the reference; no report; predict only on sizes "
                "divisible by 4",
        details="Correct blocks (Conv2d without dilation, which is optional), plain SGD with momentum, 24 channels "
                "trained for a few epochs on 20,000 pairs. Loses the report's half point only; the pretrained "
                "PSNR gains less than the reference's.",
        checkpoint="train", train_from="nearest", report=False,
        expect={"structure.report": "warn", "blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.tuple_kernel": "pass", "blocks.Conv2d.dilation": "warn",
                "blocks.NearestUpsampling.backward_input": "pass", "blocks.TransposeConv2d.forward": "skipped",
                "blocks.MSE.backward": "pass", "blocks.SGD.step": "pass", "blocks.SGD.momentum": "pass",
                "blocks.Sequential.param": "pass", "model.architecture": "pass", "model.load_pretrained": "pass",
                "model.pretrained_psnr": "pass", "model.predict_other_size": "fail", "model.train_time": "pass",
                "rules.static_imports": "pass", "rules.runtime_forbidden": "pass", "rules.autograd": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_transpose_conv",
        summary="correct, upsamples with TransposeConv2d (matmul + fold) instead of nearest upsampling",
        folder="Proj_287341_301955",
        checkpoint="train", train_from="transpose",
        edits=[
            (B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, TRANSPOSE_CONV)),
            (M, "from torch import empty\n", "from torch import cat, empty\n"),
            (M, IMPORTS, IMPORTS.replace("NearestUpsampling", "TransposeConv2d")),
            (M, "            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n",
                "            TransposeConv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
                "            TransposeConv2d(c, 3, 4, stride=2, padding=1, device=self.device), Sigmoid(),\n"),
            (M, PREDICT, TRANSPOSE_PREDICT),
        ],
        expect={"blocks.TransposeConv2d.name": "pass", "blocks.TransposeConv2d.forward": "pass",
                "blocks.TransposeConv2d.backward_input": "pass", "blocks.TransposeConv2d.backward_weight": "pass",
                "blocks.TransposeConv2d.backward_bias": "pass", "blocks.TransposeConv2d.accumulate": "pass",
                "blocks.TransposeConv2d.param": "pass", "blocks.TransposeConv2d.init": "pass",
                "blocks.TransposeConv2d.padding": "pass", "blocks.TransposeConv2d.tuple_kernel": "pass",
                "blocks.NearestUpsampling.forward": "skipped", "model.architecture": "pass",
                "model.pretrained_psnr": "pass", "model.predict_other_size": "pass", "model.train_time": "pass",
                "structure.report": "pass", "rules.static_imports": "pass"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- forbidden operations
]
