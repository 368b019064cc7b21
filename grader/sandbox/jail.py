"""Confining the worker process before it touches student code (Linux; degrades elsewhere).

Three steps, run by the worker while it is still trusted (see worker_main):

1. `enter_namespaces`: new mount, IPC, PID and (by default) network
   namespaces; a user namespace too when the judge is not root, which grants
   the same powers inside it only.
2. `isolate_filesystem` (in the new PID namespace's init): build a fresh root
   that holds only what Python needs (the system folders, read-only; the
   interpreter, its packages and the grader, read-only; a private /proc, a
   minimal /dev, empty /tmp) plus the worker's box on a size-limited tmpfs
   holding a copy of the submission, then pivot into it. The judge's home,
   working folder, data cache, outputs, other submissions and the reference
   implementation simply do not exist there. Where building the root fails,
   the older fallback hides the sensitive folders behind empty tmpfs mounts.
3. `finish`: resource limits, then the unprivileged uid (judge running as
   root) or no capabilities (user namespace), no new privileges, and death
   with the parent.

Every step is attempted independently and reported, so the judge can state
which protections held.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import shutil
import signal
import sys
from dataclasses import dataclass, field

CLONE_NEWNS = 0x00020000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME = 1 << 18, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
_SYS_PIVOT_ROOT = {
    "x86_64": 155,
    "amd64": 155,
    "aarch64": 41,
    "arm64": 41,
    "riscv64": 41,
    "ppc64le": 203,
    "s390x": 217,
    "i686": 217,
    "i386": 217,
}
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_TEMP_DIRS = {"/tmp", "/var/tmp", "/dev/shm"}
# Never hide these (or their parents) in the fallback: the worker could not run without them.
_SYSTEM_DIRS = {"/", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys", "/opt", "/var"}
# What the fresh root shows of the host, read-only (besides the `keep` paths).
_ROOT_TOPS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_CPU_INFO = "/sys/devices/system/cpu"  # torch sizes its thread pool from it


@dataclass
class JailConfig:
    """What the judge asks of the worker's confinement (sent as JSON in the first message)."""

    box: str  # the worker's only writable folder (private copy + temp)
    keep: list[str] = field(default_factory=list)  # read-only paths the worker needs
    hide: list[str] = field(default_factory=list)  # folders that must read as empty
    uid: int | None = None  # drop to this uid/gid when started as root
    isolate_network: bool = True
    address_space_bytes: int | None = None
    max_processes: int | None = None
    max_file_bytes: int | None = None
    max_open_files: int | None = None
    cpu_seconds: int | None = None
    scratch_bytes: int | None = 1 << 30  # room in the box's tmpfs beyond the submission
    temp_bytes: int = 64 << 20  # /tmp, /var/tmp and /dev/shm, each
    namespaces: bool = True  # False: no namespace at all (then no network or filesystem isolation)
    fresh_root: bool = True  # False: the older read-only root with tmpfs-hidden folders
    devices: list[str] = field(default_factory=list)  # extra device nodes to expose (GPUs: /dev/nvidia*)
    show_sys: bool = False  # all of /sys, read-only (GPU drivers read the PCI tree there)


def _libc():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    libc.unshare.argtypes = [ctypes.c_int]
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    return libc


def _call(fn, *args, what: str) -> None:
    if fn(*args) != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _enc(s):
    return s.encode() if isinstance(s, str) else s


def _mount(libc, src, target, fstype, flags, data=None, *, what):
    _call(libc.mount, _enc(src), _enc(target), _enc(fstype), flags, _enc(data), what=what)


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


# -- step 1: namespaces (the worker's first process) --------------------------------
def enter_namespaces(cfg: JailConfig) -> dict:
    """Unshare mount, IPC, PID and network namespaces; return what held.

    The caller stays outside the new PID namespace: its next child becomes
    that namespace's init (see worker_main).
    """
    report: dict = {"platform": sys.platform, "started_as_root": os.geteuid() == 0}
    if not sys.platform.startswith("linux"):
        report.update(
            namespaces=False,
            namespaces_detail=f"not available on {sys.platform}",
            pid_namespace=False,
            network_isolated=False,
            network_isolated_detail=f"no network namespace on {sys.platform}",
        )
        return report
    if not cfg.namespaces:
        report.update(
            namespaces=False,
            namespaces_detail="switched off in the settings",
            pid_namespace=False,
            network_isolated=False,
            network_isolated_detail="namespaces switched off in the settings",
        )
        return report
    libc = _libc()
    root = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()
    base = CLONE_NEWNS | CLONE_NEWIPC | (CLONE_NEWNET if cfg.isolate_network else 0)
    errors = []
    attempts = [base | CLONE_NEWPID, base, CLONE_NEWNS | (CLONE_NEWNET if cfg.isolate_network else 0)]
    if cfg.isolate_network:  # network namespaces refused (user.max_net_namespaces=0 on many clusters): keep the rest
        attempts += [CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWPID, CLONE_NEWNS | CLONE_NEWIPC, CLONE_NEWNS]
    for flags in attempts:
        try:
            if root:
                _call(libc.unshare, flags, what="unshare")
            else:  # an unprivileged user namespace grants the same powers inside it
                _call(libc.unshare, flags | CLONE_NEWUSER, what="unshare(user)")
                _write("/proc/self/setgroups", "deny")
                _write("/proc/self/uid_map", f"{uid} {uid} 1")  # same ids inside: not root there
                _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError as exc:
            errors.append(str(exc))
            continue
        report.update(
            namespaces=True,
            pid_namespace=bool(flags & CLONE_NEWPID),
            ipc_namespace=bool(flags & CLONE_NEWIPC),
            network_isolated=bool(flags & CLONE_NEWNET),
            user_namespace=not root,
        )
        if errors:
            report["namespaces_detail"] = "; ".join(errors)
        if not cfg.isolate_network:
            report["network_isolated_detail"] = "network isolation switched off in the settings"
        elif not flags & CLONE_NEWNET:
            report["network_isolated_detail"] = (
                "no network namespace here (" + "; ".join(errors) + "): the "
                "worker shares the host's network; mount/PID namespaces kept"
            )
        return report
    report.update(
        namespaces=False,
        namespaces_detail="; ".join(errors),
        pid_namespace=False,
        network_isolated=False,
        network_isolated_detail="no network namespace: " + errors[-1],
    )
    return report


# -- step 2: the filesystem (init of the PID namespace, or the worker itself) ----------
def isolate_filesystem(cfg: JailConfig, report: dict, *, private_proc: bool) -> None:
    """Pivot into a fresh minimal root (or fall back to hiding folders); record the result in `report`."""
    if not report.get("namespaces"):
        report["filesystem_isolated"] = False
        report["filesystem_isolated_detail"] = "no mount namespace"
        return
    libc = _libc()
    try:
        _mount(libc, "none", "/", None, MS_REC | MS_PRIVATE, what="make / private")
    except OSError as exc:
        report["filesystem_isolated"] = False
        report["filesystem_isolated_detail"] = str(exc)
        return
    try:
        if not cfg.fresh_root:
            raise OSError(errno.EPERM, "fresh root switched off in the settings")
        _build_root(libc, cfg, report, private_proc)
        return
    except OSError as exc:
        report["fresh_root_detail"] = str(exc)
        try:
            libc.umount2(_enc(os.path.join(os.path.realpath(cfg.box), ".root")), MNT_DETACH)
        except OSError:
            pass
    report["fresh_root"] = False
    _isolate_by_hiding(libc, cfg, report)
    report["proc_private"] = False
    if private_proc:  # this process is the init of a new PID namespace: show only its processes
        try:
            _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, what="mount /proc")
            report["proc_private"] = True
        except OSError as exc:
            report["proc_private_detail"] = str(exc)


def _locked_flags(path: str) -> int:
    """Mount flags of `path` that a bind remount must keep (a user namespace may not clear them)."""
    flags = os.statvfs(path).f_flag
    out = 0
    for st, ms in (
        (os.ST_NOEXEC, MS_NOEXEC),
        (os.ST_NOATIME, MS_NOATIME),
        (os.ST_NODIRATIME, MS_NODIRATIME),
        (os.ST_RELATIME, MS_RELATIME),
        (os.ST_NOSUID, MS_NOSUID),
        (os.ST_NODEV, MS_NODEV),
    ):
        if flags & st:
            out |= ms
    return out


def _bind(libc, src: str, dst: str, *, readonly: bool) -> None:
    if os.path.isdir(src):
        os.makedirs(dst, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        open(dst, "a").close()
    try:
        _mount(libc, src, dst, None, MS_BIND, what=f"bind {src}")
    except OSError as exc:  # a user namespace refuses a plain bind over locked sub-mounts
        if exc.errno != errno.EINVAL:
            raise
        _mount(libc, src, dst, None, MS_BIND | MS_REC, what=f"bind {src}")
    if readonly:
        _mount(
            libc,
            None,
            dst,
            None,
            MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | _locked_flags(dst),
            what=f"read-only {src}",
        )


def _tmpfs(libc, path: str, mode: str, size: int, *, what: str, flags: int = MS_NOSUID | MS_NODEV) -> None:
    os.makedirs(path, exist_ok=True)
    _mount(libc, "tmpfs", path, "tmpfs", flags, f"mode={mode},size={max(size, 4096)}", what=what)


def _tree_bytes(path: str) -> int:
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def _chown_tree(path: str, uid: int) -> None:
    os.lchown(path, uid, uid)
    for folder, dirs, files in os.walk(path):
        for name in dirs + files:
            os.lchown(os.path.join(folder, name), uid, uid)


def _pivot_root(libc, new: str, old: str) -> None:
    number = _SYS_PIVOT_ROOT.get(platform.machine().lower())
    if number is None:
        raise OSError(errno.ENOSYS, f"pivot_root: unknown syscall number on {platform.machine()}")
    _call(libc.syscall, number, _enc(new), _enc(old), what="pivot_root")


def _build_root(libc, cfg: JailConfig, report: dict, private_proc: bool) -> None:
    box = os.path.realpath(cfg.box)
    new = os.path.join(box, ".root")
    os.makedirs(new, exist_ok=True)
    _tmpfs(libc, new, "0755", 4 << 20, what="new root")

    def inside(path: str) -> str:
        return new + path

    visible, bound = [], []
    for top in _ROOT_TOPS:
        if os.path.islink(top):  # merged /usr: /bin -> usr/bin and the like
            os.symlink(os.readlink(top), inside(top))
        elif os.path.isdir(top):
            _bind(libc, top, inside(top), readonly=True)
            bound.append(top)
    # Empty temp folders first: a kept folder below one (a checkout or virtualenv in /tmp)
    # is then bound on top of the tmpfs instead of being covered by it.
    for temp in ("/tmp", "/var/tmp"):
        _tmpfs(libc, inside(temp), "1777", cfg.temp_bytes, what=temp)
    for path in sorted({os.path.realpath(p) for p in cfg.keep if os.path.exists(p)}, key=len):
        if not any(_under(path, b) for b in bound):
            _bind(libc, path, inside(path), readonly=True)
            bound.append(path)
    visible += bound

    dev = inside("/dev")
    _tmpfs(libc, dev, "0755", 64 << 10, what="/dev", flags=MS_NOSUID | MS_NOEXEC)
    nodes = [f"/dev/{name}" for name in _DEVICES] + [d for d in cfg.devices if _under(d, "/dev") and d != "/dev"]
    for node in nodes:
        if os.path.exists(node):
            target = dev + node[len("/dev") :]
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(node):
                os.makedirs(target, exist_ok=True)
            else:
                open(target, "w").close()
            _mount(libc, node, target, None, MS_BIND | (MS_REC if os.path.isdir(node) else 0), what=node)
    for name, target in (
        ("fd", "/proc/self/fd"),
        ("stdin", "/proc/self/fd/0"),
        ("stdout", "/proc/self/fd/1"),
        ("stderr", "/proc/self/fd/2"),
    ):
        os.symlink(target, os.path.join(dev, name))
    _tmpfs(libc, os.path.join(dev, "shm"), "1777", cfg.temp_bytes, what="/dev/shm")
    _mount(
        libc,
        None,
        dev,
        None,
        MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
        "mode=0755,size=65536",
        what="read-only /dev",
    )

    proc = inside("/proc")
    os.makedirs(proc)
    report["proc_private"] = False
    if private_proc:
        try:
            _mount(libc, "proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, what="mount /proc")
            report["proc_private"] = True
        except OSError as exc:
            report["proc_private_detail"] = str(exc)
    if not report["proc_private"]:
        _mount(libc, "/proc", proc, None, MS_BIND | MS_REC, what="bind /proc")
    if cfg.show_sys:
        _bind(libc, "/sys", inside("/sys"), readonly=True)
    elif os.path.isdir(_CPU_INFO):
        try:
            _bind(libc, _CPU_INFO, inside(_CPU_INFO), readonly=True)
        except OSError:
            pass  # torch then guesses its thread count; not worth failing for

    # The box on its own tmpfs: bounded in size, private, and gone with the worker.
    sub = os.path.join(box, "sub")
    size = (cfg.scratch_bytes or 0) + (_tree_bytes(sub) if os.path.isdir(sub) else 0) + (1 << 20)
    new_box = inside(box)
    _tmpfs(libc, new_box, "0700", size, what="box")
    for name in os.listdir(box):
        if name == ".root":
            continue
        src = os.path.join(box, name)
        if os.path.isdir(src) and not os.path.islink(src):
            shutil.copytree(src, os.path.join(new_box, name), symlinks=True)
    if os.geteuid() == 0 and cfg.uid is not None and not report.get("user_namespace"):
        _chown_tree(new_box, cfg.uid)
    report["box_bytes"] = size

    for h in cfg.hide:  # anything secret below a kept folder (a cache inside the venv, say)
        real = os.path.realpath(h)
        needed = any(_under(k, real) for k in bound)  # never hide what Python itself needs
        if not needed and any(_under(real, b) for b in bound) and os.path.isdir(inside(real)):
            _tmpfs(libc, inside(real), "0755", 4096, what=f"hide {real}", flags=MS_NOSUID | MS_NODEV | MS_RDONLY)

    old = inside("/.old")
    os.makedirs(old)
    _pivot_root(libc, new, old)
    os.chdir("/")
    _call(libc.umount2, b"/.old", MNT_DETACH, what="detach the old root")
    os.rmdir("/.old")
    _mount(libc, None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=0755", what="read-only root")
    report.update(
        filesystem_isolated=True,
        fresh_root=True,
        root_readonly=True,
        visible_paths=sorted(visible)
        + [
            "/dev (null, zero, full, random, urandom, shm)",
            *cfg.devices,
            "/proc",
            "/sys" if cfg.show_sys else _CPU_INFO,
            "/tmp",
            "/var/tmp",
            box,
        ],
    )


def _isolate_by_hiding(libc, cfg: JailConfig, report: dict) -> None:
    """Fallback: read-only root with sensitive folders covered by empty tmpfs mounts."""
    box = os.path.realpath(cfg.box)
    keeps = sorted({os.path.realpath(p) for p in cfg.keep if os.path.exists(p)})
    hides = []
    for h in [*cfg.hide, "/run", "/home", "/root", "/mnt", "/media", "/srv"]:
        real = os.path.realpath(h)
        if os.path.isdir(real) and real not in _SYSTEM_DIRS and real not in hides:
            hides.append(real)
    hides.sort(key=len)
    try:
        wanted = [(p, True) for p in keeps] + [(box, False)]
        fds = {}
        for path, readonly in wanted:
            if any(_under(path, h) for h in hides):
                fds[path] = (
                    os.open(path, os.O_RDONLY | os.O_DIRECTORY) if os.path.isdir(path) else os.open(path, os.O_RDONLY),
                    readonly,
                )
        try:
            _mount(libc, None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | _locked_flags("/"), what="read-only /")
            report["root_readonly"] = True
        except OSError as exc:
            report["root_readonly"] = False
            report["root_readonly_detail"] = str(exc)
        hidden = []
        for h in hides:
            if any(_under(h, other) and h != other for other in hidden):
                continue  # already under a hidden folder
            # temp folders stay usable (and vanish with the worker); others read as empty
            if h in _TEMP_DIRS:
                _tmpfs(libc, h, "1777", cfg.temp_bytes, what=f"hide {h}")
            else:  # read-only once the folders re-exposed below have their mount points
                _tmpfs(libc, h, "0755", 1 << 20, what=f"hide {h}")
            hidden.append(h)
        for path, (fd, readonly) in sorted(fds.items(), key=lambda kv: len(kv[0])):
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(path, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                open(path, "a").close()
            _mount(libc, f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC, what=f"expose {path}")
            # a bind copies the read-only flag of the (now read-only) root: set it either way
            _mount(
                libc,
                None,
                path,
                None,
                MS_REMOUNT | MS_BIND | (MS_RDONLY if readonly else 0) | MS_NOSUID | MS_NODEV | _locked_flags(path),
                what=f"{'read-only' if readonly else 'writable'} {path}",
            )
            os.close(fd)
        for h in hidden:
            if h not in _TEMP_DIRS:
                _mount(
                    libc,
                    None,
                    h,
                    None,
                    MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV,
                    "mode=0755,size=1048576",
                    what=f"read-only {h}",
                )
        report["filesystem_isolated"] = True
        report["hidden_paths"] = hidden
    except OSError as exc:
        report["filesystem_isolated"] = False
        report["filesystem_isolated_detail"] = str(exc)


# -- step 3: limits and identity (the process that will run student code) --------------
def finish(cfg: JailConfig, report: dict) -> dict:
    """Set resource limits, drop privileges, never gain any, die with the parent; return `report`."""
    _oom_first(report)
    _set_limits(cfg, report)
    root = os.geteuid() == 0 and not report.get("user_namespace")
    if root and cfg.uid is not None:
        try:
            os.setgroups([])
            os.setresgid(cfg.uid, cfg.uid, cfg.uid)
            os.setresuid(cfg.uid, cfg.uid, cfg.uid)
            report["unprivileged_uid"] = cfg.uid
        except OSError as exc:
            report["unprivileged_uid"] = None
            report["unprivileged_uid_detail"] = str(exc)
    else:
        report["unprivileged_uid"] = None
        report["unprivileged_uid_detail"] = "judge not running as root: worker keeps the judge's uid"
        if report.get("user_namespace"):
            report["capabilities_dropped"] = _drop_capabilities()
    if not sys.platform.startswith("linux"):
        report["no_new_privileges"] = False
        return report
    libc = _libc()
    try:  # after setuid, which clears it: die with the parent, never gain privileges
        _call(libc.prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, what="no_new_privs")
        _call(libc.prctl, PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0, what="pdeathsig")
        report["no_new_privileges"] = True
    except OSError as exc:
        report["no_new_privileges"] = False
        report["no_new_privileges_detail"] = str(exc)
    return report


def enter_jail(cfg: JailConfig) -> dict:
    """All three steps in this one process (no PID namespace init); returns what held.

    Kept for callers that cannot fork; worker_main uses the steps separately.
    """
    report = enter_namespaces(cfg)
    isolate_filesystem(cfg, report, private_proc=False)
    return finish(cfg, report)


def die_with_parent() -> None:
    """SIGKILL this process when the one that forked it dies (Linux)."""
    if sys.platform.startswith("linux"):
        try:
            _libc().prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except OSError:
            pass


def _drop_capabilities() -> bool:
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.capset(ctypes.byref(Header(_LINUX_CAPABILITY_VERSION_3, 0)), (Data * 2)()) == 0
    except (OSError, AttributeError):
        return False


OOM_SCORE_ADJ = 1000  # the largest: the kernel's (or a job cgroup's) OOM killer takes the worker first


def _oom_first(report: dict) -> None:
    """Make this process (and what it starts) the OOM killer's first choice, before the judge or a Dask worker."""
    try:
        _write("/proc/self/oom_score_adj", str(OOM_SCORE_ADJ))  # raising it needs no privilege
        report["oom_score_adj"] = OOM_SCORE_ADJ
    except OSError as exc:
        report["oom_score_adj"] = None
        report["oom_score_adj_detail"] = str(exc)


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
    """Rebuild a JailConfig from its JSON form (unknown keys are an error: both sides are ours)."""
    return JailConfig(**data)


def default_keep_paths() -> list[str]:
    """Folders the judge's own Python needs in the worker (see interpreter.WorkerPython.keep_paths)."""
    from grader.sandbox.interpreter import worker_python

    return worker_python().keep_paths()
