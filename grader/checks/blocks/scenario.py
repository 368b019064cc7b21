"""Running a parametrised layer through two forward/backward passes in the worker.

The judge plants its own weights (so it knows them exactly), zeroes every
gradient buffer the block exposes before the first backward (a buffer allocated
with `empty()` holds garbage until then; measuring after − before on it reported
1e26 errors on correct gradients), snapshots the gradients after each backward,
and keeps every raw value for the checks to compare. Whether the second backward
adds to the gradients or overwrites them is the accumulate check's question
alone. A weight stored in a documented alternative layout (see layouts.py) is
planted and read back through that layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks.blocks.context import BlockContext
from grader.checks.blocks.layouts import TORCH, Layout
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure


@dataclass
class LayerRun:
    """Everything observed while exercising one layer configuration."""

    cls: str
    construct: str = ""  # how it was constructed, for messages
    handle: str | None = None
    failure: Exception | None = None  # StudentRaised or WorkerFailure
    failed_stage: str | None = None
    initial: dict | None = None  # params snapshot right after construction
    weights: dict[str, torch.Tensor] = field(default_factory=dict)  # what the judge used, in torch's layout
    weight_source: str = ""  # "set by the judge" / "read from the student"
    layout: Layout = TORCH  # how the block stores the weight
    zeroed: dict = field(default_factory=dict)  # the worker's answer to zero_grads before the first backward
    notes: list[str] = field(default_factory=list)
    tape: dict | None = None  # set when backward returned None and pushed dL/dx to the input's producer
    outputs: list[torch.Tensor | None] = field(default_factory=list)
    input_grads: list[torch.Tensor | None] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)  # params before pass 1 (zeroed), after pass 1, after pass 2

    @property
    def ok(self) -> bool:
        return self.failure is None


def find_pair(
    snapshot: dict | None, role: str, shape: tuple[int, ...]
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The (param, grad) pair for `role`: by identity with the attribute, else by unique shape, else the
    attribute itself with the gradient it keeps (`.grad` or the block's own buffer)."""
    if not snapshot:
        return None, None
    pairs = snapshot.get("pairs", [])
    attr_grad = snapshot.get("attr_grads", {}).get(role)
    if attr_grad is not None and tuple(attr_grad.shape) != tuple(shape):
        attr_grad = None

    def with_grad(pair):
        return pair["param"], pair["grad"] if pair.get("grad") is not None else attr_grad

    for pair in pairs:  # the attribute's own pair, when it has the expected shape
        if pair.get("role") == role and pair.get("param") is not None and tuple(pair["param"].shape) == tuple(shape):
            return with_grad(pair)
    matches = [p for p in pairs if p.get("param") is not None and tuple(p["param"].shape) == tuple(shape)]
    if matches:
        return with_grad(matches[0])
    attr = snapshot.get("attrs", {}).get(role)
    if attr is not None and tuple(attr.shape) == tuple(shape):
        return attr, attr_grad
    return None, None


def run_layer(
    ctx: BlockContext,
    cls: str,
    *,
    args: tuple,
    kwargs: dict,
    label: str,
    weights: dict[str, torch.Tensor],
    passes: list[tuple[torch.Tensor, torch.Tensor]],
    handle: str | None = None,
    layout: Layout = TORCH,
) -> LayerRun:
    """Construct `cls(*args, **kwargs)` (or reuse `handle`), plant `weights` (torch's layout) through `layout`,
    zero the gradients, run the passes."""
    client = ctx.client
    run = LayerRun(cls=cls, construct=call_text(cls, args, kwargs), layout=layout)
    stage = "construction"
    try:
        if handle is None:
            handle = client.new(cls, *args, context=f"{label}.__init__", **kwargs)["handle"]
        run.handle = handle
        stage = "param()"
        run.initial = snapshot(client, handle, label)
        stage = "setting weights"
        for role, value in weights.items():
            student = layout.to_student(value) if role == "weight" else value
            planted = plant(client, handle, run, role, student)
            if planted is student:
                run.weights[role] = value
            else:  # the block's own values, read back
                run.weights[role] = layout.to_torch(planted) if role == "weight" else planted
        run.weight_source = (
            "set by the judge"
            if all(run.weights.get(r) is weights[r] for r in weights)
            else "read from the student's block"
        )
        run.zeroed = client.zero_grads(handle, context=f"{label}.param")
        run.snapshots.append(snapshot(client, handle, label))
        for i, (x, g) in enumerate(passes, start=1):
            stage = f"forward (pass {i})"
            out = client.call(handle, "forward", x, context=f"{label}.forward")
            run.outputs.append(tensor_of(out["value"]))
            if out["value"].get("kind") != "tensor":
                run.notes.append(f"forward returned a {out['value'].get('kind')}, not a tensor")
            stage = f"backward (pass {i})"
            back = client.call(handle, "backward", g, context=f"{label}.backward")
            run.input_grads.append(tensor_of(back["value"]))
            if back.get("tape") and run.tape is None:
                run.tape = back["tape"]
                run.notes.append(tape_note(back["tape"]))
            stage = f"param() after pass {i}"
            run.snapshots.append(snapshot(client, handle, label))
    except (StudentRaised, WorkerFailure) as exc:
        run.failure, run.failed_stage = exc, stage
    return run


def tape_note(tape: dict) -> str:
    """What the judge says about a backward that returned None and pushed dL/dx to the input's producer."""
    return (
        f"backward returned None and sent dL/dx to the input's `.{tape.get('link')}` (a tape of your own); "
        "the handout's backward returns dL/dx: graded from what it sent"
    )


def snapshot(client, handle: str, label: str) -> dict:
    """The block's parameters now; a param() that raises leaves `error` set and the attributes readable."""
    try:
        return client.params(handle, context=f"{label}.param", tolerant=True)
    except StudentRaised as exc:
        return {"pairs": [], "attrs": {}, "accessor": None, "error": str(exc)}


def plant(client, handle: str, run: LayerRun, role: str, value: torch.Tensor) -> torch.Tensor:
    """Write the judge's value into the student's tensor; fall back to reading theirs (returned, float64)."""
    result = client.set(handle, value, role=role)
    if not result.get("set"):
        index = _index_by_shape(run.initial, value.shape)
        if index is not None:
            result = client.set(handle, value, index=index)
    if result.get("set"):
        return value
    # could not write: use the student's own values when a tensor of the right shape exists
    param, _ = find_pair(run.initial, role, tuple(value.shape))
    if param is not None:
        run.notes.append(f"could not set {role} ({result.get('why')}); used the block's own values")
        return param.detach().to(torch.float64)
    found = [list(p["param"].shape) for p in (run.initial or {}).get("pairs", []) if p.get("param") is not None]
    attr = (run.initial or {}).get("attrs", {}).get(role)
    seen = f"attribute .{role} of shape {list(attr.shape)}" if attr is not None else f"no .{role} attribute"
    raise StudentRaised(
        {
            "type": "ShapeMismatch",
            "message": f"no {role} tensor of shape {list(value.shape)} (torch's layout); found {seen} "
            f"and param() shapes {found}",
            "where": [],
        },
        "setting weights",
    )


def _index_by_shape(snapshot: dict | None, shape) -> int | None:
    for i, pair in enumerate((snapshot or {}).get("pairs", [])):
        if pair.get("param") is not None and tuple(pair["param"].shape) == tuple(shape):
            return i
    return None


def call_text(cls: str, args: tuple, kwargs: dict) -> str:
    """`Conv2d(3, 4, 3, stride=2)`: a constructor call as the student would write it."""
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{cls}({', '.join(parts)})"
