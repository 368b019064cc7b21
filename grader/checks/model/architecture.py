"""model.api and model.architecture: Model() builds, and its network has the required sequence.

Required: Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU,
Upsampling, Sigmoid, 32×32 in and out. Each stage is named by what it does,
never by its class or attribute names (real networks subclass `Conv2d` for
their upsampling, keep the convolution in a sub-attribute, store the stride
under any name, nest Sequentials): the worker (grader/sandbox/network.py)
probes the network at two input sizes and reports, per stage, the shapes, the
parameters it holds, its output on a ramp and whether it is affine; here

- a stage with parameters that scales the image by 1/s is Conv(stride s)
  (the scale is the change of the output size over the change of the input
  size, so a k4 s2 convolution taking 16 to 7 is still stride 2); one that
  scales by 2 is an Upsampling; one that keeps the size is Conv(stride 1);
- a parameterless stage that keeps the shape is ReLU or Sigmoid when its
  output on the ramp is theirs; one that doubles the size is a bare nearest
  upsampling, and with the stride-1 convolution that follows it counts as one
  Upsampling (that is what the combination is), unless it behaves as no
  nearest upsampling and holds tensors (or changes the channel count): then
  it is an Upsampling whose param() does not list its parameters (a
  transposed convolution keeping its convolution in `.conv`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from fractions import Fraction

import torch

from grader.checks.declare import check
from grader.checks.verdicts import RUN_FAILURES, failure_check
from grader.result import Check, Status

API = check(
    "model.api",
    3,
    "Model() builds with no arguments and has load_pretrained_model, train, predict",
    required=True,
)
ARCHITECTURE = check(
    "model.architecture",
    4,
    "Conv(s2), ReLU, Conv(s2), ReLU, Upsampling, ReLU, Upsampling, Sigmoid; 32×32 in and out",
    required=True,
)
CHECKS = (API, ARCHITECTURE)

REQUIRED = ["conv/2", "relu", "conv/2", "relu", "up", "relu", "up", "sigmoid"]
LABELS = {"conv/2": "Conv(stride 2)", "relu": "ReLU", "up": "Upsampling", "sigmoid": "Sigmoid"}
GRADED_SHAPE = [1, 3, 32, 32]
# the graded size, and a second one whose size difference (24) every stride up to 4 divides twice
PROBE_SHAPES = ([1, 3, 32, 32], [1, 3, 56, 56])
# a stage's outputs on x, 0, -x and 2x are affine when the residuals are this small against its output's range
AFFINE_TOLERANCE = 1e-3
ACTIVATION_TOLERANCE = 1e-3


def probes(seed: int = 0) -> list[torch.Tensor]:
    """The probe images (values in [0, 1), as a network sees them after predict's rescaling)."""
    generator = torch.Generator().manual_seed(seed)
    return [torch.rand(*shape, generator=generator) for shape in PROBE_SHAPES]


def api_check(client, exported: dict) -> tuple[Check, str | None]:
    """model.api: Model exists, Model() constructs, the three methods exist. Returns (check, handle)."""
    if exported.get("Model", {}).get("kind") != "class":
        return Check(API.id, Status.FAIL, "no class `Model` in model.py"), None
    try:
        handle = client.new("Model", context="Model.__init__")["handle"]
    except RUN_FAILURES as exc:
        return failure_check(API.id, exc, prefix="Model() failed: "), None
    methods = client.send("describe_object", handle=handle)["methods"]
    missing = [m for m in ("load_pretrained_model", "train", "predict") if m not in methods]
    if missing:
        lacks = ", ".join(m + "()" for m in missing)
        return Check(API.id, Status.FAIL, f"Model lacks {lacks}", details={"methods": methods}), handle
    return Check(API.id, Status.PASS, "Model() builds and has load_pretrained_model, train and predict"), handle


@dataclass(frozen=True)
class Stage:
    """One stage of the network as the judge reads it: its kind (compared with REQUIRED) and how to show it."""

    kind: str
    label: str
    shown: str
    facts: dict


def _size(shape) -> str:
    return f"{shape[-2]}×{shape[-1]}" if shape and len(shape) == 4 else str(shape)


def scale_of(stage: dict) -> Fraction | None:
    """How a stage scales the image: output size change over input size change between the probes (exact),
    else the output/input ratio at the graded size rounded to a stride or a factor; None when it cannot tell."""
    a_in, a_out = stage.get("in_shape"), stage.get("out_shape")
    if not (a_in and a_out and len(a_in) == 4 and len(a_out) == 4):
        return None
    b_in, b_out = stage.get("in_shape_b"), stage.get("out_shape_b")
    if b_in and b_out and len(b_out) == 4:
        scales = {Fraction(b_out[d] - a_out[d], b_in[d] - a_in[d]) for d in (2, 3) if b_in[d] != a_in[d]}
        if len(scales) == 1 and next(iter(scales)) > 0:
            return next(iter(scales))
    ratios = set()
    for d in (2, 3):
        if a_out[d] == a_in[d]:
            ratios.add(Fraction(1))
        elif a_out[d] < a_in[d] and a_out[d] > 0:
            ratios.add(Fraction(1, round(a_in[d] / a_out[d])))
        elif a_in[d] > 0:
            ratios.add(Fraction(round(a_out[d] / a_in[d])))
    return next(iter(ratios)) if len(ratios) == 1 else None


def _activation(stage: dict) -> str | None:
    """ "relu" or "sigmoid" when the stage's output on the ramp is theirs, else None."""
    out = stage.get("ramp_output")
    if not isinstance(out, torch.Tensor) or list(out.shape) != list(stage["in_shape"]):
        return None
    from grader.sandbox.network import ramp

    x = ramp(list(out.shape))
    out = out.to(torch.float64)
    for name, expected in (("relu", x.clamp(min=0)), ("sigmoid", torch.sigmoid(x))):
        if torch.allclose(out, expected, rtol=ACTIVATION_TOLERANCE, atol=ACTIVATION_TOLERANCE):
            return name
    return None


def _affine(stage: dict) -> bool | None:
    """Whether the stage's outputs on x, 0, -x, 2x are those of an affine map (None: not measured)."""
    outputs = stage.get("affine_outputs")
    if not outputs or len(outputs) != 4 or not all(isinstance(t, torch.Tensor) for t in outputs):
        return None
    fx, f0, fneg, f2x = (t.to(torch.float64) for t in outputs)
    if not (fx.shape == f0.shape == fneg.shape == f2x.shape):
        return False
    scale = max(float((fx - f0).abs().max()) if fx.numel() else 0.0, float(f0.abs().max()) if f0.numel() else 0.0)
    residual = max(float((fx + fneg - 2 * f0).abs().max()), float((f2x - f0 - 2 * (fx - f0)).abs().max()))
    return residual <= AFFINE_TOLERANCE * max(scale, 1e-6)


def _unlisted_parameters(stage: dict, factor: int) -> bool:
    """Whether a stage that upsamples by `factor` with no parameters in param() is a layer with parameters all
    the same: it is no nearest upsampling of the ramp (it mixes or changes channels, or is not a plain
    repeat) and it changes the channel count or keeps tensors in its attributes (a transposed convolution
    keeping its convolution in `.conv` behind a base class's empty param())."""
    out, a_in = stage.get("ramp_output"), stage.get("in_shape")
    if not isinstance(out, torch.Tensor) or not a_in or len(a_in) != 4:
        return False
    from grader.sandbox.network import ramp

    nearest = ramp(list(a_in)).repeat_interleave(factor, dim=2).repeat_interleave(factor, dim=3)
    if out.shape == nearest.shape and torch.allclose(out.to(torch.float64), nearest, rtol=1e-4, atol=1e-4):
        return False
    return (out.dim() == 4 and out.shape[1] != a_in[1]) or bool(stage.get("attribute_tensors"))


def read_stage(stage: dict) -> Stage:
    """Name one described stage by its behaviour."""
    cls = stage.get("class", "?")
    where = f"{cls} at {stage.get('path')}"
    facts = {k: v for k, v in stage.items() if k not in ("affine_outputs", "ramp_output")}
    if stage.get("error"):
        error = stage["error"]
        text = f"crashed on the probe ({error.get('type')}: {str(error.get('message'))[:160]})"
        return Stage("error", text, f"{text} [{where}]", facts)
    a_in, a_out = stage["in_shape"], stage["out_shape"]
    has_params = bool(stage.get("params"))
    scale = scale_of(stage)
    activation = _activation(stage) if list(a_in) == list(a_out) else None
    affine = _affine(stage) if has_params else None
    facts.update(scale=str(scale) if scale is not None else None, activation=activation, affine=affine)
    if activation is not None:
        kind = activation
    elif scale is None:
        kind = "other"
    elif scale == 1:
        kind = "conv" if has_params else "elementwise" if a_in[1] == a_out[1] else "other"
    elif scale.numerator == 1:
        kind = f"conv/{scale.denominator}" if has_params else f"pool/{scale.denominator}"
    elif scale.denominator == 1:
        factor = scale.numerator
        if not has_params and _unlisted_parameters(stage, factor):
            facts["unlisted_parameters"] = True
            has_params = True
        kind = ("up" if factor == 2 else f"up×{factor}") if has_params else f"nearest×{factor}"
    else:
        kind = "other"
    if has_params and affine is False and kind.startswith(("conv", "up")):
        kind += "+nonlinear"
    label = _label(kind, scale)
    if list(a_in) == list(a_out):
        change = f"{a_in[1]} channels, {_size(a_in)}" if len(a_in) == 4 else str(a_in)
    else:
        channels = f"{a_in[1]}→{a_out[1]} channels, " if len(a_in) == 4 and len(a_out) == 4 else ""
        change = f"{channels}{_size(a_in)} → {_size(a_out)}"
    if facts.get("unlisted_parameters"):
        change += "; its parameters are held in its attributes, not listed by param()"
    return Stage(kind, label, f"{label} [{where}: {change}]", facts)


_NAMED = {
    **LABELS,
    "conv": "Conv(stride 1)",
    "nearest×2": "NearestUpsampling alone (no parameters)",
    "elementwise": "element-wise map (neither ReLU nor Sigmoid)",
}
# kinds with a number: the prefix and how to say it
_NUMBERED = (
    ("conv/", "Conv(stride {})"),
    ("up×", "Upsampling ×{}"),
    ("nearest×", "upsampling ×{} without parameters"),
    ("pool/", "downsampling /{} without parameters"),
)


def _label(kind: str, scale: Fraction | None) -> str:
    base, _, rest = kind.partition("+")
    text = _NAMED.get(base) or next((t.format(base[len(p) :]) for p, t in _NUMBERED if base.startswith(p)), None)
    if text is None:
        text = f"a block that scales the image by {scale}" if scale is not None else "a block of unclear effect"
    if rest:
        text += " with a built-in non-linearity (not affine)"
    return text


def collapse(stages: list[Stage]) -> list[Stage]:
    """A bare nearest upsampling followed by a stride-1 convolution is one Upsampling."""
    out: list[Stage] = []
    i = 0
    while i < len(stages):
        here = stages[i]
        if here.kind == "nearest×2" and i + 1 < len(stages) and stages[i + 1].kind == "conv":
            conv = stages[i + 1]
            a_in, c_out = here.facts["in_shape"], conv.facts["out_shape"]
            shown = (
                f"Upsampling [{here.facts['class']} + {conv.facts['class']} at {here.facts['path']}, "
                f"{conv.facts['path']}: {a_in[1]}→{c_out[1]} channels, {_size(a_in)} → {_size(c_out)}]"
            )
            out.append(Stage("up", "Upsampling", shown, {"combined": [here.facts, conv.facts]}))
            i += 2
            continue
        out.append(here)
        i += 1
    return out


def differences(found: list[str], required: list[str] = REQUIRED) -> list[str]:
    """What separates the found sequence of kinds from the required one, stage by stage, in words."""
    shown_found = [_label(k, None) for k in found]
    shown_required = [LABELS[k] for k in required]
    notes = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, found, required, autojunk=False).get_opcodes():
        if op == "replace":
            for offset in range(max(i2 - i1, j2 - j1)):
                i, j = i1 + offset, j1 + offset
                if i < i2 and j < j2:
                    notes.append(f"stage {i + 1} is {shown_found[i]} where {shown_required[j]} is required")
                elif i < i2:
                    notes.append(f"stage {i + 1} ({shown_found[i]}) is extra")
                else:
                    notes.append(f"{shown_required[j]} is missing after stage {i2}")
        elif op == "delete":
            notes += [f"stage {i + 1} ({shown_found[i]}) is extra" for i in range(i1, i2)]
        elif op == "insert":
            where = f"after stage {i1}" if i1 else "at the start"
            notes += [f"{shown_required[j]} is missing {where}" for j in range(j1, j2)]
    return notes


def architecture_check(client, handle: str | None, seed: int = 0) -> Check:
    """model.architecture: the network found in Model, stage by stage, against the required sequence."""
    if handle is None:
        return Check(ARCHITECTURE.id, Status.FAIL, "Model() could not be built")
    try:
        found = client.describe(handle, probes=probes(seed))
    except RUN_FAILURES as exc:
        return failure_check(ARCHITECTURE.id, exc, prefix="describing the network failed: ")
    if not found.get("found"):
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
            "no Sequential-like network found in Model (looked for an object holding a list of blocks, "
            "up to three attributes below the Model)",
            details={"attributes": found.get("attributes")},
        )
    network = f"{found.get('network_class')} at {found.get('network_path')}"
    if found.get("error"):
        error = found["error"]
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
            f"the network ({network}) failed on a 1×3×32×32 input: {error.get('type')}: {error.get('message')}",
            details={"error": error},
        )
    read = [read_stage(s) for s in found.get("stages", [])]
    stages = collapse(read)
    kinds = [s.kind for s in stages]
    final = found.get("output_shape")
    details = {
        "network_class": found.get("network_class"),
        "network_path": found.get("network_path"),
        "own_forward": found.get("own_forward"),
        "dtype": found.get("dtype"),
        "sequence": kinds,
        "required": REQUIRED,
        "stages": [{"kind": s.kind, "shown": s.shown, **s.facts} for s in stages],
        "output_shape": final,
    }
    listing = "; ".join(f"{i + 1} {s.shown}" for i, s in enumerate(stages))
    required = " → ".join(LABELS[k] for k in REQUIRED)
    if kinds != REQUIRED:
        notes = differences(kinds)
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
            f"{'; '.join(notes)}. Required: {required}. Found in {network}, {len(stages)} stages: {listing}",
            details=details,
        )
    if final != GRADED_SHAPE:
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
            f"the sequence is right but a 1×3×32×32 input comes out as {final} ({network}: {listing})",
            details=details,
        )
    opened = sorted({s.facts["opened_from"]["path"] for s in read if s.facts.get("opened_from")})
    note = f"; blocks read inside {', '.join(opened)}" if opened else ""
    unlisted = [s.facts["path"] for s in read if s.facts.get("unlisted_parameters")]
    if unlisted:
        note += f"; param() lists no parameters of the upsampling at {', '.join(unlisted)}"
    own = found.get("own_forward") or {}
    if own.get("shape") is not None and not own.get("matches_chain"):
        note += "; the network's own forward gives another result than its blocks run in turn"
    return Check(
        ARCHITECTURE.id, Status.PASS, f"{' → '.join(s.label for s in stages)} ({network}){note}", details=details
    )
