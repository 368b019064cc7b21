"""A small network of the student's own blocks, for grading the blocks that combine others (Sequential, SGD).

Sequential(Conv2d(3, 4, 3), ReLU(), Conv2d(4, 2, 3)) built from the student's
classes, with the judge's weights planted, so that a Sequential or an optimizer
that relies on the student's base-class API (`isinstance` checks, `.modules`,
`set_weight()`, parameter objects, gradients in `.grad`) is driven the way the
student's own model drives it. Each block's forward/backward is labelled with
its own name in the runtime trace, so a forbidden call inside Conv2d is charged
to Conv2d, not to the Sequential that called it. Building it may fail (a broken
or missing block): callers then fall back to the grader's stand-in blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from grader.checks.blocks.activations import RELU
from grader.checks.blocks.context import BlockContext
from grader.checks.blocks.conv import CONV2D
from grader.checks.blocks.scenario import LayerRun, plant, snapshot
from grader.checks.verdicts import RUN_FAILURES
from grader.sandbox.client import StudentRaised, handle_ref

# (in, out) of each convolution; kernel 3, no stride or padding (what the handout requires of every Conv2d)
CONVS = ((3, 4), (4, 2))
X_SHAPE = (2, 3, 8, 9)


@dataclass
class OwnNetwork:
    """The student's Sequential over the student's blocks, and the weights the judge planted (torch layout)."""

    seq: str  # handle
    convs: list[str]  # handles of the two Conv2d blocks
    weights: list[dict[str, torch.Tensor]]  # per conv: weight, bias
    form_note: str | None = None  # Sequential([m1, m2, ...]) instead of Sequential(m1, m2, ...)
    built: list[str] = field(default_factory=list)  # how each block was built, for messages

    def expected(self, x: torch.Tensor, g: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """The chain's output and the gradients of x, w0, b0, w1, b1 in float64 (torch autograd)."""
        with torch.enable_grad():
            leaves = {"x": x.detach().double().requires_grad_(True)}
            for i, w in enumerate(self.weights):
                leaves[f"w{i}"] = w["weight"].detach().double().requires_grad_(True)
                leaves[f"b{i}"] = w["bias"].detach().double().requires_grad_(True)
            out = F.conv2d(leaves["x"], leaves["w0"], leaves["b0"]).relu()
            out = F.conv2d(out, leaves["w1"], leaves["b1"])
            out.backward(g.double())
        return out.detach(), {k: v.grad.detach() for k, v in leaves.items()}


def block_pairs(ctx: BlockContext, handle: str) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
    """A block's own (param, grad) pairs as its param() gives them (nested lists flattened, (None, None) left out)."""
    snap = snapshot(ctx.client, handle, CONV2D.name)
    return [(p["param"], p.get("grad")) for p in snap.get("pairs", []) if p.get("param") is not None]


def build_sequential(client, cls: str, refs: list, failures: tuple | type) -> tuple[str, str | None]:
    """Sequential(m1, m2, ...) as torch builds it, else Sequential([m1, m2, ...]): (handle, a note on the form).

    When both forms raise one of `failures`, the first form's error is raised (it says what the student's
    constructor wanted)."""
    try:
        return client.new(cls, *refs, context="Sequential.__init__")["handle"], None
    except failures as exc:
        try:
            handle = client.new(cls, refs, context="Sequential.__init__")["handle"]
        except failures:
            raise exc from None
    return handle, "built as Sequential([m1, m2, ...]); torch's form is Sequential(m1, m2, ...)"


def build(ctx: BlockContext, seq_cls: str) -> OwnNetwork | StudentRaised:
    """The student's Sequential(Conv2d, ReLU, Conv2d) with planted weights, or why it could not be built."""
    conv_cls, _ = ctx.resolve(CONV2D)
    relu_cls, _ = ctx.resolve(RELU)
    if conv_cls is None or relu_cls is None:
        return StudentRaised({"type": "Missing", "message": "no Conv2d or ReLU to build a network", "where": []}, "")
    client = ctx.client
    try:
        convs, weights, built = [], [], []
        for c_in, c_out in CONVS:
            handle, w, how = _conv(ctx, conv_cls, c_in, c_out)
            convs.append(handle)
            weights.append(w)
            built.append(how)
        relu = client.new(relu_cls, context=f"{RELU.name}.__init__")["handle"]
        for handle, label in ((convs[0], CONV2D.name), (relu, RELU.name), (convs[1], CONV2D.name)):
            client.send("label_methods", handle=handle, label=label)
        refs = [handle_ref(convs[0]), handle_ref(relu), handle_ref(convs[1])]
        seq, form_note = build_sequential(client, seq_cls, refs, StudentRaised)
    except RUN_FAILURES as exc:
        return exc
    return OwnNetwork(seq, convs, weights, form_note, built)


def _conv(ctx: BlockContext, cls: str, c_in: int, c_out: int) -> tuple[str, dict, str]:
    """A Conv2d(c_in, c_out, 3) with the judge's weights; built (out, in) when the constructor wants that."""
    client = ctx.client
    weight, bias = ctx.randn(c_out, c_in, 3, 3, scale=0.4), ctx.randn(c_out, scale=0.4)
    last: StudentRaised | None = None
    for args in ((c_in, c_out, 3), (c_out, c_in, 3)):
        handle = client.new(cls, *args, context=f"{CONV2D.name}.__init__")["handle"]
        run = LayerRun(cls=cls)
        run.initial = snapshot(client, handle, CONV2D.name)
        try:
            planted = {
                role: plant(client, handle, run, role, value) for role, value in (("weight", weight), ("bias", bias))
            }
        except StudentRaised as exc:
            last = exc
            client.free(handle)
            continue
        client.zero_grads(handle, context=f"{CONV2D.name}.param")
        return handle, planted, f"{cls}{args}"
    raise last
