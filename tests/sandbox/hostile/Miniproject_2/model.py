"""Hostile and broken student code for the sandbox tests (runs only inside a worker).

Each method of `Hostile` is one attack or one way to break; the tests call
them through the sandbox and check the judge's verdict. Methods that report
what they saw return it as JSON text packed in a uint8 tensor (the protocol
carries tensors and numbers only); the tests unpack it with `unpack`.
"""

import ctypes
import gc
import io
import json
import os
import signal
import socket
import sys
import threading
import time

import torch


def pack(obj):
    """JSON-encode `obj` into a uint8 tensor."""
    return torch.tensor(list(json.dumps(obj, default=str).encode()), dtype=torch.uint8)


def _reply_fds():
    """The worker's request and reply pipe descriptors, as the command line gives them away.

    sys.argv reads ['test.py'] (the course_argv shim); the process's own command line still tells.
    """
    with open("/proc/self/cmdline", "rb") as fh:
        argv = fh.read().decode().split("\0")
    return int(argv[argv.index("--rfd") + 1]), int(argv[argv.index("--wfd") + 1])


def _frame(payload):
    header = json.dumps({"payload": payload, "arrays": []}).encode()
    return len(header).to_bytes(8, "big") + header


def _request_in_flight():
    """The judge's request dict, found by walking up the interpreter stack."""
    frame = sys._getframe()
    while frame is not None:
        request = frame.f_locals.get("request")
        if isinstance(request, dict) and "request_id" in request:
            return request
        frame = frame.f_back
    return None


class ExplodingList(list):
    def __len__(self):
        raise RuntimeError("len exploded")

    def __iter__(self):
        raise RuntimeError("iter exploded")

    def __getitem__(self, item):
        raise RuntimeError("getitem exploded")

    def __repr__(self):
        raise RuntimeError("repr exploded")


class ExplodingObject:
    def __repr__(self):
        raise RuntimeError("repr exploded")

    def __str__(self):
        raise RuntimeError("str exploded")

    def __len__(self):
        raise RuntimeError("len exploded")


class SlowDel:
    def __del__(self):
        time.sleep(3600)


class SneakyTensor(torch.Tensor):
    """A subclass whose dispatch hook and Python methods all misbehave."""

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        raise RuntimeError("subclass hook ran in the grader")

    def detach(self):
        raise RuntimeError("detach override ran in the grader")

    def numpy(self):
        raise RuntimeError("numpy override ran in the grader")


class UnprintableError(Exception):
    def __str__(self):
        raise UnprintableError()

    def __repr__(self):
        raise UnprintableError()


class Rebel(BaseException):
    pass


class Hostile:
    # -- looking around --------------------------------------------------------------
    def whoami(self):
        return pack(
            {
                "uid": os.getuid(),
                "euid": os.geteuid(),
                "gid": os.getgid(),
                "pid": os.getpid(),
                "env": dict(os.environ),
                "cwd": os.getcwd(),
                "home": os.path.expanduser("~"),
                "argv": sys.argv,
                "root": sorted(os.listdir("/")),
            }
        )

    def probe_paths(self, paths):
        """For each path: exists / listing / first bytes / error, as student code sees it."""
        out = {}
        for path in json.loads(bytes(paths.tolist()).decode()):
            entry = {"exists": os.path.exists(path)}
            try:
                if os.path.isdir(path):
                    entry["list"] = sorted(os.listdir(path))[:50]
                else:
                    with open(path, "rb") as fh:
                        entry["head"] = fh.read(64).decode("latin-1")
            except Exception as exc:
                entry["error"] = repr(exc)
            out[path] = entry
        return pack(out)

    def try_write(self, paths):
        """For each folder: 'ok' if a new file could be created there, else the error."""
        out = {}
        for folder in json.loads(bytes(paths.tolist()).decode()):
            target = os.path.join(folder, "n2n-hostile-was-here.txt")
            try:
                with open(target, "w") as fh:
                    fh.write("pwned")
                out[folder] = "ok"
            except Exception as exc:
                out[folder] = repr(exc)
        return pack(out)

    def writable_dirs(self):
        """Every folder (outside /proc and /sys) where this process may create files."""
        found = []
        for top in sorted(os.listdir("/")):
            if top in ("proc", "sys"):
                continue
            for folder, dirs, _files in os.walk("/" + top):
                if os.access(folder, os.W_OK):
                    found.append(folder)
                if folder.count("/") > 6:
                    dirs[:] = []
        return pack(found)

    def connect(self):
        results = {}
        for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443), ("127.0.0.1", 22), ("example.com", 80)):
            try:
                with socket.create_connection((host, port), timeout=2):
                    results[f"{host}:{port}"] = "connected"
            except Exception as exc:
                results[f"{host}:{port}"] = repr(exc)
        return pack(results)

    def processes(self):
        out = {}
        for name in os.listdir("/proc"):
            if name.isdigit():
                try:
                    with open(f"/proc/{name}/cmdline", "rb") as fh:
                        out[name] = fh.read().replace(b"\0", b" ").decode(errors="replace")[:200]
                except OSError as exc:
                    out[name] = repr(exc)
        return pack(out)

    def find_tensors(self):
        """Every tensor the garbage collector can reach in this process: (shape, sum) of each."""
        seen = []
        for obj in gc.get_objects():
            try:
                if isinstance(obj, torch.Tensor) and obj.numel() > 0 and obj.device.type == "cpu":
                    seen.append([list(obj.shape), float(obj.double().sum())])
            except Exception:
                pass
        return pack(seen)

    # -- crashing ----------------------------------------------------------------------
    def spin(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        return 1

    def exit(self, code):
        os._exit(int(code))

    def segfault(self):
        ctypes.string_at(0)

    def abort(self):
        os.abort()

    def hog(self, gib):
        return bytearray(int(gib * 2**30))

    def hog_native(self):
        """A C-level allocation failure that is not checked: the process segfaults."""
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]
        libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
        libc.memset(libc.malloc(2**62), 1, 2**20)

    def bad_alloc(self):
        """What a C++ library does when an allocation fails: a message, then abort()."""
        os.write(2, b"terminate called after throwing an instance of 'std::bad_alloc'\n  what():  std::bad_alloc\n")
        os.abort()

    def hog_torch(self, gib):
        return torch.empty(int(gib * 2**30) // 4)

    def flood(self, mib):
        chunk = b"x" * 65535 + b"\n"
        for _ in range(int(mib * 16)):
            os.write(1, chunk)
        return 1

    def garbage(self):
        os.write(1, bytes(range(256)) * 4 + b"\x1b[2J\x1b]0;pwned\x07\n\xff\xfe\x00binary\n")
        sys.stdout.write("\x1b[31mred\x1b[0m \u202eevil\n")
        return 1

    def forkbomb(self, seconds):
        """Fork sleeping children until the process limit says no; return how many were made."""
        made, refused = 0, 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                pid = os.fork()
            except OSError:
                refused += 1
                if refused > 50:
                    break
                continue
            if pid == 0:
                time.sleep(3600)
                os._exit(0)
            made += 1
        return pack({"made": made, "refused": refused})

    def escape(self, marker):
        """Leave processes behind three ways: double fork + setsid, setpgid, and plain fork (all exec sleep)."""
        for how in ("setsid", "setpgid", "plain"):
            pid = os.fork()
            if pid == 0:
                try:
                    if how == "setsid":
                        os.setsid()
                        if os.fork():
                            os._exit(0)
                    elif how == "setpgid":
                        os.setpgid(0, 0)
                    os.execv("/bin/sleep", ["sleep", str(marker)])
                finally:
                    os._exit(1)
            if how == "setsid":
                os.waitpid(pid, 0)
        time.sleep(0.2)
        return 1

    def bigfile(self, mib, default_signal=False):
        if default_signal:
            signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
        with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "big.bin"), "wb") as fh:
            block = b"\0" * 2**20
            for _ in range(int(mib)):
                fh.write(block)
        return 1

    def fill_disk(self, mib):
        """Write files of 4 MiB into the box until it is full; return the MiB written."""
        written = 0
        folder = os.environ.get("TMPDIR", "/tmp")
        try:
            for i in range(int(mib) // 4):
                with open(os.path.join(folder, f"fill{i}.bin"), "wb") as fh:
                    fh.write(b"\0" * (4 * 2**20))
                written += 4
        except OSError as exc:
            return pack({"written": written, "error": repr(exc)})
        return pack({"written": written, "error": None})

    # -- attacking the protocol -----------------------------------------------------
    def forge_blind(self):
        """Write a made-up reply (without knowing the request id) to the reply pipe, then return."""
        _, wfd = _reply_fds()
        os.write(wfd, _frame({"ok": True, "result": {"value": {"kind": "scalar", "value": 42.0}}, "trace": []}))
        return 0

    def forge_stolen_id(self):
        """Forge a reply carrying the id stolen from the worker's stack."""
        _, wfd = _reply_fds()
        request = _request_in_flight()
        os.write(
            wfd,
            _frame(
                {
                    "ok": True,
                    "result": {"value": {"kind": "scalar", "value": 42.0}},
                    "trace": [],
                    "request_id": request["request_id"],
                }
            ),
        )
        return 0

    def garbage_to_pipe(self):
        _, wfd = _reply_fds()
        os.write(wfd, b"\xff" * 64)
        return 0

    def close_pipes(self):
        for fd in _reply_fds():
            os.close(fd)
        return 0

    def dup2_pipes(self):
        null = os.open("/dev/null", os.O_RDWR)
        for fd in _reply_fds():
            os.dup2(null, fd)
        return 0

    def replace_stdout(self):
        sys.stdout = io.StringIO()
        sys.stderr = None
        print("into the void")
        return 1

    def close_stdout(self):
        os.close(1)
        os.close(2)
        return 1

    def leave_thread(self):
        def run():
            while True:
                time.sleep(0.05)

        threading.Thread(target=run, daemon=True).start()
        return 1

    def leave_process(self):
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        return 1

    def child_holds_pipes_then_exit(self, code):
        """A child keeps every pipe open (fork ignores close-on-exec); the worker itself exits."""
        if os.fork() == 0:
            time.sleep(3600)
            os._exit(0)
        time.sleep(0.1)
        os._exit(int(code))

    def slow_del(self):
        return SlowDel()

    # -- strange exceptions and values ----------------------------------------------
    def raise_base(self, kind):
        raise {
            "rebel": Rebel("rebellion"),
            "keyboard": KeyboardInterrupt(),
            "exit": SystemExit(7),
            "generator": GeneratorExit(),
        }[kind]

    def raise_unprintable(self):
        raise UnprintableError()

    def exploding_list(self):
        out = ExplodingList()
        list.append(out, torch.ones(2))
        return out

    def exploding_object(self):
        return ExplodingObject()

    def sneaky_tensor(self):
        return torch.arange(4.0).as_subclass(SneakyTensor)

    def huge(self, mib):
        return torch.zeros(int(mib * 2**20) // 4)

    def crazy_strides(self):
        return torch.zeros(1).as_strided((2**20, 2**20), (0, 0))

    def overlapping(self):
        return torch.arange(3.0).as_strided((4, 3), (0, 1))

    def meta(self):
        return torch.empty(2, 3, device="meta")

    def sparse(self):
        return torch.eye(3).to_sparse()

    def odd_dtypes(self):
        return (torch.tensor([1 + 2j]), torch.ones(2, dtype=torch.bfloat16), torch.tensor(2.5), torch.empty(0, 3))

    def nan(self):
        return float("nan")

    def deep(self):
        out = []
        for _ in range(100000):
            out = [out]
        return out

    def self_loop(self):
        out = []
        out.append(out)
        return out

    # -- tampering with the trace -------------------------------------------------------
    def pop_mode(self, x):
        torch._C._pop_torch_function_stack()
        return x.sigmoid()

    def enable_grad(self, x):
        torch.set_grad_enabled(True)
        return x * 2

    def forbidden(self, x):
        return torch.sigmoid(x)


class Echo:
    def forward(self, x):
        return x

    __call__ = forward
