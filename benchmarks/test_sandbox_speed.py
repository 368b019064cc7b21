"""Round trip of one sandbox request, against a plain pipe echo measured in the same process.

Run: make bench (or python -m pytest benchmarks/test_sandbox_speed.py --benchmark-only -p no:xdist)
The worker start (torch import, jail) is paid once per module, outside the timings.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys

import pytest
import torch

from grader.sandbox.client import Client, tensor_of
from grader.sandbox.supervisor import Worker

ECHO = (
    "import os\nwhile True:\n    data = os.read(0, 1 << 20)\n    if not data:\n        break\n    os.write(1, data)\n"
)
SMALL = b"x" * 200  # about the size of a small request frame


@pytest.fixture(scope="module")
def echo():
    proc = subprocess.Popen([sys.executable, "-I", "-c", ECHO], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    yield proc
    proc.stdin.close()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    package = root / "Miniproject_2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "model.py").write_text("class Echo:\n    def forward(self, x):\n        return x\n")
    worker = Worker(root)
    c = Client(worker, timeout=60)
    worker.on_start.append(lambda w: c.send("import", root=w.submission_root, context="import"))
    worker.start()
    yield c
    worker.close()


def _echo_once(proc, data: bytes) -> None:
    """Send `data` through the echo child and read it all back (interleaved: pipes hold only 64 KiB)."""
    out, back = proc.stdin.fileno(), proc.stdout.fileno()
    view, got = memoryview(data), 0
    while got < len(data):
        ready_r, ready_w, _ = select.select([back], [out] if view else [], [])
        if ready_w:
            view = view[os.write(out, view[:65536]) :]
        if ready_r:
            got += len(os.read(back, 1 << 20))


@pytest.mark.benchmark(group="small round trip")
def test_pipe_echo_baseline(benchmark, echo):
    benchmark(_echo_once, echo, SMALL)


@pytest.mark.benchmark(group="small round trip")
def test_worker_request_round_trip(benchmark, client):
    benchmark(client.worker.request, {"op": "free", "handles": []}, 10)


@pytest.mark.benchmark(group="small round trip")
def test_worker_call_with_small_tensor(benchmark, client):
    handle = client.new("Echo")["handle"]
    x = torch.randn(2, 3, 8, 8)
    out = benchmark(client.call, handle, "forward", x, context="Echo.forward")
    assert torch.equal(tensor_of(out["value"]), x)


@pytest.mark.benchmark(group="validation batch (1000x3x32x32 float32, both ways)")
def test_pipe_echo_baseline_batch(benchmark, echo):
    data = torch.randn(1000, 3, 32, 32).numpy().tobytes()
    benchmark(_echo_once, echo, data)


@pytest.mark.benchmark(group="validation batch (1000x3x32x32 float32, both ways)")
def test_worker_call_with_validation_batch(benchmark, client):
    handle = client.new("Echo")["handle"]
    x = torch.randn(1000, 3, 32, 32)
    out = benchmark(client.call, handle, "forward", x, context="Echo.forward", cast=False)
    assert torch.equal(tensor_of(out["value"]), x)
