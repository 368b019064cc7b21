"""Monkeypatching torch at import is reported as tampering, and through the public grader too."""

from __future__ import annotations

import pytest
from sandbox_helpers import TAMPER, Session, copy_submission


@pytest.fixture(scope="module")
def tampered(tmp_path_factory):
    s = Session(copy_submission(TAMPER, tmp_path_factory.mktemp("tamper")))
    s.worker.start()
    yield s
    s.close()


def test_replacing_torch_functions_at_import_is_in_the_import_trace(tampered):
    trace = tampered.import_replies[0]["trace"]
    found = {(t["context"], t["category"], t["name"], t["severity"]) for t in trace}
    assert ("import", "tampering", "torch.nn.functional.unfold replaced", "fail") in found
    assert ("import", "tampering", "torch.Tensor.matmul replaced", "fail") in found


def test_each_replacement_is_reported_once_and_later_calls_still_work(tampered):
    reply = tampered.worker.request({"op": "new", "cls": "Model", "context": "Model.__init__"}, 30)
    assert reply["ok"] and not any(t["category"] == "tampering" for t in reply["trace"])


def test_a_restarted_worker_reports_the_tampering_again(tampered):
    tampered.worker.close()
    tampered.worker.start()
    trace = tampered.import_replies[-1]["trace"]
    assert any(t["name"] == "torch.nn.functional.unfold replaced" for t in trace)
