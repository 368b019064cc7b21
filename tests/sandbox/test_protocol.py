"""The framing between judge and worker: exact round trips, and hostile frames refused (never unpickled)."""

from __future__ import annotations

import io
import json
import math
import pickle
import struct

import pytest
import torch

from grader.sandbox import protocol
from grader.sandbox.protocol import DTYPES, ProtocolError, UnsendableValue, read_message, write_message


def roundtrip(payload, **kwargs):
    buf = io.BytesIO()
    write_message(buf, payload)
    buf.seek(0)
    out = read_message(buf, **kwargs)
    assert buf.read() == b"", "the reader must consume exactly one frame"
    return out


def frame(header: dict | bytes, body: bytes = b"", length: int | None = None) -> io.BytesIO:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return io.BytesIO(struct.pack(">Q", len(raw) if length is None else length) + raw + body)


@pytest.mark.parametrize("name", sorted(DTYPES))
@pytest.mark.parametrize("shape", [(2, 3), (), (0,), (0, 4), (1, 1, 1, 5)])
def test_every_dtype_and_shape_round_trips_bit_exactly(name, shape):
    dtype = DTYPES[name]
    gen = torch.Generator().manual_seed(0)
    t = (torch.randn(shape, generator=gen) * 50).to(dtype)
    out = roundtrip({"t": t})["t"]
    assert out.dtype == dtype and tuple(out.shape) == tuple(shape)
    if dtype.is_floating_point:  # compare bit patterns: NaN-safe and exact
        width = {2: torch.int16, 4: torch.int32, 8: torch.int64}[t.element_size()]
        assert torch.equal(out.view(width), t.view(width))
    else:
        assert torch.equal(out, t)


def test_special_floats_and_structures_round_trip():
    payload = {
        "nan": math.nan,
        "inf": math.inf,
        "ninf": -math.inf,
        "tuple": (1, [2.5, None]),
        "nested": {"a": [torch.ones(2), {"b": torch.zeros(1, dtype=torch.int8)}]},
        "text": "é\u202e",
        "big": 2**60,
    }
    out = roundtrip(payload)
    assert math.isnan(out["nan"]) and out["inf"] == math.inf and out["ninf"] == -math.inf
    assert out["tuple"] == [1, [2.5, None]] and out["text"] == "é\u202e" and out["big"] == 2**60
    assert torch.equal(out["nested"]["a"][0], torch.ones(2))
    assert out["nested"]["a"][1]["b"].dtype == torch.int8


def test_views_and_noncontiguous_tensors_are_sent_by_value():
    base = torch.arange(24.0).reshape(2, 3, 4)
    for t in (base.transpose(0, 2), base[:, 1], base[..., ::2], base.expand(3, 2, 3, 4), torch.tensor([1 + 2j]).conj()):
        out = roundtrip(t)
        assert torch.equal(out, t.resolve_conj().real if t.is_complex() else t)


def test_unsendable_tensors_are_refused_before_allocating():
    with pytest.raises(UnsendableValue, match="meta device"):
        protocol.encode_message(torch.empty(3, device="meta"))
    huge = torch.zeros(1).as_strided((2**20, 2**20), (0, 0))  # 4 TiB if materialised
    with pytest.raises(UnsendableValue, match="at most"):
        protocol.encode_message(huge, max_array_bytes=2**20)
    with pytest.raises(UnsendableValue, match="at most"):  # the limit is for all arrays together
        protocol.encode_message([torch.zeros(2**17), torch.zeros(2**17)], max_array_bytes=2**20 - 1)


def test_sparse_and_subclass_tensors_are_sent_as_plain_dense_tensors():
    class Loud(torch.Tensor):
        @classmethod
        def __torch_function__(cls, func, types, args=(), kwargs=None):
            raise AssertionError("the subclass hook ran while sending")

    out = roundtrip([torch.eye(2).to_sparse(), torch.arange(3.0).as_subclass(Loud)])
    assert torch.equal(out[0], torch.eye(2)) and type(out[1]) is torch.Tensor
    assert torch.equal(out[1], torch.arange(3.0))


@pytest.mark.parametrize(
    "header, body, message",
    [
        (
            {"payload": {"__array__": 0}, "arrays": [{"dtype": "float32", "shape": [2], "nbytes": 9}]},
            b"\0" * 9,
            "declares",
        ),  # lying byte count
        (
            {"payload": 1, "arrays": [{"dtype": "complex64", "shape": [1], "nbytes": 8}]},
            b"\0" * 8,
            "unknown array dtype",
        ),
        ({"payload": 1, "arrays": [{"dtype": "object", "shape": [1], "nbytes": 8}]}, b"", "unknown array dtype"),
        ({"payload": 1, "arrays": [{"dtype": "float32", "shape": [-1], "nbytes": -4}]}, b"", "bad array shape"),
        ({"payload": 1, "arrays": [{"dtype": "float32", "shape": [1.5], "nbytes": 4}]}, b"", "bad array shape"),
        ({"payload": 1, "arrays": [{"dtype": "float32", "shape": [True], "nbytes": 4}]}, b"", "bad array shape"),
        ({"payload": 1, "arrays": [{"dtype": "uint8", "shape": [1] * 40, "nbytes": 1}]}, b"", "bad array shape"),
        ({"payload": 1, "arrays": [{"dtype": "float32", "shape": [2**40], "nbytes": 2**42}]}, b"", "more than"),
        ({"payload": 1, "arrays": [{"dtype": "float32", "shape": [2], "nbytes": 8, "extra": 1}]}, b"", "spec"),
        ({"payload": 1, "arrays": ["float32"]}, b"", "spec"),
        ({"payload": 1, "arrays": {"dtype": "float32"}}, b"", "not a list"),
        ({"payload": 1}, b"", "exactly"),
        ([1, 2], b"", "exactly"),
        ({"payload": {"__array__": 3}, "arrays": []}, b"", "out of range"),
        (
            {"payload": {"__array__": True}, "arrays": [{"dtype": "uint8", "shape": [1], "nbytes": 1}]},
            b"\0",
            "out of range",
        ),
        ({"payload": {"__float__": "__import__('os')"}, "arrays": []}, b"", "bad float"),
    ],
)
def test_malformed_headers_raise_protocol_error(header, body, message):
    with pytest.raises(ProtocolError, match=message):
        read_message(frame(header, body), max_bytes=2**30)


def test_bad_header_bytes_raise_protocol_error():
    for raw in (b"\xff\xfe not json", b"{", b"[" * 100000 + b"]" * 100000, b"NaN"):
        with pytest.raises(ProtocolError):
            read_message(frame(raw))
    deep = b'{"payload": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5000 + b', "arrays": []}'
    try:  # json may parse this depth; then rebuilding the payload must not crash either
        read_message(frame(deep))
    except ProtocolError:
        pass


def test_huge_header_length_is_refused_without_reading_it():
    stream = frame(b"{}", length=protocol.HEADER_LIMIT + 1)
    with pytest.raises(ProtocolError, match="exceeds"):
        read_message(stream)
    assert stream.tell() == 8, "nothing beyond the length word may be read"


def test_truncated_frames_are_eof_not_garbage():
    buf = io.BytesIO()
    write_message(buf, {"t": torch.ones(100)})
    data = buf.getvalue()
    for cut in (0, 4, 8, 20, len(data) - 1):
        with pytest.raises(EOFError):
            read_message(io.BytesIO(data[:cut]))


def test_all_specs_are_checked_before_any_array_is_read():
    header = {
        "payload": 1,
        "arrays": [
            {"dtype": "uint8", "shape": [4], "nbytes": 4},
            {"dtype": "uint8", "shape": [2**31], "nbytes": 2**31},
        ],
    }
    stream = frame(header, b"\0" * 4)
    with pytest.raises(ProtocolError, match="more than"):
        read_message(stream, max_bytes=2**20)


def test_reading_never_unpickles(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the protocol unpickled something")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    evil = pickle.dumps({"x": 1})
    payload = {"t": torch.ones(3), "s": evil.decode("latin-1")}
    out = roundtrip(payload)
    assert out["s"] == evil.decode("latin-1") and isinstance(out["s"], str)
    # a pickle where a frame should be is just a malformed frame
    with pytest.raises((ProtocolError, EOFError)):
        read_message(io.BytesIO(struct.pack(">Q", len(evil)) + evil))


def test_a_large_declared_array_is_not_allocated_before_its_bytes_arrive():
    class Counting(io.BytesIO):
        biggest = 0

        def readinto(self, view):
            Counting.biggest = max(Counting.biggest, len(view))
            return super().readinto(view)

    header = {"payload": {"__array__": 0}, "arrays": [{"dtype": "uint8", "shape": [2**30], "nbytes": 2**30}]}
    stream = Counting(frame(header, b"\0" * 1000).getvalue())
    with pytest.raises(EOFError):
        read_message(stream, max_bytes=2**31)
    assert Counting.biggest <= protocol._CHUNK
