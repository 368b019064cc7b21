"""Correct numbers computed with forbidden means earn nothing.

A block whose methods called a forbidden torch function or used autograd
while the judge ran them has not been implemented as the rules ask, however
right its output: its passing checks become failures that point at the
runtime trace. The same holds for the PSNR of a model whose predict did so,
and for the training checks when train() did.
"""

from __future__ import annotations

from grader.checks import blocks
from grader.checks.model.pretrained import PRETRAINED_PSNR
from grader.checks.model.training import TRAIN_TIME, TRAINED_PSNR
from grader.result import Check, Status

VOIDING_CATEGORIES = ("forbidden_torch", "forbidden_import", "autograd")
_MODEL_CONTEXTS = {  # a Model method -> the checks whose numbers it produced
    "Model.predict": (PRETRAINED_PSNR.id, TRAINED_PSNR.id),
    "Model.train": (TRAIN_TIME.id, TRAINED_PSNR.id),
}


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


def void_forbidden(checks: list[Check]) -> None:
    """Turn passing checks whose results came from forbidden calls into failures (in place)."""
    runtime = [c for c in checks if c.id in ("rules.runtime_forbidden", "rules.autograd")]
    offenders: dict[str, set[str]] = {}  # check-id prefix or id -> offending names
    for check in runtime:
        for call in check.details.get("calls", []):
            if call.get("severity") != "fail" or call.get("category") not in VOIDING_CATEGORIES:
                continue
            context = call.get("context", "")
            block = _block_of(context)
            if block is not None:
                # a forbidden forward taints everything; a forbidden backward only the gradients
                key = f"blocks.{block}." + ("backward" if context.endswith(".backward") else "")
                offenders.setdefault(key, set()).add(f"{context} called {call['name']}")
            for ctx, ids in _MODEL_CONTEXTS.items():
                if context == ctx:
                    for check_id in ids:
                        offenders.setdefault(check_id, set()).add(f"{context} called {call['name']}")
    if not offenders:
        return
    for check in checks:
        if check.status not in (Status.PASS, Status.WARN) or check.details.get("not_applicable"):
            continue
        if check.id.endswith(".name"):
            continue  # the name is still right
        reasons = next((why for key, why in offenders.items() if _taints(key, check.id)), None)
        if reasons:
            check.details["voided_message"] = check.message
            check.status = Status.FAIL
            check.message = (
                f"no credit: {'; '.join(sorted(reasons)[:3])} (forbidden; see rules.runtime_forbidden "
                f"and rules.autograd). Without it: {check.message}"
            )
