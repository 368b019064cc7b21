"""Block maths and API slips that only some configurations or checks reveal."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B, M, CONV_WEIGHT_GRAD, CONV_PARAM, IMPORTS

TEAMS: list[Team] = [
    Team(
        name="team_square_kernel",
        summary="the weight gradient is reshaped as if kernels were square: non-square kernels crash",
        folder="Proj_301122_287763",
        edits=[(B, "        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n",
                "        k = self.kernel_size[0]\n"
                "        self.weight_grad += grad.matmul(self.cols.transpose(1, 2)).sum(0).view(\n"
                "            self.out_channels, self.in_channels, k, k)\n")],
        expect={"blocks.Conv2d.forward": "pass", "blocks.Conv2d.backward_weight": "pass",
                "blocks.Conv2d.stride": "pass", "blocks.Conv2d.padding": "pass", "blocks.Conv2d.tuple_kernel": "fail",
                "model.train_time": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_swapped_conv_args",
        summary="Conv2d(out_channels, in_channels, kernel_size): arguments in the wrong order, used consistently",
        folder="Proj_266104_300987",
        edits=[
            (B, "    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, bias=True, "
                "device=None):\n",
             "    def __init__(self, out_channels, in_channels, kernel_size, stride=1, padding=0, bias=True, "
             "device=None):\n"),
            (B, "        self.conv = Conv2d(in_channels, out_channels, kernel_size, padding=padding, device=device)\n",
             "        self.conv = Conv2d(out_channels, in_channels, kernel_size, padding=padding, device=device)\n"),
            (M, "            Conv2d(3, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n",
             "            Conv2d(c, 3, 4, stride=2, padding=1, device=self.device), ReLU(),\n"),
        ],
        # one slip, charged once (issue 9 item 6b): the other Conv2d checks ran, built the student's way, and
        # fail as "same cause as blocks.Conv2d.forward" with no further deduction
        expect={"blocks.Conv2d.forward": "fail", "blocks.Conv2d.backward_input": "fail",
                "blocks.NearestUpsampling.forward": "pass", "model.architecture": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.forward": "swapped",
                  "blocks.Conv2d.backward_input": "same cause as blocks.Conv2d.forward"},
        exit_code=1,
    ),
    Team(
        name="team_overwritten_grads",
        summary="backward assigns the gradients instead of adding to them: they never accumulate, and the "
                "optimizer keeps stepping on the old zero tensors, so training changes nothing",
        folder="Proj_312009_298554",
        edits=[(B, CONV_WEIGHT_GRAD,
                "        self.weight_grad = grad.matmul(self.cols.transpose(1, 2)).sum(0).view(self.weight.shape)\n"
                "        if self.use_bias:\n"
                "            self.bias_grad = grad.sum((0, 2))\n")],
        expect={"blocks.Conv2d.backward_weight": "pass", "blocks.Conv2d.backward_bias": "pass",
                "blocks.Conv2d.accumulate": "fail", "blocks.NearestUpsampling.accumulate": "fail",
                "model.train_time": "pass", "model.trained_psnr": "fail"},
        contains={"blocks.Conv2d.accumulate": "added to, not overwritten"},
        exit_code=0, score_max=92,
    ),
    Team(
        name="team_sigmoid_derivative",
        summary="Sigmoid.backward uses sigmoid(x)·(1 − x) instead of sigmoid(x)·(1 − sigmoid(x))",
        folder="Proj_289965_274410",
        edits=[(B, "        self.out = 1 / (1 + (-x).exp())\n", "        self.x = x\n        self.out = 1 / (1 + (-x).exp())\n"),
               (B, "        return gradwrtoutput * self.out * (1 - self.out)\n",
                "        return gradwrtoutput * self.out * (1 - self.x)\n")],
        expect={"blocks.Sigmoid.forward": "pass", "blocks.Sigmoid.backward": "fail", "blocks.ReLU.backward": "pass",
                "blocks.Sequential.backward": "pass"},
        exit_code=1,
    ),
    Team(
        name="team_mse_sum",
        summary="MSE sums the squared errors instead of averaging them (learning rate tuned down to compensate)",
        folder="Proj_300541_311230",
        edits=[(B, "        return (self.diff ** 2).mean()\n", "        return (self.diff ** 2).sum()\n"),
               (B, "        return 2 * self.diff / self.diff.numel()\n", "        return 2 * self.diff\n"),
               (M, "LEARNING_RATE = 0.5\n", "LEARNING_RATE = 5e-6\n")],
        expect={"blocks.MSE.forward": "fail", "blocks.MSE.backward": "fail", "blocks.Conv2d.forward": "pass",
                "model.train_time": "pass"},
        contains={"blocks.MSE.forward": "sum, not the mean", "blocks.MSE.backward": "not divided by the number"},
        exit_code=1,
    ),
    Team(
        name="team_sgd_climbing",
        summary="SGD adds the gradient (p + lr·g): every step climbs the loss",
        folder="Proj_287120_305561",
        edits=[(B, "            p.sub_(self.lr * grad)\n", "            p.add_(self.lr * grad)\n")],
        expect={"blocks.SGD.step": "fail", "blocks.SGD.zero_grad": "pass", "blocks.Conv2d.backward_weight": "pass",
                "model.train_time": "pass", "model.trained_psnr": "fail"},
        contains={"blocks.SGD.step": "up the gradient"},
        exit_code=1,
    ),
    # -------------------------------------------------------------- API slips seen in the wild
    Team(
        name="team_param_lists_bias_first",
        summary="param() returns [bias, grad] and [weight, grad] lists, bias first",
        folder="Proj_299001_276543",
        checkpoint="convert",
        edits=[(B, CONV_PARAM, "        return [[self.bias, self.bias_grad], [self.weight, self.weight_grad]]\n")],
        expect={"blocks.Conv2d.param": "warn", "blocks.NearestUpsampling.param": "warn",
                "blocks.Conv2d.backward_weight": "pass", "blocks.Sequential.param": "pass",
                "model.load_pretrained": "pass", "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "bias is listed before weight"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_parameters_only",
        summary="the blocks offer parameters() (torch's name) instead of param()",
        folder="Proj_277812_290032",
        checkpoint="convert",
        edits=[(B, "    def param(self):\n        return []\n", "    def parameters(self):\n        return []\n"),
               (B, "    def param(self):\n" + CONV_PARAM, "    def parameters(self):\n" + CONV_PARAM),
               (B, "    def param(self):\n        return self.conv.param()\n",
                "    def parameters(self):\n        return self.conv.parameters()\n"),
               (B, "    def param(self):\n        params = []\n        for m in self.modules:\n"
                   "            params += m.param()\n",
                "    def parameters(self):\n        params = []\n        for m in self.modules:\n"
                "            params += m.parameters()\n"),
               (M, "self.net.param()", "self.net.parameters()")],
        expect={"blocks.Conv2d.param": "warn", "blocks.ReLU.param": "warn", "blocks.Sequential.param": "warn",
                "blocks.Conv2d.backward_weight": "pass", "blocks.SGD.step": "pass", "model.load_pretrained": "pass",
                "model.train_time": "pass"},
        contains={"blocks.Conv2d.param": "parameters()"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_misnamed_blocks",
        summary="blocks named Relu and MSELoss; the upsampling combination exported only as Upsampling",
        folder="Proj_305127_288890",
        checkpoint="convert",
        edits=[(B, "class NearestUpsampling(Module):", "class Upsampling(Module):"),
               (B, "class ReLU(Module):", "class Relu(Module):"),
               (B, "class MSE(Module):", "class MSELoss(Module):"),
               (M, IMPORTS, IMPORTS.replace("MSE, ", "MSELoss, ").replace("NearestUpsampling, ReLU", "ReLU, Upsampling")
                .replace("ReLU, ", "Relu, ")),
               (M, "ReLU()", "Relu()"), (M, "NearestUpsampling(c", "Upsampling(c"), (M, "self.loss = MSE()", "self.loss = MSELoss()")],
        expect={"blocks.ReLU.name": "warn", "blocks.MSE.name": "warn", "blocks.NearestUpsampling.name": "warn",
                "blocks.ReLU.forward": "pass", "blocks.MSE.backward": "pass", "blocks.NearestUpsampling.forward": "pass",
                "model.architecture": "pass", "model.pretrained_psnr": "pass"},
        contains={"blocks.ReLU.name": "Relu", "blocks.MSE.name": "MSELoss"},
        exit_code=0, score_min=85,
    ),
]
