"""Judge-side convenience over a Worker: create student objects, call them, read parameters.

Student exceptions come back as `StudentRaised` (the student's code failed: a
`fail` verdict); a dead or hung worker raises `WorkerFailure` (an `error`
verdict). Every reply's runtime trace is collected in `traces`.
"""

from __future__ import annotations

from typing import Any

from grader.sandbox.supervisor import Worker, WorkerFailure


def where_raised(info: dict) -> str:
    """' at <student file:line>' for an exception description; '' when no line of the submission raised it
    (the call the grader made, which the message names, raised it: never a grader file as the place)."""
    where = info.get("where") or []
    if not where:
        return ""
    if info.get("own", True):
        return f" at {where[-1]}"
    return f" in library code, {where[-1]} (no line of the submission on the way)"


class StudentRaised(Exception):
    """Student code raised an exception inside the worker."""

    def __init__(self, info: dict, during: str):
        self.info = info
        self.during = during
        super().__init__(f"{during}: {info.get('type', 'Error')}: {info.get('message', '')}{where_raised(info)}")


class Client:
    """Typed requests to one worker; `timeout` is the default per request (seconds)."""

    def __init__(self, worker: Worker, timeout: float = 60.0):
        self.worker = worker
        self.timeout = timeout
        self.traces: list[dict] = []
        self.shim_events: list[dict] = []  # what the drift shims did, each with the request it happened in

    def send(self, op: str, *, timeout: float | None = None, during: str | None = None, **fields) -> Any:
        reply = self.worker.request({"op": op, **encode_tuples(fields)}, timeout or self.timeout)
        self.traces.extend(reply.get("trace", []))
        context = fields.get("context") or op
        self.shim_events.extend({**event, "context": context} for event in reply.get("shims", []))
        if not reply.get("ok"):
            error = reply.get("error", {})
            if reply.get("student") is False:  # our request failed (e.g. a handle lost in a restart)
                raise WorkerFailure(
                    "internal",
                    f"{during or fields.get('context') or op}: grader request failed: "
                    f"{error.get('type')}: {error.get('message')}",
                    {"error": error},
                )
            raise StudentRaised(error, during or fields.get("context") or op)
        return reply.get("result")

    def new(self, cls: str, *args, context: str | None = None, **kwargs) -> dict:
        """Construct `cls(*args, **kwargs)` in the worker; returns {'handle', 'class'}."""
        return self.send("new", cls=cls, args=list(args), kwargs=kwargs, context=context or f"{cls}.__init__")

    def new_forms(self, cls: str, forms: list[dict], context: str | None = None) -> dict:
        """Construct with the first accepted form ({'name', 'args', 'kwargs'})."""
        return self.send("new_forms", cls=cls, forms=forms, context=context or f"{cls}.__init__")

    def call(
        self,
        handle: str,
        method: str,
        *args,
        context: str,
        cast: bool = True,
        return_args: bool = False,
        cwd: str | None = None,
        timeout: float | None = None,
        keep: bool = False,
        **kwargs,
    ) -> dict:
        """Call a method; returns {'value': exported value, 'seconds', ...} (and 'handle' of the value with `keep`)."""
        return self.send(
            "call",
            handle=handle,
            method=method,
            args=list(args),
            kwargs=kwargs,
            context=context,
            cast=cast,
            return_args=return_args,
            cwd=cwd,
            timeout=timeout,
            keep=keep,
        )

    def call_forms(self, handle: str, method: str, forms: list[dict], *, context: str, cast: bool = True) -> dict:
        return self.send("call_forms", handle=handle, method=method, forms=forms, context=context, cast=cast)

    def params(self, handle: str, *, context: str, tolerant: bool = False) -> dict:
        """The object's parameters (see ops.op_params); with `tolerant`, a param() that raises comes back as
        `error`/`raised` with the `.weight`/`.bias` attributes still read, instead of raising StudentRaised."""
        return self.send("params", handle=handle, context=context, tolerant=tolerant)

    def zero_grads(self, handle: str, *, context: str) -> dict:
        """Zero every gradient tensor the object exposes, in place (see ops.op_zero_grads)."""
        return self.send("zero_grads", handle=handle, context=context)

    def set(
        self,
        handle: str,
        value,
        *,
        role: str | None = None,
        index: int | None = None,
        what: str = "param",
        rebind: bool = False,
    ) -> dict:
        """Write `value` into a parameter or its gradient in place (`rebind`: a new `.grad` tensor instead)."""
        fields = {"role": role, "index": index, "what": what, "rebind": rebind}
        return self.send("set", handle=handle, value=value, context="set parameters", **fields)

    def describe(self, handle: str, probes=None, timeout: float | None = None) -> dict:
        """The stages of the Model's network, probed with `probes` (first: the size the network is graded at)."""
        return self.send("describe", handle=handle, probes=probes, context="Model.describe", timeout=timeout)

    def free(self, *handles: str) -> None:
        if self.worker.alive:
            self.send("free", handles=list(handles))


def encode_tuples(value):
    """Mark tuples so the worker rebuilds them (JSON only has lists; students test for tuples)."""
    if isinstance(value, tuple):
        return {"__tuple__": [encode_tuples(v) for v in value]}
    if isinstance(value, list):
        return [encode_tuples(v) for v in value]
    if isinstance(value, dict):
        return {k: encode_tuples(v) for k, v in value.items()}
    return value


def handle_ref(handle: str) -> dict:
    """An argument that the worker replaces by the object under `handle`."""
    return {"__handle__": handle}


def tensor_of(value: dict | None):
    """The tensor inside an exported return value (unwrapping a 1-tuple), or None."""
    if not value:
        return None
    if value.get("kind") == "tensor":
        return value["tensor"]
    if value.get("kind") in ("tuple", "list") and value.get("length") == 1:
        return tensor_of(value["items"][0])
    return None
