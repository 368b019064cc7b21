"""The reference implementation as a yardstick: its pretrained PSNR and epoch time on this machine.

Measured through the same sandbox and checks as any submission, and cached
per machine (CPU model, threads, device, torch, data, pairs, reference hash),
so a batch or a second run pays for it once. A measurement taken while other
work kept the cores busy is used for that grading only: cached, its slow epoch
would stand as the yardstick for every later grading on this machine.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import grader
from grader import machine
from grader.checks.model import ModelContext, pretrained, training
from grader.data.cache import cache_root
from grader.projects import MP2, Project
from grader.sandbox.interpreter import worker_python
from grader.sandbox.supervisor import SandboxSettings
from grader.session import SubmissionSession
from grader.submission import submission_hash


def default_reference_dir(project: Project = MP2) -> Path | None:
    """The repository's reference_impl next to the installed grader package, if it holds `project`."""
    candidate = Path(grader.__file__).resolve().parents[1] / "reference_impl"
    return candidate if (candidate / project.package / "model.py").is_file() else None


def _key(ref_hash: str, data, device: str, settings: SandboxSettings, train: bool) -> str:
    import torch

    return "|".join(
        [
            grader.__version__,
            ref_hash[:16],
            data.data_id,
            str(len(data.train_input)),
            str(len(data.val_input)),
            device,
            str(settings.threads),
            torch.__version__,
            *_worker_key(settings),
            machine.cpu_model(),
            "train" if train else "no-train",
        ]
        + ([machine.gpu_model() or "no GPU"] if device == "cuda" else [])  # nodes of one cluster differ
    )


def _worker_key(settings: SandboxSettings) -> list[str]:
    """The worker's own interpreter and torch, when it is not the judge's (its epoch is timed there)."""
    python = worker_python(settings.python)
    return [] if python.own else [python.executable, python.torch or "no torch"]


def measure_reference(
    data,
    *,
    device: str,
    settings: SandboxSettings,
    reference_dir: Path | None = None,
    train: bool = True,
    use_cache: bool = True,
    project: Project = MP2,
) -> dict:
    """{'pretrained_psnr', 'trained_psnr', 'epoch_seconds', ...} of `project`'s reference, or {} when unavailable.

    A measurement is cached when it has a figure to give (a pretrained PSNR, or an epoch time when the
    reference has no checkpoint yet) and the machine was quiet.
    """
    ref = reference_dir or default_reference_dir(project)
    if ref is None or not (ref / project.package / "model.py").is_file():
        return {}
    package = ref / project.package
    ref_hash = submission_hash(package)
    key = _key(ref_hash, data, device, settings, train)
    store = cache_root() / "reference-measurements.json"
    cached = _read(store)
    if use_cache and key in cached:
        return {**cached[key], "cached": True}
    load_average = machine.load_average()
    with SubmissionSession(ref, package, settings, project=project) as session:
        if not session.start():
            return {"error": f"the reference implementation did not import: {session.import_error}"}
        ctx = ModelContext(
            session.client,
            session.exported,
            data.train_input,
            data.train_target,
            data.val_input,
            data.val_target,
            device=device,
            train=train,
            seed=int(data.info.get("seed") or 0),
            project=project,
        )
        load, handle = pretrained.load_check(ctx)
        check, value = pretrained.psnr_check(
            pretrained.PRETRAINED_PSNR.id,
            ctx,
            handle,
            label="reference predict",
            must_gain=0.0,
            unavailable=load.message,
        )
        result = {
            "pretrained_psnr": value["per_image"] if value else None,
            "pretrained_psnr_global": value["global"] if value else None,
        }
        if train:
            training.training_checks(ctx)
            result.update(
                {
                    "epoch_seconds": ctx.timing.get("epoch_seconds"),
                    "trained_psnr": ctx.psnr.get("trained"),
                    "trained_psnr_global": ctx.psnr.get("trained_global"),
                }
            )
    result.update(
        {
            "reference_hash": ref_hash,
            "pairs": len(data.train_input),
            "device": device,
            "threads": settings.threads,
            "cpu": machine.cpu_model(),
            "load_average": load_average,
        }
    )
    if (
        use_cache
        and (result.get("pretrained_psnr") is not None or result.get("epoch_seconds") is not None)
        and not machine.busy(load_average, settings.threads, device)
    ):
        cached[key] = result
        _write(store, cached)
    return {**result, "cached": False}


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
