"""model.train_odd_n, model.train_time and model.trained_psnr.

The timed epoch runs from a fresh Model() on the training pairs the judge
chooses; the judge measures wall time itself (it never believes a time the
worker reports) and stops the worker at the budget. The worker's generators
(torch, random, numpy) are seeded with the grading seed before Model() and
again before train(), so a grading's trained PSNR is the same every time.
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
TRAINED_PSNR = check(
    "model.trained_psnr",
    4,
    "PSNR after that epoch beats the noisy input (full grade); under --fast (a short epoch), beating the noisy "
    "input or gaining +1.0 dB over the untrained model passes",
)
CHECKS = (TRAIN_ODD_N, TRAIN_TIME, TRAINED_PSNR)

ODD_N = 37  # not a multiple of any usual batch size
# a second try when ODD_N fails: more pairs than any usual batch (and a multiple of none), to tell
# "fewer pairs than one batch" from "not a multiple of the batch size"
LARGER_ODD_N = 165
SHORT_TRAINING_GAIN_DB = 1.0  # --fast: the epoch must raise PSNR by this much over the untrained model
FULL_RULE = "rule (full grade): beat the noisy input"
FAST_RULE = f"rule (--fast): beat the noisy input, or gain {SHORT_TRAINING_GAIN_DB:+.1f} dB over the untrained model"


def _train_on(ctx: ModelContext, pairs: int) -> None:
    """One epoch of a fresh, seeded Model() on the first `pairs` training pairs (raises on failure)."""
    client = ctx.client
    handle = ctx.new_model()
    ctx.seed_worker()
    client.call(
        handle,
        "train",
        ctx.train_input[:pairs],
        ctx.train_target[:pairs],
        1,
        context="Model.train",
        cast=False,
        timeout=max(ctx.budget_floor, ctx.budget_seconds * pairs / max(1, len(ctx.train_input)) * 20),
    )
    client.free(handle)


def odd_n_check(ctx: ModelContext) -> Check:
    """Training on a number of pairs that is not a multiple of the batch size must not crash.

    When ODD_N pairs fail, LARGER_ODD_N are tried, so that the message says what happened: a crash
    only below some number of pairs (fewer than one batch) or on any number that is not a multiple.
    """
    try:
        _train_on(ctx, ODD_N)
    except RUN_FAILURES as exc:
        first = exc
    else:
        return Check(TRAIN_ODD_N.id, Status.PASS, f"train works on {ODD_N} pairs")
    if not isinstance(first, StudentRaised) or len(ctx.train_input) < LARGER_ODD_N:
        return failure_check(TRAIN_ODD_N.id, first, prefix=f"train on {ODD_N} pairs failed: ")
    try:
        _train_on(ctx, LARGER_ODD_N)
    except RUN_FAILURES as exc:
        same = isinstance(exc, StudentRaised) and exc.info.get("message") == first.info.get("message")
        check = failure_check(
            TRAIN_ODD_N.id,
            first,
            prefix=f"train fails on {ODD_N} pairs, and on {LARGER_ODD_N} "
            + ("with the same error: " if same else f"too ({exc}); on {ODD_N}: "),
        )
        check.details["larger_n"] = {"pairs": LARGER_ODD_N, "works": False}
        return check
    check = failure_check(
        TRAIN_ODD_N.id,
        first,
        prefix=f"train fails on {ODD_N} pairs yet works on {LARGER_ODD_N}, no multiple of a usual batch size "
        f"either: it needs more than {ODD_N} pairs (one batch at least?): ",
    )
    check.details["larger_n"] = {"pairs": LARGER_ODD_N, "works": True}
    return check


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
        # left out of the maximum (grader.scoring): a run without training is not a verdict on it
        return [
            Check(TRAIN_TIME.id, Status.SKIPPED, "training not requested", {"not_requested": "--no-train"}),
            Check(TRAINED_PSNR.id, Status.SKIPPED, "training not requested", {"not_requested": "--no-train"}),
        ]
    handle = None
    untrained = None
    details["seed"] = ctx.seed
    try:
        handle = ctx.new_model()
        try:  # the fresh model's PSNR, to tell "learned something" from "learned nothing"
            untrained = psnr_of(ctx, predict_all(ctx, handle, "predict before training")[0])["per_image"]
        except (StudentRaised, ValueError):
            untrained = None
        except WorkerFailure:  # predict kills the worker: training is still graded, on a fresh one
            untrained = None
            handle = ctx.new_model()
        details["seeded"] = ctx.seed_worker()  # the epoch's shuffling and sampling: the same every grading
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
    rule = FAST_RULE if ctx.short_training else FULL_RULE
    if "gain_db" in check.details:
        check.details["rule"] = rule
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
    if "rule" in check.details:
        check.message += f" [{rule}]"
    checks.append(check)
    return checks
