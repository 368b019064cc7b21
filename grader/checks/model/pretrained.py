"""model.load_pretrained and model.pretrained_psnr.

Loading is tried the way a grading machine would: from a working directory
that is not the submission's, on the device the judge chose. A checkpoint
opened relative to the working directory is retried from the submission
root, its package folder and (shim `course_cwd`) the folder above the team
folder, where the course ran its test.py (`./Proj_xxx/Miniproject_2/...`),
and graded with a note instead of a zero. CUDA checkpoints and whole pickled
models are the worker's shims (grader.sandbox.shims): their notes come back
with the reply and are put on this check (grader.checks.shims).

The PSNR is measured as the course measured it: predict on the uint8 images
of val_data.pkl, 100 at a time. A model that rescales only uint8 input, or
computes in float64, gets its real PSNR; how it reads float input is
model.predict_float's question.
"""

from __future__ import annotations

import os

import torch

from grader import psnr
from grader.checks.declare import PSNR_GAIN, check
from grader.checks.model.context import ModelContext
from grader.checks.shims import add_shim_note
from grader.checks.verdicts import RUN_FAILURES, failure_check
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure

LOAD_PRETRAINED = check(
    "model.load_pretrained", 3, "bestmodel.pth loads from another working directory on the grading device"
)
PRETRAINED_PSNR = check(
    "model.pretrained_psnr",
    8,
    "PSNR of the pretrained model on the validation set (points grow with the gain)",
    credit=PSNR_GAIN,
)
COURSE_CWD = "the folder above the team folder (where the course ran test.py)"


def load_check(ctx: ModelContext) -> tuple[Check, str | None]:
    """model.load_pretrained: returns (check, handle of the loaded model or None)."""
    client = ctx.client
    places = [
        ("a working directory outside the submission", lambda: None),
        ("the submission root", lambda: ctx.submission_root),
        (f"the {ctx.project.package} folder", lambda: os.path.join(ctx.submission_root, ctx.project.package)),
    ]
    if "course_cwd" in client.worker.settings.shims:
        places.append((COURSE_CWD, lambda: os.path.dirname(ctx.submission_root)))
    place, last = 0, None
    while True:
        where, cwd = places[place]
        try:
            handle = client.new("Model", context="Model.__init__")["handle"]  # (re)starts the worker if needed
            client.call(handle, "load_pretrained_model", context="Model.load_pretrained_model", cwd=cwd(), timeout=120)
        except WorkerFailure as exc:
            return failure_check(LOAD_PRETRAINED.id, exc), None
        except StudentRaised as exc:
            last = exc
            if exc.info.get("type") in ("FileNotFoundError", "OSError", "IsADirectoryError") and place + 1 < len(
                places
            ):
                place += 1
                continue
            break
        details = {"working_directory": where}
        check = Check(LOAD_PRETRAINED.id, Status.PASS, f"bestmodel.pth loaded from {where}", details=details)
        relative = (
            "bestmodel.pth is opened relative to the working directory (use Path(__file__).parent / 'bestmodel.pth')"
        )
        if where == COURSE_CWD:
            note = (
                "bestmodel.pth is opened relative to the working directory, which only the course's set-up "
                "(test.py beside the team folders) satisfies (use Path(__file__).parent / 'bestmodel.pth')"
            )
            add_shim_note(check, "course_cwd", note)
        elif place:
            check.status = Status.WARN
            check.message += f"; {relative}"
        return check, handle
    return failure_check(LOAD_PRETRAINED.id, last, prefix="load_pretrained_model() failed: "), None


COURSE_BATCH = 100  # the course's evaluation fed val_data.pkl's uint8 images to predict in batches of 100


def predict_all(ctx: ModelContext, handle: str, label: str) -> tuple[torch.Tensor, dict]:
    """The model's predictions for every validation input, fed as the course did: uint8 tensors, 100 at a time.

    When predict raises on uint8 input, every image is predicted again as float32 0–255 (the
    uint8 crash is model.predict_uint8's to charge, not the PSNR's). Returns (predictions, how:
    {"input": "uint8" | "float32", "batch": ..., "uint8_error": ...}).
    """
    how: dict = {"input": "uint8", "batch": COURSE_BATCH}
    try:
        return _predict_batches(ctx, handle, label, ctx.val_input), how
    except StudentRaised as exc:
        how.update(input="float32", uint8_error=exc.info)
    return _predict_batches(ctx, handle, label, ctx.val_input.to(torch.float32)), how


def _predict_batches(ctx: ModelContext, handle: str, label: str, images: torch.Tensor) -> torch.Tensor:
    outputs = []
    for start in range(0, len(images), COURSE_BATCH):
        batch = images[start : start + COURSE_BATCH]
        reply = ctx.client.call(
            handle, "predict", batch, context="Model.predict", cast=False, timeout=ctx.predict_timeout
        )
        out = tensor_of(reply["value"])
        if out is None:
            raise StudentRaised(
                {
                    "type": "TypeError",
                    "message": f"predict returned {reply['value'].get('kind')}, not a tensor",
                    "where": [],
                },
                label,
            )
        if tuple(out.shape) != tuple(batch.shape):
            raise ValueError(f"prediction shape {list(out.shape)} for an input of shape {list(batch.shape)}")
        outputs.append(out)
    if len({o.dtype for o in outputs}) > 1:
        outputs = [o.to(torch.float64) for o in outputs]
    return torch.cat(outputs) if outputs else torch.empty(0, *images.shape[1:])


def psnr_of(ctx: ModelContext, prediction: torch.Tensor) -> dict:
    """Both PSNR definitions of a prediction against the clean images (clamped to 0–255 first)."""
    if tuple(prediction.shape) != tuple(ctx.val_target.shape):
        raise ValueError(f"prediction shape {list(prediction.shape)} where {list(ctx.val_target.shape)} was expected")
    pred = prediction.detach().to(torch.float64)
    pred = torch.nan_to_num(pred, nan=0.0, posinf=255.0, neginf=0.0).clamp(0, 255)
    return {
        "per_image": psnr.psnr_per_image(pred, ctx.val_target, data_range=255.0),
        "global": psnr.psnr_global(pred, ctx.val_target, data_range=255.0),
    }


def noisy_psnr(ctx: ModelContext) -> dict:
    return {
        "per_image": psnr.psnr_per_image(ctx.val_input, ctx.val_target, data_range=255.0),
        "global": psnr.psnr_global(ctx.val_input, ctx.val_target, data_range=255.0),
    }


def psnr_check(
    check_id: str, ctx: ModelContext, handle: str | None, *, label: str, must_gain: float, unavailable: str
) -> tuple[Check, dict | None]:
    """PSNR of the model's predictions vs clean; passes when it beats the noisy input by `must_gain` dB."""
    noisy = noisy_psnr(ctx)
    if handle is None:
        return Check(check_id, Status.SKIPPED, unavailable), None
    try:
        prediction, how = predict_all(ctx, handle, label)
        value = psnr_of(ctx, prediction)
    except RUN_FAILURES as exc:
        return failure_check(check_id, exc, prefix="predict on the validation set failed: "), None
    except ValueError as exc:  # the prediction's shape
        return Check(check_id, Status.FAIL, f"predict on the validation set failed: {exc}"), None
    if ctx.on_predictions is not None:
        try:  # a report's pictures; never allowed to break grading
            ctx.on_predictions(label, ctx.val_input, prediction, ctx.val_target)
        except Exception:
            pass
    gain = value["per_image"] - noisy["per_image"]
    details = {
        "psnr": value["per_image"],
        "psnr_global": value["global"],
        "noisy_input": noisy["per_image"],
        "noisy_input_global": noisy["global"],
        "gain_db": gain,
        "images": len(ctx.val_target),
        "reference": ctx.reference.get(check_id.split(".")[-1]),
        "predict_input": how,
    }
    text = (
        f"{value['per_image']:.2f} dB per image ({value['global']:.2f} dB global) vs noisy input "
        f"{noisy['per_image']:.2f} dB: {gain:+.2f} dB"
    )
    if how["input"] != "uint8":
        error = how["uint8_error"]
        text += (
            f"; predict raised on uint8 input as the course fed it ({error.get('type')}: "
            f"{str(error.get('message'))[:120]}), so it was measured with float32 0–255 input (see model.predict_uint8)"
        )
    if details["reference"] is not None:
        text += f"; reference {details['reference']:.2f} dB"
    status = Status.PASS if gain > must_gain else Status.FAIL
    return Check(check_id, status, text, details=details), value
