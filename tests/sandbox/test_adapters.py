"""The worker's adapters read every parameter form real submissions use, and the tape meets tape-style blocks.

Unit tests without a worker: `param_pairs` gets a plain caller, the Tape plain objects.
"""

from __future__ import annotations

import pytest
import torch

from grader.checks.blocks.layouts import CONV_LAYOUT, CONV_LAYOUT_FLIPPED, TORCH
from grader.sandbox import adapters
from grader.sandbox.tape import Capture, Tape


def _pairs(module) -> dict:
    return adapters.param_pairs(module, lambda fn: fn())


class Block:
    def __init__(self, param):
        self._param = param

    def param(self):
        return self._param() if callable(self._param) else self._param


W, B = torch.randn(4, 3, 2, 2), torch.randn(4)
DW, DB = torch.randn(4, 3, 2, 2), torch.randn(4)


def test_tuples_lists_and_bare_tensors_with_grad_become_pairs():
    assert _pairs(Block([(W, DW), (B, DB)]))["form"] == "tuple"
    assert _pairs(Block([[W, DW], [B, DB]]))["form"] == "list"
    w, b = W.clone(), B.clone()
    w.grad, b.gradient = DW, DB  # torch's .grad, or an attribute of the student's own
    info = _pairs(Block([w, b]))
    assert info["form"] == "tensor" and info["pairs"][0][1] is DW and info["pairs"][1][1] is DB


def test_one_list_per_layer_is_flattened_and_none_pairs_are_left_out():
    info = _pairs(Block([[(W, DW), (B, DB)], [], [(None, None)], [(W, DW)]]))
    assert info["nested"] and len(info["pairs"]) == 3 and info["none_pairs"] == 1


@pytest.mark.parametrize(
    ("items", "layout"),
    [
        ([W, B, DW, DB], "halves"),
        ([W, DW, B, DB], "interleaved"),
        ([W, B, DW, DB, W[:2], B[:2], DW[:2], DB[:2]], "groups"),
    ],
)
def test_flat_lists_of_params_then_grads_are_paired(items, layout):
    info = _pairs(Block(items))
    assert info["flat"] == layout
    assert all(p.shape == g.shape and p is not g for p, g in info["pairs"])
    assert info["pairs"][0] == (W, DW)


def test_a_gradient_in_the_blocks_own_buffer_fills_the_pair():
    class Conv:
        def __init__(self):
            self.weight, self.bias = W.clone(), B.clone()
            self.dl_dw, self.dl_db = DW.clone(), DB.clone()

        def param(self):
            return [self.weight, self.bias]

    conv = Conv()
    (w, gw), (b, gb) = _pairs(conv)["pairs"]
    assert gw is conv.dl_dw and gb is conv.dl_db


def test_a_param_that_raises_gives_way_to_parameters():
    class Base:
        def param(self):
            raise NotImplementedError("use parameters()")

        def parameters(self):
            return [(W, DW)]

    info = _pairs(Base())
    assert info["accessor"] == "parameters" and len(info["pairs"]) == 1
    with pytest.raises(NotImplementedError):
        _pairs(Block(lambda: (_ for _ in ()).throw(NotImplementedError())))


def test_the_tape_captures_what_a_block_sends_to_its_inputs_producer():
    class TapeReLU:
        def __init__(self):
            self.saved = []

        def forward(self, x):
            self.saved.append(x)
            out = x * (x > 0)
            out.source, out.slot = self, len(self.saved) - 1
            return out

        def backward(self, g):
            x = self.saved[g.slot]
            x.source.backward(g * (x > 0))  # returns None, like the design it stands for

    tape, block = Tape(), TapeReLU()
    x, g = torch.randn(2, 3), torch.randn(2, 3)
    tape.before_forward([x])
    tape.after_forward("h1", block, [x], block.forward(x))
    assert tape.link == "source" and isinstance(x.source, Capture)
    assert tape.before_backward("h1", [g]) and g.slot == 0
    assert block.backward(g) is None
    index, sent = tape.captured("h1")
    assert index == 0 and torch.equal(sent, g * (x > 0))


def test_blocks_that_tag_nothing_are_left_alone():
    tape, x = Tape(), torch.randn(3)
    tape.after_forward("h1", object(), [x], x * 2)
    assert tape.link is None and not tape.before_backward("h1", [x]) and tape.captured("h1") is None


@pytest.mark.parametrize("layout", [TORCH, CONV_LAYOUT, CONV_LAYOUT_FLIPPED])
def test_each_weight_layout_maps_back_to_torchs(layout):
    w = torch.randn(3, 4, 2, 5)
    assert torch.equal(layout.to_torch(layout.to_student(w)), w)
    assert layout.shape((3, 4, 2, 5)) == tuple(layout.to_student(w).shape)
