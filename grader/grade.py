"""Grading one submission end to end: the Python API behind `grade PATH`.

The judge (this process) locates and inspects the submission, scans its
source, then drives a sandboxed worker through the block and model checks,
computes every expected value itself, and scores the result with the rubric.
Clean validation images never leave this process.
"""

from __future__ import annotations

import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

import grader
from grader.checks import proportion
from grader.checks.blocks import BlockContext, block_checks
from grader.checks.model import ModelContext, model_checks_or_errors
from grader.checks.model.training import TRAIN_TIME
from grader.checks.shims import attach_shim_events, standin_names
from grader.checks.verdicts import over_budget_on_a_busy_machine
from grader.checks.voiding import void_forbidden
from grader.data import DataError, N2NData, load_data
from grader.data.cache import cache_root
from grader.machine import busy, cpu_model, load_average
from grader.options import GradeOptions, resolve_device
from grader.reference import measure_reference
from grader.result import Check, Result, Status
from grader.rules.checks import runtime_checks, static_checks
from grader.sandbox.interpreter import worker_python
from grader.scoring import Rubric, RubricError, load_rubric, score
from grader.session import SubmissionSession
from grader.submission import Submission, SubmissionError, locate_submission, structure_checks, submission_hash
from grader.submission.naming import PACKAGE_NAME
from grader.submission.structure import LAYOUT

Progress = Callable[[str], None]
PredictionHook = Callable[[str, "torch.Tensor", "torch.Tensor", "torch.Tensor"], None]


class GradeError(Exception):
    """The grader could not run at all (bad path, bad options, unreadable data or rubric)."""


def load_grading_data(options: GradeOptions, *, progress: bool = True) -> N2NData:
    """The data set the options ask for, cut to the sizes they ask for."""
    try:
        data = load_data(options.data_dir, seed=options.seed, noise=options.noise, progress=progress)
    except (DataError, ValueError, OSError) as exc:
        raise GradeError(str(exc)) from None
    n_train, n_val = options.sizes(len(data.train_input), len(data.val_input))
    return data.subset(n_train, n_val)


def grade_submission(
    path: str | Path,
    options: GradeOptions | None = None,
    *,
    data: N2NData | None = None,
    reference: dict | None = None,
    progress: Progress | None = None,
    on_predictions: PredictionHook | None = None,
) -> Result:
    """Grade the submission at `path` (folder or zip) and return its scored Result.

    `data` and `reference` let a batch share one data set and one reference
    measurement. `on_predictions(label, noisy, output, clean)` is called in
    this process with the validation images and a model's predictions (for
    reports with pictures); clean images never go to the worker. Raises
    GradeError when grading cannot start.
    """
    options = options or GradeOptions()
    say = progress or (lambda message: None)
    started = time.monotonic()
    try:
        device = resolve_device(options.device)
        rubric = load_rubric(options.rubric)
        settings = sandbox_settings(options, device, rubric)
    except (ValueError, RubricError) as exc:
        raise GradeError(str(exc)) from None
    if device == "cuda" and not torch.cuda.is_available():
        raise GradeError("--device cuda: no CUDA device is visible to the grader")
    path = Path(path)
    if not path.exists():
        raise GradeError(f"{path}: no such file or folder")
    try:
        sub = locate_submission(path)
    except SubmissionError as exc:
        return _unlocatable(path, exc)
    with sub:
        if data is None:
            say("loading data")
            data = load_grading_data(options)
        if reference is None and options.measure_reference:
            say("measuring the reference implementation (cached per machine)")
            reference = measure_reference_for(options, data)
        result = _grade_located(sub, options, rubric, data, device, settings, reference or {}, say, on_predictions)
    result.timing["grading_seconds"] = round(time.monotonic() - started, 2)
    return result


def measure_reference_for(options: GradeOptions, data: N2NData) -> dict:
    """The reference implementation's PSNR and epoch time under these options (cached per machine)."""
    device = resolve_device(options.device)
    try:
        settings = sandbox_settings(options, device)
    except (ValueError, RubricError) as exc:
        raise GradeError(str(exc)) from None
    return measure_reference(
        data,
        device=device,
        settings=settings,
        reference_dir=options.reference_dir,
        train=options.train,
    )


def sandbox_settings(options: GradeOptions, device: str, rubric: Rubric | None = None):
    """The worker's limits, protections and environment for these options (hiding data, cache and outputs).

    The worker's interpreter and shims come from the options (the command line), else the rubric's
    [worker] table, else the judge's own interpreter with every shim. Raises WorkerPythonError (a
    ValueError) when that interpreter cannot run the worker.
    """
    from dataclasses import replace

    rubric = rubric or load_rubric(options.rubric)
    hidden = [str(cache_root()), *options.extra_hidden]
    if options.data_dir is not None:
        hidden.append(str(Path(options.data_dir).resolve()))
    python = options.worker_python or rubric.worker_python or options.sandbox.python
    shims = next(s for s in (options.shims, rubric.worker_shims, options.sandbox.shims) if s is not None)
    if python is not None:
        python = worker_python(python).executable  # checked now: a clear error before any grading starts
    return replace(options.sandbox, device=device, hide=[*options.sandbox.hide, *hidden], python=python, shims=shims)


def _grade_located(
    sub: Submission,
    options: GradeOptions,
    rubric: Rubric,
    data: N2NData,
    device: str,
    settings,
    reference: dict,
    say: Progress,
    on_predictions: PredictionHook | None,
) -> Result:
    result = Result(submission=sub.team_name, source=str(sub.source), scipers=list(sub.scipers), notes=list(sub.notes))
    say("checking the structure and scanning the source")
    checks: list[Check] = structure_checks(sub)
    checks += static_checks(sub.package_dir)
    with SubmissionSession(sub.root, sub.package_dir, settings, folder_name=sub.team_name) as session:
        say("starting the sandboxed worker and importing model.py")
        imported = session.start()
        checks.append(session.import_check())
        exported = session.exported if imported else {}
        say("checking the blocks against torch.nn")
        block_results = block_checks(BlockContext(session.client, exported, seed=options.seed))
        model_ctx = ModelContext(
            session.client,
            exported,
            data.train_input,
            data.train_target,
            data.val_input,
            data.val_target,
            device=device,
            train=options.train,
            reference=reference,
            short_training=options.fast,
            on_predictions=on_predictions,
            budget_floor=options.budget_floor,
            seed=options.seed,
        )
        say(
            f"checking the Model (pretrained PSNR on {len(data.val_input)} images, one epoch on "
            f"{len(data.train_input)} pairs)"
        )
        load_before = load_average()
        model_results = model_checks_or_errors(model_ctx, pretrained_gain=rubric.psnr.get("pass_gain_db", 0.5))
        others_load = _others_load(load_before, load_average(), settings.threads)
        checks += block_results + model_results
        report = session.import_report or {}
        trace = (
            {
                "calls": session.client.traces,
                "import_side_effects": report.get("side_effects", {}),
                "torch_patched": report.get("torch_patched", []),
            }
            if imported or session.client.traces
            else None
        )
        checks += runtime_checks(trace)
        if not imported:  # every block and model check, and the runtime rules, follow from that one failure
            proportion.after_failed_import(checks)
        result.protections = session.worker.protections()
        result.environment["worker_starts"] = session.worker.starts
        result.environment["worker_failures"] = session.worker.failures
        shim_events = session.client.shim_events
        hello = session.worker.hello
    result.checks = _merge_duplicates(checks)
    void_forbidden(result.checks, rubric.proportion.void)
    shims_used = attach_shim_events(result, shim_events)
    result.environment["worker"] = worker_environment(settings, hello, shims_used, shim_events)
    proportion.skipped_for_a_failure(result.checks)
    proportion.charge_once(result.checks)
    epoch = result.check(TRAIN_TIME.id)
    if epoch is not None and options.regrade_busy_epochs:
        over_budget_on_a_busy_machine(epoch, others_load, settings.threads, device)
    result.psnr = {
        **model_ctx.psnr,
        "reference": reference.get("pretrained_psnr"),
        "reference_global": reference.get("pretrained_psnr_global"),
        "reference_trained": reference.get("trained_psnr"),
    }
    result.timing.update(model_ctx.timing)
    result.timing["reference_epoch_seconds"] = reference.get("epoch_seconds")
    result.environment.update(_environment(sub, options, rubric, data, device, settings, reference))
    if options.fast:
        result.notes.append(
            f"--fast: {len(data.train_input)} training and {len(data.val_input)} validation pairs; "
            "PSNR and time figures are not comparable with a full grade"
        )
    ref_load = reference.get("load_average")
    if reference.get("epoch_seconds") and busy(ref_load, settings.threads, device):
        result.notes.append(
            f"the reference's epoch was timed while the machine was busy (load average "
            f"{ref_load:.1f}): the time ratio understates this submission's; not cached"
        )
    return score(result, rubric)


def _others_load(before: float | None, after: float | None, threads: int) -> float | None:
    """The load other work put on the machine around the Model checks: the load average before them, or after
    them less the worker's own threads (which ran the timed epoch), whichever is higher."""
    values = [v for v in (before, None if after is None else after - threads) if v is not None]
    return max(values) if values else None


def _merge_duplicates(checks: list[Check]) -> list[Check]:
    """Keep one check per id (a later failure wins over an earlier pass)."""
    rank = {Status.PASS: 0, Status.SKIPPED: 1, Status.WARN: 2, Status.FAIL: 3, Status.ERROR: 4}
    merged: dict[str, Check] = {}
    for check in checks:
        old = merged.get(check.id)
        if old is None or rank[check.status] > rank[old.status]:
            merged[check.id] = check
    return list(merged.values())


def _environment(
    sub: Submission, options: GradeOptions, rubric: Rubric, data: N2NData, device: str, settings, reference: dict
) -> dict:
    return {
        "grader_version": grader.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "threads": settings.threads,
        "device": device,
        "data_id": data.data_id,
        "data_source": data.info.get("source"),
        "noise": data.info.get("noise"),
        "seed": options.seed,
        "n_train": len(data.train_input),
        "n_val": len(data.val_input),
        "fast": options.fast,
        "train": options.train,
        "submission_hash": submission_hash(sub.package_dir),
        "rubric": rubric.source,
        "rubric_digest": rubric.digest,
        "reference_hash": reference.get("reference_hash"),
        "reference_cached": reference.get("cached"),
        "argv": sys.argv[1:],
        "worker_python": worker_python(settings.python).executable,
        "shims": list(settings.shims),
    }


def worker_environment(settings, hello: dict, shims_used: dict, shim_events: list[dict]) -> dict:
    """The worker's side of the environment: its interpreter, torch and packages, the shims on and used."""
    described = worker_python(settings.python).describe()
    return {
        **described,
        "python": hello.get("python", described["python"]),
        "torch": hello.get("torch", described["packages"].get("torch")),
        "shims_enabled": list(settings.shims),
        "shims_used": shims_used,
        "standins": standin_names([e for e in shim_events if e.get("shim") == "standins"]),
    }


def _unlocatable(path: Path, exc: SubmissionError) -> Result:
    """The result for a path that holds no gradable submission: not gradable, never a score.

    One check (structure.layout, failed) carries the reason, the candidates found and what to pass instead;
    the score stays out of every table (`Result.not_gradable`), and `grade` exits 2.
    """
    result = Result(submission=path.stem if path.suffix else path.name, source=str(path))
    instead = (
        "give one of: " + ", ".join(exc.candidates)
        if exc.candidates
        else f"give the team's Proj_... folder, a folder holding {PACKAGE_NAME}/, {PACKAGE_NAME} itself, "
        "or the submitted .zip"
    )
    details = {"not_gradable": True, "candidates": exc.candidates, "instead": instead}
    result.checks = [Check(LAYOUT.id, Status.FAIL, f"{exc}", details=details, required=True)]
    result.notes.append(f"not gradable: nothing was graded and no score given; {instead}")
    return result
