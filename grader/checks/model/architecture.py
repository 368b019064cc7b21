"""model.api and model.architecture: Model() builds, and its network has the required sequence.

Required: Conv(stride 2), ReLU, Conv(stride 2), ReLU, Upsampling, ReLU,
Upsampling, Sigmoid. A bare nearest upsampling followed by a stride-1
convolution counts as one Upsampling (that is what the combination is).
Strides are read from the blocks' attributes and confirmed by the shapes a
1×3×32×32 probe takes through the network.
"""

from __future__ import annotations

import torch

from grader.checks.blocks.activations import RELU, SIGMOID
from grader.checks.blocks.conv import CONV2D
from grader.checks.blocks.upsampling import TRANSPOSE
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
PRETTY = {
    "conv/2": "Conv(stride 2)",
    "conv": "Conv",
    "relu": "ReLU",
    "up": "Upsampling",
    "sigmoid": "Sigmoid",
    "nearest": "NearestUpsampling(bare)",
}
_UPSAMPLING_NAMES = (
    "Upsampling",
    "UpSampling",
    "Upsample",
    "NearestUpsampling",
    "NearestUpSampling",
    "UpsamplingConv",
    "Upconv",
    "UpConv",
)
# a block's kind from its class (or a base class) name
_KIND_NAMES = {
    "conv": CONV2D.spellings,
    "relu": RELU.spellings,
    "sigmoid": SIGMOID.spellings,
    "up": TRANSPOSE.spellings + _UPSAMPLING_NAMES,
}
# else from a fragment of its class name, tried in this order
_KIND_FRAGMENTS = (("relu", "relu"), ("sigmoid", "sigmoid"), ("up", "up"), ("transpose", "up"), ("conv", "conv"))


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


def _kind(block: dict, shape_in, shape_out) -> str:
    cls = block["class"]
    kind = next(
        (k for k, aliases in _KIND_NAMES.items() if cls in aliases or any(m in aliases for m in block["mro"])), None
    )
    if kind is None:
        kind = next((k for fragment, k in _KIND_FRAGMENTS if fragment in cls.lower()), "other")
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
        return Check(ARCHITECTURE.id, Status.FAIL, "Model() could not be built")
    try:
        found = client.describe(handle, probe=torch.zeros(1, 3, 32, 32))
    except RUN_FAILURES as exc:
        return failure_check(ARCHITECTURE.id, exc, prefix="describing the network failed: ")
    if not found.get("found"):
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
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
            ARCHITECTURE.id,
            Status.FAIL,
            f"found {text}; required " + " → ".join(PRETTY[k] for k in REQUIRED),
            details=details,
        )
    if final != [1, 3, 32, 32]:
        return Check(
            ARCHITECTURE.id,
            Status.FAIL,
            f"the sequence is right but a 1×3×32×32 input comes out as {final}",
            details=details,
        )
    return Check(ARCHITECTURE.id, Status.PASS, f"{text} ({found.get('network_class')})", details=details)
