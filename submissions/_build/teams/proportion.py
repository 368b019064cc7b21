"""Grading in proportion: a slip is charged once, where it is, and code that works keeps its credit.

Each team is correct apart from one slip that the grader used to charge far
beyond its weight (issue 9 item 6 and 8, issue 14 items 3 and 4): a forbidden
spelling of a helper call (charged by the rules checks, the numbers still
count), grad mode switched on without any graph, an importlib or a syntax
error in a file model.py never imports, one crash that stops several checks.
"""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B, M, PREDICT

CONV_GRAD_BUFFERS = (
    "        self.weight_grad = empty(self.weight.shape, device=device).zero_()\n",
    "        self.bias_grad = empty(out_channels, device=device).zero_()\n",
)

TEAMS: list[Team] = [
    Team(
        name="team_zeros_in_init",
        summary="Conv2d allocates its gradient buffers with torch.zeros in __init__; every block is right",
        folder="Proj_301455_288120",
        edits=[
            (B, "from torch import empty\n", "from torch import empty, zeros\n"),
            (B, CONV_GRAD_BUFFERS[0], "        self.weight_grad = zeros(self.weight.shape, device=device)\n"),
            (B, CONV_GRAD_BUFFERS[1], "        self.bias_grad = zeros(out_channels, device=device)\n"),
        ],
        # torch.zeros only allocates: the rules checks charge it (with file:line), the numbers still count
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail", "blocks.Conv2d.forward": "pass",
                "blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.accumulate": "pass",
                "blocks.NearestUpsampling.forward": "pass", "model.pretrained_psnr": "pass",
                "model.train_time": "pass"},
        contains={"rules.static_imports": "torch.zeros (others/blocks.py:",
                  "rules.runtime_forbidden": "Conv2d.__init__ called torch.zeros"},
        exit_code=1, score_min=80,
    ),
    Team(
        name="team_exp_sigmoid",
        summary="Sigmoid.forward calls torch.exp(-x) (the tensor method (-x).exp() is the allowed spelling)",
        folder="Proj_302671_289334",
        edits=[
            (B, "from torch import empty\n", "from torch import empty, exp\n"),
            (B, "        self.out = 1 / (1 + (-x).exp())\n", "        self.out = 1 / (1 + exp(-x))\n"),
        ],
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail", "blocks.Sigmoid.forward": "pass",
                "blocks.Sigmoid.backward": "pass", "model.pretrained_psnr": "pass"},
        contains={"rules.static_imports": "torch.exp", "rules.runtime_forbidden": "Sigmoid.forward called torch.exp"},
        exit_code=1, score_min=80,
    ),
    Team(
        name="team_imported_repeat_interleave",
        summary="the upsampling imports repeat_interleave from torch instead of calling the tensor method",
        folder="Proj_303887_290548",
        edits=[
            (B, "from torch import empty\n", "from torch import empty, repeat_interleave\n"),
            (B, "        return self.conv.forward(x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3))\n",
             "        return self.conv.forward(repeat_interleave(repeat_interleave(x, s, dim=2), s, dim=3))\n"),
        ],
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail",
                "blocks.NearestUpsampling.forward": "pass", "blocks.NearestUpsampling.backward_input": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"rules.static_imports": "repeat_interleave",
                  "rules.runtime_forbidden": "called torch.repeat_interleave"},
        exit_code=1, score_min=80,
    ),
    Team(
        name="team_einsum_matmul",
        summary="Conv2d.forward multiplies the weights and the unfolded input with torch.einsum",
        folder="Proj_304103_291762",
        edits=[
            (B, "from torch import empty\n", "from torch import einsum, empty\n"),
            (B, "        out = self.weight.view(self.out_channels, -1).matmul(self.cols) + self.bias.view(1, -1, 1)\n",
             "        out = einsum(\"ok,nkl->nol\", self.weight.view(self.out_channels, -1), self.cols)"
             " + self.bias.view(1, -1, 1)\n"),
        ],
        # einsum stands in for a matrix product the student wrote around it: not the convolution itself
        expect={"rules.static_imports": "fail", "rules.runtime_forbidden": "fail", "blocks.Conv2d.forward": "pass",
                "blocks.Conv2d.stride": "pass", "model.pretrained_psnr": "pass"},
        contains={"rules.runtime_forbidden": "Conv2d.forward called torch.einsum"},
        exit_code=1, score_min=80,
    ),
    Team(
        name="team_grad_mode_no_graph",
        summary="predict switches grad mode back on before returning; no tensor ever requires grad",
        folder="Proj_305319_292976",
        edits=[(M, PREDICT, PREDICT.replace("        return (", "        out = (")
                + "        torch.set_grad_enabled(True)  # leave autograd as the caller had it\n"
                + "        return out\n")],
        # autograd computed nothing: a warning (issue 9 item 6c), the PSNR stands
        expect={"rules.autograd": "warn", "rules.autograd_static": "warn", "model.pretrained_psnr": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"rules.autograd": "no graph was built"},
        exit_code=0, score_min=90,
    ),
    Team(
        name="team_importlib_scratch",
        summary="a scratch script beside the blocks imports modules by computed names and compares with torch.nn",
        folder="Proj_306535_294190",
        files={
            "others/compare_with_torch.py": (
                "\"\"\"Our blocks against torch.nn, run by hand while developing (not part of the model).\"\"\"\n\n"
                "import importlib\n\nimport torch\n\n\n"
                "def load(name):\n"
                "    return importlib.import_module(f\"others.{name}\")\n\n\n"
                "def compare_conv():\n"
                "    ours = load(\"blocks\").Conv2d(3, 4, 3)\n"
                "    ref = torch.nn.Conv2d(3, 4, 3)\n"
                "    ref.weight.data.copy_(ours.weight)\n"
                "    ref.bias.data.copy_(ours.bias)\n"
                "    x = torch.randn(2, 3, 8, 8)\n"
                "    return (ours.forward(x) - ref(x)).abs().max()\n"
            ),
        },
        # the computed import is in a file model.py never imports: it cannot make that file's torch.nn run
        expect={"rules.static_imports": "warn", "rules.risky_code": "warn", "blocks.Conv2d.forward": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"rules.static_imports": "not imported by model.py"},
        exit_code=0, score_min=90,
    ),
    Team(
        name="team_scratch_syntax_error",
        summary="an unfinished notes file beside the blocks does not parse; model.py never imports it",
        folder="Proj_307751_295404",
        files={"others/notes.py": "# ideas for a faster backward\ndef backward_faster(self, grad)\n    pass\n"},
        expect={"rules.syntax": "warn", "rules.static_imports": "pass", "structure.import": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"rules.syntax": "not imported by model.py", "rules.static_imports": "not checked: others/notes.py"},
        exit_code=0, score_min=90,
    ),
    Team(
        name="team_backward_square_only",
        summary="Conv2d.backward folds the gradient back to a square image: it crashes on non-square inputs",
        folder="Proj_308967_296618",
        edits=[(B, "        return fold(grad_cols, self.input_size, self.kernel_size, padding=self.padding, "
                   "stride=self.stride)\n",
                "        side = self.input_size[0]  # our images are square\n"
                "        return fold(grad_cols, (side, side), self.kernel_size, padding=self.padding, "
                "stride=self.stride)\n")],
        # one crash, one failed check per block; the parameter gradients the same backward computes are graded
        # on a square input (right there: they keep their points)
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_input": "fail",
                "blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "pass", "blocks.NearestUpsampling.backward_input": "fail",
                "blocks.NearestUpsampling.backward_weight": "pass", "model.pretrained_psnr": "pass",
                "model.train_time": "pass"},
        contains={"blocks.Conv2d.backward_input": "at Miniproject_2/others/blocks.py",
                  "blocks.Conv2d.backward_weight": "graded on a square input: the non-square one crashed, charged "
                                                   "in blocks.Conv2d.backward_input"},
        exit_code=1,
    ),
]
