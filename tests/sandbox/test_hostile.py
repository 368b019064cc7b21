"""Student code attacking the worker's protocol, its output and the values it returns.

Every attack may cost the request in flight (an `error` verdict) but never
the grader: the judge does not hang, does not accept a forged reply, and the
next request is served by a healthy worker.
"""

from __future__ import annotations

import math
import time

import pytest
import torch
from sandbox_helpers import leftovers

from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.supervisor import WorkerFailure


def healthy(session) -> None:
    assert session.call("spin", 0)["value"]["value"] == 1.0


# -- the pipes ---------------------------------------------------------------------
def test_a_blind_forged_reply_is_refused(session):
    with pytest.raises(WorkerFailure) as info:
        session.call("forge_blind")
    assert info.value.reason == "protocol" and "request in flight" in info.value.message
    healthy(session)


def test_a_forged_reply_with_a_stolen_id_cannot_desynchronise_later_requests(session):
    # Student code owns the worker process and can read the id off its stack, so the forged
    # reply is taken for its own request (as if the method had returned 42). The real reply
    # that follows must then be refused, never passed off as the answer to the next request.
    handle = session.hostile()
    forged = session.client.call(handle, "forge_stolen_id", context="forge")
    assert forged["value"]["value"] == 42.0
    with pytest.raises(WorkerFailure) as info:
        session.client.call(handle, "spin", 0, context="after the forgery")
    assert info.value.reason == "protocol"
    healthy(session)


def test_garbage_on_the_reply_pipe_is_a_protocol_error(session):
    with pytest.raises(WorkerFailure) as info:
        session.call("garbage_to_pipe")
    assert info.value.reason == "protocol"
    healthy(session)


@pytest.mark.parametrize("method", ["close_pipes", "dup2_pipes"])
def test_closing_or_replacing_the_pipes_fails_fast(session, method):
    began = time.monotonic()
    with pytest.raises(WorkerFailure) as info:
        session.call(method, timeout=30)
    assert time.monotonic() - began < 10, "the judge waited for the timeout instead of noticing"
    assert info.value.reason == "protocol", info.value.to_dict()
    healthy(session)


def test_a_child_holding_the_pipes_does_not_hang_the_judge(session):
    session.hostile()
    uid, pid = session.worker.uid, session.worker.proc.pid
    began = time.monotonic()
    with pytest.raises(WorkerFailure) as info:
        session.call("child_holds_pipes_then_exit", 5, timeout=60)
    assert time.monotonic() - began < 10, "the judge waited on a pipe the orphan kept open"
    assert info.value.reason == "exited" and info.value.detail["exit_code"] == 5
    assert leftovers(uid=uid, sid=pid) == []
    healthy(session)


# -- output -----------------------------------------------------------------------
def test_replacing_or_closing_stdout_is_harmless(session):
    handle = session.hostile()
    starts = session.worker.starts
    session.client.call(handle, "replace_stdout", context="stdout")
    session.client.call(handle, "close_stdout", context="stdout")
    assert session.client.call(handle, "spin", 0, context="after")["value"]["value"] == 1.0
    assert session.worker.starts == starts


def test_binary_garbage_and_terminal_escapes_are_neutralised_in_messages(session):
    session.worker.close()  # a worker whose stdout no earlier test closed
    handle = session.hostile()
    session.client.call(handle, "garbage", context="garbage")
    with pytest.raises(WorkerFailure) as info:
        session.client.call(handle, "exit", 9, context="exit")
    tail = info.value.detail["output_tail"]
    assert "binary" in tail and "red" in tail
    assert not any(c in tail for c in "\x1b\x07\x00\u202e"), repr(tail)


# -- leftovers between requests ------------------------------------------------------
def test_background_threads_and_processes_are_reported(session):
    handle = session.hostile()
    session.client.traces.clear()
    session.client.call(handle, "leave_thread", context="Model.train")
    session.client.call(handle, "leave_process", context="Model.train")
    names = {(t["category"], t["name"], t["severity"]) for t in session.client.traces}
    assert ("tampering", "background thread", "warn") in names
    if session.worker.protections().get("proc_private"):
        assert ("tampering", "background process", "warn") in names
    healthy(session)


def test_a_slow_del_costs_only_its_request(session):
    with pytest.raises(WorkerFailure) as info:
        session.call("slow_del", timeout=2)
    assert info.value.reason == "timeout"
    healthy(session)


# -- exceptions ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "kind, type_name",
    [("rebel", "Rebel"), ("keyboard", "KeyboardInterrupt"), ("exit", "SystemExit"), ("generator", "GeneratorExit")],
)
def test_base_exceptions_are_the_students_errors(session, kind, type_name):
    handle = session.hostile()
    starts = session.worker.starts
    with pytest.raises(StudentRaised) as info:
        session.client.call(handle, "raise_base", kind, context="raise")
    assert info.value.info["type"] == type_name
    assert any("model.py" in w for w in info.value.info["where"])
    assert session.worker.starts == starts


def test_an_exception_that_cannot_be_printed_is_still_reported(session):
    with pytest.raises(StudentRaised) as info:
        session.call("raise_unprintable")
    assert info.value.info["type"] == "UnprintableError" and "unprintable" in info.value.info["message"]


# -- strange return values ------------------------------------------------------------
def test_containers_and_objects_with_exploding_methods_are_read_safely(session):
    value = session.call("exploding_list")["value"]
    assert value["kind"] == "list" and value["length"] == 1 and value["type"] == "ExplodingList"
    assert torch.equal(tensor_of(value["items"][0]), torch.ones(2))
    assert session.call("exploding_object")["value"] == {"kind": "object", "type": "ExplodingObject"}


def test_a_tensor_subclass_never_runs_its_code_while_sent(session):
    value = session.call("sneaky_tensor")["value"]
    out = tensor_of(value)
    assert type(out) is torch.Tensor and torch.equal(out, torch.arange(4.0))


@pytest.mark.parametrize("method, words", [("crazy_strides", "MiB"), ("meta", "meta device")])
def test_unsendable_tensors_are_the_students_errors(session, method, words):
    handle = session.hostile()
    starts = session.worker.starts
    with pytest.raises(StudentRaised) as info:
        session.client.call(handle, method, context=method)
    assert info.value.info["type"] == "UnsendableValue" and words in info.value.info["message"]
    assert session.worker.starts == starts


def test_odd_but_sendable_values_arrive_intact(session):
    assert torch.equal(tensor_of(session.call("overlapping")["value"]), torch.arange(3.0).expand(4, 3))
    assert torch.equal(tensor_of(session.call("sparse")["value"]), torch.eye(3))
    items = session.call("odd_dtypes")["value"]["items"]
    assert items[0]["dtype"] == "complex64" and tensor_of(items[0]).tolist() == [1.0]
    assert tensor_of(items[1]).dtype == torch.bfloat16 and tensor_of(items[2]).shape == ()
    assert tensor_of(items[3]).shape == (0, 3)
    assert math.isnan(session.call("nan")["value"]["value"])


@pytest.mark.parametrize("method", ["deep", "self_loop"])
def test_recursive_values_do_not_break_the_worker(session, method):
    value = session.call(method)["value"]
    assert value["kind"] == "list"
    healthy(session)


# -- the trace ---------------------------------------------------------------------
def test_removing_the_tracer_is_reported(session):
    handle = session.hostile()
    session.client.traces.clear()
    session.client.call(handle, "pop_mode", torch.ones(2), context="Conv2d.forward")
    names = {(t["category"], t["name"]) for t in session.client.traces}
    assert ("tampering", "trace removed") in names
    session.client.traces.clear()  # the next call is traced again
    session.client.call(handle, "forbidden", torch.ones(2), context="ReLU.forward")
    assert any(t["name"] == "torch.sigmoid" for t in session.client.traces)


def test_re_enabling_grad_mode_is_reported_as_autograd(session):
    handle = session.hostile()
    session.client.traces.clear()
    reply = session.worker.request(
        {"op": "call", "handle": handle, "method": "enable_grad", "args": [torch.ones(2)], "context": "Model.train"}, 30
    )
    assert reply["ok"] and reply["grad_enabled"] is False, "the worker must switch it back off"
    assert any(t["category"] == "autograd" and t["context"] == "Model.train" for t in reply["trace"])
