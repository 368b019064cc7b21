"""Every check id the grader emits, with what it verifies: the stable, documented interface.

Other tools and instructors' scripts read these ids; tests assert that a
grading run emits exactly this set. `grade checks` prints it with the points
of the rubric in use.
"""

from __future__ import annotations

from grader.result import Check

_LAYER = {
    "name": "the class exists under the required name (a recognised slip is a warning)",
    "forward": "forward output vs torch (float64), basic configuration",
    "backward_input": "backward's return value (dL/dx) vs autograd",
    "backward_weight": "weight gradient added by backward vs autograd",
    "backward_bias": "bias gradient added by backward vs autograd",
    "accumulate": "a second forward/backward adds to the gradients instead of overwriting them",
    "param": "param() returns (parameter, gradient) pairs of equal shapes for weight and bias",
}

CATALOG: dict[str, str] = {
    "structure.layout": "a Miniproject_2 package with __init__.py and model.py was found",
    "structure.folder_name": "the team folder is named Proj_SCIPER1_SCIPER2[_SCIPER3] (warning only)",
    "structure.bestmodel": "bestmodel.pth is present, not a Git LFS pointer, not empty, not oversized",
    "structure.report": "Report_2.pdf is present (warning only; the report is graded separately)",
    "structure.files": "no stray bytecode-only modules, huge or numerous files (warning only)",
    "structure.import": "Miniproject_2.model imports in the sandboxed worker",
    "rules.syntax": "every .py file parses",
    "rules.static_imports": "no forbidden imports or torch calls in the source (file and line for each)",
    "rules.autograd_static": "no sign of autograd in the source (hints; the runtime trace decides)",
    "rules.tampering": "no monkeypatching, frame walking, gc hunting or grader references in the source",
    "rules.risky_code": "dynamic code, subprocesses, network, environment reads (warning at most)",
    "rules.runtime_forbidden": "no forbidden torch function called while the judge ran the code (block.method named)",
    "rules.autograd": "no autograd while running: requires_grad, backward(), grad mode switched on",
    "rules.runtime_tampering": "the worker's trace and torch functions were left intact",
    "rules.import_side_effects": "global torch state changed by importing (default dtype, grad mode): notes only",
    **{f"blocks.Conv2d.{k}": v for k, v in _LAYER.items()},
    "blocks.Conv2d.init": "initial weights within torch's default ±1/sqrt(fan_in) (warning only)",
    "blocks.Conv2d.tuple_kernel": "Conv2d(4, 2, (2, 3)): a non-square kernel, forward and gradients",
    "blocks.Conv2d.stride": "Conv2d(3, 4, 3, stride=2), batch 1, forward and gradients",
    "blocks.Conv2d.padding": "Conv2d(3, 4, 3, stride=2, padding=1), forward and gradients",
    "blocks.Conv2d.dilation": "Conv2d(2, 3, 3, dilation=2) (optional: warning at most)",
    **{f"blocks.NearestUpsampling.{k}": v for k, v in _LAYER.items()},
    **{f"blocks.TransposeConv2d.{k}": v for k, v in _LAYER.items()},
    "blocks.TransposeConv2d.init": "initial weights within torch's default bounds (warning only)",
    "blocks.TransposeConv2d.padding": "TransposeConv2d(4, 3, 4, stride=2, padding=1), forward and gradients",
    "blocks.TransposeConv2d.tuple_kernel": "TransposeConv2d(3, 2, (2, 3)), forward and gradients",
    "blocks.ReLU.name": _LAYER["name"],
    "blocks.ReLU.forward": "forward vs torch.relu",
    "blocks.ReLU.backward": "input gradient vs autograd",
    "blocks.ReLU.param": "param() exists and returns an empty list",
    "blocks.Sigmoid.name": _LAYER["name"],
    "blocks.Sigmoid.forward": "forward vs torch.sigmoid",
    "blocks.Sigmoid.backward": "input gradient vs autograd",
    "blocks.Sigmoid.param": "param() exists and returns an empty list",
    "blocks.MSE.name": _LAYER["name"],
    "blocks.MSE.forward": "loss value vs torch.nn.MSELoss() (mean reduction)",
    "blocks.MSE.backward": "gradient w.r.t. the prediction vs autograd",
    "blocks.SGD.name": _LAYER["name"],
    "blocks.SGD.step": "one step over planted (param, grad) pairs vs torch.optim.SGD, in place",
    "blocks.SGD.zero_grad": "zero_grad() zeroes every gradient in place (not applicable when absent)",
    "blocks.SGD.momentum": "two steps with momentum 0.9 vs torch.optim.SGD (optional)",
    "blocks.Sequential.name": _LAYER["name"],
    "blocks.Sequential.forward": "chains the forwards of planted probe blocks in order",
    "blocks.Sequential.backward": "chains the backwards in reverse order",
    "blocks.Sequential.param": "concatenates the blocks' param() pairs in order, with their gradients",
    "model.api": "Model() builds with no arguments and has load_pretrained_model, train, predict",
    "model.architecture": "Conv(s2), ReLU, Conv(s2), ReLU, Upsampling, ReLU, Upsampling, Sigmoid; 32×32 in and out",
    "model.load_pretrained": "bestmodel.pth loads from another working directory on the grading device",
    "model.predict_shape": "predict returns N×C×H×W",
    "model.predict_range": "predict's values are finite and within 0–255",
    "model.predict_dtype": "predict returns a float tensor (warning otherwise)",
    "model.predict_input_unchanged": "predict leaves its input tensor unchanged",
    "model.predict_uint8": "predict accepts a uint8 tensor (warning otherwise)",
    "model.predict_other_size": "predict works on another, odd image size (warning otherwise)",
    "model.pretrained_psnr": "PSNR of the pretrained model on the validation set (points grow with the gain)",
    "model.train_odd_n": "train() copes with a number of pairs that is not a multiple of the batch size",
    "model.train_time": "one epoch from a fresh Model() within the course's budget (30 min CPU / 10 min GPU per 50k)",
    "model.trained_psnr": "PSNR after that epoch beats the noisy input",
}


def grader_error_checks(prefixes: list[str], exc: BaseException) -> list[Check]:
    """`error` checks for every catalogued id under `prefixes`, when the grader itself failed there."""
    message = (
        f"the grader failed while running this check ({type(exc).__name__}: {exc}); this is a bug in "
        "the grader, not in the submission: please report it"
    )
    return [
        Check(i, "error", message, details={"grader_error": repr(exc)})
        for i in CATALOG
        if any(i.startswith(p) for p in prefixes)
    ]


def describe(check_id: str) -> str:
    """What a check verifies ('' for an unknown id)."""
    return CATALOG.get(check_id, "")
