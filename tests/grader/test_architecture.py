"""Reading the network's stages by behaviour: the worker's prober and the judge's reading, run in this process.

The blocks here are small stand-ins written with torch.nn.functional (the reader never looks at how a
block computes, only at what it does); each network is one way real 2022 submissions laid theirs out.
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.checks.model.architecture import REQUIRED, architecture_check, differences
from grader.sandbox.network import Prober
from grader.sandbox.ops import StudentError, safe_error


class InProcess:
    """A client whose `describe` runs the worker's prober here, on a model object of this process."""

    def __init__(self, model):
        self.model = model

    def describe(self, handle, probes=None, timeout=None):
        def run(context, fn, *args):
            try:
                return fn(*args)
            except Exception as exc:
                raise StudentError(safe_error(exc)) from None

        return Prober(run, StudentError).describe(self.model, probes)


def grade(model):
    return architecture_check(InProcess(model), "h1")


class Conv:
    def __init__(self, cin, cout, k=3, stride=1, padding=None):
        g = torch.Generator().manual_seed(cin * 100 + cout)
        self.weight = torch.randn(cout, cin, k, k, generator=g) * 0.2
        self.bias = torch.randn(cout, generator=g) * 0.1
        self.s, self.p = stride, (k // 2 if padding is None else padding)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, stride=self.s, padding=self.p)

    def param(self):
        return [(self.weight, torch.zeros_like(self.weight)), (self.bias, torch.zeros_like(self.bias))]


class StridedConv(Conv):  # the stride under a name no grader would guess
    def __init__(self, cin, cout):
        super().__init__(cin, cout, 3, 1, 1)
        self.hop = 2
        del self.s

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, stride=self.hop, padding=self.p)


class ReLU:
    def forward(self, x):
        return x.clamp(min=0)

    def param(self):
        return []


class Sigmoid:
    def forward(self, x):
        return 1 / (1 + (-x).exp())

    def param(self):
        return []


class Nearest:
    def forward(self, x):
        return x.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)

    def param(self):
        return []


class UpWithConvInside:  # the convolution in a sub-attribute, no weight of its own
    def __init__(self, cin, cout):
        self.nearest, self.conv2d = Nearest(), Conv(cin, cout)

    def forward(self, x):
        return self.conv2d.forward(self.nearest.forward(x))

    def param(self):
        return self.conv2d.param()


class UpAsConv(Conv):  # Upsampling subclassing Conv2d
    def forward(self, x):
        return super().forward(Nearest().forward(x))


class Sequential:
    def __init__(self, *blocks):
        self.layers = list(blocks)

    def forward(self, x):
        for b in self.layers:
            x = b.forward(x)
        return x

    def param(self):
        return [p for b in self.layers for p in b.param()]


class UpAsSequential(Sequential):  # Upsampling subclassing Sequential, never calling its __init__
    def __init__(self, cin, cout):
        self.layers = [Nearest(), Conv(cin, cout)]


class TransposeConv:
    def __init__(self, cin, cout, k, padding=0):
        self.weight = torch.randn(cin, cout, k, k, generator=torch.Generator().manual_seed(k)) * 0.2
        self.padding = padding

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, stride=2, padding=self.padding)

    def param(self):
        return [(self.weight, torch.zeros_like(self.weight))]


class SpreadThenConv:  # a transposed convolution as zero insertion + an inner convolution kept in `.conv`
    def __init__(self, cin, cout, k=4, stride=2, padding=1):
        self.stride, self.conv = stride, Conv(cin, cout, k, 1, k - 1 - padding)

    def forward(self, x):
        n, c, h, w = x.shape
        s = self.stride
        spread = torch.zeros(n, c, (h - 1) * s + 1, (w - 1) * s + 1)
        spread[:, :, ::s, ::s] = x
        return self.conv.forward(spread)

    def param(self):
        return self.conv.param()


class EmptyParam:  # a base class whose param() lists nothing
    def param(self):
        return []


class UnlistedSpreadThenConv(EmptyParam, SpreadThenConv):  # param() does not list the inner convolution
    pass


class KronNearest(EmptyParam):  # a bare nearest upsampling keeping a constant tensor: still no parameters
    def __init__(self):
        self.ones = torch.ones(1, 1, 2, 2)

    def forward(self, x):
        return torch.kron(x, self.ones)


class ConvReLU(Conv):  # a convolution with its activation built in
    def forward(self, x):
        return super().forward(x).clamp(min=0)


class Model:
    def __init__(self, net):
        self.net = net


def standard(up=UpWithConvInside, conv=lambda i, o: Conv(i, o, 3, 2, 1)):
    return Sequential(conv(3, 8), ReLU(), conv(8, 8), ReLU(), up(8, 8), ReLU(), up(8, 3), Sigmoid())


class Holder:
    def __init__(self, obj):
        self.sequence = obj


@pytest.mark.parametrize(
    "model",
    [
        pytest.param(Model(standard()), id="upsampling-holds-its-conv"),
        pytest.param(Model(standard(up=UpAsConv)), id="upsampling-subclasses-conv2d"),
        pytest.param(Model(standard(up=UpAsSequential)), id="upsampling-subclasses-sequential"),
        pytest.param(Model(standard(conv=lambda i, o: StridedConv(i, o))), id="stride-under-another-name"),
        pytest.param(
            Model(Sequential(Sequential(*standard().layers[:4]), Sequential(*standard().layers[4:]))),
            id="nested-sequential",
        ),
        pytest.param(Model(Holder(standard())), id="two-attributes-down"),
        pytest.param(
            Model(
                Sequential(
                    Conv(3, 8, 4, 2, 1), ReLU(), Conv(8, 8, 4, 2, 0), ReLU(),  # 32 -> 16 -> 7
                    TransposeConv(8, 8, 4), ReLU(), TransposeConv(8, 3, 4, padding=1), Sigmoid(),  # 7 -> 16 -> 32
                )
            ),
            id="k4-s2-no-exact-halving",
        ),
        pytest.param(
            Model(
                Sequential(
                    Conv(3, 8, 3, 2, 1), ReLU(), Conv(8, 8, 3, 2, 1), ReLU(),
                    Nearest(), Conv(8, 8), ReLU(), Nearest(), Conv(8, 3), Sigmoid(),
                )
            ),
            id="bare-nearest-then-conv",
        ),
        pytest.param(Model(standard(up=SpreadThenConv)), id="transposed-conv-holds-its-conv"),
        pytest.param(
            Model(
                Sequential(
                    Conv(3, 8, 3, 2, 1), ReLU(), Conv(8, 8, 3, 2, 1), ReLU(),
                    KronNearest(), Conv(8, 8), ReLU(), KronNearest(), Conv(8, 3), Sigmoid(),
                )
            ),
            id="nearest-keeping-a-constant-then-conv",
        ),
    ],
)  # fmt: skip
def test_correct_networks_pass_whatever_their_layout(model):
    check = grade(model)
    assert check.status == "pass", check.message
    assert check.details["sequence"] == REQUIRED


def test_an_upsampling_whose_param_lists_nothing_is_read_by_behaviour():
    """A transposed convolution keeping its convolution in `.conv` behind a base class's empty param(): its
    probe doubles H/W and is no nearest upsampling, so it is an Upsampling (with a note), not a bare nearest."""
    check = grade(Model(standard(up=UnlistedSpreadThenConv)))
    assert check.status == "pass", check.message
    assert "param() lists no parameters of the upsampling at Model.net.layers[4], Model.net.layers[6]" in check.message
    assert "not listed by param()" in check.details["stages"][4]["shown"]


def test_the_model_itself_as_the_sequential():
    class SequentialModel(Sequential):
        def __init__(self):
            super().__init__(*standard().layers)

    check = grade(SequentialModel())
    assert check.status == "pass", check.message
    assert check.details["network_path"] == "Model"


def test_a_missing_relu_is_named_with_the_stages_found():
    layers = standard().layers
    check = grade(Model(Sequential(*(layers[:1] + layers[2:]))))
    assert check.status == "fail"
    assert "ReLU is missing after stage 1" in check.message
    assert "7 stages: 1 Conv(stride 2) [Conv at Model.net.layers[0]: 3→8 channels, 32×32 → 16×16]" in check.message


def test_a_stride_1_convolution_fails():
    layers = standard().layers
    layers[2] = Conv(8, 8, 3, 1, 1)
    check = grade(Model(Sequential(*layers)))
    assert check.status == "fail"
    assert "stage 3 is Conv(stride 1) where Conv(stride 2) is required" in check.message


def test_an_extra_stage_fails():
    layers = standard().layers
    check = grade(Model(Sequential(*layers, ReLU())))
    assert check.status == "fail" and "stage 9 (ReLU) is extra" in check.message


def test_a_convolution_with_a_built_in_activation_is_not_a_convolution():
    layers = standard().layers
    layers[0] = ConvReLU(3, 8, 3, 2, 1)
    check = grade(Model(Sequential(*layers)))
    assert check.status == "fail" and "built-in non-linearity" in check.message


def test_a_crash_on_the_probe_is_reported_with_the_stage():
    class Broken(ReLU):
        def forward(self, x):
            raise ValueError("no")

    layers = standard().layers
    layers[3] = Broken()
    check = grade(Model(Sequential(*layers)))
    assert check.status == "fail" and "crashed on the probe (ValueError: no)" in check.message


def test_no_network_found():
    check = grade(Model(None))
    assert check.status == "fail" and "Sequential" in check.message


def test_differences_in_words():
    assert differences(["conv/2", "relu", "conv", "relu", "up", "relu", "up", "sigmoid"]) == [
        "stage 3 is Conv(stride 1) where Conv(stride 2) is required"
    ]
    assert differences(REQUIRED[1:]) == ["Conv(stride 2) is missing at the start"]
