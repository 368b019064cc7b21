"""Correct numbers computed with forbidden means earn nothing, when the forbidden call did the work being graded.

A block whose method handed its own job to torch (a Conv2d whose forward calls
torch's conv2d, a Sigmoid calling torch.sigmoid, a backward whose gradient
autograd computed) has not been implemented, however right its output: its
passing checks become failures that point at the runtime trace. The same holds
for the PSNR of a model whose predict did so, and for the training checks when
train() did.

Any other forbidden call (torch.zeros in __init__, torch.exp(x) where x.exp()
is allowed, torch.einsum as a matrix product) breaks a rule but computes only a
part the student wrote around it: the rules checks charge it, with its
file:line, and the numbers still count. The rubric's `[proportion] void`
setting chooses (grader.scoring.VOID_POLICIES):

- "own_job" (default): void only for a call that does the block's own job
  (JOBS below), or, in Model.predict / Model.train, the job of any block, an
  optimizer, or autograd computing gradients;
- "any": void for every forbidden call or autograd use (the grader before issue 9);
- "none": never void; the rules checks alone charge forbidden calls.
"""

from __future__ import annotations

import re

from grader.checks import blocks
from grader.checks.model.pretrained import PRETRAINED_PSNR
from grader.checks.model.training import TRAIN_TIME, TRAINED_PSNR
from grader.result import Check, Status

VOIDING_CATEGORIES = ("forbidden_torch", "forbidden_import", "autograd")
_MODEL_CONTEXTS = {  # a Model method -> the checks whose numbers it produced
    "Model.predict": (PRETRAINED_PSNR.id, TRAINED_PSNR.id),
    "Model.train": (TRAIN_TIME.id, TRAINED_PSNR.id),
}

_CONVOLUTION = r"conv[123]d|convolution|_convolution|conv_tbc|\w*_convolution\w*|\w*slow_conv\w*|thnn_conv\w*"
_TRANSPOSED = r"conv_transpose[123]d|\w*convolution_transpose\w*|\w*slow_conv_transpose\w*"
_UPSAMPLE = r"interpolate|upsample\w*|_upsample\w*|pixel_shuffle"
# What each block is there to compute, as torch names a call: the short name after torch., torch.nn.functional.,
# torch.special. or torch.ops.aten. (in-place `_` and overload suffixes dropped), and the torch.nn modules.
JOBS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Conv2d": (_CONVOLUTION, ("Conv1d", "Conv2d", "Conv3d", "LazyConv2d")),
    # an upsampling block upsamples and convolves, by nearest + conv or by a transposed convolution
    "NearestUpsampling": (
        f"{_UPSAMPLE}|{_CONVOLUTION}|{_TRANSPOSED}",
        ("Upsample", "UpsamplingNearest2d", "Conv2d", "ConvTranspose2d"),
    ),
    "TransposeConv2d": (f"{_TRANSPOSED}|{_CONVOLUTION}", ("ConvTranspose2d", "Conv2d")),
    "ReLU": (r"relu|threshold", ("ReLU",)),
    "Sigmoid": (r"sigmoid|expit", ("Sigmoid",)),
    "MSE": (r"mse_loss", ("MSELoss",)),
    "SGD": (r"_foreach\w*|_fused_sgd\w*|sgd", ()),
    "Sequential": (r"(?!)", ("Sequential",)),
}
# autograd names that compute a gradient (switching grad mode on or marking a tensor does not)
_GRADIENT = re.compile(
    r"^(torch\.Tensor\.backward|torch\.autograd\.(grad|backward|functional\..*|function\..*|Function.*)"
    r"|torch\.func\..*|functorch\..*|torch\.utils\.checkpoint.*)$"
)
_SHORT_PREFIXES = ("torch.nn.functional.", "torch.special.", "torch.ops.aten.", "torch._C._nn.", "torch.")


def _short(name: str) -> str:
    """'torch.ops.aten.convolution.default' -> 'convolution'; 'torch.relu_' -> 'relu'."""
    for prefix in _SHORT_PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            break
    else:
        return ""
    return name.split(".", 1)[0].rstrip("_") or name


def _nn_module(name: str) -> str | None:
    """'torch.nn.Conv2d' / 'torch.nn.modules.conv.Conv2d(...)' -> 'Conv2d'."""
    if not name.startswith("torch.nn.") or name.startswith("torch.nn.functional."):
        return None
    last = name.split("(", 1)[0].rsplit(".", 1)[-1]
    return last if last[:1].isupper() else None


def does_job(name: str, category: str, block: str | None) -> bool:
    """True when the forbidden call `name` does the job of `block` (None: of any block, as in Model.predict)."""
    if category == "autograd":
        return bool(_GRADIENT.match(name))
    if category != "forbidden_torch":
        return False  # a third-party library seen at run time: charged by the rules checks
    if name.startswith("torch.optim."):
        return block in (None, "SGD")
    jobs = JOBS.values() if block is None else [JOBS.get(block, (r"(?!)", ()))]
    module = _nn_module(name)
    short = _short(name)
    return any(
        (module is not None and module in modules) or (short and re.fullmatch(pattern, short))
        for pattern, modules in jobs
    )


def _block_of(context: str) -> str | None:
    """The required block name a trace context belongs to ('Conv2d.forward' -> 'Conv2d')."""
    head = context.split(".", 1)[0]
    return next((block.name for block in blocks.blocks() if head in block.spellings), None)


_FORWARD_ONLY = ("forward", "param", "init")


def _taints(key: str, check_id: str) -> bool:
    if key.endswith(".backward"):  # every aspect that runs backward
        prefix = key[: -len("backward")]
        return check_id.startswith(prefix) and check_id[len(prefix) :] not in _FORWARD_ONLY
    return check_id == key or (key.endswith(".") and check_id.startswith(key))


def _voids(call: dict, block: str | None, policy: str) -> bool:
    if call.get("severity") != "fail" or call.get("category") not in VOIDING_CATEGORIES:
        return False
    if policy == "any":
        return True
    return policy == "own_job" and does_job(str(call.get("name", "")), str(call.get("category")), block)


def void_forbidden(checks: list[Check], policy: str = "own_job") -> None:
    """Turn passing checks whose results came from forbidden calls into failures (in place), per `policy`."""
    if policy == "none":
        return
    runtime = [c for c in checks if c.id in ("rules.runtime_forbidden", "rules.autograd")]
    offenders: dict[str, set[str]] = {}  # check-id prefix or id -> offending names
    for check in runtime:
        for call in check.details.get("calls", []):
            context = call.get("context", "")
            block = _block_of(context)
            why = f"{context} called {call['name']}" + (f" at {call['where']}" if call.get("where") else "")
            if block is not None and _voids(call, block, policy):
                # a forbidden forward taints everything; a forbidden backward only the gradients
                key = f"blocks.{block}." + ("backward" if context.endswith(".backward") else "")
                offenders.setdefault(key, set()).add(why)
            if context in _MODEL_CONTEXTS and _voids(call, None, policy):
                for check_id in _MODEL_CONTEXTS[context]:
                    offenders.setdefault(check_id, set()).add(why)
    if not offenders:
        return
    what = "the forbidden call does the work this check grades" if policy == "own_job" else "forbidden"
    for check in checks:
        if check.status not in (Status.PASS, Status.WARN) or check.details.get("not_applicable"):
            continue
        if check.id.endswith(".name"):
            continue  # the name is still right
        reasons = next((why for key, why in offenders.items() if _taints(key, check.id)), None)
        if reasons:
            check.details["voided_message"] = check.message
            check.details["voided_by"] = sorted(reasons)
            check.status = Status.FAIL
            check.message = (
                f"no credit: {'; '.join(sorted(reasons)[:3])} ({what}; see rules.runtime_forbidden "
                f"and rules.autograd). Without it: {check.message}"
            )
