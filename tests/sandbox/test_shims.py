"""The worker's drift shims (grader/sandbox/shims.py, standins.py): each makes 2022 code run, and says so.

One worker with every shim on and one with none, on tests/sandbox/drift (a
method per drift). With the shim on, the call succeeds and the reply carries
exactly the shim's event; with it off, the call fails the way torch fails
today. Checkpoints are written into the private copy by a child process
(pickling the fixture's own class must not import it into the test process).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from sandbox_helpers import Session, copy_submission

from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.shims import ALL, COURSE_ARGV

DRIFT = Path(__file__).parent / "drift"

_WRITE_CHECKPOINTS = """
import sys
from unittest import mock
import torch, torch.serialization
sys.path.insert(0, ".")
import Miniproject_2.model as m
torch.save(m.Net(), "Miniproject_2/whole.pth")
with mock.patch.object(torch.serialization, "location_tag", lambda storage: "cuda:0"):
    torch.save([torch.arange(4.0)], "Miniproject_2/cuda.pth")
"""


@pytest.fixture(scope="module")
def drift_root(tmp_path_factory) -> Path:
    root = copy_submission(DRIFT, tmp_path_factory.mktemp("drift"))
    subprocess.run([sys.executable, "-c", _WRITE_CHECKPOINTS], cwd=root, check=True, capture_output=True)
    return root


def _session(root: Path, shims: tuple[str, ...]):
    s = Session(root, shims=shims)
    s.worker.start()
    return s


@pytest.fixture(scope="module")
def shimmed(drift_root):
    s = _session(drift_root, ALL)
    yield s
    s.close()


@pytest.fixture(scope="module")
def plain(drift_root):
    s = _session(drift_root, ())
    yield s
    s.close()


def _call(session: Session, method: str):
    """(value, shim events of that call)."""
    client = session.client
    before = len(client.shim_events)
    handle = client.new("Drift")["handle"]
    reply = client.call(handle, method, context=f"Drift.{method}", cast=False)
    return reply["value"], client.shim_events[before:]


def _shims(events: list[dict]) -> list[str]:
    return [e["shim"] for e in events]


def test_the_worker_reports_the_shims_it_installed(shimmed, plain):
    assert shimmed.worker.hello["shims"] == list(ALL)
    assert plain.worker.hello["shims"] == []


def test_a_cuda_checkpoint_loads_on_the_cpu_and_is_reported(shimmed, plain):
    value, events = _call(shimmed, "load_cuda")
    assert torch.equal(tensor_of(value), torch.arange(4.0))
    assert _shims(events) == ["cuda_checkpoint"]
    assert "cuda:0" in events[0]["note"] and events[0]["context"] == "Drift.load_cuda"
    with pytest.raises(StudentRaised, match="CUDA"):
        _call(plain, "load_cuda")


def test_a_whole_pickled_object_loads_with_weights_only_false_and_is_reported(shimmed, plain):
    for method in ("load_whole", "load_whole_from_file"):  # a path, and a file object rewound for the retry
        value, events = _call(shimmed, method)
        assert torch.equal(tensor_of(value), torch.ones(2, 2)), method
    _, events = _call(shimmed, "load_whole")
    assert events == [], "each distinct event is reported once per worker"
    with pytest.raises(StudentRaised, match="weights_only"):
        _call(plain, "load_whole")


def test_an_explicit_weights_only_stays_the_students_choice(shimmed):
    with pytest.raises(StudentRaised, match="Weights only load failed"):
        _call(shimmed, "load_whole_refused")


@pytest.mark.parametrize(
    "method, where",
    [
        ("scheduler_keyword", "StepLR"),
        ("scheduler_positional", "ReduceLROnPlateau"),
        ("scheduler_custom", "LRScheduler (through your Halving)"),
    ],
)
def test_schedulers_accept_the_removed_verbose_argument(shimmed, plain, method, where):
    _, events = _call(shimmed, method)
    assert _shims(events) == ["scheduler_verbose"]
    assert events[0]["note"] == f"accepted the removed `verbose` argument of {where}"
    with pytest.raises(StudentRaised, match="TypeError"):
        _call(plain, method)


def test_student_code_sees_the_course_command_line(shimmed, plain):
    value, events = _call(shimmed, "parse_command_line")
    assert value["value"] == 0.25
    assert _shims(events) == ["course_argv"] and str(COURSE_ARGV) in events[0]["note"]
    assert _call(shimmed, "argv_length")[0]["value"] == 1
    with pytest.raises(StudentRaised, match="SystemExit"):  # argparse meets the worker's own --rfd/--wfd
        _call(plain, "parse_command_line")


def test_torchvision_is_a_stand_in_that_fails_clearly_when_used(shimmed, plain):
    imported = [e for r in shimmed.import_replies for e in r["shims"]]
    assert {e["detail"]["name"] for e in imported} == {"torchvision", "torchvision.transforms"}
    assert all(e["shim"] == "standins" for e in imported)
    with pytest.raises(StudentRaised) as raised:
        _call(shimmed, "use_torchvision")
    assert raised.value.info["type"] == "PackageNotAvailable"
    message = raised.value.info["message"]
    assert "torchvision is not available in this grading environment" in message
    assert "--worker-python" in message and "--with torchvision" in message
    called = [e for e in shimmed.client.shim_events if (e.get("detail") or {}).get("called")]
    assert [e["detail"]["name"] for e in called] == ["torchvision.transforms.ToTensor"]
    with pytest.raises(StudentRaised, match="no torchvision"):  # shims off: the import failed, as today
        _call(plain, "use_torchvision")
