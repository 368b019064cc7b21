"""The worker's request handlers: a small RPC over student objects (runs inside the worker).

The judge creates student objects (`new`), calls their methods (`call`), reads
and writes their parameters (`params`, `set`), and asks for descriptions
(`describe`). Objects live in the worker under handles. Every call into
student code goes through `WorkerState.run`, which traces torch calls, keeps
autograd off and turns exceptions into data. The worker decides nothing: it
returns raw values and the judge grades them.

Student code shares this process, so everything here assumes that its
objects may be hostile: exceptions whose `__str__` raises, lists whose
`__len__` lies, tensor subclasses whose methods hang. The functions that
keep the trace honest (grad mode, the tracer's enter/exit) are captured at
import, before any student code runs, so rebinding them later has no effect
on the grader (it is still reported as tampering).
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time
import traceback

import torch
from torch.overrides import TorchFunctionMode

from grader.sandbox import adapters, protocol
from grader.sandbox.shims import ShimLog
from grader.sandbox.tape import Tape
from grader.sandbox.tracer import Tracer, mode_active

# Captured before student code runs (see the module docstring).
_is_grad_enabled = torch._C.is_grad_enabled
_set_grad_enabled = torch._C._set_grad_enabled
_mode_enter = TorchFunctionMode.__enter__
_mode_exit = TorchFunctionMode.__exit__
_TensorBase = torch._C.TensorBase
_no_subclass_dispatch = torch._C.DisableTorchFunctionSubclass
_type_name_of = type.__dict__["__name__"].__get__


# Threads that libraries start on their own (tqdm's monitor, DataLoader's pin-memory thread): not reported.
_LIBRARY_THREADS = ("tqdm", "torch")


def set_grad_mode(enabled: bool) -> None:
    """Switch autograd on or off with the function captured at import (immune to monkeypatching)."""
    _set_grad_enabled(bool(enabled))


def type_name(obj) -> str:
    """The class name of `obj`, without running any metaclass code."""
    try:
        return str(_type_name_of(type(obj)))
    except BaseException:
        return "?"


def safe_str(obj, limit: int = 2000) -> str:
    """str(obj), or a placeholder when its __str__ raises or returns a non-string."""
    try:
        text = str(obj)
        if type(text) is not str:
            raise TypeError
    except BaseException:
        try:
            text = repr(obj)
            if type(text) is not str:
                raise TypeError
        except BaseException:
            text = f"<unprintable {type_name(obj)}>"
    return text[:limit]


def safe_error(exc: BaseException, root: str | None = None) -> dict:
    """describe_exception that never raises, whatever `exc` does."""
    try:
        return describe_exception(exc, root)
    except BaseException:
        return {"type": type_name(exc), "message": f"<{type_name(exc)} that could not be described>", "where": []}


class StudentError(Exception):
    """Student code raised; carries the formatted description for the judge."""

    def __init__(self, info: dict):
        super().__init__(info.get("message", ""))
        self.info = info


class GraderRequestError(Exception):
    """The judge asked for something that does not exist here (e.g. a handle lost in a restart)."""


class _Objects(dict):
    def __missing__(self, key):
        raise GraderRequestError(f"unknown handle {key!r} (the worker was restarted?)")


class WorkerState:
    """Everything the worker keeps between requests."""

    def __init__(self, box: str, *, reply_limit: int | None = None, private_proc: bool = False, shims=None):
        self.box = box
        self.shims = shims if shims is not None else ShimLog()  # what the drift shims did (see shims.py)
        self.reply_limit = reply_limit  # bytes of arrays one reply may carry
        self.private_proc = bool(private_proc)  # /proc lists only this worker's processes
        self.seen_threads: set[int] = set()
        self.seen_processes: set[int] = set()
        self.tracer = Tracer()
        self.module = None
        self.objects: dict[str, object] = _Objects()
        self.counter = 0
        self.submission_root: str | None = None
        self.grad_mode = False  # autograd on while student code runs (project 1); off by the course rule (project 2)
        self.integrity = integrity_snapshot()
        self.tape = Tape()  # tape-style blocks (backward returns None and pushes dL/dx to the input's producer)

    # -- calling student code -------------------------------------------------
    def run(self, context: str, fn, *args, grad_mode: bool = False, **kwargs):
        """Call student code `fn` under the tracer with autograd off.

        `grad_mode=True` (the import only) starts with autograd on, as a fresh
        Python does, so that switching it off at import can be reported.
        """
        self.tracer.context = context
        _set_grad_enabled(grad_mode or self.grad_mode)
        _mode_enter(self.tracer)
        failure = None
        try:
            result = fn(*args, **kwargs)
        except BaseException as exc:  # SystemExit and KeyboardInterrupt too: it is their code
            failure = safe_error(exc, self.submission_root)
        finally:
            intact = mode_active(self.tracer)
            try:
                if intact:
                    _mode_exit(self.tracer, None, None, None)
            except BaseException:
                pass
            self.tracer.context = context
            if not intact:
                self.tracer.record(
                    "tampering", "trace removed", "fail", "student code removed the grader's torch function mode"
                )
            if self.grad_mode:
                _set_grad_enabled(True)  # whatever the call left, the next one starts as a fresh Python would
            elif not grad_mode:
                self._after_call(context)
        if failure is not None:
            raise StudentError(failure)
        return result

    def _after_call(self, context: str) -> None:
        if _is_grad_enabled():
            self.tracer.context = context
            self.tracer.record(
                "autograd",
                "grad mode enabled",
                "fail",
                "autograd was switched back on (torch.set_grad_enabled(True) or enable_grad)",
            )
            _set_grad_enabled(False)

    def check_background(self, context: str) -> None:
        """Report threads and processes that student code left running after a request.

        Work done there escapes the timing and the request's timeout (e.g. a
        train() that returns at once and keeps training in a thread).
        """
        try:
            main = threading.main_thread()
            threads = {
                t.ident: t
                for t in threading.enumerate()
                if t is not main and t.ident is not None and not type(t).__module__.startswith(_LIBRARY_THREADS)
            }
        except BaseException:
            threads = {}
        new_threads = set(threads) - self.seen_threads
        self.seen_threads |= new_threads
        new_procs = set()
        if self.private_proc:  # this PID namespace holds the init, this server and what student code started
            skip = self.seen_processes | {1, os.getpid()}
            new_procs = {int(n) for n in os.listdir("/proc") if n.isdigit() and int(n) not in skip and _alive(int(n))}
            self.seen_processes |= new_procs
        self.tracer.context = context
        if new_threads:
            self.tracer.record(
                "tampering",
                "background thread",
                "warn",
                f"{len(new_threads)} thread(s) kept running after the call returned; work done "
                "there is neither timed nor bounded by the grader",
            )
        if new_procs:
            self.tracer.record(
                "tampering",
                "background process",
                "warn",
                f"{len(new_procs)} process(es) kept running after the call returned; work done "
                "there is neither timed nor bounded by the grader",
            )

    def new_handle(self, obj) -> str:
        self.counter += 1
        handle = f"h{self.counter}"
        self.objects[handle] = obj
        return handle

    def export(self, value):
        """A student return value as plain data, with tensors made sendable (see _export)."""
        return _export(value, self.reply_limit)

    def resolve(self, value):
        """Replace {"__handle__": h} and {"__block__": spec} markers in request arguments."""
        if isinstance(value, dict):
            if set(value) == {"__handle__"}:
                return self.objects[value["__handle__"]]
            if set(value) == {"__tuple__"}:
                return tuple(self.resolve(v) for v in value["__tuple__"])
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


_GRADER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def describe_exception(exc: BaseException, root: str | None) -> dict:
    """Type, message and the student's own frames of an exception, as plain data."""
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if root and f.filename.startswith(root)]
    # never the grader's own frames (`ops.py:129 in run`): they are not where the student went wrong
    shown = own or [f for f in frames if not f.filename.startswith(_GRADER_DIR)][-3:]
    where = []
    for f in shown[-6:]:
        name = (
            os.path.relpath(f.filename, root) if root and f.filename.startswith(root) else os.path.basename(f.filename)
        )
        where.append(f"{name}:{f.lineno} in {f.name}: {(f.line or '').strip()[:160]}")
    message = safe_str(exc)
    if isinstance(exc, SystemExit):
        message = f"SystemExit({safe_str(getattr(exc, 'code', None), 200)}) raised by student code"
    return {"type": type_name(exc), "message": message, "where": where, "own": bool(own)}


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return False
    return data[data.rfind(b")") + 2 :][:1] not in (b"Z", b"X")


# -- integrity of what the trace relies on --------------------------------------
_WATCHED = (
    "torch.empty",
    "torch.cat",
    "torch.arange",
    "torch.load",
    "torch.set_grad_enabled",
    "torch.nn.functional.fold",
    "torch.nn.functional.unfold",
    "torch.Tensor.matmul",
    "torch.Tensor.__matmul__",
    "torch.Tensor.backward",
    "torch.overrides.TorchFunctionMode.__enter__",
    "grader.sandbox.tracer.Tracer.__torch_function__",
    "grader.rules.policy.classify_runtime_call",
    "grader.sandbox.tracer.classify_runtime_call",
)


def _lookup(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        module = sys.modules.get(".".join(parts[:i]))
        if module is not None:
            obj = module
            for attr in parts[i:]:
                obj = getattr(obj, attr, None)
            return obj
    return None


def integrity_snapshot() -> dict:
    """Identities of the functions the trace depends on, to detect monkeypatching."""
    return {name: _lookup(name) for name in _WATCHED}


def integrity_changes(snapshot: dict) -> list[str]:
    """Names whose object is no longer the one in `snapshot`."""
    return [name for name, obj in snapshot.items() if _lookup(name) is not obj]


# -- value conversion -----------------------------------------------------------
def _first_param(obj):
    for name in ("weight", "bias"):
        t = adapters.attribute_tensor(obj, name)
        if t is not None:
            return t
    return None


def _prepare(value, like, cast: bool):
    """Cast judge tensors to the dtype/device the student object works in."""
    if isinstance(value, torch.Tensor) and cast and value.is_floating_point():
        ref = _first_param(like) if like is not None else None
        dtype = ref.dtype if ref is not None and ref.is_floating_point() else torch.get_default_dtype()
        device = ref.device if ref is not None else value.device
        return value.to(dtype=dtype, device=device).clone()
    if isinstance(value, list):
        return [_prepare(v, like, cast) for v in value]
    return value


def _export(value, limit: int | None = None, depth: int = 0):
    """A student return value as something the protocol can carry.

    Reads tensors and containers through their base classes, so overridden
    methods of a subclass do not run; a tensor that cannot be sent (meta
    device, larger than `limit` bytes, ...) is the student's error.
    """
    if isinstance(value, torch.Tensor):
        with _no_subclass_dispatch():
            dtype, device = _TensorBase.dtype.__get__(value), _TensorBase.device.__get__(value)
            requires_grad = bool(_TensorBase.requires_grad.__get__(value))
            grad_fn = _TensorBase.grad_fn.__get__(value) is not None
        try:
            plain = protocol.plain_tensor(value, limit)
        except protocol.UnsendableValue as exc:
            raise StudentError(
                {
                    "type": "UnsendableValue",
                    "where": [],
                    "message": f"returned {exc}, which cannot be sent to the grader",
                }
            ) from None
        return {
            "kind": "tensor",
            "tensor": plain,
            "dtype": str(dtype).replace("torch.", ""),
            "device": device.type,
            "requires_grad": requires_grad,
            "grad_fn": grad_fn,
        }
    if isinstance(value, (tuple, list)):
        base = tuple if isinstance(value, tuple) else list
        length = base.__len__(value)
        items = base.__getitem__(value, slice(0, 8)) if depth < 4 else ()
        out = {"kind": base.__name__, "items": [_export(v, limit, depth + 1) for v in items], "length": length}
        if type(value) is not base:
            out["type"] = type_name(value)
        return out
    if isinstance(value, bool) or value is None:
        return {"kind": "scalar", "value": None if value is None else bool(int.__int__(value))}
    if isinstance(value, int):
        return {"kind": "scalar", "value": float(int.__int__(value))}
    if isinstance(value, float):
        return {"kind": "scalar", "value": float.__float__(value)}
    return {"kind": "object", "type": type_name(value)}


# -- handlers -----------------------------------------------------------------
def op_hello(state: WorkerState, req: dict) -> dict:
    return {
        "pid": os.getpid(),
        "uid": os.getuid(),
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "executable": sys.executable,
        "environment": sys.prefix,
        "cuda_available": torch.cuda.is_available(),
        "threads": torch.get_num_threads(),
    }


def op_import(state: WorkerState, req: dict) -> dict:
    """Import the submission's model module and list what it exports."""
    root, package = req["root"], req.get("package", "Miniproject_2")
    state.grad_mode = bool(req.get("grad_mode", False))
    state.submission_root = root
    state.shims.root = root
    state.tracer.root = root
    for path in (os.path.join(root, package), root):
        if path not in sys.path:
            sys.path.insert(0, path)
    dtype_before = torch.get_default_dtype()
    saved = {name: getattr(torch, name) for name in ("empty", "cat", "arange", "zeros", "load", "save")}
    started = time.perf_counter()
    try:
        state.module = state.run("import", importlib.import_module, f"{package}.model", grad_mode=True)
    finally:
        grad_after = _is_grad_enabled()
        _set_grad_enabled(state.grad_mode)
    seconds = time.perf_counter() - started
    side = {
        "default_dtype": str(torch.get_default_dtype()),
        "default_dtype_changed": torch.get_default_dtype() != dtype_before,
        "grad_enabled_before": True,
        "grad_enabled": grad_after,
    }
    tampered = [name for name, fn in saved.items() if getattr(torch, name) is not fn]
    names = {}
    for name, value in list(vars(state.module).items()):
        if not isinstance(name, str) or name.startswith("__"):
            continue
        try:
            if isinstance(value, type):
                names[name] = {
                    "kind": "class",
                    "methods": sorted(m for m in dir(value) if isinstance(m, str) and not m.startswith("__"))[:80],
                    "bases": [f"{b.__module__}.{b.__qualname__}" for b in value.__mro__[1:4]],
                }
            elif callable(value):
                names[name] = {"kind": "function"}
        except BaseException as exc:  # a metaclass that breaks dir() or the MRO: listed, not described
            names[name] = {
                "kind": "class" if isinstance(value, type) else "object",
                "methods": [],
                "bases": [],
                "error": safe_str(exc, 200),
            }
    return {
        "names": names,
        "side_effects": side,
        "torch_patched": tampered,
        "seconds": seconds,
        "module_file": os.path.relpath(getattr(state.module, "__file__", "") or "", root),
    }


def op_new(state: WorkerState, req: dict) -> dict:
    cls = getattr(state.module, req["cls"])
    args = state.resolve(req.get("args", []))
    kwargs = state.resolve(req.get("kwargs", {}))
    started = time.perf_counter()
    obj = state.run(req.get("context", f"{req['cls']}.__init__"), cls, *args, **kwargs)
    return {"handle": state.new_handle(obj), "class": type_name(obj), "seconds": time.perf_counter() - started}


def op_call(state: WorkerState, req: dict) -> dict:
    obj = state.objects[req["handle"]]
    method = getattr(obj, req["method"], None)
    if not callable(method):
        raise AttributeError(f"{type(obj).__name__} has no method {req['method']}()")
    cast = req.get("cast", True)
    args = [_prepare(state.resolve(a), obj, cast) for a in req.get("args", [])]
    kwargs = {k: _prepare(state.resolve(v), obj, cast) for k, v in req.get("kwargs", {}).items()}
    keep_inputs = [a.clone() if isinstance(a, torch.Tensor) else None for a in args] if req.get("return_args") else None
    cwd = req.get("cwd")
    old_cwd = os.getcwd()
    if cwd:
        os.chdir(cwd)
    context = req.get("context", f"{type(obj).__name__}.{req['method']}")
    started = time.perf_counter()
    try:
        value = _traced_call(state, req["handle"], req["method"], obj, context, method, args, kwargs)
    finally:
        seconds = time.perf_counter() - started
        os.chdir(old_cwd)
    reply = {"value": state.export(value), "seconds": seconds, **_tape_reply(state, req, value)}
    if req.get("keep"):  # the value stays in the worker, e.g. param()'s list handed to an optimizer
        reply["handle"] = state.new_handle(value)
    reply["arg_dtype"] = next((str(a.dtype).replace("torch.", "") for a in args if isinstance(a, torch.Tensor)), None)
    if keep_inputs is not None:
        reply["args_after"] = [a.detach() if isinstance(a, torch.Tensor) else None for a in args]
        reply["args_changed"] = [
            bool(k is not None and (k.shape != a.shape or not torch.equal(k, a))) for k, a in zip(keep_inputs, args)
        ]
    return reply


def _traced_call(state: WorkerState, handle: str, name: str, obj, context: str, method, args: list, kwargs: dict):
    """Call a student method, keeping the tape's bookkeeping for forward/backward (see tape.py)."""
    if name == "forward":
        state.tape.before_forward(args)
    elif name == "backward":
        state.tape.before_backward(handle, args)
    value = state.run(context, method, *args, **kwargs)
    if name == "forward":
        state.tape.after_forward(handle, obj, args, value)
    return value


def _tape_reply(state: WorkerState, req: dict, value) -> dict:
    """For a backward that returned None on a tape-style block: what it pushed to the judge's input, as the value."""
    if req.get("method") != "backward" or value is not None:
        return {}
    got = state.tape.captured(req["handle"])
    if got is None:
        return {}
    return {"value": state.export(got[1]), "tape": {"link": state.tape.link, "argument": got[0]}}


def op_call_forms(state: WorkerState, req: dict) -> dict:
    """Call a method with the first of several argument forms its signature accepts."""
    obj = state.objects[req["handle"]]
    method = getattr(obj, req["method"], None)
    if not callable(method):
        raise AttributeError(f"{type(obj).__name__} has no method {req['method']}()")
    context = req.get("context", f"{type(obj).__name__}.{req['method']}")
    forms = [
        (
            f["name"],
            [_prepare(state.resolve(a), obj, req.get("cast", True)) for a in f.get("args", [])],
            {k: state.resolve(v) for k, v in f.get("kwargs", {}).items()},
        )
        for f in req["forms"]
    ]
    form, value = adapters.call_with_fallbacks(
        method,
        forms,
        lambda fn, *a, **k: _traced_call(state, req["handle"], req["method"], obj, context, fn, list(a), k),
    )
    return {"form": form, "value": state.export(value), **_tape_reply(state, req, value)}


def op_new_forms(state: WorkerState, req: dict) -> dict:
    """Construct a class with the first argument form its signature accepts."""
    cls = getattr(state.module, req["cls"])
    context = req.get("context", f"{req['cls']}.__init__")
    forms = [(f["name"], state.resolve(f.get("args", [])), state.resolve(f.get("kwargs", {}))) for f in req["forms"]]
    form, obj = adapters.call_with_fallbacks(cls, forms, lambda fn, *a, **k: state.run(context, fn, *a, **k))
    return {"form": form, "handle": state.new_handle(obj), "class": type(obj).__name__}


def _pairs_of(state: WorkerState, obj, context: str, tolerant: bool) -> dict:
    """adapters.param_pairs under the tracer; with `tolerant`, a param() that raises gives no pairs and an error."""
    try:
        return adapters.param_pairs(obj, lambda fn: state.run(context, fn))
    except StudentError as exc:
        if not tolerant:
            raise
        message = f"{exc.info.get('type')}: {exc.info.get('message')}"
        accessor = next((a for a in adapters.PARAM_ACCESSORS if callable(getattr(obj, a, None))), None)
        return {"accessor": accessor, "form": None, "pairs": [], "error": f"raised {message}", "raised": exc.info}


def _role_tensors(obj) -> tuple[dict, dict]:
    """`.weight`/`.bias` as tensors, and the gradient each keeps (`.grad`, `.gradient` or the block's buffer)."""
    attrs, grads = {}, {}
    for name in ("weight", "bias"):
        t = adapters.attribute_tensor(obj, name)
        if t is not None:
            attrs[name] = t
            g = adapters.tensor_grad(t)
            g = g if g is not None else adapters.own_grad(obj, t)
            if g is not None:
                grads[name] = g
    return attrs, grads


def op_params(state: WorkerState, req: dict) -> dict:
    """The object's parameters: accessor pairs plus weight/bias attributes (and their gradients), which is which.

    With `tolerant`, a param() that raises is reported in `error`/`raised` and the attributes still come back
    (a block whose param() is broken can still have its weights set through `.weight`).
    """
    obj = state.objects[req["handle"]]
    context = req.get("context", f"{type(obj).__name__}.param")
    info = _pairs_of(state, obj, context, bool(req.get("tolerant")))
    attrs, attr_grads = _role_tensors(obj)
    pairs = []
    for p, g in info["pairs"]:
        role = next((n for n, t in attrs.items() if p is not None and t is p), None)
        if role is None and p is not None:  # same storage, another view
            role = next((n for n, t in attrs.items() if t.data_ptr() == p.data_ptr() and t.numel() == p.numel()), None)
        pairs.append(
            {
                "param": p.detach() if p is not None else None,
                "grad": g.detach() if g is not None else None,
                "role": role,
            }
        )
    return {
        "accessor": info["accessor"],
        "form": info["form"],
        "error": info["error"],
        "raised": info.get("raised"),
        "nested": info.get("nested", False),
        "flat": info.get("flat"),
        "none_pairs": info.get("none_pairs", 0),
        "pairs": pairs,
        "attrs": {n: t.detach() for n, t in attrs.items()},
        "attr_grads": {n: t.detach() for n, t in attr_grads.items()},
    }


def op_set(state: WorkerState, req: dict) -> dict:
    """Write a value into a parameter or its gradient, in place.

    Target: `role` ('weight'/'bias', via the attribute or the matching pair) or
    `index` into the accessor's pairs; `what` is 'param' or 'grad'. A param()
    that raises leaves the attributes usable.
    """
    obj = state.objects[req["handle"]]
    value, what = req["value"], req.get("what", "param")
    info = _pairs_of(state, obj, f"{type(obj).__name__}.param", True)
    target, via = None, None
    role = req.get("role")
    if role is not None and what == "param":
        target, via = adapters.attribute_tensor(obj, role), "attribute"
    if target is None and req.get("index") is not None and req["index"] < len(info["pairs"]):
        target, via = info["pairs"][req["index"]][0 if what == "param" else 1], f"{info['accessor']}()[{req['index']}]"
    if target is None and role is not None:
        attr = adapters.attribute_tensor(obj, role)
        for p, g in info["pairs"]:
            if attr is not None and p is not None and p.data_ptr() == attr.data_ptr():
                target, via = (p if what == "param" else g), f"{info['accessor']}()"
    if what == "grad" and req.get("rebind") and req.get("index") is not None and req["index"] < len(info["pairs"]):
        # a new gradient tensor, as torch's backward makes after zero_grad(set_to_none): whoever kept the old one
        # (an optimizer's velocity that aliases p.grad) keeps its values
        param = info["pairs"][req["index"]][0]
        param.grad = value.to(dtype=param.dtype, device=param.device).clone()
        param.gradient = param.grad
        return {"set": True, "via": "rebound .grad"}
    if target is None:
        return {"set": False, "why": f"no {what} tensor found for {role or req.get('index')}"}
    if tuple(target.shape) != tuple(value.shape):
        return {"set": False, "why": f"shape {list(target.shape)} where {list(value.shape)} was expected", "via": via}
    target.copy_(value.to(dtype=target.dtype, device=target.device))
    return {"set": True, "via": via, "dtype": str(target.dtype).replace("torch.", "")}


def op_zero_grads(state: WorkerState, req: dict) -> dict:
    """Zero, in place, every gradient tensor the object exposes (param() pairs, `.grad`, its own buffers).

    The judge does this before the first backward of a check, so a buffer allocated with `empty()` (garbage
    until the first backward) is measured as what backward put there. Gradients that are None stay None.
    """
    obj = state.objects[req["handle"]]
    info = _pairs_of(state, obj, f"{type(obj).__name__}.param", True)
    _, attr_grads = _role_tensors(obj)
    seen, zeroed, failed = set(), 0, 0
    for g in [g for _, g in info["pairs"]] + list(attr_grads.values()):
        if g is None or id(g) in seen:
            continue
        seen.add(id(g))
        try:
            g.detach().zero_()
            zeroed += 1
        except Exception:  # a read-only or odd tensor: measured as it is
            failed += 1
    return {"zeroed": zeroed, "failed": failed}


def op_label_methods(state: WorkerState, req: dict) -> dict:
    """Make an object's forward/backward trace under their own context ('Conv2d.forward') when another
    student object calls them (a Sequential running the student's blocks), so a forbidden call is charged
    to the block that made it. Instance attributes: `isinstance` and the class are untouched."""
    obj = state.objects[req["handle"]]
    label = req.get("label") or type_name(obj)
    labelled = []
    for name in ("forward", "backward"):
        original = getattr(obj, name, None)
        if not callable(original):
            continue
        wrapper = _labelled(state, original, f"{label}.{name}")
        try:
            obj.__dict__[name] = wrapper
            labelled.append(name)
        except Exception:  # no __dict__ (slots): calls stay under the caller's context
            pass
    return {"labelled": labelled}


def _labelled(state: WorkerState, method, context: str):
    tracer = state.tracer  # only the tracer in the closure student code can reach, not the whole state

    def call(*args, **kwargs):
        saved = tracer.context
        tracer.context = context
        try:
            return method(*args, **kwargs)
        finally:
            tracer.context = saved

    return call


def op_describe(state: WorkerState, req: dict) -> dict:
    """The stages of a model's network, described by behaviour on the probes (see network.py)."""
    from grader.sandbox.network import Prober

    obj = state.objects[req["handle"]]
    probes = [p for p in req.get("probes") or [] if isinstance(p, torch.Tensor)]
    prober = Prober(lambda context, fn, *args: state.run(context, fn, *args), StudentError, state.reply_limit)
    return prober.describe(obj, probes or [torch.rand(1, 3, 32, 32)])


def op_seed(state: WorkerState, req: dict) -> dict:
    """Seed the generators student code may draw from (torch, Python's random, numpy if loaded)."""
    import random

    seed = int(req["seed"])
    torch.manual_seed(seed)
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    seeded = ["torch", "random"]
    if numpy is not None:
        try:
            numpy.random.seed(seed % 2**32)
            seeded.append("numpy")
        except Exception:  # a broken numpy install: torch and random are seeded all the same
            pass
    return {"seed": seed, "seeded": seeded}


def op_signature(state: WorkerState, req: dict) -> dict:
    """The parameters of a student class's constructor (names, kinds, defaults)."""
    import inspect

    cls = getattr(state.module, req["cls"])
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError) as exc:
        return {"params": None, "why": str(exc)}
    return {
        "params": [
            {
                "name": p.name,
                "kind": p.kind.name,
                "has_default": p.default is not p.empty,
                "default": repr(p.default)[:40] if p.default is not p.empty else None,
            }
            for p in sig.parameters.values()
        ]
    }


def op_store(state: WorkerState, req: dict) -> dict:
    """Keep a value (tensors cast to the default dtype) under a handle, for later arguments."""
    return {"handle": state.new_handle(_prepare(state.resolve(req["value"]), None, True))}


def op_fetch(state: WorkerState, req: dict) -> dict:
    """Return a stored value as it is now (after student code may have changed it)."""
    value = state.objects[req["handle"]]

    def export(v):
        if isinstance(v, torch.Tensor):
            return v.detach()
        if isinstance(v, (list, tuple)):
            return [export(x) for x in v]
        return None

    return {"value": export(value)}


def op_probe(state: WorkerState, req: dict) -> dict:
    """Create a trusted probe block (see probes.py) under a handle."""
    from grader.sandbox.probes import PROBES

    # fresh tensors are cast; handles keep their identity (a holder must share the stored pairs)
    args = [_prepare(a, None, True) if isinstance(a, torch.Tensor) else state.resolve(a) for a in req.get("args", [])]
    return {"handle": state.new_handle(PROBES[req["kind"]](*args))}


def op_plant(state: WorkerState, req: dict) -> dict:
    """Parameters and gradients for an optimizer under test (probes.planted), a model-like holder of them, and
    a handle to read them back with `planted`."""
    from grader.sandbox.probes import ParamHolder, planted

    pairs = [(_prepare(p, None, True), _prepare(g, None, True)) for p, g in state.resolve(req["value"])]
    value = planted(pairs, req["layout"])
    return {
        "value": state.new_handle(value),
        "holder": state.new_handle(ParamHolder(value)),
        "pairs": state.new_handle(pairs),
    }


def op_planted(state: WorkerState, req: dict) -> dict:
    """The planted parameters as they are now, with the gradient each pair holds and the one `.grad` holds."""
    out = []
    for p, g in state.objects[req["handle"]]:
        grad = p.grad if isinstance(p.grad, torch.Tensor) else None
        out.append({"param": p.detach(), "pair_grad": g.detach(), "grad": grad.detach() if grad is not None else None})
    return {"values": out}


def op_describe_object(state: WorkerState, req: dict) -> dict:
    """The class name and public callables of an object (no student code runs)."""
    obj = state.objects[req["handle"]]
    methods = sorted(m for m in dir(type(obj)) if not m.startswith("__") and callable(getattr(type(obj), m, None)))
    return {"class": type(obj).__name__, "methods": methods}


def op_free(state: WorkerState, req: dict) -> dict:
    for handle in req.get("handles", []):
        state.objects.pop(handle, None)
    return {}


HANDLERS = {
    "hello": op_hello,
    "import": op_import,
    "new": op_new,
    "new_forms": op_new_forms,
    "call": op_call,
    "call_forms": op_call_forms,
    "params": op_params,
    "set": op_set,
    "zero_grads": op_zero_grads,
    "label_methods": op_label_methods,
    "describe": op_describe,
    "seed": op_seed,
    "free": op_free,
    "signature": op_signature,
    "describe_object": op_describe_object,
    "store": op_store,
    "fetch": op_fetch,
    "probe": op_probe,
    "plant": op_plant,
    "planted": op_planted,
}


def handle(state: WorkerState, request: dict) -> dict:
    """Run one request; always returns a reply (ok, result or error, and the trace)."""
    op = request.get("op")
    handler = HANDLERS.get(op)
    if handler is None:
        reply = {
            "ok": False,
            "error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "where": []},
            "student": False,
        }
    else:
        try:
            reply = {"ok": True, "result": handler(state, request)}
        except StudentError as exc:
            reply = {"ok": False, "error": exc.info, "student": True}
        except GraderRequestError as exc:
            reply = {"ok": False, "error": safe_error(exc, state.submission_root), "student": False}
        except BaseException as exc:  # a missing method, or a student object that breaks our adapters
            reply = {"ok": False, "error": safe_error(exc, state.submission_root), "student": True}
    context = request.get("context") or op or "?"
    for name in integrity_changes(state.integrity):
        state.tracer.context = context
        state.tracer.record(
            "tampering",
            f"{name} replaced",
            "fail",
            f"{name} was replaced at run time (monkeypatching torch is not allowed)",
        )
        state.integrity[name] = _lookup(name)  # report each replacement once
    if op not in (
        "hello",
        "free",
        "fetch",
        "store",
        "probe",
        "plant",
        "planted",
        "signature",
        "describe_object",
        "seed",
    ):
        state.check_background(context)
    reply["trace"] = state.tracer.drain()
    reply["shims"] = state.shims.drain()
    reply["grad_enabled"] = _is_grad_enabled()
    return reply
