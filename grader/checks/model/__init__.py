"""model.*: the Model class, its architecture, predict contract, pretrained PSNR and training."""

from __future__ import annotations

from grader.checks.model import architecture, predict, pretrained, training
from grader.checks.model.context import ModelContext, training_budget
from grader.result import Check


def model_checks(ctx: ModelContext, *, pretrained_gain: float = 0.0) -> list[Check]:
    """All `model.*` checks; fills ctx.psnr and ctx.timing as it goes."""
    client = ctx.client
    noisy = pretrained.noisy_psnr(ctx)
    ctx.psnr["noisy_input"], ctx.psnr["noisy_input_global"] = noisy["per_image"], noisy["global"]
    api, handle = architecture.api_check(client, ctx.exported)
    checks = [api, architecture.architecture_check(client, handle)]
    load, loaded = (
        pretrained.load_check(ctx)
        if handle is not None
        else (Check("model.load_pretrained", "skipped", "Model() could not be built"), None)
    )
    checks.append(load)
    generation = ctx.worker_generation
    checks += predict.predict_checks(ctx, loaded or handle)
    if loaded is not None and ctx.worker_generation != generation:  # a crash restarted the worker: reload
        _, loaded = pretrained.load_check(ctx)
    psnr_check, value = pretrained.psnr_check(
        "model.pretrained_psnr",
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
        checks += [
            Check(i, "skipped", "Model() could not be built")
            for i in ("model.train_odd_n", "model.train_time", "model.trained_psnr")
        ]
    return checks


__all__ = ["ModelContext", "model_checks", "training_budget"]
