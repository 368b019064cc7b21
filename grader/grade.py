"""Grading one submission end to end: the Python API behind `grade PATH`.

The judge (this process) locates and inspects the submission, scans its
source, then drives a sandboxed worker through the block and model checks,
computes every expected value itself, and scores the result with the rubric.
Clean validation images never leave this process.
"""

from __future__ import annotations

import contextlib
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

import grader
from grader.checks import proportion
from grader.checks.blocks import BlockContext, block_checks
from grader.checks.catalog import catalog
from grader.checks.model import ModelContext, model_checks_or_errors
from grader.checks.model.training import TRAIN_TIME
from grader.checks.mp1 import as_project1
from grader.checks.shims import attach_shim_events, no_verdict_without, standin_names
from grader.checks.verdicts import over_budget_on_a_busy_machine
from grader.checks.voiding import void_forbidden
from grader.data import DataError, N2NData, load_data
from grader.data.cache import cache_root
from grader.machine import busy, cpu_model, load_average
from grader.options import GradeOptions, resolve_device
from grader.projects import PROJECTS, Project
from grader.reference import measure_reference
from grader.result import Check, Result, Status
from grader.rules.checks import runtime_checks, static_checks
from grader.rules.project1 import packages_allowed, runtime_checks_mp1, static_checks_mp1
from grader.sandbox.interpreter import worker_python
from grader.sandbox.supervisor import SandboxSettings
from grader.scoring import Rubric, RubricError, load_rubric, score
from grader.session import SubmissionSession
from grader.submission import Submission, SubmissionError, locate_projects, structure_checks, submission_hash
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
        subs = locate_projects(path, options.projects)
    except SubmissionError as exc:
        return _unlocatable(path, exc, options)
    with contextlib.ExitStack() as located:  # the package located first owns a zip's extraction
        for sub in subs:
            located.enter_context(sub)
        if data is None:
            say("loading data")
            data = load_grading_data(options)
        numbers = tuple(sub.project.number for sub in subs)
        if options.measure_reference and (reference is None or (1 in numbers and MP1_REFERENCE not in reference)):
            say("measuring the reference implementation (cached per machine)")
            missing = numbers if reference is None else (1,)
            reference = {**(reference or {}), **measure_reference_for(options, data, projects=missing)}
        grading = _Grading(options, rubric, data, device, settings, reference or {}, say, on_predictions)
        result = _grade_located(subs, grading)
    result.timing["grading_seconds"] = round(time.monotonic() - started, 2)
    return result


MP1_REFERENCE = "mp1"
"""The key of project 1's reference measurement in a reference dict (project 2's figures are at its top)."""


def measure_reference_for(options: GradeOptions, data: N2NData, projects: tuple[int, ...] | None = None) -> dict:
    """The references' PSNR and epoch time under these options (cached per machine): project 2's at the top,
    project 1's under MP1_REFERENCE, for the projects asked (default: the options')."""
    device = resolve_device(options.device)
    try:
        settings = sandbox_settings(options, device)
    except (ValueError, RubricError) as exc:
        raise GradeError(str(exc)) from None
    out: dict = {}
    for number in projects or options.projects:
        measured = measure_reference(
            data,
            device=device,
            settings=settings,
            reference_dir=options.reference_dir,
            train=options.train,
            project=PROJECTS[number],
        )
        if number == 1:
            out[MP1_REFERENCE] = measured
        else:
            out.update(measured)
    return out


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


@dataclass(frozen=True)
class _Grading:
    """What grading one submission needs besides the submission, resolved once by grade_submission."""

    options: GradeOptions
    rubric: Rubric
    data: N2NData
    device: str
    settings: SandboxSettings
    reference: dict  # project 2's figures at the top, project 1's under MP1_REFERENCE
    say: Progress
    on_predictions: PredictionHook | None

    def reference_for(self, project: Project) -> dict:
        """The reference measurement of `project`."""
        return self.reference.get(MP1_REFERENCE, {}) if project.number == 1 else self.reference


@dataclass
class _Graded:
    """One project's checks and figures, before they join the result."""

    checks: list[Check]
    psnr: dict
    timing: dict
    protections: dict
    worker: dict
    notes: list[str] = field(default_factory=list)  # the project's own notes (e.g. a shim without a check)


def _grade_located(subs: list[Submission], grading: _Grading) -> Result:
    options, data, reference = grading.options, grading.data, grading.reference
    first = next(s for s in subs if not s.beside)  # the package located first: its notes are the team's
    result = Result(
        submission=first.team_name, source=str(first.source), scipers=list(first.scipers), notes=list(first.notes)
    )
    by_number = {sub.project.number: sub for sub in subs}
    hashes = {number: submission_hash(sub.package_dir) for number, sub in by_number.items()}  # read each tree once
    graded: dict[int, _Graded] = {}
    for sub in subs:
        project = sub.project
        result.notes += [f"{project.package}: {note}" for note in sub.notes if sub is not first]
        if len(subs) > 1:
            grading.say(f"{project.title}")
        graded[project.number] = _grade_project(sub, grading)
    for project in PROJECTS.values():
        if project.number in graded:
            outcome = graded[project.number]
            result.checks += outcome.checks
            result.notes += outcome.notes
            result.projects[project.key] = {
                "package": by_number[project.number].package_dir.name,
                "graded": True,
                "psnr": outcome.psnr,
                "timing": outcome.timing,
                "submission_hash": hashes[project.number],
            }
            continue
        asked = project.number in options.projects
        why = (
            f"no {project.package} folder in this submission"
            if asked
            else f"not graded (--project {' '.join(map(str, options.projects))})"
        )
        result.notes.append(f"{project.title}: {why}; graded: " + ", ".join(f"project {n}" for n in sorted(graded)))
        result.checks += _not_graded(project, why)
        result.projects[project.key] = {"package": project.package, "graded": False, "why": why}
    mp2 = graded.get(2)
    if mp2 is not None:  # project 2's figures stay at the top of the result, where views read them
        result.psnr, result.protections = mp2.psnr, mp2.protections
        result.timing.update(mp2.timing)
        result.environment.update(mp2.worker)
    elif 1 in graded:
        result.protections = graded[1].protections
        result.environment.update(graded[1].worker)
    result.environment.update(_environment(hashes[first.project.number], grading))
    if options.fast:
        result.notes.append(
            f"--fast: {len(data.train_input)} training and {len(data.val_input)} validation pairs; "
            "PSNR and time figures are not comparable with a full grade"
        )
    for ref in (reference, reference.get(MP1_REFERENCE) or {}):
        ref_load = ref.get("load_average")
        if ref.get("epoch_seconds") and busy(ref_load, grading.settings.threads, grading.device):
            result.notes.append(
                f"the reference's epoch was timed while the machine was busy (load average "
                f"{ref_load:.1f}): the time ratio understates this submission's; not cached"
            )
            break
    return score(result, grading.rubric)


def _not_graded(project: Project, why: str) -> list[Check]:
    """The checks of a project that was not graded: not applicable, out of the score."""
    return [
        Check(spec.id, Status.SKIPPED, f"{project.package} {why}", details={"not_applicable": True})
        for spec in catalog().values()
        if project.owns(spec.id)
    ]


def _grade_project(sub: Submission, grading: _Grading) -> _Graded:
    """One project's checks, under project 2's ids (project 1's are renamed `mp1.*` at the end)."""
    options, data, settings, say = grading.options, grading.data, grading.settings, grading.say
    project = sub.project
    reference = grading.reference_for(project)
    torchvision = grading.rubric.mp1.get("torchvision", "warn")  # project 1's rule for torchvision
    say("checking the structure and scanning the source")
    checks: list[Check] = structure_checks(sub, report_severity=grading.rubric.reports.get("severity", "warn"))
    if project.blocks:
        checks += static_checks(sub.package_dir)
    else:
        checks += static_checks_mp1(sub.package_dir, torchvision=torchvision)
    with SubmissionSession(sub.root, sub.package_dir, settings, project=project, folder_name=sub.team_name) as session:
        say(f"starting the sandboxed worker and importing {session.module}")
        imported = session.start()
        checks.append(session.import_check())
        exported = session.exported if imported else {}
        block_results = []
        if project.blocks:
            say("checking the blocks against torch.nn")
            block_results = block_checks(BlockContext(session.client, exported, seed=options.seed))
        label = grading.on_predictions
        if grading.on_predictions is not None and not project.blocks:

            def label(name, *args):  # the pictures of project 1 are told apart from project 2's
                grading.on_predictions(f"{project.prefix}{name}", *args)

        model_ctx = ModelContext(
            session.client,
            exported,
            data.train_input,
            data.train_target,
            data.val_input,
            data.val_target,
            device=grading.device,
            train=options.train,
            reference=reference,
            short_training=options.fast,
            on_predictions=label,
            budget_floor=options.budget_floor,
            seed=options.seed,
            project=project,
        )
        epoch = f", one epoch on {len(data.train_input)} pairs" if options.train else ", no training: --no-train"
        say(f"checking the Model (pretrained PSNR on {len(data.val_input)} images{epoch})")
        load_before = load_average()
        model_results = model_checks_or_errors(model_ctx, pretrained_gain=grading.rubric.psnr.get("pass_gain_db", 0.5))
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
        runtime = runtime_checks(trace)
        checks += runtime if project.blocks else runtime_checks_mp1(runtime)
        if not imported:  # every block and model check, and the runtime rules, follow from that one failure
            proportion.after_failed_import(checks)
        protections = session.worker.protections()
        worker = {"worker_starts": session.worker.starts, "worker_failures": session.worker.failures}
        shim_events = session.client.shim_events
        hello = session.worker.hello
    # shim notes go on project 2's check ids (project 1's are renamed below) and on the project's notes
    scratch = Result(submission=sub.team_name, source=str(sub.source), checks=_merge_duplicates(checks))
    if project.blocks:
        void_forbidden(scratch.checks, grading.rubric.proportion.void)
    shims_used = attach_shim_events(scratch, shim_events)
    if not project.blocks:  # a package project 1 allows, missing here: no verdict where the code needed it
        no_verdict_without(scratch.checks, packages_allowed(torchvision=torchvision), shim_events)
    worker["worker"] = worker_environment(settings, hello, shims_used, shim_events)
    checks = scratch.checks
    proportion.skipped_for_a_failure(checks)
    proportion.charge_once(checks)
    epoch = scratch.check(TRAIN_TIME.id)
    if epoch is not None and options.regrade_busy_epochs:
        over_budget_on_a_busy_machine(epoch, others_load, settings.threads, grading.device)
    psnr = {
        **model_ctx.psnr,
        "reference": reference.get("pretrained_psnr"),
        "reference_global": reference.get("pretrained_psnr_global"),
        "reference_trained": reference.get("trained_psnr"),
    }
    timing = {**model_ctx.timing, "reference_epoch_seconds": reference.get("epoch_seconds")}
    if not project.blocks:
        checks = as_project1(checks)
    return _Graded(checks, psnr, timing, protections, worker, notes=[f"{project.package}: {n}" for n in scratch.notes])


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


def _environment(package_hash: str, grading: _Grading) -> dict:
    options, data, settings, reference = grading.options, grading.data, grading.settings, grading.reference
    return {
        "grader_version": grader.__version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "platform": platform.platform(),
        "cpu": cpu_model(),
        "threads": settings.threads,
        "device": grading.device,
        "data_id": data.data_id,
        "data_source": data.info.get("source"),
        "noise": data.info.get("noise"),
        "seed": options.seed,
        "n_train": len(data.train_input),
        "n_val": len(data.val_input),
        "fast": options.fast,
        "train": options.train,
        "submission_hash": package_hash,
        "rubric": grading.rubric.source,
        "rubric_digest": grading.rubric.digest,
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


def _unlocatable(path: Path, exc: SubmissionError, options: GradeOptions | None = None) -> Result:
    """The result for a path that holds no gradable submission: not gradable, never a score.

    One check (the layout check of the project asked first, failed) carries the reason, the candidates found
    and what to pass instead; the score stays out of every table (`Result.not_gradable`), and `grade` exits 2.
    """
    result = Result(submission=path.stem if path.suffix else path.name, source=str(path))
    lead = PROJECTS[2 if options is None or 2 in options.projects else 1]
    instead = (
        "give one of: " + ", ".join(exc.candidates)
        if exc.candidates
        else f"give the team's Proj_... folder, a folder holding {lead.package}/, {lead.package} itself, "
        "or the submitted .zip"
    )
    details = {"not_gradable": True, "candidates": exc.candidates, "instead": instead}
    result.checks = [Check(lead.check_id(LAYOUT.id), Status.FAIL, f"{exc}", details=details, required=True)]
    result.notes.append(f"not gradable: nothing was graded and no score given; {instead}")
    return result
