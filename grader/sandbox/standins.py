"""Stand-ins for packages the course's VM had and the worker environment lacks (torchvision).

Many 2022 submissions import torchvision at module level for code that
grading never runs (their own data augmentation or DataLoader). The real
torchvision needs a matching torch build: on this project's machines only
torch 2.14.1 with torchvision 0.29.1, 5.5 GB (`grade env create DIR --torch
2.14.1 --with torchvision`). Without it, a stand-in keeps the import from
failing, honestly:

- `import torchvision`, `import torchvision.transforms as T` and
  `from torchvision import transforms` succeed; every attribute is a
  placeholder (a class, so that subclassing one also imports);
- calling or instantiating a placeholder raises `PackageNotAvailable` saying
  that torchvision is not available in this grading environment and how to
  get it;
- every name the submission's own code took from it is recorded (shim
  `standins`) and reported in the result; the rules still judge the import
  itself (project 2: a forbidden library).

The finder sits last on `sys.meta_path`, so a real installation always wins,
and it only answers imports made by the submission's own files: torch's
optional imports of torchvision still find nothing, as before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
import types

STANDINS = ("torchvision",)
REAL_ONE = {"torchvision": "grade env create DIR --torch 2.14.1 --with torchvision"}
_HERE = os.path.abspath(__file__)


class PackageNotAvailable(RuntimeError):
    """Student code used a package that exists in the grading environment only as a stand-in."""


def unavailable_message(name: str) -> str:
    package = name.split(".")[0]
    real = REAL_ONE.get(package, f"grade env create DIR --with {package}")
    return (
        f"{name}: {package} is not available in this grading environment (a stand-in let the import succeed); "
        f"use --worker-python with a course environment ({real})"
    )


def _submission_frame(root: str | None) -> bool:
    """True when the code that reached us (import machinery and this module skipped) is the submission's own."""
    if not root:
        return False
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith("<frozen") or name == _HERE or f"{os.sep}importlib{os.sep}" in name):
            return name.startswith(root.rstrip(os.sep) + os.sep)
        frame = frame.f_back
    return False


class _Placeholder(type):
    """The metaclass of every placeholder: attributes are more placeholders, calls fail with the message."""

    def __getattr__(cls, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        return _placeholder(f"{cls._standin_name}.{attr}", cls._standin_log)

    def __call__(cls, *args, **kwargs):
        if _submission_frame(cls._standin_log.root):
            cls._standin_log.record("standins", "called a stand-in", name=cls._standin_name, called=True)
        raise PackageNotAvailable(unavailable_message(cls._standin_name))

    def __repr__(cls):
        return f"<stand-in for {cls._standin_name}>"


def _placeholder(name: str, log) -> type:
    if _submission_frame(log.root):
        log.record("standins", "used a stand-in", name=name)
    return _Placeholder(name.rsplit(".", 1)[-1], (), {"_standin_name": name, "_standin_log": log})


class _StandInModule(types.ModuleType):
    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = _placeholder(f"{self.__name__}.{attr}", self._standin_log)
        setattr(self, attr, value)  # the same object on the next access
        return value


class _Loader(importlib.abc.Loader):
    def __init__(self, log):
        self.log = log

    def create_module(self, spec):
        module = _StandInModule(spec.name, f"stand-in for {spec.name}: not available in this grading environment")
        module._standin_log = self.log
        module.__path__ = []  # a package: submodules come from the finder too
        module.__version__ = "0+standin"
        return module

    def exec_module(self, module):
        pass


class StandInFinder(importlib.abc.MetaPathFinder):
    """Answers imports of STANDINS (and their submodules) made by the submission when nothing else can."""

    def __init__(self, log):
        self.log = log
        self.loader = _Loader(log)

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] not in STANDINS or not _submission_frame(self.log.root):
            return None
        self.log.record("standins", "imported a stand-in", name=fullname, module=True)
        return importlib.machinery.ModuleSpec(fullname, self.loader, is_package=True)


def install(log) -> StandInFinder:
    """Put the stand-in finder last on sys.meta_path (a real installation is found first)."""
    finder = StandInFinder(log)
    sys.meta_path.append(finder)
    return finder
