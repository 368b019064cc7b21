"""model.train_odd_n, model.train_time and model.trained_psnr.

The timed epoch runs from a fresh Model() on the training pairs the judge
chooses; the judge measures wall time itself (it never believes a time the
worker reports) and stops the worker at the budget.
"""

from __future__ import annotations

import time

from grader.checks.declare import check
from grader.checks.model.context import ModelContext
from grader.checks.model.pretrained import predict_all, psnr_check, psnr_of
from grader.checks.verdicts import RUN_FAILURES, failure_check
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised
from grader.sandbox.supervisor import WorkerFailure

TRAIN_ODD_N = check(
    "model.train_odd_n", 1, "train() copes with a number of pairs that is not a multiple of the batch size"
)
TRAIN_TIME = check(
    "model.train_time",
    5,
    "one epoch from a fresh Model() within the course's budget (30 min CPU / 10 min GPU per 50k)",
    required=True,
)
TRAINED_PSNR = check("model.trained_psnr", 4, "PSNR after that epoch beats the noisy input")
CHECKS = (TRAIN_ODD_N, TRAIN_TIME, TRAINED_PSNR)

ODD_N = 37  # not a multiple of any usual batch size
SHORT_TRAINING_GAIN_DB = 1.0  # --fast: the epoch must raise PSNR by this much over the untrained model


def odd_n_check(ctx: ModelContext) -> Check:
    """Training on a number of pairs that is not a multiple of the batch size must not crash."""
    client = ctx.client
    try:
        handle = client.new("Model", context="Model.__init__")["handle"]
        client.call(
            handle,
            "train",
            ctx.train_input[:ODD_N],
            ctx.train_target[:ODD_N],
            1,
            context="Model.train",
            cast=False,
            timeout=max(ctx.budget_floor, ctx.budget_seconds * ODD_N / max(1, len(ctx.train_input)) * 20),
        )
        client.free(handle)
    except RUN_FAILURES as exc:
        return failure_check(
            TRAIN_ODD_N.id, exc, prefix=f"train on {ODD_N} pairs (not a multiple of the batch size) failed: "
        )
    return Check(TRAIN_ODD_N.id, Status.PASS, f"train works on {ODD_N} pairs")


def training_checks(ctx: ModelContext) -> list[Check]:
    """The timed epoch, then the PSNR of the model it produced."""
    pairs = len(ctx.train_input)
    budget = ctx.budget_seconds
    client = ctx.client
    details = {
        "pairs": pairs,
        "budget_seconds": budget,
        "device": ctx.device,
        "reference_seconds": ctx.reference.get("epoch_seconds"),
    }
    if not ctx.train:
        return [
            Check(TRAIN_TIME.id, Status.SKIPPED, "training not requested"),
            Check(TRAINED_PSNR.id, Status.SKIPPED, "training not requested"),
        ]
    handle = None
    untrained = None
    try:
        handle = client.new("Model", context="Model.__init__")["handle"]
        try:  # the fresh model's PSNR, to tell "learned something" from "learned nothing"
            untrained = psnr_of(ctx, predict_all(ctx, handle, "predict before training"))["per_image"]
        except (StudentRaised, ValueError):
            untrained = None
        except WorkerFailure:  # predict kills the worker: training is still graded, on a fresh one
            untrained = None
            handle = client.new("Model", context="Model.__init__")["handle"]
        started = time.monotonic()
        client.call(
            handle, "train", ctx.train_input, ctx.train_target, 1, context="Model.train", cast=False, timeout=budget
        )
        seconds = time.monotonic() - started
    except WorkerFailure as exc:
        if exc.reason == "timeout":  # over the budget: the submission's fault, not the worker's
            details["seconds"] = exc.detail.get("seconds")
            check = Check(
                TRAIN_TIME.id,
                Status.FAIL,
                f"one epoch of {pairs} pairs did not finish within the "
                f"budget of {budget:.0f} s ({ctx.device}); stopped",
                details={**details, "worker": exc.to_dict()},
            )
        else:
            check = failure_check(TRAIN_TIME.id, exc, prefix="training: ", details=details)
        return [check, Check(TRAINED_PSNR.id, Status.SKIPPED, "training did not finish")]
    except StudentRaised as exc:
        return [
            failure_check(TRAIN_TIME.id, exc, prefix="train() failed: ", details=details),
            Check(TRAINED_PSNR.id, Status.SKIPPED, "training failed"),
        ]
    details["seconds"] = seconds
    ctx.timing["epoch_seconds"] = seconds
    ctx.timing["epoch_pairs"] = pairs
    ctx.timing["budget_seconds"] = budget
    ref = ctx.reference.get("epoch_seconds")
    text = f"one epoch of {pairs} pairs in {seconds:.1f} s (budget {budget:.0f} s on {ctx.device})"
    if ref:
        details["ratio_to_reference"] = seconds / ref
        ctx.timing["ratio_to_reference"] = seconds / ref
        text += f"; {seconds / ref:.2f}× the reference's {ref:.1f} s"
    checks = [Check(TRAIN_TIME.id, Status.PASS, text, details=details)]
    check, value = psnr_check(
        TRAINED_PSNR.id, ctx, handle, label="after training", must_gain=0.0, unavailable="training did not finish"
    )
    if value is not None:
        ctx.psnr["trained"] = value["per_image"]
        ctx.psnr["trained_global"] = value["global"]
    if untrained is not None:
        check.details["untrained_psnr"] = untrained
        ctx.psnr["untrained"] = untrained
    if check.status == Status.FAIL and "gain_db" in check.details:
        improved = untrained is not None and check.details["psnr"] >= untrained + SHORT_TRAINING_GAIN_DB
        if ctx.short_training and improved:
            # a few thousand pairs need not beat the noisy input; learning is what --fast can show
            check.status = Status.PASS
            check.message += (
                f"; short training (--fast): up {check.details['psnr'] - untrained:+.2f} dB from "
                f"the untrained model's {untrained:.2f} dB (needs {SHORT_TRAINING_GAIN_DB:+.1f})"
            )
        else:
            check.message += " — after one epoch the model should at least beat its noisy input"
            if untrained is not None:
                check.message += f" (untrained model: {untrained:.2f} dB)"
    checks.append(check)
    return checks
