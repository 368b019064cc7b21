"""blocks.SGD.*: one step of plain SGD like torch.optim.SGD, zero_grad, and momentum when offered.

The handout never fixed SGD's interface, and real optimizers take a list of
(param, grad) pairs, torch-style tensors with `.grad`, one list per layer, a
model walked through its `param()` or `.modules`, parameter objects with their
own update method, and sometimes require `momentum`. The judge tries, in order,
until a step changes the parameters:

1. parameters it planted itself (each gradient also set as the tensor's `.grad`
   and `.gradient`), as pairs, tensors, per-layer lists, [p, g] lists, handed
   over as a list or inside a model-like object with `param()`;
2. the student's own Conv2d after a backward (its `param()` list, or the block);
3. the student's own Sequential(Conv2d, ReLU, Conv2d) after a forward/backward
   (its `param()` list, or the network), checked against torch.optim.SGD on the
   same weights and gradients.

Each with the constructor's signature read for keyword names, lr/momentum
positional or keyword, a step that raises moving on to the next. Only when none
works does the check fail, with the signature found and what was tried. The
expected step uses the gradients the optimizer was given (read back from the
worker), so a wrong Conv2d gradient cannot fail SGD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks.blocks import expected, own
from grader.checks.blocks.construct import forms_for
from grader.checks.blocks.context import NAME, BlockContext, from_comparisons, grade_block, not_applicable
from grader.checks.blocks.conv import CONV2D
from grader.checks.blocks.scenario import LayerRun, find_pair, plant, snapshot
from grader.checks.blocks.sequential import SEQUENTIAL
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.checks.verdicts import RUN_FAILURES, failure_check
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, handle_ref, tensor_of

SGD = Block(
    "SGD",
    aliases=("Sgd", "SGDOptimizer", "OptimizerSGD"),
    aspects=(
        NAME,
        aspect("step", 2.5, "one step vs torch.optim.SGD, over whatever parameters it accepts", required=True),
        aspect("zero_grad", 0.5, "zero_grad() zeroes every gradient in place (not applicable when absent)"),
        aspect("momentum", 0, "two steps with momentum 0.9 vs torch.optim.SGD (optional)", warn_only=True),
    ),
)
LR, MOMENTUM = 0.1, 0.9
MOMENTUM_NAMES = ("momentum", "mu", "beta")
PLANTED = (
    ("pairs", "a list of (param, grad) pairs"),
    ("tensors", "a list of tensors with .grad"),
    ("nested", "one list of (param, grad) pairs per layer"),
    ("lists", "a list of [param, grad] lists"),
)


class Rig:
    """Parameters an optimizer steps over, what can be handed to it, and how to read them back."""

    label = ""

    def targets(self) -> list[tuple[str, str]]:
        """(handle, description) of each thing to pass as the optimizer's first argument."""
        raise NotImplementedError

    def read(self) -> list[tuple[torch.Tensor, torch.Tensor | None]]:
        """(param, grad) of every parameter now; grad None when none is readable."""
        raise NotImplementedError

    def next_grads(self) -> None:
        """New gradients for a second step (zeroing and recomputing them, or planting new ones)."""
        raise NotImplementedError

    def expected_grads(self) -> list[torch.Tensor | None]:
        """Torch's gradients where the student's are not readable (None: no fallback)."""
        return [None for _ in self.read()]


class PlantedRig(Rig):
    """Parameters and gradients the judge planted in the worker (probes.planted)."""

    def __init__(self, ctx: BlockContext, layout: str, label: str):
        self.ctx, self.layout, self.label = ctx, layout, label
        values = [[ctx.randn(4, 3, 2, 2), ctx.randn(4, 3, 2, 2)], [ctx.randn(4), ctx.randn(4)]]
        reply = ctx.client.send("plant", value=values, layout=layout)
        self.value, self.holder, self.pairs = reply["value"], reply["holder"], reply["pairs"]

    def targets(self):
        return [(self.value, self.label), (self.holder, f"an object whose param() returns {self.label}")]

    def values(self) -> list[dict]:
        return self.ctx.client.send("planted", handle=self.pairs)["values"]

    def read(self):
        # torch-style tensors: the gradient is whatever .grad holds now; pairs: the pair's own tensor
        key = "grad" if self.layout == "tensors" else "pair_grad"
        return [(v["param"], v[key]) for v in self.values()]

    def next_grads(self):
        # torch-style tensors get new .grad tensors, as a backward after zero_grad(set_to_none) makes them;
        # pairs are the student's own buffers: updated in place, as their backward does
        rebind = self.layout == "tensors"
        for i, shape in enumerate(((4, 3, 2, 2), (4,))):
            self.ctx.client.set(self.holder, self.ctx.randn(*shape), index=i, what="grad", rebind=rebind)

    def zeroed(self) -> list[bool]:
        """Per parameter: gradient zero (or set to None, torch's set_to_none) after zero_grad()."""
        out = []
        for v in self.values():
            grad = v["grad"]
            pair_zero = self.layout == "tensors" or not bool(v["pair_grad"].any())
            out.append(grad is None or (not bool(grad.any()) and pair_zero))
        return out


class BlocksRig(Rig):
    """The student's own Conv2d (or Sequential of their blocks) after a backward: their gradients, their API."""

    def __init__(self, ctx: BlockContext, sequential: bool):
        self.ctx, self.sequential = ctx, sequential
        self.x = ctx.randn(*own.X_SHAPE)
        if sequential:
            seq_cls, _ = ctx.resolve(SEQUENTIAL)
            network = own.build(ctx, seq_cls) if seq_cls else StudentRaised({"message": "no Sequential"}, "")
            if not isinstance(network, own.OwnNetwork):
                raise network
            self.network, self.top, self.convs = network, network.seq, network.convs
            self.roles = [(w, role) for w in network.weights for role in ("weight", "bias")]
            self.label, self.name = "your Sequential(Conv2d, ReLU, Conv2d)", SEQUENTIAL.name
        else:
            self.network = None
            handle, weights = _conv(ctx)
            self.top, self.convs = handle, [handle]
            self.roles = [(weights, "weight"), (weights, "bias")]
            self.label, self.name = "your Conv2d", CONV2D.name
        self._backward()

    def _backward(self):
        client = self.ctx.client
        y = tensor_of(client.call(self.top, "forward", self.x, context=f"{self.name}.forward")["value"])
        self.g = self.ctx.randn(*(y.shape if y is not None else (1,)))
        client.call(self.top, "backward", self.g, context=f"{self.name}.backward")

    def targets(self):
        try:
            kept = self.ctx.client.call(self.top, "param", context=f"{self.name}.param", keep=True)
        except StudentRaised:  # no param(): the block or network itself is all there is to hand over
            return [(self.top, self.label)]
        return [(kept["handle"], f"{self.label}'s param() list"), (self.top, self.label)]

    def read(self):
        snaps = {h: snapshot(self.ctx.client, h, CONV2D.name) for h in self.convs}
        out = []
        for i, (weights, role) in enumerate(self.roles):
            handle = self.convs[i // 2]
            out.append(find_pair(snaps[handle], role, tuple(weights[role].shape)))
        return out

    def next_grads(self):
        for handle in self.convs:
            self.ctx.client.zero_grads(handle, context=f"{CONV2D.name}.param")
        self._backward()

    def expected_grads(self):
        if self.network is None:
            return super().expected_grads()
        _, grads = self.network.expected(self.x, self.g)
        return [grads[k] for k in ("w0", "b0", "w1", "b1")]

    def zeroed(self) -> list[bool]:
        return [g is None or not bool(g.any()) for _, g in self.read()]


def _conv(ctx: BlockContext):
    """The student's Conv2d(3, 4, 3) with the judge's weights (built (out, in) when its constructor wants that)."""
    cls, _ = ctx.resolve(CONV2D)
    if cls is None:
        raise StudentRaised({"type": "Missing", "message": "no Conv2d", "where": []}, "")
    for args in ((3, 4, 3), (4, 3, 3)):
        handle = ctx.client.new(cls, *args, context=f"{CONV2D.name}.__init__")["handle"]
        run = LayerRun(cls=cls)
        run.initial = snapshot(ctx.client, handle, CONV2D.name)
        try:
            weights = {
                "weight": plant(ctx.client, handle, run, "weight", ctx.randn(4, 3, 3, 3, scale=0.4)),
                "bias": plant(ctx.client, handle, run, "bias", ctx.randn(4, scale=0.4)),
            }
        except StudentRaised as exc:
            last = exc
            continue
        ctx.client.zero_grads(handle, context=f"{CONV2D.name}.param")
        return handle, weights
    raise last


def _rigs(ctx: BlockContext, blocks_only: bool = False):
    """Factories of every rig, in the order tried."""
    for layout, label in () if blocks_only else PLANTED:
        yield f"planted {label}", lambda layout=layout, label=label: PlantedRig(ctx, layout, label)
    yield "your Conv2d", lambda: BlocksRig(ctx, sequential=False)
    yield "your Sequential", lambda: BlocksRig(ctx, sequential=True)


@dataclass
class Drive:
    """An optimizer that took a step: how it was built, over what, and the parameters around the step."""

    handle: str
    how: str
    rig: Rig
    before: list[tuple[torch.Tensor, torch.Tensor | None]]
    after: list[tuple[torch.Tensor, torch.Tensor | None]]
    grads: list[torch.Tensor]  # the gradients of the step, as the optimizer was given them (float64)


@dataclass
class Tried:
    """What the judge tried before a drive worked (or to explain why none did): (what, over, why) entries."""

    entries: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, what: str, why: str, over: str = "") -> None:
        self.entries.append((what, over, why))

    def text(self) -> str:
        """The most telling failure (a step() that raised, else the first), and what was tried."""
        steps = [e for e in self.entries if "SGD.step" in e[2]]
        what, _, why = (steps or self.entries or [("", "", "nothing could be tried")])[0]
        overs = list(dict.fromkeys(e[1] for e in self.entries if e[1]))
        return f"{what}: {why}; {len(self.entries)} calls tried, over {', '.join(overs) or 'nothing'}"

    def lines(self) -> list[str]:
        return [f"{what}: {why}" for what, _, why in self.entries]


@family(SGD)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, SGD, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    signature = _signature(ctx, cls)
    tried = Tried()
    drive = _drive(ctx, cls, signature, tried, momentum=None)
    if drive is None:
        because = {"because": SGD.id("step")}
        why = "not run: no step could be taken (see blocks.SGD.step)"
        return [
            _untried(SGD.id("step"), cls, signature, tried),
            Check(SGD.id("zero_grad"), Status.SKIPPED, why, details=because),
            Check(SGD.id("momentum"), Status.SKIPPED, why, details=because),
        ]
    zero_grad = _zero_grad_check(ctx, drive)
    if zero_grad.status == Status.FAIL and isinstance(drive.rig, PlantedRig) and "exception" in zero_grad.details:
        # zero_grad() may need the student's model (their Sequential's own methods): try it over their blocks
        mine = _drive(ctx, cls, signature, Tried(), None, blocks_only=True)
        retried = _zero_grad_check(ctx, mine) if mine is not None else None
        if retried is not None and retried.status == Status.PASS:
            retried.message += f" (over {mine.how}; over planted parameters: {zero_grad.message})"
            zero_grad = retried
    return [_step_check(drive, tried), zero_grad, _momentum(ctx, cls, signature)]


def _signature(ctx: BlockContext, cls: str) -> list[dict] | None:
    try:
        return ctx.client.send("signature", cls=cls).get("params")
    except StudentRaised:
        return None


def _forms(signature: list[dict] | None, target: str, momentum: float | None) -> list[dict]:
    """Constructor calls to try: keywords from the signature, then (params, lr[, momentum]) positionally."""
    values = {"params": handle_ref(target), "lr": LR}
    names = {p["name"] for p in signature or []}
    required = {p["name"] for p in signature or [] if not p["has_default"] and p["kind"] != "VAR_POSITIONAL"}
    orders = [("params", "lr")]
    if momentum is not None or required & set(MOMENTUM_NAMES):
        values["momentum"] = momentum or 0.0
        orders = [("params", "lr", "momentum")]
    elif names & set(MOMENTUM_NAMES):
        values["momentum"] = 0.0  # keyword only: a default of 0 behaves the same
    forms = forms_for(signature, values, orders)
    return forms or forms_for(None, values, orders)


def _drive(
    ctx: BlockContext, cls: str, signature, tried: Tried, momentum: float | None, blocks_only: bool = False
) -> Drive | None:
    """The first construction, over the first rig, whose step() runs and changes the parameters."""
    client = ctx.client
    for name, factory in _rigs(ctx, blocks_only):
        rig = _fresh(factory, tried, name)
        for index in range(2):
            forms = None
            while rig is not None:
                targets = rig.targets()
                if index >= len(targets):
                    break
                target, label = targets[index]
                forms = _forms(signature, target, momentum) if forms is None else forms[1:]
                if not forms:
                    break
                form = {**forms[0], **_retarget(forms[0], target, signature, momentum)}
                what = f"{cls} {form['name']} over {label}"
                try:
                    opt = client.new(cls, *form["args"], context="SGD.__init__", **form["kwargs"])["handle"]
                except StudentRaised as exc:
                    tried.add(what, str(exc), label)
                    continue
                before = rig.read()
                try:
                    client.call(opt, "step", context="SGD.step")
                    after = rig.read()
                except RUN_FAILURES as exc:
                    tried.add(what, str(exc), label)
                    rig = _fresh(factory, tried, name)
                    continue
                if all(compare(a, b.double(), what="").ok for (a, _), (b, _) in zip(after, before)):
                    tried.add(what, "step() ran but changed no parameter", label)
                    rig = _fresh(factory, tried, name)
                    continue
                grads = _given(before, rig)
                return Drive(opt, what, rig, before, after, grads)
            if rig is None:
                break
    return None


def _retarget(form: dict, target: str, signature, momentum: float | None) -> dict:
    """The same call form aimed at `target` (a fresh rig has new handles)."""
    same = next(f for f in _forms(signature, target, momentum) if f["name"] == form["name"])
    return {"args": same["args"], "kwargs": same["kwargs"]}


def _fresh(factory, tried: Tried, name: str) -> Rig | None:
    try:
        return factory()
    except RUN_FAILURES as exc:
        tried.add(name, f"could not be set up again ({exc})")
        return None


def _given(pairs, rig: Rig) -> list[torch.Tensor]:
    """The gradients the optimizer was given: the student's where readable, else torch's for the same weights."""
    fallback = rig.expected_grads()
    return [
        (g if g is not None else f if f is not None else p.new_zeros(p.shape)).double()
        for (p, g), f in zip(pairs, fallback)
    ]


def _step_check(drive: Drive, tried: Tried) -> Check:
    want = expected.sgd_steps([p for p, _ in drive.before], [drive.grads], LR)[0]
    comparisons = [
        compare(p, w, what=f"parameter {i} after step()") for i, ((p, _), w) in enumerate(zip(drive.after, want))
    ]
    if any(not c.ok and c.max_abs_err is not None for c in comparisons):
        why = _likely_cause(drive)
        comparisons = [c if c.ok or c.max_abs_err is None else c.explained(why) for c in comparisons]
    details = {"constructed": drive.how, "lr": LR, "tried_before": tried.lines()[:8]}
    check = from_comparisons(SGD.id("step"), comparisons, extra=details)
    check.message += f" — driven as {drive.how}"
    return check


def _likely_cause(drive: Drive) -> str:
    """Why a step is wrong, when the parameters show it: a climb ('' otherwise)."""
    climbed = [b.double() + LR * g for (b, _), g in zip(drive.before, drive.grads)]
    if all(compare(a, c, what="").ok for (a, _), c in zip(drive.after, climbed)):
        return " — the step goes up the gradient (p + lr·g instead of p − lr·g)"
    return ""


def _zero_grad_check(ctx: BlockContext, drive: Drive) -> Check:
    check_id = SGD.id("zero_grad")
    if "zero_grad" not in ctx.client.send("describe_object", handle=drive.handle).get("methods", []):
        return not_applicable(SGD, ["zero_grad"], "no zero_grad() on the optimizer")[0]
    try:
        ctx.client.call(drive.handle, "zero_grad", context="SGD.zero_grad")
        zeroed = drive.rig.zeroed()
    except RUN_FAILURES as exc:
        return failure_check(check_id, exc)
    nonzero = [i for i, ok in enumerate(zeroed) if not ok]
    if nonzero:
        return Check(check_id, Status.FAIL, f"gradients {nonzero} not zero after zero_grad() (reset them in place)")
    return Check(check_id, Status.PASS, "zero_grad() resets every gradient to zero")


def _momentum(ctx: BlockContext, cls: str, signature) -> Check:
    check_id = SGD.id("momentum")
    if not any(p["name"] in MOMENTUM_NAMES for p in signature or []):
        return not_applicable(SGD, ["momentum"], "the optimizer takes no momentum argument (optional)")[0]
    tried = Tried()
    drive = _drive(ctx, cls, signature, tried, momentum=MOMENTUM)
    if drive is None:
        check = _untried(check_id, cls, signature, tried)
        check.status = Status.WARN if check.status == Status.FAIL else check.status
        return check
    try:
        drive.rig.next_grads()
        second = drive.rig.read()
        grads = _given(second, drive.rig)
        ctx.client.call(drive.handle, "step", context="SGD.step")
        after = drive.rig.read()
    except RUN_FAILURES as exc:
        return failure_check(check_id, exc, student=Status.WARN)
    want = expected.sgd_steps([p for p, _ in drive.before], [drive.grads, grads], LR, momentum=MOMENTUM)[1]
    comparisons = [
        compare(p, w, what=f"parameter {i} after two steps with momentum {MOMENTUM}")
        for i, ((p, _), w) in enumerate(zip(after, want))
    ]
    check = from_comparisons(check_id, comparisons, extra={"constructed": drive.how})
    if check.status == Status.FAIL:  # momentum conventions differ (e.g. dampening); optional in the handout
        check.status, check.message = Status.WARN, "momentum differs from torch.optim.SGD: " + check.message
    return check


def _untried(check_id: str, cls: str, signature, tried: Tried) -> Check:
    """No construction and rig gave a step that ran and changed the parameters."""
    shown = ", ".join(p["name"] + (f"={p['default']}" if p["has_default"] else "") for p in signature or [])
    return Check(
        check_id,
        Status.FAIL,
        f"could not make {cls}({shown}) take a step: {tried.text()}",
        details={"signature": signature, "tried": tried.lines()},
    )
