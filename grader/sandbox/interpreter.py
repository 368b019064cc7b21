"""The Python that runs the sandboxed worker: the judge's own, or an environment the instructor chose.

2022 submissions were written for the course's VM (its torch, torchvision,
tqdm). `grade --worker-python PATH` runs the worker with another interpreter
or virtualenv (built with `grade env create`, see grader.worker_env) while the
judge keeps its own torch for every expected value: only raw arrays cross the
boundary (grader.sandbox.protocol), so the two torch versions may differ.

The worker side of the grader (worker_main, ops, jail, protocol, tracer,
shims, stand-ins, grader.rules.policy) needs Python >= 3.10 and torch >= 2.1
(torch function modes) and nothing else; it is imported from the judge's own
copy of the grader, put first on the worker's sys.path, so both sides always
run the same grader. The jail binds, read-only, what that interpreter needs:
its prefixes, its sys.path and the grader package (`keep_paths`).

The interpreter is described without running any of its packages: one
`python -I -c` that prints sys.path, prefixes and the installed torch version
(from the package metadata, not by importing it).
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grader

MIN_PYTHON = (3, 10)
MIN_TORCH = (2, 1)
PROBE_TIMEOUT = 60.0
GRADER_PARENT = str(Path(grader.__file__).resolve().parents[1])

_PROBE = """
import json, site, sys
try:
    from importlib.metadata import PackageNotFoundError, version
except ImportError:
    version = None
def dist(name):
    try:
        return version(name) if version else None
    except Exception:
        return None
print(json.dumps({
    "executable": sys.executable,
    "version": "%d.%d.%d" % sys.version_info[:3],
    "prefix": sys.prefix, "base_prefix": sys.base_prefix,
    "exec_prefix": sys.exec_prefix, "base_exec_prefix": sys.base_exec_prefix,
    "path": [p for p in sys.path if p],
    "site": site.getsitepackages() if hasattr(site, "getsitepackages") else [],
    "packages": {n: dist(n) for n in ("torch", "torchvision", "tqdm", "numpy", "tensorboard")},
}))
"""


class WorkerPythonError(ValueError):
    """The interpreter given for the worker cannot run it (missing, not Python, too old, no torch)."""


@dataclass(frozen=True)
class WorkerPython:
    """An interpreter the worker runs under, as it describes itself (see `probe`)."""

    executable: str  # as given: a virtualenv's bin/python, not its resolved target (that would leave the venv)
    version: str
    prefix: str
    base_prefix: str
    exec_prefix: str
    base_exec_prefix: str
    path: tuple[str, ...]  # its sys.path under -I
    site: tuple[str, ...]
    packages: tuple[tuple[str, str | None], ...]  # installed versions (metadata), None when absent
    own: bool  # the judge's own interpreter

    @property
    def torch(self) -> str | None:
        return dict(self.packages).get("torch")

    def command(self) -> list[str]:
        """The argv prefix that starts grader.sandbox.worker_main under this interpreter."""
        if self.own:
            return [self.executable, "-I", "-m", "grader.sandbox.worker_main"]
        # Another environment does not have the grader installed: import the judge's copy (same version).
        boot = (
            f"import sys; sys.path.insert(0, {GRADER_PARENT!r}); "
            "from grader.sandbox.worker_main import main; sys.exit(main())"
        )
        return [self.executable, "-I", "-c", boot]

    def keep_paths(self) -> list[str]:
        """What the jail must show (read-only) for this interpreter to run the worker."""
        paths = {self.prefix, self.base_prefix, self.exec_prefix, self.base_exec_prefix, *self.site, *self.path}
        paths.add(str(Path(grader.__file__).resolve().parent))
        paths.add(os.path.dirname(os.path.realpath(self.executable)))
        paths.add(os.path.dirname(os.path.abspath(self.executable)))
        return sorted(p for p in paths if p and os.path.exists(p))

    def describe(self) -> dict:
        """What a result records about the worker's environment."""
        return {
            "executable": self.executable,
            "environment": self.prefix,
            "python": self.version,
            "own_interpreter": self.own,
            "packages": {name: v for name, v in self.packages if v},
        }


def interpreter_of(path: str | os.PathLike) -> str:
    """The interpreter a --worker-python value names: the file itself, or DIR/bin/python of a virtualenv."""
    p = Path(path).expanduser()
    if p.is_dir():
        for name in ("bin/python", "bin/python3", "Scripts/python.exe"):
            if (p / name).is_file():
                return str((p / name).absolute())
        raise WorkerPythonError(f"--worker-python {path}: a folder without bin/python (not a virtualenv?)")
    if not p.exists():
        raise WorkerPythonError(f"--worker-python {path}: no such file or folder")
    if not os.access(p, os.X_OK):
        raise WorkerPythonError(f"--worker-python {path}: not executable")
    return str(p.absolute())


def worker_python(path: str | os.PathLike | None = None) -> WorkerPython:
    """Describe (and check) the interpreter for the worker: `path`, or the judge's own when None.

    Raises WorkerPythonError with the reason when it cannot run the worker.
    """
    return _probe(sys.executable if path is None else interpreter_of(path))


@functools.lru_cache(maxsize=16)
def _probe(executable: str) -> WorkerPython:
    try:
        done = subprocess.run(
            [executable, "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8"},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise WorkerPythonError(f"--worker-python {executable}: could not run it ({exc})") from None
    try:
        info = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (done.stderr or done.stdout).strip()[-400:]
        raise WorkerPythonError(f"--worker-python {executable}: not a working Python ({tail or 'no output'})") from None
    found = WorkerPython(
        executable=executable,
        version=info["version"],
        prefix=info["prefix"],
        base_prefix=info["base_prefix"],
        exec_prefix=info["exec_prefix"],
        base_exec_prefix=info["base_exec_prefix"],
        path=tuple(info["path"]),
        site=tuple(info["site"]),
        packages=tuple(sorted(info["packages"].items())),
        # this very environment (a venv's python resolves to its base's binary: compare the prefixes)
        own=os.path.realpath(info["prefix"]) == os.path.realpath(sys.prefix),
    )
    _check(found)
    return found


def _version_tuple(text: str) -> tuple[int, ...]:
    out = []
    for part in text.split("+")[0].split(".")[:2]:
        digits = "".join(ch for ch in part if ch.isdigit())
        out.append(int(digits or 0))
    return tuple(out)


def _check(found: WorkerPython) -> None:
    where = f"--worker-python {found.executable}"
    if _version_tuple(found.version) < MIN_PYTHON:
        raise WorkerPythonError(
            f"{where}: Python {found.version}; the worker needs Python >= {'.'.join(map(str, MIN_PYTHON))}"
        )
    if found.torch is None:
        raise WorkerPythonError(f"{where}: torch is not installed there (grade env create DIR builds one)")
    if _version_tuple(found.torch) < MIN_TORCH:
        raise WorkerPythonError(
            f"{where}: torch {found.torch}; the worker needs torch >= {'.'.join(map(str, MIN_TORCH))} "
            "(it traces student code with torch function modes)"
        )
