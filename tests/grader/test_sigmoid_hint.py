"""A wrong Sigmoid input gradient names the usual slip it matches (issue 14 item 8), like MSE's and SGD's."""

from __future__ import annotations

import pytest
import torch

from grader.checks.blocks.activations import sigmoid_backward_cause

torch.manual_seed(0)
X = torch.randn(2, 3, 5, 7) * 3
G = torch.randn(2, 3, 5, 7)
S = X.sigmoid()


@pytest.mark.parametrize(
    ("dx", "words"),
    [
        (S * (1 - S), "without the incoming gradient"),
        (G * S, "gradient·σ(x)"),
        (G * X * (1 - X), "not the input x"),
        (G * S.sigmoid() * (1 - S.sigmoid()), "applied to the stored output again"),
        (-G * S * (1 - S), "sign is flipped"),
    ],
)
def test_each_slip_is_named(dx, words):
    assert words in sigmoid_backward_cause(dx.float(), X.float(), G.float())


def test_the_right_gradient_and_noise_name_no_slip():
    assert sigmoid_backward_cause(G * S * (1 - S), X, G) == ""
    assert sigmoid_backward_cause(torch.randn(2, 3, 5, 7), X, G) == ""
