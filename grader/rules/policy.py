"""What student code may call: the single source of truth for the static scan and the runtime trace.

The rules of mini-project 2 allow `torch.empty`, `torch.cat`, `torch.arange`,
`torch.nn.functional.fold` / `unfold`, every tensor method and the Python
standard library. Everything else from torch is forbidden, and so are
third-party libraries and autograd. Beyond the letter of the rules, a few
torch utilities that compute nothing are accepted because the Model API needs
them (loading weights, choosing a device, seeding, switching autograd off).

Decisions on borderline names (each documented where it is made):

- `torch.set_default_dtype` / `set_default_device` / `set_default_tensor_type`:
  allowed, but reported as a *note* (category ``global_state``): they change
  torch for the whole process; the runtime check `rules.import_side_effects`
  reports what they actually did.
- `torch.set_grad_enabled(True)`, `torch.enable_grad`: autograd (fail) when the
  trace shows a graph (a tensor requiring grad, a backward); grad mode switched
  on alone is a warning (grader.rules.checks, issue 9 item 6c), and the static
  scan, which cannot tell, reports it as a hint (`grad_mode_on`);
  `set_grad_enabled(False)`, `no_grad`, `inference_mode`: allowed.
- Module-level *queries* that compute nothing (`torch.numel`,
  `torch.is_floating_point`, `torch.result_type`, ...): warn, not fail; the tensor
  method is the allowed spelling.
- `torch.Tensor(...)` / `torch.FloatTensor(...)` legacy constructors: warn
  (they do what `torch.empty` does, but are not on the list).
- `torch.utils.data`, `torch.jit`, `torch.compile`, `torch.testing`,
  `torch.cuda.amp`: warn (tooling, not computation; may break on the grader).
- Third-party libraries that compute (numpy, scipy, torchvision, ...): fail;
  purely utility ones (tqdm, matplotlib, PIL, ...) and unknown ones: warn.
- Hooks into torch's function dispatch (`torch.overrides`,
  `torch._C.DisableTorchFunction`, defining `__torch_function__`): tampering
  (fail), because they can hide calls from the runtime trace.

Every verdict is plain data (`Verdict`). `classify_name` accepts every name a
verdict carries, so a trace that stores only names can be re-classified by
the judge (`classify_name(v.name) == v` for every runtime verdict).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# ---------------------------------------------------------------- verdicts

FAIL, WARN, NOTE = "fail", "warn", "note"
SEVERITIES = (FAIL, WARN, NOTE)

# Categories; each maps to one graded check (see grader.rules.checks).
FORBIDDEN_TORCH = "forbidden_torch"  # torch API outside the allowed set
FORBIDDEN_IMPORT = "forbidden_import"  # computational third-party library
THIRD_PARTY = "third_party"  # utility / unknown third-party library
AUTOGRAD = "autograd"  # any use of torch's automatic differentiation
TAMPERING = "tampering"  # monkeypatching, grader references, frame walking, gc hunting
OBFUSCATION = "obfuscation"  # dynamic code that hides what is called
PROCESS = "process"  # subprocesses, forks, os.system
NETWORK = "network"  # sockets, HTTP
ENVIRONMENT = "environment"  # environment variable reads
GLOBAL_STATE = "global_state"  # process-wide torch settings
SYNTAX = "syntax"  # a file that cannot be parsed (scanned nowhere else)

CATEGORIES = (
    FORBIDDEN_TORCH,
    FORBIDDEN_IMPORT,
    THIRD_PARTY,
    AUTOGRAD,
    TAMPERING,
    OBFUSCATION,
    PROCESS,
    NETWORK,
    ENVIRONMENT,
    GLOBAL_STATE,
    SYNTAX,
)


@dataclass(frozen=True)
class Verdict:
    """Why a name or call breaks (or bends) the rules, in words a student can act on."""

    category: str
    name: str
    severity: str
    reason: str


# ---------------------------------------------------------------- the allowed set

ALLOWED_COMPUTE = frozenset(
    {
        "torch.empty",
        "torch.cat",
        "torch.arange",
        "torch.nn.functional.fold",
        "torch.nn.functional.unfold",
    }
)

# Namespaces themselves: `import torch.nn.functional as F`, `from torch import nn`.
ALLOWED_NAMESPACES = frozenset({"torch", "torch.nn", "torch.nn.functional", "torch.functional"})

DTYPES = frozenset(
    {
        "float32",
        "float",
        "float64",
        "double",
        "float16",
        "half",
        "bfloat16",
        "uint8",
        "int8",
        "int16",
        "short",
        "int32",
        "int",
        "int64",
        "long",
        "bool",
        "uint16",
        "uint32",
        "uint64",
        "complex32",
        "chalf",
        "complex64",
        "cfloat",
        "complex128",
        "cdouble",
        "quint8",
        "qint8",
        "qint32",
        "quint4x2",
        "float8_e4m3fn",
        "float8_e5m2",
        "float8_e4m3fnuz",
        "float8_e5m2fnuz",
    }
)

# Utilities that compute nothing and that the Model API needs.
ALLOWED_UTILITIES = frozenset(
    {
        "torch.load",
        "torch.save",
        "torch.device",
        "torch.Size",
        "torch.dtype",
        "torch.Tensor",
        "torch.is_tensor",
        "torch.get_default_dtype",
        "torch.is_grad_enabled",
        "torch.set_grad_enabled",
        "torch.no_grad",
        "torch.inference_mode",
        "torch.is_inference_mode_enabled",
        "torch.manual_seed",
        "torch.seed",
        "torch.initial_seed",
        "torch.get_rng_state",
        "torch.set_rng_state",
        "torch.Generator",
        "torch.default_generator",
        "torch.set_num_threads",
        "torch.get_num_threads",
        "torch.set_num_interop_threads",
        "torch.get_num_interop_threads",
        "torch.__version__",
        "torch.__file__",
        "torch.set_printoptions",
        "torch.use_deterministic_algorithms",
        "torch.are_deterministic_algorithms_enabled",
        "torch.set_float32_matmul_precision",
        "torch.get_float32_matmul_precision",
        "torch.layout",
        "torch.strided",
        "torch.memory_format",
        "torch.contiguous_format",
        "torch.channels_last",
        "torch.preserve_format",
        "torch.finfo",
        "torch.iinfo",
        "torch.pi",
        "torch.e",
        "torch.inf",
        "torch.nan",
        "torch.FloatTensor",
        "torch.DoubleTensor",
        "torch.HalfTensor",
        "torch.ByteTensor",
        "torch.CharTensor",
        "torch.ShortTensor",
        "torch.IntTensor",
        "torch.LongTensor",
        "torch.BoolTensor",
        "torch.BFloat16Tensor",
    }
)

# Whole sub-namespaces of utilities.
ALLOWED_PREFIXES = (
    "torch.cuda.",
    "torch.backends.",
    "torch.version.",
    "torch.mps.",
    "torch.random.",
    "torch.serialization.",
)
ALLOWED_MODULES = frozenset(
    {"torch.cuda", "torch.backends", "torch.version", "torch.mps", "torch.random", "torch.serialization"}
)

LEGACY_CONSTRUCTORS = frozenset(
    {
        "torch.Tensor",
        "torch.FloatTensor",
        "torch.DoubleTensor",
        "torch.HalfTensor",
        "torch.ByteTensor",
        "torch.CharTensor",
        "torch.ShortTensor",
        "torch.IntTensor",
        "torch.LongTensor",
        "torch.BoolTensor",
        "torch.BFloat16Tensor",
    }
)

GLOBAL_STATE_FUNCS = frozenset(
    {
        "torch.set_default_dtype",
        "torch.set_default_device",
        "torch.set_default_tensor_type",
    }
)

# Module-level functions that only describe a tensor or dtype (warn, not fail).
QUERY_FUNCS = frozenset(
    {
        "numel",
        "is_floating_point",
        "is_complex",
        "is_nonzero",
        "is_same_size",
        "typename",
        "result_type",
        "promote_types",
        "can_cast",
        "get_device",
        "is_storage",
        "is_conj",
        "is_signed",
    }
)

# Tensor methods and properties that belong to autograd.
AUTOGRAD_TENSOR_ATTRS = {
    "backward": "computes gradients with autograd",
    "requires_grad_": "turns autograd on for the tensor",
    "retain_grad": "asks autograd to keep an intermediate gradient",
    "register_hook": "hooks into autograd's backward pass",
    "register_post_accumulate_grad_hook": "hooks into autograd's backward pass",
    "grad_fn": "reads autograd's graph (always None with autograd off)",
}
# Reading `.grad_fn` does not compute anything, so it is only a warning.
AUTOGRAD_WARN_ONLY = frozenset({"grad_fn"})

AUTOGRAD_ADVICE = (
    "the rules forbid autograd: keep parameters as plain tensors, run with "
    "torch.set_grad_enabled(False) and compute every gradient in your own backward()"
)

# Hooks into torch's dispatch that could hide calls from the runtime trace.
TAMPERING_TORCH = (
    "torch.overrides",
    "torch._C.DisableTorchFunction",
    "torch._C.DisableTorchFunctionSubclass",
    "torch._C._disabled_torch_function_impl",
    "torch._C._push_on_torch_function_stack",
    "torch._C._pop_torch_function_stack",
    "torch._C._set_torch_function_mode",
    "torch._C._len_torch_function_stack",
    "torch._C._is_torch_function_mode_enabled",
    "torch._C._disable_torch_function",
    "torch.utils._python_dispatch",
)
TAMPERING_ADVICE = (
    "it switches off or hooks torch's function dispatch, which the grader uses to check the rules; remove it"
)

# ---------------------------------------------------------------- hints

_CONV_HINT = "implement the convolution with unfold + matmul"
_HINTS = {
    "zeros": "use torch.empty(shape).zero_() or x.new_zeros(shape)",
    "ones": "use torch.empty(shape).fill_(1) or x.new_ones(shape)",
    "full": "use torch.empty(shape).fill_(value) or x.new_full(shape, value)",
    "randn": "use torch.empty(shape).normal_()",
    "rand": "use torch.empty(shape).uniform_()",
    "randint": "use torch.empty(shape).random_(low, high)",
    "randperm": "use torch.empty(n).uniform_().argsort() or Python's random.shuffle",
    "normal": "use torch.empty(shape).normal_(mean, std)",
    "zeros_like": "use x.new_zeros(x.shape) or x.clone().zero_()",
    "ones_like": "use x.new_ones(x.shape)",
    "empty_like": "use x.new_empty(x.shape)",
    "full_like": "use x.new_full(x.shape, value)",
    "rand_like": "use x.new_empty(x.shape).uniform_()",
    "randn_like": "use x.new_empty(x.shape).normal_()",
    "tensor": "use torch.empty(...) and fill it, or x.new_tensor(data)",
    "as_tensor": "use torch.empty(...) and fill it, or x.new_tensor(data)",
    "from_numpy": "keep the data in torch tensors (numpy is not allowed either)",
    "stack": "use torch.cat([t.unsqueeze(0) for t in tensors])",
    "linspace": "use torch.arange(n) * step + start",
    "einsum": "use tensor methods such as a.matmul(b), a.mul(b).sum(dim)",
    "tensordot": "use a.matmul(b) after reshaping",
    "conv2d": _CONV_HINT,
    "convolution": _CONV_HINT,
    "conv_transpose2d": "implement the transposed convolution with matmul + fold",
    "interpolate": "upsample with x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)",
    "upsample": "upsample with x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)",
    "upsample_nearest": "upsample with x.repeat_interleave(s, dim=2).repeat_interleave(s, dim=3)",
    "mse_loss": "compute ((y - t) ** 2).mean()",
    "linear": "compute x.matmul(w.t()) + b",
    "pad": "pass padding= to unfold, or build the border with torch.cat",
    "relu": "use x.clamp(min=0) or x.relu()",
    "sigmoid": "use x.sigmoid()",
    "where": "use mask arithmetic (x * m + y * ~m) or masked_fill",
}

_NN_HINTS = {
    "Module": "write your own Module base class with forward, backward and param",
    "Parameter": "store parameters as plain tensors made with torch.empty(...)",
    "parameter": "store parameters as plain tensors made with torch.empty(...)",
    "init": "initialise weights with tensor methods, e.g. w.uniform_(-b, b)",
    "Conv2d": "write your own Conv2d block with unfold + matmul",
    "ConvTranspose2d": "write your own TransposeConv2d block with matmul + fold",
    "Upsample": "write your own NearestUpsampling with repeat_interleave",
    "MSELoss": "write your own MSE block: ((y - t) ** 2).mean()",
    "Sequential": "write your own Sequential block",
    "ReLU": "write your own ReLU block",
    "Sigmoid": "write your own Sigmoid block",
}


@functools.lru_cache(maxsize=1)
def _tensor_attr_names() -> frozenset[str]:
    try:
        import torch

        return frozenset(dir(torch.Tensor))
    except Exception:  # the policy must work without torch for hints
        return frozenset()


def _function_hint(short: str) -> str:
    if short in _HINTS:
        return _HINTS[short]
    if short in _tensor_attr_names():
        return f"use the tensor method x.{short}(...)"
    return "write it with torch.empty/cat/arange, fold/unfold and tensor methods"


# ---------------------------------------------------------------- torch names


def _normalise(name: str) -> str:
    """Map internal spellings to the public dotted name (`torch.functional.split` -> `torch.split`)."""
    for internal, public in (
        ("torch._tensor.Tensor.", "torch.Tensor."),
        ("torch._C.TensorBase.", "torch.Tensor."),
        ("torch._C._TensorBase.", "torch.Tensor."),
        ("torch.functional.", "torch."),
    ):
        if name.startswith(internal):
            return public + name[len(internal) :]
    return name


def _forbidden(name: str, reason: str, severity: str = FAIL) -> Verdict:
    return Verdict(FORBIDDEN_TORCH, name, severity, reason)


def _autograd(name: str, what: str, severity: str = FAIL) -> Verdict:
    return Verdict(AUTOGRAD, name, severity, f"{name} {what}; {AUTOGRAD_ADVICE}")


_REQUIRES_GRAD_SUFFIX = "(requires_grad=True)"
_GRAD_ON_NAME = "torch.set_grad_enabled(True)"
# the names under which switching grad mode on is reported (the worker adds "grad mode enabled")
GRAD_ON_NAMES = frozenset({_GRAD_ON_NAME, "torch.enable_grad", "torch.autograd.grad_mode.enable_grad"})
_REQUIRES_GRAD_SET = "torch.Tensor.requires_grad=True"
_HOOKS_SET = "torch.Tensor._backward_hooks="


def _special_verdict(name: str) -> Verdict | None:
    """Verdicts for the names the runtime gives to argument-dependent calls."""
    if name == _GRAD_ON_NAME:
        return _autograd(name, "switches autograd on (torch.enable_grad does the same)")
    if name == _REQUIRES_GRAD_SET:
        return _autograd(name, "turns autograd on for the tensor")
    if name == _HOOKS_SET:
        return _autograd(name, "installs autograd backward hooks")
    if name.endswith(_REQUIRES_GRAD_SUFFIX):
        return _autograd(name, "creates a tensor that records autograd's graph")
    return None


def _under(*prefixes: str) -> Callable[[str, list[str]], bool]:
    """The name is one of `prefixes` or inside one of them."""
    return lambda name, parts: any(name == p or name.startswith(p + ".") for p in prefixes)


def _in(*names: Iterable[str]) -> Callable[[str, list[str]], bool]:
    allowed = frozenset().union(*names)
    return lambda name, parts: name in allowed


def _submodule(*names: str) -> Callable[[str, list[str]], bool]:
    """torch.<one of names>[...]"""
    return lambda name, parts: parts[1] in names


def _top_level(names: Iterable[str] | None = None) -> Callable[[str, list[str]], bool]:
    """torch.<name>, any name or one of `names`."""
    return lambda name, parts: len(parts) == 2 and (names is None or parts[1] in names)


def _allowed(name: str, parts: list[str]) -> None:
    return None


def _fail(reason: str, severity: str = FAIL) -> Callable[[str, list[str]], Verdict]:
    return lambda name, parts: _forbidden(name, reason, severity)


def _tensor_attribute(name: str, parts: list[str]) -> Verdict | None:
    attr = parts[2]
    if attr not in AUTOGRAD_TENSOR_ATTRS:
        return None  # every other tensor method is allowed, also as torch.Tensor.exp(x)
    severity = WARN if attr in AUTOGRAD_WARN_ONLY else FAIL
    return _autograd(f"torch.Tensor.{attr}", AUTOGRAD_TENSOR_ATTRS[attr], severity)


def _global_state(name: str, parts: list[str]) -> Verdict:
    return Verdict(
        GLOBAL_STATE,
        name,
        NOTE,
        f"{name} changes torch for the whole process (and for the grader's own "
        "checks in it); set dtypes/devices on your own tensors instead",
    )


def _nn(name: str, parts: list[str]) -> Verdict:
    short = parts[-1] if parts[-1][:1].isupper() else parts[2]  # torch.nn.modules.conv.Conv2d reads as Conv2d
    if short == "init":
        return _forbidden(name, "torch.nn.init is not allowed; " + _NN_HINTS["init"])
    hint = _NN_HINTS.get(
        short, f"write your own {short} block" if short[:1].isupper() else "write it with tensor methods"
    )
    return _forbidden(
        name, "torch.nn modules and helpers are not allowed (only torch.nn.functional.fold/unfold); " + hint
    )


_TRANSFORMS = "transforms (vmap, grad, ...) are not allowed; write the batched maths and the gradients by hand"

# What a dotted torch name gets: the first row whose test matches decides (None: allowed).
# Dispatch hooks come first (they sit inside otherwise-allowed namespaces), then autograd,
# then everything allowed, then the forbidden families from the most to the least specific.
TORCH_RULES: tuple[tuple[str, Callable[[str, list[str]], bool], Callable[[str, list[str]], Verdict | None]], ...] = (
    (
        "dispatch hooks",
        _under(*TAMPERING_TORCH),
        lambda name, parts: Verdict(TAMPERING, name, FAIL, f"{name}: {TAMPERING_ADVICE}"),
    ),
    (
        "autograd",
        _under("torch.autograd", "torch.enable_grad"),
        lambda name, parts: _autograd(name, "is part of autograd"),
    ),
    (
        "checkpointing",
        _under("torch.utils.checkpoint"),
        lambda name, parts: _autograd(name, "re-runs the forward pass under autograd"),
    ),
    ("tensor methods", lambda name, parts: parts[:2] == ["torch", "Tensor"] and len(parts) >= 3, _tensor_attribute),
    ("the allowed list", _in(ALLOWED_NAMESPACES, ALLOWED_COMPUTE, ALLOWED_UTILITIES), _allowed),
    (
        "mixed precision",  # inside torch.cuda, which is allowed
        lambda name, parts: name.startswith("torch.cuda.amp"),
        _fail("mixed-precision helpers are not in the allowed list; compute in float32", WARN),
    ),
    ("utility namespaces", lambda name, parts: name in ALLOWED_MODULES or name.startswith(ALLOWED_PREFIXES), _allowed),
    ("dtypes", _top_level(DTYPES), _allowed),
    ("sizes and dtypes", _under("torch.Size", "torch.dtype"), _allowed),
    ("process-wide settings", _in(GLOBAL_STATE_FUNCS), _global_state),
    (
        "torch.nn.functional",
        _under("torch.nn.functional"),
        lambda name, parts: _forbidden(
            name, "only fold and unfold are allowed from torch.nn.functional; " + _function_hint(parts[3])
        ),
    ),
    ("torch.nn", _under("torch.nn"), _nn),
    (
        "optimizers",
        _submodule("optim"),
        _fail("torch.optim is not allowed; write your own SGD that updates each parameter in place: p.sub_(lr * grad)"),
    ),
    ("function transforms", _submodule("func", "_functorch"), _fail(f"torch.func {_TRANSFORMS}")),
    (
        "internal kernels",
        _submodule("_C", "ops", "_ops", "_refs", "_prims", "_decomp"),
        lambda name, parts: _forbidden(
            name, "internal torch kernels are not allowed; " + _function_hint(parts[-1].split(".")[0])
        ),
    ),
    (
        "tooling",
        _submodule("jit", "compile", "_dynamo", "testing", "profiler", "amp", "autocast"),
        lambda name, parts: _forbidden(
            name,
            f"torch.{parts[1]} is tooling outside the allowed list and may not work on the grading machine; "
            "leave it out",
            WARN,
        ),
    ),
    ("compiled extensions", _under("torch.utils.cpp_extension"), _fail("compiled extensions are not allowed")),
    (
        "data loaders",
        _under("torch.utils.data"),
        _fail("torch.utils.data is not in the allowed list; make batches by slicing: x[i:i + batch_size]", WARN),
    ),
    ("other utilities", _submodule("utils"), _fail("torch.utils is not in the allowed list; leave it out", WARN)),
    (
        "distribution",
        _submodule("hub", "distributed", "distributions"),
        lambda name, parts: _forbidden(name, f"torch.{parts[1]} is not allowed"),
    ),
    (
        "queries",
        _top_level(QUERY_FUNCS),
        lambda name, parts: _forbidden(
            name,
            "module-level torch functions other than empty, cat and arange "
            "are not allowed; this one computes nothing, but " + _function_hint(parts[1]),
            WARN,
        ),
    ),
    (
        "module-level functions",
        _top_level(),
        lambda name, parts: _forbidden(
            name,
            "module-level torch functions other than empty, cat and arange are not allowed; "
            + _function_hint(parts[1]),
        ),
    ),
    (
        # torch.linalg.norm, torch.fft.fft, torch.special.expit, unknown submodules
        "every other submodule",
        lambda name, parts: True,
        lambda name, parts: _forbidden(name, f"torch.{parts[1]} is not allowed; " + _function_hint(parts[-1])),
    ),
)


@functools.lru_cache(maxsize=4096)
def classify_torch_name(name: str) -> Verdict | None:
    """Verdict for a dotted torch name (`torch.zeros`, `torch.nn.Conv2d`, `torch.Tensor.exp`).

    None means allowed. Namespaces (`torch.nn`) are allowed as names; what is
    taken from them is judged separately. The verdict is that of the first row
    of TORCH_RULES that matches.
    """
    name = _normalise(name)
    special = _special_verdict(name)
    if special is not None:
        return special
    if name == "functorch" or name.startswith("functorch."):
        return _forbidden(name, f"functorch {_TRANSFORMS}")
    if not (name == "torch" or name.startswith("torch.")):
        return None
    parts = name.split(".")
    return next(verdict(name, parts) for _, matches, verdict in TORCH_RULES if matches(name, parts))


# ---------------------------------------------------------------- modules

COMPUTATIONAL_LIBRARIES = frozenset(
    {
        "numpy",
        "scipy",
        "sklearn",
        "jax",
        "jaxlib",
        "flax",
        "optax",
        "tensorflow",
        "keras",
        "tf_keras",
        "torchvision",
        "torchaudio",
        "torchtext",
        "torchdata",
        "cupy",
        "numba",
        "pandas",
        "skimage",
        "cv2",
        "einops",
        "kornia",
        "lightning",
        "pytorch_lightning",
        "timm",
        "theano",
        "mxnet",
        "paddle",
        "opt_einsum",
        "triton",
        "xformers",
        "onnx",
        "onnxruntime",
        "tinygrad",
        "autograd",
        "mlx",
        "chainer",
        "dask",
        "numexpr",
        "torchmetrics",
        "piq",
        "lpips",
        "skorch",
        "fastai",
        "transformers",
        "accelerate",
        "cvxpy",
        "sympy",
        "statsmodels",
        "xarray",
        "tensorly",
        "pykeops",
        "functorch",
        "torch_geometric",
    }
)
UTILITY_HINTS = {
    "tqdm": "print progress with print() instead",
    "matplotlib": "keep plotting out of the submitted code",
    "PIL": "keep image handling out of the submitted code",
    "seaborn": "keep plotting out of the submitted code",
}
GRADER_MODULE_NAMES = frozenset({"grader", "n2n_grade", "n2n_grader"})

# Standard-library modules and names that are red flags (category, severity, reason).
RED_FLAG_MODULES: dict[str, tuple[str, str, str]] = {
    "ctypes": (TAMPERING, FAIL, "ctypes can rewrite memory and bypass every rule check; remove it"),
    "cffi": (TAMPERING, FAIL, "cffi can call native code and bypass every rule check; remove it"),
    "subprocess": (PROCESS, WARN, "starting processes is not needed for the project and is blocked when grading"),
    "multiprocessing": (
        PROCESS,
        WARN,
        "extra processes are not needed for the project and may be blocked when grading",
    ),
    "pty": (PROCESS, WARN, "starting processes is not needed for the project"),
    "socket": (NETWORK, WARN, "the grading machine has no network"),
    "ssl": (NETWORK, WARN, "the grading machine has no network"),
    "urllib": (NETWORK, WARN, "the grading machine has no network"),
    "http": (NETWORK, WARN, "the grading machine has no network"),
    "ftplib": (NETWORK, WARN, "the grading machine has no network"),
    "smtplib": (NETWORK, WARN, "the grading machine has no network"),
    "requests": (NETWORK, WARN, "the grading machine has no network"),
    "httpx": (NETWORK, WARN, "the grading machine has no network"),
    "aiohttp": (NETWORK, WARN, "the grading machine has no network"),
    "urllib3": (NETWORK, WARN, "the grading machine has no network"),
}
_FRAME = "walking the interpreter's frames can reach the grader's own objects; remove it"
_GC = "searching the garbage collector can reach the grader's own objects; remove it"
_PROC = "starting processes is not needed for the project and is blocked when grading"
RED_FLAG_NAMES: dict[str, tuple[str, str, str]] = {
    "gc.get_objects": (TAMPERING, FAIL, _GC),
    "gc.get_referrers": (TAMPERING, FAIL, _GC),
    "gc.get_referents": (TAMPERING, FAIL, _GC),
    "inspect.stack": (TAMPERING, FAIL, _FRAME),
    "inspect.currentframe": (TAMPERING, FAIL, _FRAME),
    "inspect.getouterframes": (TAMPERING, FAIL, _FRAME),
    "inspect.getinnerframes": (TAMPERING, FAIL, _FRAME),
    "inspect.trace": (TAMPERING, FAIL, _FRAME),
    "sys._getframe": (TAMPERING, FAIL, _FRAME),
    "sys._current_frames": (TAMPERING, FAIL, _FRAME),
    "sys.settrace": (TAMPERING, FAIL, _FRAME),
    "sys.setprofile": (TAMPERING, FAIL, _FRAME),
    "threading.settrace": (TAMPERING, FAIL, _FRAME),
    "threading.setprofile": (TAMPERING, FAIL, _FRAME),
    "sys.addaudithook": (TAMPERING, FAIL, "audit hooks watch the grader itself; remove it"),
    "importlib.reload": (
        OBFUSCATION,
        WARN,
        "reloading modules is not needed and can undo the grader's setup; remove it",
    ),
    "os.system": (PROCESS, WARN, _PROC),
    "os.popen": (PROCESS, WARN, _PROC),
    "os.fork": (PROCESS, WARN, _PROC),
    "os.forkpty": (PROCESS, WARN, _PROC),
    "os.execv": (PROCESS, WARN, _PROC),
    "os.execve": (PROCESS, WARN, _PROC),
    "os.execl": (PROCESS, WARN, _PROC),
    "os.execlp": (PROCESS, WARN, _PROC),
    "os.execvp": (PROCESS, WARN, _PROC),
    "os.spawnl": (PROCESS, WARN, _PROC),
    "os.spawnv": (PROCESS, WARN, _PROC),
    "os.posix_spawn": (PROCESS, WARN, _PROC),
    "os.kill": (PROCESS, WARN, "signalling processes is not needed for the project"),
    "os.killpg": (PROCESS, WARN, "signalling processes is not needed for the project"),
    "concurrent.futures.ProcessPoolExecutor": (PROCESS, WARN, _PROC),
    "os.environ": (
        ENVIRONMENT,
        NOTE,
        "reads environment variables; the grading machine's environment may differ from yours",
    ),
    "os.getenv": (
        ENVIRONMENT,
        NOTE,
        "reads environment variables; the grading machine's environment may differ from yours",
    ),
    "os.environb": (
        ENVIRONMENT,
        NOTE,
        "reads environment variables; the grading machine's environment may differ from yours",
    ),
}
# Frame attributes reached without naming a module (`e.__traceback__.tb_frame.f_back`).
FRAME_ATTRIBUTES = frozenset(
    {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame"}
)


def _stdlib_modules() -> frozenset[str]:
    names = getattr(sys, "stdlib_module_names", None)  # Python >= 3.10
    return frozenset(names) if names else frozenset(sys.builtin_module_names)


STDLIB_MODULES = _stdlib_modules()


def red_flag(name: str) -> Verdict | None:
    """Verdict for a standard-library name that is a red flag (`gc.get_objects`, `os.system`)."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        entry = RED_FLAG_NAMES.get(".".join(parts[:i]))
        if entry is not None:
            category, severity, reason = entry
            return Verdict(category, ".".join(parts[:i]), severity, reason)
    return None


def classify_module(module: str, local_modules: Iterable[str] = ()) -> Verdict | None:
    """Verdict for importing `module` (dotted, absolute); None when allowed.

    `local_modules` are top-level names that resolve to the submission's own
    files (`model`, `others`, `Miniproject_2`); they are always allowed.
    """
    top = module.split(".", 1)[0]
    if top in local_modules:
        return None
    if top in ("torch", "functorch"):
        return classify_torch_name(module)
    if top in GRADER_MODULE_NAMES:
        return Verdict(
            TAMPERING, module, FAIL, f"{module} is the grader's own code; student code must not import or reference it"
        )
    if top in RED_FLAG_MODULES:
        category, severity, reason = RED_FLAG_MODULES[top]
        return Verdict(category, top, severity, reason)
    if top in STDLIB_MODULES or top == "__future__":
        return None
    if top in COMPUTATIONAL_LIBRARIES:
        return Verdict(
            FORBIDDEN_IMPORT,
            top,
            FAIL,
            f"{top} is not allowed: only torch.empty/cat/arange, fold/unfold, tensor "
            "methods and the Python standard library may be used",
        )
    hint = UTILITY_HINTS.get(top, "remove the import")
    return Verdict(
        THIRD_PARTY,
        top,
        WARN,
        f"{top} is a third-party library: not allowed by the rules and may be missing on the grading machine; {hint}",
    )


def classify_name(name: str, local_modules: Iterable[str] = ()) -> Verdict | None:
    """Verdict for any dotted name a verdict or trace carries (torch, red flags, modules)."""
    special = _special_verdict(name)
    if special is not None:
        return special
    top = name.split(".", 1)[0]
    if top in ("torch", "functorch"):
        return classify_torch_name(name)
    flag = red_flag(name)
    if flag is not None:
        return flag
    return classify_module(name, local_modules)


# ---------------------------------------------------------------- what only the static scan sees
#
# Source patterns with no torch or module name of their own to classify. Most are
# hints (warn): a scan cannot tell a tensor from the student's own object, and
# the runtime trace decides.

STATIC_HINT = "static hint: the runtime trace decides"


def _autograd_hint(name: str, what: str) -> Verdict:
    """Autograd if the object is a tensor, which the scan cannot tell: a warning the runtime trace settles."""
    return Verdict(AUTOGRAD, name, WARN, f"{what}; {STATIC_HINT}")


def outside_submission(top: str) -> Verdict:
    """An import of the team folder or another mini-project, which is not there when grading."""
    return Verdict(
        THIRD_PARTY,
        top,
        WARN,
        f"{top} is outside the graded Miniproject_2 folder and is not there when grading; "
        "move the code into Miniproject_2/others",
    )


def computed_import(how: str) -> Verdict:
    """`__import__(name)` / `importlib.import_module(name)` with a name the scan cannot read."""
    return Verdict(
        OBFUSCATION,
        how,
        WARN,
        f"{how} with a computed module name hides what is imported; use a plain import statement",
    )


def star_import(module: str) -> Verdict:
    """`from torch import *`: every forbidden function in scope."""
    return Verdict(
        FORBIDDEN_TORCH,
        f"{module}.*",
        WARN,
        f"`from {module} import *` brings forbidden functions into scope; import only what you use, "
        "e.g. `from torch import empty, cat, arange`",
    )


def dynamic_code(name: str) -> Verdict:
    """exec / eval / compile."""
    return Verdict(OBFUSCATION, name, WARN, f"{name}() runs code the scan cannot see; write the code out")


def sys_modules_read() -> Verdict:
    return Verdict(
        OBFUSCATION,
        "sys.modules",
        WARN,
        "reads sys.modules, the interpreter's table of loaded modules; use plain imports",
    )


def sys_modules_change() -> Verdict:
    return Verdict(
        TAMPERING, "sys.modules", FAIL, "changing sys.modules swaps modules under the grader; use plain imports"
    )


def frame_attribute(attr: str) -> Verdict:
    """`.f_back`, `.tb_frame`, ...: a frame walk reached without naming a module."""
    return Verdict(
        TAMPERING,
        f"frame.{attr}",
        FAIL,
        f".{attr} walks the interpreter's frames, which can reach the grader's own objects; remove it",
    )


def reflection(attr: str) -> Verdict:
    """`.__subclasses__`, `.__globals__`: objects reached without importing them."""
    return Verdict(OBFUSCATION, attr, WARN, f".{attr} reaches objects the code never imported; use plain imports")


def grad_fn_read() -> Verdict:
    return _autograd_hint(".grad_fn", "reads .grad_fn, which belongs to autograd (always None with autograd off)")


def torch_assignment(dotted: str) -> Verdict:
    """`torch.x = ...` (torch.backends flags excepted)."""
    return Verdict(
        TAMPERING,
        dotted,
        FAIL,
        f"assigning to {dotted} monkeypatches torch for the whole process, including the grader's checks; "
        "remove it (torch.backends.* flags are fine)",
    )


def interpreter_assignment(dotted: str) -> Verdict:
    """`sys.x = ...`, `builtins.x = ...`."""
    return Verdict(
        TAMPERING,
        dotted,
        FAIL,
        f"assigning to {dotted} changes the interpreter for the whole process, including the grader; remove it",
    )


def grader_by_name(name: str) -> Verdict:
    """A grader module named in a string (`sys.modules.get("grader")`)."""
    return Verdict(
        TAMPERING,
        f"'{name}'",
        FAIL,
        f"looks up the grader's module {name!r} by name: submissions must not reach into the grader; remove it",
    )


def monkeypatch_call(accessor: str, target: str) -> Verdict:
    """`setattr(torch, ...)` / `delattr(sys, ...)` on a watched module."""
    return Verdict(
        TAMPERING,
        f"{accessor}({target}, ...)",
        FAIL,
        f"{accessor} on {target} monkeypatches it for the whole process, including the grader's checks; remove it",
    )


def computed_getattr(target: str) -> Verdict:
    return Verdict(
        OBFUSCATION,
        f"getattr({target}, <expression>)",
        WARN,
        f"getattr on {target} with a computed name hides which function is called; call it by name",
    )


def legacy_constructor(dotted: str) -> Verdict:
    """`torch.FloatTensor(...)` called: what torch.empty does, but not on the list."""
    return Verdict(
        FORBIDDEN_TORCH,
        f"{dotted}(...)",
        WARN,
        f"the legacy constructor {dotted}(...) is not in the allowed list; use torch.empty(shape)",
    )


def dispatch_hook(name: str) -> Verdict:
    """Defining `__torch_function__` / `__torch_dispatch__`."""
    return Verdict(
        TAMPERING,
        name,
        FAIL,
        f"defining {name} intercepts torch's dispatch, which the grader uses to check the rules; remove it",
    )


def grad_mode_on(name: str) -> Verdict:
    """`torch.set_grad_enabled(True)` / `torch.enable_grad` in the source: autograd only if a graph is built."""
    return _autograd_hint(
        name, f"{name} switches autograd on: a warning if no tensor requires grad, autograd use otherwise"
    )


def grad_mode_expression() -> Verdict:
    """`torch.set_grad_enabled(mode)` with a mode the scan cannot read."""
    return _autograd_hint(
        "torch.set_grad_enabled(<expression>)",
        "torch.set_grad_enabled with a computed mode may switch autograd on; pass False",
    )


def requires_grad_assignment() -> Verdict:
    """`x.requires_grad = <not False>` on an object the scan cannot type."""
    return _autograd_hint(".requires_grad = True", "setting .requires_grad turns autograd on if the object is a tensor")


def requires_grad_argument() -> Verdict:
    """`f(..., requires_grad=...)` where f or the value is unknown."""
    return _autograd_hint("requires_grad=True", "passing requires_grad=True turns autograd on if it creates a tensor")


def requires_grad_call() -> Verdict:
    """`x.requires_grad_()` on an object the scan cannot type."""
    return _autograd_hint(".requires_grad_()", ".requires_grad_() turns autograd on if the object is a tensor")


def autograd_backward(keywords: list[str]) -> Verdict:
    """`.backward(retain_graph=..., ...)`: only autograd's backward takes these."""
    return Verdict(
        AUTOGRAD,
        ".backward(" + "=, ".join(keywords) + "=)",
        FAIL,
        f".backward({keywords[0]}=...) is autograd's backward; {AUTOGRAD_ADVICE}",
    )


def bare_backward() -> Verdict:
    """A statement `x.backward()`: autograd's loss.backward(), or the student's own block."""
    return Verdict(
        AUTOGRAD,
        ".backward()",
        WARN,
        ".backward() with no argument looks like autograd's loss.backward(); fine if it is your own block's "
        f"method ({STATIC_HINT})",
    )


def backward_gradient() -> Verdict:
    return Verdict(
        AUTOGRAD,
        ".backward(gradient=)",
        WARN,
        ".backward(gradient=...) looks like autograd's backward; fine if it is your own block's method "
        f"({STATIC_HINT})",
    )


def autograd_method(attr: str) -> Verdict:
    """`.retain_grad()` / `.register_hook()` on an object the scan cannot type."""
    return _autograd_hint(f".{attr}()", f".{attr}() belongs to autograd if the object is a tensor")


def runtime_name(func: Any) -> str | None:
    """Public dotted name of a function seen by a TorchFunctionMode, or None if not torch's.

    `(module, qualname)` pairs seen in practice: ('torch', '_VariableFunctionsClass.zeros'),
    (None, 'TensorBase.matmul'), ('torch._tensor', 'Tensor.backward'),
    ('torch.nn.functional', 'unfold'), ('torch._C._linalg', 'linalg_norm'),
    ('torch._ops.aten', '...relu') for torch.ops.
    """
    module = getattr(func, "__module__", None)
    qual = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if not isinstance(qual, str):
        return None
    head, _, rest = qual.partition(".")
    if (
        head in ("TensorBase", "Tensor", "_TensorBase")
        and rest
        and module in (None, "torch", "torch._tensor", "torch._C")
    ):
        return "torch.Tensor." + rest
    if head == "getset_descriptor" and rest in ("__get__", "__set__", "__delete__"):
        attr = getattr(getattr(func, "__self__", None), "__name__", "?")
        return f"torch.Tensor.{attr}"
    if not isinstance(module, str):
        return None
    if module.startswith("torch._ops"):
        return "torch.ops." + str(func)
    if module == "torch" and head == "_VariableFunctionsClass":
        return "torch." + rest
    if module in ("torch.functional", "torch._VF"):
        return "torch." + getattr(func, "__name__", qual)
    private = {
        "torch._C._linalg": ("torch.linalg.", "linalg_"),
        "torch._C._fft": ("torch.fft.", "fft_"),
        "torch._C._special": ("torch.special.", "special_"),
        "torch._C._nested": ("torch.nested.", "nested_"),
        "torch._C._sparse": ("torch.sparse.", "sparse_"),
        # F.avg_pool2d *is* torch._C._nn.avg_pool2d: report the name students wrote.
        "torch._C._nn": ("torch.nn.functional.", ""),
    }
    if module in private:
        public, strip = private[module]
        short = getattr(func, "__name__", qual)
        return public + (short[len(strip) :] if strip and short.startswith(strip) else short)
    if "<locals>" in qual:  # wrappers such as F.max_pool2d's boolean_dispatch keep __name__
        return f"{module}.{getattr(func, '__name__', qual)}"
    return f"{module}.{qual}"


_MISS = object()
# func -> None (allowed), a Verdict, or a checker(args, kwargs) -> Verdict | None.
_RUNTIME_CACHE: dict[Any, Any] = {}


def _requires_grad_kw(base: str, inner: Verdict | None) -> Callable:
    flagged = _special_verdict(base + _REQUIRES_GRAD_SUFFIX)

    def check(args, kwargs):
        if kwargs and kwargs.get("requires_grad"):
            return flagged
        return inner

    return check


def _build_runtime_entry(func: Any) -> Any:
    name = runtime_name(func)
    if name is None:
        return None
    qual = getattr(func, "__qualname__", "") or ""
    if name == "torch._C._set_grad_enabled":
        grad_on = _special_verdict(_GRAD_ON_NAME)
        return lambda args, kwargs: grad_on if (args and args[0]) else None
    if qual.startswith("getset_descriptor."):
        attr = name.rsplit(".", 1)[1]
        if qual.endswith("__set__"):
            if attr == "requires_grad":
                verdict = _special_verdict(_REQUIRES_GRAD_SET)
                return lambda args, kwargs: verdict if (len(args) > 1 and args[1]) else None
            if attr == "_backward_hooks":
                verdict = _special_verdict(_HOOKS_SET)
                return lambda args, kwargs: verdict if (len(args) > 1 and args[1]) else None
            return None
        if qual.endswith("__get__") and attr in AUTOGRAD_TENSOR_ATTRS:
            return classify_torch_name(name)
        return None
    if name == "torch.Tensor.requires_grad_":
        verdict = classify_torch_name(name)

        def check(args, kwargs):
            on = (
                kwargs.get("requires_grad", args[1] if len(args) > 1 else True)
                if kwargs
                else (args[1] if len(args) > 1 else True)
            )
            return verdict if on else None

        return check
    verdict = classify_torch_name(name) if name.startswith(("torch", "functorch")) else None
    if verdict is not None and verdict.severity == NOTE:
        verdict = None  # notes are static advice; the runtime reports only what breaks rules
    if name in ("torch.empty", "torch.arange") or name.startswith("torch.Tensor.new_"):
        return _requires_grad_kw(name, verdict)
    return verdict


def classify_runtime_call(func: Any, args: tuple = (), kwargs: dict | None = None) -> Verdict | None:
    """Verdict for one call seen by the worker's TorchFunctionMode; None when allowed.

    Called for every intercepted call, so the common case is one dict lookup:
    the verdict (or an argument checker, for the few calls whose verdict
    depends on arguments such as `set_grad_enabled(mode)` or
    `requires_grad=True`) is cached by function identity.
    """
    try:
        entry = _RUNTIME_CACHE.get(func, _MISS)
    except TypeError:  # unhashable callable: classify without caching
        entry = _build_runtime_entry(func)
    else:
        if entry is _MISS:
            entry = _RUNTIME_CACHE[func] = _build_runtime_entry(func)
    if entry is None or entry.__class__ is Verdict:
        return entry
    return entry(args, kwargs or {})
