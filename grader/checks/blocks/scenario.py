"""Running a parametrised layer through two forward/backward passes in the worker.

The judge plants its own weights (so it knows them exactly), snapshots the
gradients before and after each backward (differences make the check immune
to non-zero initial gradients and expose overwriting instead of
accumulating), and keeps every raw value for the checks to compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from grader.checks.blocks.context import BlockContext
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
    weights: dict[str, torch.Tensor] = field(default_factory=dict)  # what the judge used for its expectation
    weight_source: str = ""  # "set by the judge" / "read from the student"
    notes: list[str] = field(default_factory=list)
    outputs: list[torch.Tensor | None] = field(default_factory=list)
    input_grads: list[torch.Tensor | None] = field(default_factory=list)
    snapshots: list[dict] = field(default_factory=list)  # params before pass 1, after pass 1, after pass 2

    @property
    def ok(self) -> bool:
        return self.failure is None


def find_pair(
    snapshot: dict | None, role: str, shape: tuple[int, ...]
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """The (param, grad) pair for `role`: by identity with the attribute, else by unique shape."""
    if not snapshot:
        return None, None
    pairs = snapshot.get("pairs", [])
    for pair in pairs:  # the attribute's own pair, when it has torch's shape
        if pair.get("role") == role and pair.get("param") is not None and tuple(pair["param"].shape) == tuple(shape):
            return pair["param"], pair["grad"]
    matches = [p for p in pairs if p.get("param") is not None and tuple(p["param"].shape) == tuple(shape)]
    if len(matches) >= 1:
        return matches[0]["param"], matches[0]["grad"]
    attr = snapshot.get("attrs", {}).get(role)
    if attr is not None and tuple(attr.shape) == tuple(shape):
        return attr, None
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
) -> LayerRun:
    """Construct `cls(*args, **kwargs)` (or reuse `handle`), plant `weights`, run the passes."""
    client = ctx.client
    run = LayerRun(cls=cls, construct=_call_text(cls, args, kwargs))
    stage = "construction"
    try:
        if handle is None:
            handle = client.new(cls, *args, context=f"{label}.__init__", **kwargs)["handle"]
        run.handle = handle
        stage = "param()"
        run.initial = _snapshot(client, handle, label)
        stage = "setting weights"
        for role, value in weights.items():
            run.weights[role] = _plant(client, handle, run, role, value)
        run.weight_source = (
            "set by the judge"
            if all(run.weights.get(r) is weights[r] for r in weights)
            else "read from the student's block"
        )
        run.snapshots.append(_snapshot(client, handle, label))
        for i, (x, g) in enumerate(passes, start=1):
            stage = f"forward (pass {i})"
            out = client.call(handle, "forward", x, context=f"{label}.forward")
            run.outputs.append(tensor_of(out["value"]))
            if out["value"].get("kind") != "tensor":
                run.notes.append(f"forward returned a {out['value'].get('kind')}, not a tensor")
            stage = f"backward (pass {i})"
            back = client.call(handle, "backward", g, context=f"{label}.backward")
            run.input_grads.append(tensor_of(back["value"]))
            stage = f"param() after pass {i}"
            run.snapshots.append(_snapshot(client, handle, label))
    except (StudentRaised, WorkerFailure) as exc:
        run.failure, run.failed_stage = exc, stage
    return run


def _snapshot(client, handle: str, label: str) -> dict:
    try:
        return client.params(handle, context=f"{label}.param")
    except StudentRaised as exc:
        return {"pairs": [], "attrs": {}, "accessor": None, "error": str(exc)}


def _plant(client, handle: str, run: LayerRun, role: str, value: torch.Tensor) -> torch.Tensor:
    """Write the judge's value into the student's tensor; fall back to reading theirs."""
    result = client.set(handle, value, role=role)
    if not result.get("set"):
        param, _ = find_pair(run.initial, role, tuple(value.shape))
        if param is None:
            index = _index_by_shape(run.initial, value.shape)
            if index is not None:
                result = client.set(handle, value, index=index)
        else:
            index = _index_by_shape(run.initial, value.shape)
            result = client.set(handle, value, index=index) if index is not None else result
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


def _call_text(cls: str, args: tuple, kwargs: dict) -> str:
    parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
    return f"{cls}({', '.join(parts)})"
