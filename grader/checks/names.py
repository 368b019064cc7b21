"""Required block names and the slips real submissions make.

Check ids always use the required name (`blocks.Conv2d.forward`) whatever the
student called the class; a slip is graded with a naming note.
"""

from __future__ import annotations

# required name -> accepted spellings, most likely first
ALIASES: dict[str, tuple[str, ...]] = {
    "Conv2d": ("Conv2d", "Conv2D", "Convolution2d", "Convolution2D", "Conv", "Convolution"),
    "TransposeConv2d": (
        "TransposeConv2d",
        "TransposedConv2d",
        "ConvTranspose2d",
        "TransposeConv2D",
        "TransposedConv2D",
        "ConvTranspose2D",
        "Deconv2d",
        "TransposeConvolution2d",
    ),
    "NearestUpsampling": (
        "NearestUpsampling",
        "NearestUpSampling",
        "NearestUpsample",
        "NNUpsampling",
        "NearestNeighborUpsampling",
        "NearestNeighbourUpsampling",
        "Upsampling",
        "UpSampling",
        "Upsample",
        "UpSample",
        "Upsampling2d",
    ),
    "ReLU": ("ReLU", "Relu", "RELU", "ReLu", "relu"),
    "Sigmoid": ("Sigmoid", "sigmoid", "SigmoidActivation"),
    "MSE": ("MSE", "MSELoss", "MseLoss", "LossMSE", "MSE_Loss", "Mse", "MeanSquaredError"),
    "SGD": ("SGD", "Sgd", "SGDOptimizer", "OptimizerSGD"),
    "Sequential": ("Sequential", "Seq", "SequentialModel"),
    "Model": ("Model",),
}

# The upsampling block: students implement one of these two.
UPSAMPLING_VARIANTS = ("NearestUpsampling", "TransposeConv2d")

BLOCKS = ("Conv2d", "NearestUpsampling", "TransposeConv2d", "ReLU", "Sigmoid", "MSE", "SGD", "Sequential")


def resolve(required: str, exported: dict[str, dict]) -> tuple[str | None, str | None]:
    """Find the student's class for a required block.

    Returns (class name used, note). The note is None for the exact name, a
    naming remark for a recognised slip; (None, None) when nothing matches.
    """
    classes = {name for name, info in exported.items() if info.get("kind") == "class"}
    for candidate in ALIASES.get(required, (required,)):
        if candidate in classes:
            if candidate == required:
                return candidate, None
            return candidate, f"found as `{candidate}`; the handout requires the name `{required}`"
    lowered = {name.lower(): name for name in classes}
    if required.lower() in lowered:
        name = lowered[required.lower()]
        return name, f"found as `{name}`; the handout requires the name `{required}`"
    return None, None
