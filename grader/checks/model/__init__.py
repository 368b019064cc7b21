"""model.*: the Model class, its architecture, predict contract, pretrained PSNR and training.

Each module declares the checks it runs; CHECKS puts them in the order of
`grade checks` (the order model_checks runs them in).
"""

from __future__ import annotations

from grader.checks.model import architecture, predict, pretrained, training
from grader.checks.model.context import ModelContext, training_budget
from grader.checks.verdicts import grader_failure_checks
from grader.result import Check, Status

CHECKS = (
    *architecture.CHECKS,
    pretrained.LOAD_PRETRAINED,
    *predict.CHECKS,
    pretrained.PRETRAINED_PSNR,
    *training.CHECKS,
)


def model_checks_or_errors(ctx: ModelContext, *, pretrained_gain: float = 0.0) -> list[Check]:
    """model_checks; a grader bug there costs the model checks (as `error`), not the whole grading."""
    try:
        return model_checks(ctx, pretrained_gain=pretrained_gain)
    except Exception as exc:
        return grader_failure_checks([spec.id for spec in CHECKS], exc)


def model_checks(ctx: ModelContext, *, pretrained_gain: float = 0.0) -> list[Check]:
    """All `model.*` checks; fills ctx.psnr and ctx.timing as it goes."""
    client = ctx.client
    noisy = pretrained.noisy_psnr(ctx)
    ctx.psnr["noisy_input"], ctx.psnr["noisy_input_global"] = noisy["per_image"], noisy["global"]
    ctx.seed_worker()  # Model()'s initial weights, as every later Model() of these checks
    api, handle = architecture.api_check(client, ctx.exported)
    checks = [api, architecture.architecture_check(client, handle, seed=ctx.seed)]
    load, loaded = (
        pretrained.load_check(ctx)
        if handle is not None
        else (Check(pretrained.LOAD_PRETRAINED.id, Status.SKIPPED, "Model() could not be built"), None)
    )
    checks.append(load)
    generation = ctx.worker_generation
    checks += predict.predict_checks(ctx, loaded or handle)
    if loaded is not None and ctx.worker_generation != generation:  # a crash restarted the worker: reload
        _, loaded = pretrained.load_check(ctx)
    psnr_check, value = pretrained.psnr_check(
        pretrained.PRETRAINED_PSNR.id,
        ctx,
        loaded,
        label="pretrained model",
        must_gain=pretrained_gain,
        unavailable="no pretrained model loaded",
    )
    if value is not None:
        ctx.psnr["pretrained"], ctx.psnr["pretrained_global"] = value["per_image"], value["global"]
    checks.append(psnr_check)
    if handle is not None:
        if ctx.worker_generation == generation:
            client.free(*(h for h in (handle, loaded) if h))
        checks.append(training.odd_n_check(ctx))
        checks += training.training_checks(ctx)
    else:
        checks += [Check(spec.id, Status.SKIPPED, "Model() could not be built") for spec in training.CHECKS]
    return checks


__all__ = ["CHECKS", "ModelContext", "model_checks", "model_checks_or_errors", "training_budget"]
