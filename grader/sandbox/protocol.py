"""Message framing between judge and worker: JSON plus raw arrays, never pickle.

A frame is an 8-byte big-endian header length, a UTF-8 JSON header, then the
raw bytes of each array the header declares. Inside the JSON payload an array
is the placeholder ``{"__array__": i}``; the header's ``arrays`` list gives each
one's dtype, shape and byte count, so the receiver can check sizes before it
allocates anything and rebuild the tensors without unpickling.
"""

from __future__ import annotations

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

HEADER_LIMIT = 16 * 2**20  # a JSON header larger than this is a protocol error
_LEN = struct.Struct(">Q")


class ProtocolError(Exception):
    """The other side sent something that is not a well-formed frame."""


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
        return {"__float__": repr(obj)}
    return obj


def _join_arrays(obj: Any, arrays: list[torch.Tensor]) -> Any:
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            index = obj["__array__"]
            if not isinstance(index, int) or not 0 <= index < len(arrays):
                raise ProtocolError(f"array placeholder {index!r} out of range")
            return arrays[index]
        if set(obj) == {"__float__"}:
            return float(obj["__float__"]) if obj["__float__"] in ("nan", "inf", "-inf") else math.nan
        return {k: _join_arrays(v, arrays) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_join_arrays(v, arrays) for v in obj]
    return obj


def _tensor_bytes(t: torch.Tensor) -> tuple[str, memoryview]:
    t = t.detach()
    if t.device.type != "cpu":
        t = t.cpu()
    if t.dtype not in DTYPE_NAMES:
        # complex, quantized, ...: send as float64 so the judge can still report it
        t = t.to(torch.float64) if not t.is_complex() else t.real.to(torch.float64)
    t = t.contiguous()
    name = DTYPE_NAMES[t.dtype]
    if t.dtype == torch.bfloat16:
        raw = t.view(torch.int16).numpy().tobytes()
    else:
        raw = t.numpy().tobytes()
    return name, memoryview(raw)


def write_message(stream: BinaryIO, payload: Any) -> None:
    """Send one frame carrying `payload` (JSON data with tensors anywhere inside)."""
    arrays: list[torch.Tensor] = []
    body = _split_arrays(payload, arrays)
    specs, buffers = [], []
    for t in arrays:
        name, raw = _tensor_bytes(t)
        specs.append({"dtype": name, "shape": list(t.shape), "nbytes": raw.nbytes})
        buffers.append(raw)
    header = json.dumps({"payload": body, "arrays": specs}, allow_nan=False).encode()
    stream.write(_LEN.pack(len(header)))
    stream.write(header)
    for raw in buffers:
        stream.write(raw)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            raise EOFError(f"stream closed after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_message(stream: BinaryIO, *, max_bytes: int = 2**31) -> Any:
    """Read one frame and return its payload with tensors rebuilt.

    Raises EOFError when the stream ends before a frame starts or completes,
    ProtocolError when the frame is malformed or larger than `max_bytes`.
    """
    (length,) = _LEN.unpack(_read_exact(stream, _LEN.size))
    if length > HEADER_LIMIT:
        raise ProtocolError(f"header of {length} bytes exceeds the {HEADER_LIMIT}-byte limit")
    try:
        header = json.loads(_read_exact(stream, length))
        specs, body = header["arrays"], header["payload"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ProtocolError(f"malformed header: {exc}") from None
    if not isinstance(specs, list):
        raise ProtocolError("malformed header: 'arrays' is not a list")
    total = 0
    arrays: list[torch.Tensor] = []
    for spec in specs:
        dtype, shape, nbytes = _check_spec(spec)
        total += nbytes
        if total > max_bytes:
            raise ProtocolError(f"message carries more than {max_bytes} bytes of arrays")
        raw = bytearray(_read_exact(stream, nbytes))
        if dtype == torch.bfloat16:
            t = torch.frombuffer(raw, dtype=torch.int16).view(torch.bfloat16) if nbytes else torch.empty(0, dtype=dtype)
        else:
            t = torch.frombuffer(raw, dtype=dtype) if nbytes else torch.empty(0, dtype=dtype)
        arrays.append(t.reshape(shape))
    return _join_arrays(body, arrays)


def _check_spec(spec: Any) -> tuple[torch.dtype, list[int], int]:
    try:
        dtype = DTYPES[spec["dtype"]]
        shape = [int(s) for s in spec["shape"]]
        nbytes = int(spec["nbytes"])
    except (KeyError, TypeError, ValueError):
        raise ProtocolError(f"malformed array spec {spec!r}") from None
    if any(s < 0 for s in shape) or len(shape) > 8:
        raise ProtocolError(f"bad array shape {shape}")
    itemsize = torch.empty(0, dtype=dtype).element_size()
    if math.prod(shape) * itemsize != nbytes:
        raise ProtocolError(f"array spec {spec} declares {nbytes} bytes for shape {shape}")
    return dtype, shape, nbytes
