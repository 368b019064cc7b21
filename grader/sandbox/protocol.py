"""Message framing between judge and worker: JSON plus raw arrays, never pickle.

A frame is an 8-byte big-endian header length, a UTF-8 JSON header, then the
raw bytes of each array the header declares. Inside the JSON payload an array
is the placeholder ``{"__array__": i}``; the header's ``arrays`` list gives each
one's dtype, shape and byte count, so the receiver can check sizes before it
allocates anything and rebuild the tensors without unpickling.

The reader treats the other side as hostile: any frame that is not exactly
what this module writes raises `ProtocolError` (never a crash, a hang on a
lying byte count, or an allocation larger than the caller's limit).
"""

from __future__ import annotations

import ctypes
import json
import math
import struct
from typing import Any, BinaryIO

import torch

# dtype names that may cross the boundary, and their torch types and item sizes.
DTYPES: dict[str, torch.dtype] = {
    "bool": torch.bool,
    "uint8": torch.uint8,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
}
DTYPE_NAMES = {v: k for k, v in DTYPES.items()}
_ITEMSIZE = {name: torch.empty(0, dtype=dt).element_size() for name, dt in DTYPES.items()}

HEADER_LIMIT = 16 * 2**20  # a JSON header larger than this is a protocol error
MAX_DIMS = 32  # more dimensions than any real tensor here; bounds the work of checking a spec
_LEN = struct.Struct(">Q")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed frame."""


class UnsendableValue(ValueError):
    """A value (usually a tensor a student returned) that cannot cross the boundary."""


# -- sending ----------------------------------------------------------------------
def _split_arrays(obj: Any, arrays: list[torch.Tensor]) -> Any:
    """Replace tensors in a JSON-like structure by placeholders, collecting them."""
    if isinstance(obj, torch.Tensor):
        arrays.append(obj)
        return {"__array__": len(arrays) - 1}
    if isinstance(obj, dict):
        return {str(k): _split_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_split_arrays(v, arrays) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return {"__float__": repr(float(obj))}
    return obj


def plain_tensor(t: torch.Tensor, max_bytes: int | None = None) -> torch.Tensor:
    """A dense, contiguous, CPU, plain `torch.Tensor` copy of `t` in a dtype that can cross.

    `t` may be anything a student returned: a subclass with its own
    `__torch_function__`, a view with overlapping or huge strides, a sparse,
    quantized, complex, conjugated or meta tensor. Raises `UnsendableValue`
    with a plain-words reason when it cannot (or should not) be sent, before
    allocating anything large.
    """
    if (
        type(t) is torch.Tensor
        and t.layout == torch.strided
        and t.device.type == "cpu"
        and t.dtype in DTYPE_NAMES
        and t.is_contiguous()
        and not t.is_conj()
        and not t.is_neg()
        and t.dim() <= MAX_DIMS
        and (max_bytes is None or t.numel() * t.element_size() <= max_bytes)
    ):
        return t.detach()  # the common case: already what we send
    # Subclass overrides (Python methods or __torch_function__) must not run here.
    with torch._C.DisableTorchFunctionSubclass():
        t = torch.Tensor.detach(t)
        if type(t) is not torch.Tensor:
            t = t.as_subclass(torch.Tensor)
        if t.device.type == "meta":
            raise UnsendableValue(f"a tensor of shape {list(t.shape)} on the meta device (it holds no values)")
        if t.dim() > MAX_DIMS:
            raise UnsendableValue(f"a tensor with {t.dim()} dimensions (at most {MAX_DIMS} can be sent)")
        if t.layout != torch.strided:
            t = t.to_dense()
        if t.is_quantized:
            t = t.dequantize()
        if t.is_complex():
            t = t.real
        if t.dtype not in DTYPE_NAMES:  # complex parts, float8, uint16..64: the judge can still report them
            out_dtype = torch.float64
        else:
            out_dtype = t.dtype
        size = t.numel() * _ITEMSIZE[DTYPE_NAMES[out_dtype]]
        if max_bytes is not None and size > max_bytes:
            raise UnsendableValue(
                f"a tensor of shape {list(t.shape)} ({size / 2**20:.0f} MiB as "
                f"{DTYPE_NAMES[out_dtype]}); at most {max_bytes / 2**20:.0f} MiB can be sent"
            )
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.resolve_conj().resolve_neg().to(out_dtype).contiguous()
    return t


def _tensor_bytes(t: torch.Tensor, max_bytes: int | None) -> tuple[str, list[int], memoryview]:
    t = plain_tensor(t, max_bytes)
    name = DTYPE_NAMES[t.dtype]
    return name, list(t.shape), raw_bytes(t)


def raw_bytes(t: torch.Tensor) -> memoryview:
    """The bytes of a dense, contiguous CPU tensor, without copying and without numpy.

    The worker may run in an environment holding torch and nothing else (a course
    environment, see grader.sandbox.interpreter), so this reads the tensor's memory
    through ctypes; the buffer keeps the tensor alive as long as the view lives.
    """
    nbytes = t.numel() * t.element_size()
    if not nbytes:
        return memoryview(b"")
    buffer = (ctypes.c_ubyte * nbytes).from_address(t.data_ptr())
    buffer._tensor = t  # a ctypes buffer does not own the memory it points at: the tensor does
    return memoryview(buffer).cast("B")


def encode_message(payload: Any, *, max_array_bytes: int | None = None) -> list:
    """The frame for `payload` as a list of byte buffers (header length, header, arrays).

    Raises `UnsendableValue` when a tensor inside cannot be sent (nothing is
    written then), `TypeError`/`ValueError` when the payload is not JSON data.
    """
    arrays: list[torch.Tensor] = []
    body = _split_arrays(payload, arrays)
    specs, buffers, total = [], [], 0
    for t in arrays:
        name, shape, raw = _tensor_bytes(t, None if max_array_bytes is None else max_array_bytes - total)
        total += raw.nbytes
        specs.append({"dtype": name, "shape": shape, "nbytes": raw.nbytes})
        buffers.append(raw)
    header = json.dumps({"payload": body, "arrays": specs}, allow_nan=False).encode()
    if len(header) > HEADER_LIMIT:
        raise UnsendableValue(f"a message header of {len(header)} bytes (at most {HEADER_LIMIT})")
    return [_LEN.pack(len(header)), header, *buffers]


def write_message(stream: BinaryIO, payload: Any, *, max_array_bytes: int | None = None) -> None:
    """Send one frame carrying `payload` (JSON data with tensors anywhere inside)."""
    for part in encode_message(payload, max_array_bytes=max_array_bytes):
        stream.write(part)
    stream.flush()


# -- receiving --------------------------------------------------------------------
_CHUNK = 1 << 24  # larger arrays are allocated as their bytes arrive, not on the sender's word


def _read_exact(stream: BinaryIO, n: int) -> bytearray:
    if n > _CHUNK:
        buf = bytearray()
        while len(buf) < n:
            buf += _read_exact(stream, min(_CHUNK, n - len(buf)))
        return buf
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    readinto = getattr(stream, "readinto", None)
    while got < n:
        if readinto is not None:
            count = readinto(view[got:])
        else:
            chunk = stream.read(n - got)
            count = len(chunk) if chunk else 0
            view[got : got + count] = chunk or b""
        if not count:
            raise EOFError(f"stream closed after {got} of {n} bytes")
        got += count
    return buf


def read_message(stream: BinaryIO, *, max_bytes: int = 2**31) -> Any:
    """Read one frame and return its payload with tensors rebuilt.

    Raises EOFError when the stream ends before a frame starts or completes,
    ProtocolError when the frame is malformed or its arrays add up to more
    than `max_bytes`.
    """
    (length,) = _LEN.unpack(_read_exact(stream, _LEN.size))
    if length > HEADER_LIMIT:
        raise ProtocolError(f"header of {length} bytes exceeds the {HEADER_LIMIT}-byte limit")
    raw_header = _read_exact(stream, length)
    try:
        header = json.loads(raw_header)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise ProtocolError(f"malformed header: {type(exc).__name__}: {str(exc)[:200]}") from None
    if not isinstance(header, dict) or set(header) != {"payload", "arrays"}:
        raise ProtocolError("malformed header: expected an object with exactly 'payload' and 'arrays'")
    specs, body = header["arrays"], header["payload"]
    if not isinstance(specs, list):
        raise ProtocolError("malformed header: 'arrays' is not a list")
    checked = [_check_spec(spec) for spec in specs]  # all specs before any array is read
    total = sum(nbytes for _, _, nbytes in checked)
    if total > max_bytes:
        raise ProtocolError(f"message carries {total} bytes of arrays, more than the {max_bytes}-byte limit")
    arrays: list[torch.Tensor] = []
    for dtype, shape, nbytes in checked:
        raw = _read_exact(stream, nbytes)
        if nbytes == 0:
            t = torch.empty(shape, dtype=dtype)
        elif dtype == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16).reshape(shape)
        else:
            t = torch.frombuffer(raw, dtype=dtype).reshape(shape)
        arrays.append(t)
    try:
        return _join_arrays(body, arrays)
    except RecursionError:
        raise ProtocolError("malformed payload: nested too deeply") from None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_spec(spec: Any) -> tuple[torch.dtype, list[int], int]:
    if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "nbytes"}:
        raise ProtocolError(f"malformed array spec {str(spec)[:200]}")
    name, shape, nbytes = spec["dtype"], spec["shape"], spec["nbytes"]
    if not isinstance(name, str) or name not in DTYPES:
        raise ProtocolError(f"unknown array dtype {str(name)[:40]!r}")
    if not isinstance(shape, list) or len(shape) > MAX_DIMS or not all(_is_int(s) and s >= 0 for s in shape):
        raise ProtocolError(f"bad array shape {str(shape)[:200]}")
    if not _is_int(nbytes) or math.prod(shape) * _ITEMSIZE[name] != nbytes:
        raise ProtocolError(f"array spec declares {str(nbytes)[:40]} bytes for {name} of shape {shape}")
    return DTYPES[name], shape, nbytes


def _join_arrays(obj: Any, arrays: list[torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if "__array__" in obj and len(obj) == 1:
            index = obj["__array__"]
            if not _is_int(index) or not 0 <= index < len(arrays):
                raise ProtocolError(f"array placeholder {str(index)[:40]} out of range")
            return arrays[index]
        if "__float__" in obj and len(obj) == 1:
            if obj["__float__"] not in ("nan", "inf", "-inf"):
                raise ProtocolError(f"bad float placeholder {str(obj['__float__'])[:40]!r}")
            return float(obj["__float__"])
        return {k: _join_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join_arrays(v, arrays) for v in obj]
    return obj
