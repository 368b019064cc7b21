"""Confining the worker process before it touches student code (Linux; degrades elsewhere).

`enter_jail` runs inside the freshly started worker, while it is still trusted:
it moves into new mount and network namespaces, makes the root filesystem
read-only, hides the judge's home, caches, data and temporary folders behind
empty tmpfs mounts (re-exposing only what the worker needs: Python, its
packages and the sandbox folder), sets hard resource limits and, when started
as root, drops to a dedicated unprivileged uid. Every step is attempted
independently and reported, so the judge can state which protections held.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC = 1, 2, 4, 32, 4096, 16384
MS_PRIVATE = 1 << 18
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38

_TEMP_DIRS = {"/tmp", "/var/tmp", "/dev/shm"}
# Never hide these (or their parents): the worker could not run without them.
_SYSTEM_DIRS = {"/", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys", "/opt", "/var", "/run"}


@dataclass
class JailConfig:
    """What the judge asks of the worker's confinement (sent as JSON on the command line)."""

    box: str  # the worker's only writable folder (private copy + temp)
    keep: list[str] = field(default_factory=list)  # read-only paths the worker needs
    hide: list[str] = field(default_factory=list)  # folders replaced by an empty tmpfs
    uid: int | None = None  # drop to this uid/gid when started as root
    isolate_network: bool = True
    address_space_bytes: int | None = None
    max_processes: int | None = None
    max_file_bytes: int | None = None
    max_open_files: int | None = None
    cpu_seconds: int | None = None


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.unshare.argtypes = [ctypes.c_int]
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def _call(fn, *args, what: str) -> None:
    if fn(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(libc, src, target, fstype, flags, data=None, *, what):
    enc = lambda s: s.encode() if isinstance(s, str) else s  # noqa: E731
    _call(libc.mount, enc(src), enc(target), enc(fstype), flags, enc(data), what=what)


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def enter_jail(cfg: JailConfig) -> dict:
    """Apply every protection that the OS allows; return what held, step by step.

    The report maps a protection name to True/False, with `<name>_detail`
    explaining a refusal.
    """
    report: dict = {"platform": sys.platform, "started_as_root": os.geteuid() == 0}
    if not sys.platform.startswith("linux"):
        report["namespaces"] = False
        report["namespaces_detail"] = f"not available on {sys.platform}"
        _set_limits(cfg, report)
        return report
    libc = _libc()
    root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()

    flags = CLONE_NEWNS | (CLONE_NEWNET if cfg.isolate_network else 0)
    try:
        if root:
            _call(libc.unshare, flags, what="unshare")
        else:  # an unprivileged user namespace grants the same powers inside it
            _call(libc.unshare, flags | CLONE_NEWUSER, what="unshare(user)")
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"0 {uid} 1")
            _write("/proc/self/gid_map", f"0 {gid} 1")
        report["namespaces"] = True
        report["network_isolated"] = cfg.isolate_network
    except OSError as exc:
        report["namespaces"] = False
        report["namespaces_detail"] = str(exc)
        report["network_isolated"] = False
        report["network_isolated_detail"] = "no network namespace: " + str(exc)

    if report["namespaces"]:
        _isolate_filesystem(libc, cfg, report)
    else:
        report["filesystem_isolated"] = False
        report["filesystem_isolated_detail"] = "no mount namespace"

    _set_limits(cfg, report)

    if root and cfg.uid is not None:
        try:
            os.setgroups([])
            os.setgid(cfg.uid)
            os.setuid(cfg.uid)
            report["unprivileged_uid"] = cfg.uid
        except OSError as exc:
            report["unprivileged_uid"] = None
            report["unprivileged_uid_detail"] = str(exc)
    else:
        report["unprivileged_uid"] = None
        report["unprivileged_uid_detail"] = "judge not running as root: worker keeps the judge's uid"

    try:  # after setuid, which clears it: die with the judge, never gain privileges
        _call(libc.prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, what="no_new_privs")
        _call(libc.prctl, PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0, what="pdeathsig")
        report["no_new_privileges"] = True
    except OSError as exc:
        report["no_new_privileges"] = False
        report["no_new_privileges_detail"] = str(exc)
    return report


def _isolate_filesystem(libc, cfg: JailConfig, report: dict) -> None:
    box = os.path.realpath(cfg.box)
    keeps = sorted({os.path.realpath(p) for p in cfg.keep if os.path.exists(p)})
    hides = []
    for h in cfg.hide:
        real = os.path.realpath(h)
        if os.path.isdir(real) and real not in _SYSTEM_DIRS and real not in hides:
            hides.append(real)
    hides.sort(key=len)
    try:
        _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, what="make / private")
        # Open what must stay visible before the tmpfs mounts cover it.
        wanted = [(p, True) for p in keeps] + [(box, False)]
        fds = {}
        for path, readonly in wanted:
            if any(_under(path, h) for h in hides):
                fds[path] = (os.open(path, os.O_RDONLY | os.O_DIRECTORY) if os.path.isdir(path)
                             else os.open(path, os.O_RDONLY), readonly)
        try:
            _mount(libc, None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY, what="read-only /")
            report["root_readonly"] = True
        except OSError as exc:
            report["root_readonly"] = False
            report["root_readonly_detail"] = str(exc)
        hidden = []
        for h in hides:
            if any(_under(h, other) and h != other for other in hidden):
                continue  # already under a hidden folder
            # temp folders stay usable (and vanish with the worker); others read as empty
            mode = "1777" if h in _TEMP_DIRS else "0755"
            _mount(libc, "tmpfs", h, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size=64m", what=f"hide {h}")
            hidden.append(h)
        for path, (fd, readonly) in sorted(fds.items(), key=lambda kv: len(kv[0])):
            if os.path.isdir(path) or os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, what=f"expose {path}")
            if readonly:
                _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY, what=f"read-only {path}")
            os.close(fd)
        report["filesystem_isolated"] = True
        report["hidden_paths"] = hidden
    except OSError as exc:
        report["filesystem_isolated"] = False
        report["filesystem_isolated_detail"] = str(exc)


def _set_limits(cfg: JailConfig, report: dict) -> None:
    wanted = {
        "address_space": (resource.RLIMIT_AS, cfg.address_space_bytes),
        "processes": (resource.RLIMIT_NPROC, cfg.max_processes),
        "file_size": (resource.RLIMIT_FSIZE, cfg.max_file_bytes),
        "open_files": (resource.RLIMIT_NOFILE, cfg.max_open_files),
        "cpu_seconds": (resource.RLIMIT_CPU, cfg.cpu_seconds),
        "core_dumps": (resource.RLIMIT_CORE, 0),
    }
    limits = {}
    for name, (rlimit, value) in wanted.items():
        if value is None:
            continue
        try:
            resource.setrlimit(rlimit, (value, value))
            limits[name] = value
        except (ValueError, OSError) as exc:
            limits[name] = None
            report[f"limit_{name}_detail"] = str(exc)
    report["limits"] = limits


def config_from_dict(data: dict) -> JailConfig:
    """Rebuild a JailConfig from its JSON form."""
    return JailConfig(**data)


def default_keep_paths() -> list[str]:
    """Folders the worker's Python needs: the interpreter's prefixes, sys.path, the grader package."""
    import site

    import grader

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             str(Path(grader.__file__).resolve().parent)}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    exe = os.path.realpath(sys.executable)
    paths.add(os.path.dirname(exe))
    return sorted(paths)
