"""Helpers of the sandbox tests: fixture submissions, a worker session, /proc views (imported by conftest and tests)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from grader.sandbox.client import Client, tensor_of
from grader.sandbox.jail import default_keep_paths
from grader.sandbox.supervisor import SandboxSettings, Worker

HERE = Path(__file__).parent
HOSTILE = HERE / "hostile"
SNOOP = HERE / "snoop"
TAMPER = HERE / "tamper"


def namespaces_available() -> bool:
    """Can this machine give a process new mount, PID and network namespaces (what the jail asks for)?"""
    flags = 0x20000000 | 0x00020000 | 0x40000000 | (0 if os.geteuid() == 0 else 0x10000000)  # PID, NS, NET, USER
    probe = (
        f"import ctypes, os; libc = ctypes.CDLL(None, use_errno=True); os._exit(0 if libc.unshare({flags}) == 0 else 1)"
    )
    return subprocess.run([sys.executable, "-I", "-c", probe], capture_output=True).returncode == 0


NAMESPACES = namespaces_available()
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="the judge is not root here: no uid drop to test")
needs_namespaces = pytest.mark.skipif(not NAMESPACES, reason="this machine refuses new namespaces")


def copy_submission(src: Path, dest: Path) -> Path:
    """A private copy of a fixture submission (the worker must never see the tests folder)."""
    shutil.copytree(src, dest / src.name, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / src.name


class Session:
    """A worker with the submission imported on every start, and a client on it."""

    def __init__(self, root: Path, **settings):
        self.worker = Worker(root, SandboxSettings(**settings))
        self.client = Client(self.worker, timeout=30)
        self.imports = 0
        self.import_replies: list[dict] = []
        self.worker.on_start.append(self._import)

    def _import(self, worker: Worker) -> None:
        self.imports += 1
        reply = worker.request({"op": "import", "root": worker.submission_root, "context": "import"}, 60)
        self.import_replies.append(reply)
        assert reply["ok"], reply

    def hostile(self) -> str:
        """A handle on a fresh `Hostile` object (restarting the worker first if it died)."""
        return self.client.new("Hostile")["handle"]

    def call(self, method: str, *args, timeout: float = 30, **kwargs):
        return self.client.call(
            self.hostile(), method, *args, context=f"Hostile.{method}", timeout=timeout, cast=False, **kwargs
        )

    def ask(self, method: str, *args, timeout: float = 30):
        """Call a Hostile method that reports JSON; return the decoded data."""
        return unpack(self.call(method, *args, timeout=timeout)["value"])

    def close(self) -> None:
        self.worker.close()


def unpack(value: dict):
    """Decode what Hostile's `pack` sent."""
    return json.loads(bytes(tensor_of(value).tolist()).decode())


def pack_arg(obj) -> torch.Tensor:
    return torch.tensor(list(json.dumps(obj).encode()), dtype=torch.uint8)


# Small limits make the limit tests quick; still far above what the hostile code needs otherwise.
SMALL_LIMITS = dict(
    start_timeout=120,
    max_processes=64,
    reply_limit_bytes=64 * 2**20,
    max_file_bytes=8 * 2**20,
    scratch_bytes=64 * 2**20,
    temp_bytes=16 * 2**20,
    output_limit_bytes=16 * 2**20,
)


# -- /proc, seen from the judge -------------------------------------------------------
def host_processes() -> list[dict]:
    """Every live (non-zombie) process: pid, uid, session id, command line."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
            with open(f"/proc/{name}/status") as fh:
                uid = next(int(line.split()[1]) for line in fh if line.startswith("Uid:"))
            with open(f"/proc/{name}/cmdline", "rb") as fh:
                cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, StopIteration):
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        if fields[0] in (b"Z", b"X"):
            continue
        out.append(
            {
                "pid": int(name),
                "state": fields[0].decode(),
                "ppid": int(fields[1]),
                "sid": int(fields[3]),
                "uid": uid,
                "cmd": cmd,
            }
        )
    return out


def leftovers(*, uid: int | None = None, sid: int | None = None, marker: str | None = None) -> list[dict]:
    """Live processes that match the worker's uid, its session, or a marker in their command line."""
    return [
        p
        for p in host_processes()
        if (uid is not None and p["uid"] == uid)
        or (sid is not None and p["sid"] == sid)
        or (marker is not None and marker in p["cmd"])
    ]


def kept_below(folder: str) -> set[str]:
    """Names directly in `folder` that lead to a folder the worker's Python needs (a checkout or a
    virtualenv below /tmp, say): the jail shows those there, read-only, and nothing else of the host's."""
    base = Path(folder).resolve()
    names = set()
    for kept in default_keep_paths():
        path = Path(kept).resolve()
        if path != base and base in path.parents:
            names.add(path.relative_to(base).parts[0])
    return names
