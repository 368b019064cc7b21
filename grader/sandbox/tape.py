"""Tape-style blocks: a backward that returns nothing and pushes dL/dx to the input's producer (runs inside the worker).

Some submissions build a small autograd of their own: `forward` tags its output
with a link to the block (`out.creator = self`) and bookkeeping such as
`out.input_index`; `backward(grad)` reads those tags from the gradient, adds the
parameter gradients, returns None and calls `x.creator.backward(dl_dx)` on the
input it saved. The handout's interface is "backward returns dL/dx", so the
judge would see None. This module meets that design halfway, without knowing
its names: after a forward whose output holds an attribute that *is* the block
(the link), the judge's inputs get a `Capture` under that attribute name and the
next backward's gradient gets the output's other simple tags; what the block
pushes into a Capture is its input gradient. Blocks that do not tag their output
are untouched. The judge decides what to charge for the interface (once).
"""

from __future__ import annotations

import torch

_SIMPLE = (int, float, str, bool)


class Capture:
    """Stands in for the producer of a tensor the judge passed: keeps what a tape-style backward sends it."""

    def __init__(self):
        self.received = None

    def backward(self, *args, **kwargs):
        if self.received is None and args and isinstance(args[0], torch.Tensor):
            self.received = args[0]

    __call__ = backward


def _tags(tensor) -> dict:
    try:
        found = vars(tensor)
    except TypeError:
        return {}
    return dict(found) if isinstance(found, dict) else {}


def _simple(value) -> bool:
    return isinstance(value, _SIMPLE) or (isinstance(value, tuple) and all(isinstance(v, _SIMPLE) for v in value))


class Tape:
    """What the worker knows about tape-style blocks: the link's name, and per object its last forward."""

    def __init__(self):
        self.link: str | None = None  # the attribute name a forward output uses to point at its block
        self.last: dict[str, dict] = {}  # handle -> {"captures", "tags"}

    def before_forward(self, args: list) -> None:
        """Once the link is known, every tensor the judge passes gets a Capture as its producer."""
        if self.link:
            for a in args:
                self._attach(a)

    def after_forward(self, handle: str, obj, args: list, value) -> None:
        """Learn the link from an output that points at its block (or, once known, at any block: a Sequential's
        output points at its last one); remember the tags for the next backward."""
        tags = _tags(value) if isinstance(value, torch.Tensor) else {}
        link = next((name for name, v in tags.items() if v is obj), None)
        if link is None and self.link in tags:  # a container whose output points at its last block
            link = self.link
        if link is None:
            self.last.pop(handle, None)
            return
        self.link = self.link or link
        for a in args:
            self._attach(a)
        self.last[handle] = {
            "captures": [getattr(a, self.link, None) for a in args if isinstance(a, torch.Tensor)],
            "tags": {name: v for name, v in tags.items() if name != link and _simple(v)},
        }

    def before_backward(self, handle: str, args: list) -> bool:
        """Tag the incoming gradient like the output it belongs to; True when the object is tape-style."""
        state = self.last.get(handle)
        if state is None:
            return False
        for a in args:
            if isinstance(a, torch.Tensor):
                for name, v in state["tags"].items():
                    try:
                        setattr(a, name, v)
                    except Exception:
                        pass
                break
        return True

    def captured(self, handle: str):
        """(argument index, tensor) of what the last backward pushed to the judge's inputs, or None."""
        state = self.last.get(handle)
        for i, capture in enumerate((state or {}).get("captures", [])):
            if isinstance(capture, Capture) and capture.received is not None:
                return i, capture.received
        return None

    def _attach(self, tensor) -> None:
        if isinstance(tensor, torch.Tensor) and not isinstance(getattr(tensor, self.link, None), Capture):
            try:
                setattr(tensor, self.link, Capture())
            except Exception:
                pass
