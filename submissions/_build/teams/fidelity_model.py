"""Networks laid out as real 2022 submissions laid them out, and predict as the course called it (issue 9, F2).

Correct-but-unusual layouts must pass model.architecture: the grader names each stage by what it does, not by
its class or attribute names. Models that rescale only uint8 input, or compute in float64, must get their real
PSNR (the course measured it on uint8 images); their float-input slips are named in the predict contract. A
network missing a block must still fail, stage by stage.
"""

from __future__ import annotations

from sample_team import Team
from teams.baseline import NEAREST_BLOCK_END, NEAREST_BLOCK_START, TRANSPOSE_CONV, TRANSPOSE_PREDICT
from teams.snippets import B, IMPORTS, M, PREDICT

NETWORK = ("        self.net = Sequential(\n"
           "            Conv2d(3, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
           "            Conv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
           "            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
           "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n"
           "        )\n")

# nearest-neighbour upsampling on its own (no convolution), for the teams that pair it with a Conv2d themselves
PIXEL_REPEAT = '''

class PixelRepeat(Module):
    """Every pixel becomes a block of s x s identical pixels (no parameters)."""

    def __init__(self, scale_factor=2):
        self.scale_factor = scale_factor

    def forward(self, x):
        s = self.scale_factor
        return x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)

    def backward(self, gradwrtoutput):
        s = self.scale_factor
        n, c, h, w = gradwrtoutput.shape
        return gradwrtoutput.reshape(n, c, h // s, s, w // s, s).sum((3, 5))
'''

UPSAMPLING_IS_A_CONV = '''

class Upsampling(Conv2d):
    """Nearest-neighbour upsampling, then this very convolution (stride 1): a Conv2d that enlarges first."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, device=None):
        if padding is None:
            padding = kernel_size // 2
        super().__init__(in_channels, out_channels, kernel_size, padding=padding, device=device)
        self.scale_factor = scale_factor

    def forward(self, x):
        s = self.scale_factor
        return super().forward(x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3))

    def backward(self, gradwrtoutput):
        s = self.scale_factor
        grad = super().backward(gradwrtoutput)
        n, c, h, w = grad.shape
        return grad.reshape(n, c, h // s, s, w // s, s).sum((3, 5))
'''

UPSAMPLING_IS_A_SEQUENTIAL = PIXEL_REPEAT + '''

class Upsampling(Sequential):
    """Nearest-neighbour upsampling then a convolution, as a two-block Sequential."""

    def __init__(self, in_channels, out_channels, kernel_size, scale_factor=2, padding=None, device=None):
        if padding is None:
            padding = kernel_size // 2
        # Sequential.__init__ is not called: the two blocks are all there is
        self.modules = [PixelRepeat(scale_factor),
                        Conv2d(in_channels, out_channels, kernel_size, padding=padding, device=device)]
'''

DENOISER = '''

class Denoiser(object):
    """The encoder-decoder, kept in a Sequential one level down."""

    def __init__(self, channels, device):
        c = channels
        self.sequence = Sequential(
            Conv2d(3, c, 4, stride=2, padding=1, device=device), ReLU(),
            Conv2d(c, c, 4, stride=2, padding=1, device=device), ReLU(),
            NearestUpsampling(c, c, 3, scale_factor=2, device=device), ReLU(),
            NearestUpsampling(c, 3, 3, scale_factor=2, device=device), Sigmoid(),
        )

    def forward(self, x):
        return self.sequence.forward(x)

    def backward(self, gradwrtoutput):
        return self.sequence.backward(gradwrtoutput)

    def param(self):
        return self.sequence.param()


class Model:'''

PREDICT_UINT8_ONLY = ("        x = test_input.to(self.device)\n"
                      "        if x.dtype == torch.uint8:  # images come as bytes; any other input is taken as 0-1\n"
                      "            x = x.float() / 255\n"
                      "        return (self.net.forward(x) * 255).to(test_input.device)\n")

# what every correct layout must get from the model checks
LAYOUT_PASSES = {"model.api": "pass", "model.architecture": "pass", "model.load_pretrained": "pass",
                 "model.predict_shape": "pass", "model.predict_range": "pass", "model.predict_float": "pass",
                 "model.pretrained_psnr": "pass", "model.train_time": "pass", "model.trained_psnr": "pass"}

TEAMS: list[Team] = [
    Team(
        name="team_upsampling_conv_inside",
        summary="correct; Upsampling keeps its convolution in .conv2d and has no weight of its own",
        details="The upsampling block exposes its parameters only through param() and holds the convolution in a "
                "sub-attribute: the architecture reader must see a 2x upsampling with parameters, not a bare "
                "nearest upsampling (nefagi-01, icekang in the 2022 corpus).",
        folder="Proj_310245_322718",
        edits=[(B, "        self.weight, self.bias = self.conv.weight, self.conv.bias\n", ""),
               (B, "self.conv", "self.conv2d"),
               (B, "class NearestUpsampling(Module):", "class Upsampling(Module):"),
               (M, "NearestUpsampling", "Upsampling")],
        expect=dict(LAYOUT_PASSES),
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_upsampling_subclasses_conv",
        summary="correct; Upsampling subclasses Conv2d (nearest upsampling, then its own convolution)",
        folder="Proj_310377_322945",
        edits=[(B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, UPSAMPLING_IS_A_CONV)),
               (M, "NearestUpsampling", "Upsampling")],
        expect=dict(LAYOUT_PASSES),
        contains={"model.architecture": "Upsampling → ReLU → Upsampling → Sigmoid"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_upsampling_subclasses_sequential",
        summary="correct; Upsampling subclasses Sequential, holding a bare nearest upsampling and a Conv2d",
        details="Upsampling never calls Sequential.__init__ and sets its two blocks itself (frasalvi in the 2022 "
                "corpus); the reader opens it because running its two blocks in turn gives what it gives.",
        folder="Proj_310512_323180",
        edits=[(B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, "")),
               (M, "NearestUpsampling", "Upsampling")],
        files={"others/blocks.py@append": UPSAMPLING_IS_A_SEQUENTIAL},
        expect=dict(LAYOUT_PASSES),
        contains={"model.architecture": "blocks read inside Model.net.modules[4]"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_stride_renamed",
        summary="correct; Conv2d keeps its stride in self.hop (no stride attribute)",
        folder="Proj_310689_323402",
        edits=[(B, "self.stride", "self.hop")],
        expect=dict(LAYOUT_PASSES),
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_k4_s2_odd_sizes",
        summary="correct; k4 s2 convolutions take 16x16 to 7x7 (no exact halving), transposed convolutions back "
                "to 16 and 32",
        details="Conv(k4, s2, p1) 32->16, Conv(k4, s2, p0) 16->7, TransposeConv2d(k4, s2, p0) 7->16, "
                "TransposeConv2d(k4, s2, p1) 16->32 (JozefColdenhoff in the 2022 corpus): every stride is 2 though "
                "no size halves or doubles exactly. Trained with its own code.",
        folder="Proj_310734_323655",
        checkpoint="train", train_from="transpose",
        edits=[
            (B, "@span", (NEAREST_BLOCK_START, NEAREST_BLOCK_END, TRANSPOSE_CONV)),
            (M, "from torch import empty\n", "from torch import cat, empty\n"),
            (M, IMPORTS, IMPORTS.replace("NearestUpsampling", "TransposeConv2d")),
            (M, "            Conv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
                "            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n",
                "            Conv2d(c, c, 4, stride=2, padding=0, device=self.device), ReLU(),\n"
                "            TransposeConv2d(c, c, 4, stride=2, padding=0, device=self.device), ReLU(),\n"
                "            TransposeConv2d(c, 3, 4, stride=2, padding=1, device=self.device), Sigmoid(),\n"),
            (M, PREDICT, TRANSPOSE_PREDICT),
        ],
        expect={**LAYOUT_PASSES, "blocks.TransposeConv2d.forward": "pass"},
        contains={"model.architecture": "Conv(stride 2) → ReLU → Conv(stride 2)"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_nested_sequential",
        summary="correct; the network is a Sequential of two Sequentials (encoder, decoder)",
        folder="Proj_310856_323871",
        edits=[(M, NETWORK,
                "        self.net = Sequential(\n"
                "            Sequential(Conv2d(3, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n"
                "                       Conv2d(c, c, 4, stride=2, padding=1, device=self.device), ReLU()),\n"
                "            Sequential(NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                "                       NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid()),\n"
                "        )\n")],
        expect=dict(LAYOUT_PASSES),
        contains={"model.architecture": "blocks read inside Model.net.modules[0], Model.net.modules[1]"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_network_two_down",
        summary="correct; the Sequential sits two attributes below the Model (Model.net.sequence)",
        folder="Proj_310923_324096",
        edits=[(M, "\n\nclass Model:", DENOISER),
               (M, NETWORK, "        self.net = Denoiser(c, self.device)\n")],
        expect=dict(LAYOUT_PASSES),
        contains={"model.architecture": "Sequential at Model.net.sequence"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_bare_nearest_then_conv",
        summary="correct; each upsampling is a bare nearest upsampling followed by a separate Conv2d (10 blocks)",
        folder="Proj_311067_324213",
        edits=[(M, IMPORTS, IMPORTS.replace("NearestUpsampling, ", "NearestUpsampling, PixelRepeat, ")),
               (M, "            NearestUpsampling(c, c, 3, scale_factor=2, device=self.device), ReLU(),\n"
                   "            NearestUpsampling(c, 3, 3, scale_factor=2, device=self.device), Sigmoid(),\n",
                   "            PixelRepeat(2), Conv2d(c, c, 3, padding=1, device=self.device), ReLU(),\n"
                   "            PixelRepeat(2), Conv2d(c, 3, 3, padding=1, device=self.device), Sigmoid(),\n")],
        files={"others/blocks.py@append": PIXEL_REPEAT},
        expect=dict(LAYOUT_PASSES),
        contains={"model.architecture": "Upsampling → ReLU → Upsampling → Sigmoid"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_uint8_only_rescale",
        summary="predict rescales uint8 input only: a float 0-255 input is taken as 0-1",
        details="The course measured PSNR on the uint8 images of val_data.pkl, where this model is right; a float "
                "0-255 input gives saturated images. The PSNR checks feed uint8 as the course did; "
                "model.predict_float names the slip (a warning).",
        folder="Proj_311190_324458",
        edits=[(M, PREDICT, PREDICT_UINT8_ONLY)],
        expect={**LAYOUT_PASSES, "model.predict_float": "warn", "model.predict_uint8": "pass"},
        contains={"model.predict_float": "treats float input as 0–1"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_float64_predict",
        summary="computes in float64 (set_default_dtype at import); predict crashes on a float32 input, works on "
                "uint8",
        details="uint8 / 255 gives float64 under the changed default, float32 / 255 stays float32 and meets the "
                "float64 weights (icekang in the 2022 corpus). The PSNR checks feed uint8 as the course did and get "
                "the real PSNR; the float32 crash fails the contract's main call, each of its checks naming the "
                "same cause (float64_default) so that scoring can charge it once.",
        folder="Proj_311245_324590",
        edits=[(M, "CHANNELS = 24\n", "torch.set_default_dtype(torch.float64)  # more precise gradients\n\n"
                                      "CHANNELS = 24\n"),
               (M, ".float() / 255", " / 255")],
        expect={"model.architecture": "pass", "model.load_pretrained": "pass", "model.predict_shape": "fail",
                "model.predict_range": "fail", "model.predict_uint8": "pass", "model.predict_float": "warn",
                "model.pretrained_psnr": "pass", "model.train_time": "pass", "model.trained_psnr": "pass",
                "rules.import_side_effects": "warn"},
        contains={"model.predict_shape": "computes in float64", "model.predict_range": "computes in float64"},
        exit_code=1,
    ),
    Team(
        name="team_missing_relu",
        summary="the network lacks the ReLU after the first convolution",
        folder="Proj_311378_324702",
        edits=[(M, "            Conv2d(3, c, 4, stride=2, padding=1, device=self.device), ReLU(),\n",
                "            Conv2d(3, c, 4, stride=2, padding=1, device=self.device),\n")],
        expect={"model.api": "pass", "model.architecture": "fail", "model.predict_shape": "pass"},
        contains={"model.architecture": "ReLU is missing after stage 1"},
        exit_code=1,
    ),
]
