"""Forbidden means: torch.nn.functional, torch.nn modules, numpy, autograd."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B, M, CONV_OUT, CONV_WEIGHT_GRAD

TEAMS: list[Team] = [
    Team(
        name="team_functional_conv2d",
        summary="Conv2d.forward calls torch.nn.functional.conv2d (the backward pass is hand-written)",
        folder="Proj_310422_299871",
        edits=[
            (B, "from torch.nn.functional import fold, unfold\n",
             "import torch.nn.functional as F\nfrom torch.nn.functional import fold, unfold\n"),
            (B, CONV_OUT, "        # conv2d is much faster than our matmul; backward still uses our unfold\n"
                          "        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding)\n"),
        ],
        # right numbers through a forbidden call earn nothing: the block's and the model's checks say why
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail", "blocks.Conv2d.forward": "fail",
                "blocks.Conv2d.backward_weight": "fail", "model.pretrained_psnr": "fail", "blocks.ReLU.forward": "pass"},
        contains={"rules.static_imports": "conv2d", "rules.runtime_forbidden": "conv2d",
                  "blocks.Conv2d.forward": "no credit", "model.pretrained_psnr": "no credit"},
        exit_code=1,
    ),
    Team(
        name="team_wrapped_nn_module",
        summary="Conv2d wraps torch.nn.Conv2d and calls it in forward",
        folder="Proj_255610_287004",
        edits=[
            (B, "import math\n\n", "import math\n\nimport torch\n\n"),
            (B, "        self.weight = empty(out_channels, in_channels, kh, kw, device=device).uniform_(-bound, bound)\n",
             "        self.conv = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride=stride, padding=padding,\n"
             "                                    device=device)\n"
             "        self.weight = self.conv.weight.data  # shares memory with the torch module\n"),
            (B, "        self.bias = empty(out_channels, device=device).uniform_(-bound, bound)\n",
             "        self.bias = self.conv.bias.data\n"),
            (B, CONV_OUT, "        return self.conv(x)\n"),
        ],
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail"},
        contains={"rules.static_imports": "torch.nn.Conv2d", "rules.runtime_forbidden": "Conv2d"},
        exit_code=1,
    ),
    Team(
        name="team_numpy",
        summary="imports numpy to shuffle the training pairs",
        folder="Proj_276530_260118",
        edits=[
            (M, "import torch\n", "import numpy as np\nimport torch\n"),
            (M, "            order = empty(n).uniform_().argsort()\n", "            order = np.random.permutation(n)\n"),
        ],
        expect={"rules.static_imports": "fail", "blocks.Conv2d.forward": "pass", "model.train_time": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"rules.static_imports": "numpy"},
        exit_code=1,
    ),
    Team(
        name="team_autograd_backward",
        summary="Conv2d.backward switches autograd on and lets torch compute the gradients",
        folder="Proj_298812_301776",
        edits=[
            (B, "import math\n\n", "import math\n\nimport torch\n\n"),
            (B, "        self.input_size = (h, w)\n", "        self.input_size = (h, w)\n        self.x = x\n"),
            (B, "    def backward(self, gradwrtoutput):\n"
                "        n = gradwrtoutput.shape[0]\n"
                "        grad = gradwrtoutput.reshape(n, self.out_channels, -1)\n" + CONV_WEIGHT_GRAD +
                "        grad_cols = self.weight.view(self.out_channels, -1).t().matmul(grad)\n"
                "        return fold(grad_cols, self.input_size, self.kernel_size, padding=self.padding, "
                "stride=self.stride)\n",
                "    def backward(self, gradwrtoutput):\n"
                "        # recompute the forward pass with autograd on and let torch do the chain rule\n"
                "        with torch.enable_grad():\n"
                "            x = self.x.detach().requires_grad_()\n"
                "            w = self.weight.detach().requires_grad_()\n"
                "            b = self.bias.detach().requires_grad_()\n"
                "            cols = unfold(x, self.kernel_size, padding=self.padding, stride=self.stride)\n"
                "            out = w.view(self.out_channels, -1).matmul(cols) + b.view(1, -1, 1)\n"
                "            out.backward(gradwrtoutput.reshape(out.shape))\n"
                "        self.weight_grad += w.grad\n"
                "        if self.use_bias:\n"
                "            self.bias_grad += b.grad\n"
                "        return x.grad\n"),
        ],
        # forward is honest; every gradient came from autograd, so the gradient checks earn nothing
        expect={"rules.autograd": "fail", "blocks.Conv2d.backward_weight": "fail", "blocks.Conv2d.forward": "pass"},
        contains={"blocks.Conv2d.backward_weight": "no credit"},
        exit_code=1,
    ),
    # -------------------------------------------------------------- maths that only some configurations reveal
]
