"""Known API drift between 2022 code and today's torch, bridged inside the worker, each use reported.

Submissions were written for the course's VM (torch 1.x, torchvision). Code
that ran there can fail here for reasons that are not the students' mistakes:
a checkpoint saved on a GPU and loaded without `map_location` on a CPU-only
machine, `torch.load` of a whole pickled model (refused by default since torch
2.6), schedulers built with the `verbose` argument torch removed, a Model()
that parses the command line, torchvision imported for code grading never runs.

Each shim below is on by default (`SandboxSettings.shims`), changes nothing
unless the student's code needed it, and records an event when it did; the
events ride on the reply of the request in flight (`reply["shims"]`) and the
judge turns each into a note on the check it saved, charged as the rubric's
`[shims]` table says (grader.checks.shims). Everything here runs inside the
sandboxed worker, on the student's own calls: the judge never unpickles
anything, and the sandbox is what makes the student's own unpickling
acceptable. `course_cwd` is the one judge-side shim (load_pretrained_model
retried from the folder above the team folder; grader.checks.model.pretrained).

Only torch and the standard library are used: the worker may run in a
course environment that has nothing else (grader.sandbox.interpreter).
"""

from __future__ import annotations

import functools
import inspect
import pickle
import sys

# name -> what it does (`grade env show` and the README list these)
SHIMS = {
    "cuda_checkpoint": "torch.load without map_location maps tensors saved on a GPU to the CPU when none is visible",
    "weights_only": "torch.load without weights_only retries with weights_only=False when torch >= 2.6 refuses a "
    "whole pickled object (the student's own load, inside the sandbox)",
    "scheduler_verbose": "torch.optim.lr_scheduler classes accept and drop the `verbose` argument torch removed",
    "course_argv": "student code runs with sys.argv = ['test.py'], as under the course's test.py",
    "standins": "packages the course VM had and this environment lacks (torchvision) import as stand-ins that fail "
    "with a clear message when used",
    "course_cwd": "load_pretrained_model() is retried from the folder above the team folder, where the course ran "
    "test.py",
}
ALL = tuple(SHIMS)
COURSE_ARGV = ["test.py"]


class ShimLog:
    """Events of the shims that changed something, drained into each reply (each distinct event once per worker)."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.seen: set[tuple] = set()
        self.root: str | None = None  # the submission's folder in the box (set by the import)

    def record(self, shim: str, note: str, **detail) -> None:
        key = (shim, note, tuple(sorted(detail.items())))
        if key not in self.seen:
            self.seen.add(key)
            self.events.append({"shim": shim, "note": note, **({"detail": detail} if detail else {})})

    def drain(self) -> list[dict]:
        events, self.events = self.events, []
        return events


def install(enabled, log: ShimLog) -> list[str]:
    """Switch on the shims named in `enabled` (before any student code runs); returns those installed."""
    import torch

    enabled = set(enabled)
    unknown = enabled - set(SHIMS)
    if unknown:
        raise ValueError(f"unknown shims {sorted(unknown)}; known: {', '.join(SHIMS)}")
    installed = []
    if enabled & {"cuda_checkpoint", "weights_only"}:
        torch.load = _load_shim(torch.load, log, cuda="cuda_checkpoint" in enabled, unpickle="weights_only" in enabled)
        installed += sorted(enabled & {"cuda_checkpoint", "weights_only"})
    if "scheduler_verbose" in enabled and _install_scheduler_shim(log):
        installed.append("scheduler_verbose")
    if "course_argv" in enabled:
        sys.argv = list(COURSE_ARGV)
        _install_argv_report(log)
        installed.append("course_argv")
    if "standins" in enabled:
        from grader.sandbox import standins

        standins.install(log)
        installed.append("standins")
    if "course_cwd" in enabled:
        installed.append("course_cwd")  # the judge's (load_check); nothing to do in the worker
    return installed


# -- torch.load: CUDA checkpoints on a CPU machine, whole pickled objects --------------------
def _refused_whole_object(exc: BaseException) -> bool:
    return isinstance(exc, pickle.UnpicklingError) and "weights_only" in str(exc)


def _load_shim(original, log: ShimLog, *, cuda: bool, unpickle: bool):
    import torch

    @functools.wraps(original)
    def load(f, *args, **kwargs):
        cuda_tags: list[str] = []
        if cuda and not args and kwargs.get("map_location") is None and not torch.cuda.is_available():

            def to_cpu(storage, location):
                if str(location).startswith("cuda"):
                    cuda_tags.append(str(location))
                return storage  # deserialised on the CPU: keep it there

            kwargs["map_location"] = to_cpu
        start = _position(f)
        try:
            result = original(f, *args, **kwargs)
        except Exception as exc:
            if not unpickle or "weights_only" in kwargs or not _refused_whole_object(exc) or not _rewind(f, start):
                raise
            result = original(f, *args, **{**kwargs, "weights_only": False})
            log.record(
                "weights_only",
                "allowed your own torch.load to unpickle a whole model: weights_only=False (torch >= 2.6 refuses "
                "it by default; save and load a state_dict, or pass weights_only=False yourself)",
            )
        if cuda_tags:
            log.record(
                "cuda_checkpoint",
                f"loaded a CUDA checkpoint on CPU: it holds tensors saved on {cuda_tags[0]} and torch.load had no "
                "map_location (use torch.load(path, map_location=device) so it loads on a CPU-only machine)",
            )
        return result

    return load


def _position(f):
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        return None
    try:
        return f.tell()
    except Exception:
        return None


def _rewind(f, start) -> bool:
    """Put a file object back where the first attempt found it (a path needs nothing)."""
    if isinstance(f, (str, bytes)) or hasattr(f, "__fspath__"):
        return True
    if start is None:
        return False
    try:
        f.seek(start)
        return True
    except Exception:
        return False


# -- learning-rate schedulers: the removed `verbose` argument -------------------------------------
def _install_scheduler_shim(log: ShimLog) -> bool:
    try:
        from torch.optim import lr_scheduler
    except ImportError:
        return False
    base = getattr(lr_scheduler, "LRScheduler", None) or getattr(lr_scheduler, "_LRScheduler", None)
    patched = False
    for name, cls in sorted(vars(lr_scheduler).items()):
        if not isinstance(cls, type) or "__init__" not in cls.__dict__ or cls.__module__ != lr_scheduler.__name__:
            continue
        if not ((base is not None and issubclass(cls, base)) or name == "ReduceLROnPlateau"):
            continue
        try:
            signature = inspect.signature(cls.__init__)
        except (TypeError, ValueError):
            continue
        if "verbose" in signature.parameters:
            continue  # this torch still takes it
        cls.__init__ = _accept_verbose(cls.__init__, signature, name, log)
        patched = True
    return patched


def _accept_verbose(init, signature: inspect.Signature, name: str, log: ShimLog):
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = sum(p.kind in kinds for p in signature.parameters.values())  # self included
    has_varargs = any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in signature.parameters.values())

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        dropped = "verbose" in kwargs
        kwargs.pop("verbose", None)
        # one positional argument more than this torch takes (`positional` counts self): verbose, the last
        # positional argument of every 1.x scheduler
        if not dropped and not has_varargs and len(args) == positional:
            args, dropped = args[:-1], True
        if dropped:
            own = type(self).__name__
            where = name if own == name else f"{name} (through your {own})"
            log.record("scheduler_verbose", f"accepted the removed `verbose` argument of {where}")
        init(self, *args, **kwargs)

    return __init__


# -- the command line: Model() that parses sys.argv ------------------------------------------------
def _install_argv_report(log: ShimLog) -> None:
    import argparse

    for method in ("parse_args", "parse_known_args"):
        original = getattr(argparse.ArgumentParser, method)

        def wrapper(self, args=None, namespace=None, _original=original):
            if args is None:
                log.record(
                    "course_argv",
                    f"ran with sys.argv = {COURSE_ARGV!r}: your code parses the command line (argparse) and the "
                    "course's test.py passed no arguments",
                )
            return _original(self, args, namespace)

        functools.update_wrapper(wrapper, original)
        setattr(argparse.ArgumentParser, method, wrapper)
