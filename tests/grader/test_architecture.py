"""Reading the network's block sequence from what the worker describes (no worker needed)."""

from __future__ import annotations

from unittest.mock import MagicMock

from grader.checks.model.architecture import REQUIRED, architecture_check


def _client(blocks, found=True):
    client = MagicMock()
    client.describe.return_value = {"found": found, "network_class": "Sequential", "blocks": blocks}
    return client


def _block(cls, shape, **attrs):
    return {"class": cls, "mro": [cls, "Module", "object"], "output_shape": shape, **attrs}


SPEC = [
    _block("Conv2d", [1, 8, 16, 16], stride=[2, 2], weight_shape=[8, 3, 3, 3]),
    _block("ReLU", [1, 8, 16, 16]),
    _block("Conv2d", [1, 8, 8, 8], stride=2, weight_shape=[8, 8, 3, 3]),
    _block("ReLU", [1, 8, 8, 8]),
    _block("Upsampling", [1, 8, 16, 16], weight_shape=[8, 8, 3, 3]),
    _block("ReLU", [1, 8, 16, 16]),
    _block("Upsampling", [1, 3, 32, 32], weight_shape=[3, 8, 3, 3]),
    _block("Sigmoid", [1, 3, 32, 32]),
]


def test_the_required_sequence_passes():
    check = architecture_check(_client(SPEC), "h1")
    assert check.status == "pass", check.message
    assert check.details["sequence"] == REQUIRED


def test_bare_nearest_upsampling_followed_by_a_convolution_counts_as_upsampling():
    blocks = SPEC[:4] + [
        _block("NearestUpsampling", [1, 8, 16, 16]),
        _block("Conv2d", [1, 8, 16, 16], stride=1, weight_shape=[8, 8, 3, 3]),
        _block("ReLU", [1, 8, 16, 16]),
        _block("NearestUpsampling", [1, 8, 32, 32]),
        _block("Conv2d", [1, 3, 32, 32], stride=1, weight_shape=[3, 8, 3, 3]),
        _block("Sigmoid", [1, 3, 32, 32]),
    ]
    assert architecture_check(_client(blocks), "h1").status == "pass"


def test_a_missing_stride_or_block_fails_with_what_was_found():
    no_stride = [dict(SPEC[0], stride=1, output_shape=[1, 8, 32, 32])] + SPEC[1:]
    check = architecture_check(_client(no_stride), "h1")
    assert check.status == "fail" and "found Conv →" in check.message
    check = architecture_check(_client(SPEC[:-1]), "h1")
    assert check.status == "fail" and "required" in check.message


def test_no_network_found():
    check = architecture_check(_client([], found=False), "h1")
    assert check.status == "fail" and "Sequential" in check.message
