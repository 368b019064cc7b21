"""model.api and model.architecture: Model() builds, and its network has the required sequence.

Required: Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU,
Upsampling, Sigmoid. A bare nearest upsampling followed by a stride-1
convolution counts as one Upsampling (that is what the combination is).
Strides are read from the blocks' attributes and confirmed by the shapes a
1×3×32×32 probe takes through the network.
"""

from __future__ import annotations

import torch

from grader.checks import names
from grader.result import Check
from grader.sandbox.client import StudentRaised
from grader.sandbox.supervisor import WorkerFailure

REQUIRED = ["conv/2", "relu", "conv/2", "relu", "up", "relu", "up", "sigmoid"]
PRETTY = {
    "conv/2": "Conv(stride 2)",
    "conv": "Conv",
    "relu": "ReLU",
    "up": "Upsampling",
    "sigmoid": "Sigmoid",
    "nearest": "NearestUpsampling(bare)",
}
_KIND_NAMES = {
    "conv": names.ALIASES["Conv2d"],
    "relu": names.ALIASES["ReLU"],
    "sigmoid": names.ALIASES["Sigmoid"],
    "up": names.ALIASES["TransposeConv2d"]
    + (
        "Upsampling",
        "UpSampling",
        "Upsample",
        "NearestUpsampling",
        "NearestUpSampling",
        "UpsamplingConv",
        "Upconv",
        "UpConv",
    ),
}


def api_check(client, exported: dict) -> tuple[Check, str | None]:
    """model.api: Model exists, Model() constructs, the three methods exist. Returns (check, handle)."""
    if exported.get("Model", {}).get("kind") != "class":
        return Check("model.api", "fail", "no class `Model` in model.py"), None
    try:
        handle = client.new("Model", context="Model.__init__")["handle"]
    except (StudentRaised, WorkerFailure) as exc:
        status = "error" if isinstance(exc, WorkerFailure) else "fail"
        return Check("model.api", status, f"Model() failed: {exc}"), None
    methods = client.send("describe_object", handle=handle)["methods"]
    missing = [m for m in ("load_pretrained_model", "train", "predict") if m not in methods]
    if missing:
        return Check(
            "model.api", "fail", f"Model lacks {', '.join(m + '()' for m in missing)}", details={"methods": methods}
        ), handle
    return Check("model.api", "pass", "Model() builds and has load_pretrained_model, train and predict"), handle


def _kind(block: dict, shape_in, shape_out) -> str:
    cls = block["class"]
    kind = next(
        (k for k, aliases in _KIND_NAMES.items() if cls in aliases or any(m in aliases for m in block["mro"])), None
    )
    if kind is None:
        lowered = cls.lower()
        kind = (
            "relu"
            if "relu" in lowered
            else "sigmoid"
            if "sigmoid" in lowered
            else "up"
            if ("up" in lowered or "transpose" in lowered)
            else "conv"
            if "conv" in lowered
            else "other"
        )
    halves = (
        shape_in is not None and shape_out is not None and len(shape_out) == 4 and shape_out[-1] * 2 == shape_in[-1]
    )
    doubles = (
        shape_in is not None and shape_out is not None and len(shape_out) == 4 and shape_out[-1] == shape_in[-1] * 2
    )
    stride = block.get("stride")
    stride2 = halves or (stride == 2 or stride == [2, 2])
    if kind == "conv" and stride2:
        return "conv/2"
    if kind == "up" and not block.get("weight_shape") and doubles:
        return "nearest"
    if kind == "conv" and doubles:
        return "up"
    return kind


def architecture_check(client, handle: str | None) -> Check:
    """model.architecture: the network found in Model, block by block, against the required sequence."""
    if handle is None:
        return Check("model.architecture", "fail", "Model() could not be built")
    try:
        found = client.describe(handle, probe=torch.zeros(1, 3, 32, 32))
    except StudentRaised as exc:
        return Check("model.architecture", "fail", f"describing the network failed: {exc}")
    except WorkerFailure as exc:
        return Check("model.architecture", "error", exc.message, details={"worker": exc.to_dict()})
    if not found.get("found"):
        return Check(
            "model.architecture",
            "fail",
            "no Sequential-like network found among Model's attributes (looked for an object with a list of blocks)",
            details={"attributes": found.get("attributes")},
        )
    blocks = found["blocks"]
    shapes = [[1, 3, 32, 32]] + [b.get("output_shape") for b in blocks]
    kinds = [_kind(b, shapes[i], shapes[i + 1]) for i, b in enumerate(blocks)]
    collapsed: list[str] = []
    i = 0
    while i < len(kinds):
        if kinds[i] == "nearest" and i + 1 < len(kinds) and kinds[i + 1] == "conv":
            collapsed.append("up")
            i += 2
            continue
        collapsed.append(kinds[i])
        i += 1
    text = " → ".join(PRETTY.get(k, k) for k in collapsed)
    details = {
        "blocks": blocks,
        "kinds": kinds,
        "sequence": collapsed,
        "required": REQUIRED,
        "network_class": found.get("network_class"),
        "probe_shapes": shapes,
    }
    final = shapes[-1]
    if collapsed != REQUIRED:
        return Check(
            "model.architecture",
            "fail",
            f"found {text}; required " + " → ".join(PRETTY[k] for k in REQUIRED),
            details=details,
        )
    if final != [1, 3, 32, 32]:
        return Check(
            "model.architecture",
            "fail",
            f"the sequence is right but a 1×3×32×32 input comes out as {final}",
            details=details,
        )
    return Check("model.architecture", "pass", f"{text} ({found.get('network_class')})", details=details)
