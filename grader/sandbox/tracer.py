"""Runtime trace of the torch functions student code calls (runs inside the worker).

A TorchFunctionMode sees every torch function, tensor method and
torch.nn.functional call made while it is active; calls made by torch itself
while running one of those are not seen, so only what the student wrote is
judged. Each call is classified once per function by the rules policy; the
trace keeps counts of the forbidden and autograd ones per context
("Conv2d.forward", "Model.train", ...).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict

from torch.overrides import TorchFunctionMode

from grader.rules.policy import classify_runtime_call


class Tracer(TorchFunctionMode):
    """Records forbidden torch calls per context; never changes what a call returns."""

    def __init__(self):
        super().__init__()
        # bound now, before any student code runs: patching the module later cannot blind the trace
        self._classify = classify_runtime_call
        self.context = "import"
        self.root: str | None = None  # the submission's folder: frames below it are the student's
        # context -> "category:name" -> [count, severity, reason, where]
        self.findings: dict[str, dict[str, list]] = defaultdict(dict)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        try:
            verdict = self._classify(func, args, kwargs)
        except Exception:  # classification must never break the student's call
            verdict = None
        if verdict is not None:
            key = f"{verdict.category}:{verdict.name}"
            slot = self.findings[self.context].get(key)
            if slot is None:  # the first time only: where in the student's code the call was made
                self.findings[self.context][key] = [1, verdict.severity, verdict.reason, self._student_line()]
            else:
                slot[0] += 1
        return func(*args, **kwargs)

    def _student_line(self) -> str | None:
        """'others/blocks.py:12' for the innermost frame of the submission's code on the stack, if any."""
        root = self.root
        if not root:
            return None
        try:
            frame = sys._getframe(2)
            while frame is not None:
                filename = frame.f_code.co_filename
                if filename.startswith(root + os.sep):
                    return f"{os.path.relpath(filename, root)}:{frame.f_lineno}"
                frame = frame.f_back
        except Exception:  # a best-effort location must never break the student's call
            pass
        return None

    def record(self, category: str, name: str, severity: str, reason: str) -> None:
        """Add a finding made outside the mode (grad mode left on, tampering)."""
        key = f"{category}:{name}"
        slot = self.findings[self.context].setdefault(key, [0, severity, reason, None])
        slot[0] += 1

    def drain(self) -> list[dict]:
        """Return and clear the findings as plain data."""
        out = []
        for context, entries in self.findings.items():
            for key, (count, severity, reason, where) in entries.items():
                category, name = key.split(":", 1)
                entry = {
                    "context": context,
                    "category": category,
                    "name": name,
                    "count": count,
                    "severity": severity,
                    "reason": reason,
                }
                if where:
                    entry["where"] = where
                out.append(entry)
        self.findings.clear()
        return out


def mode_active(tracer: Tracer) -> bool:
    """True when `tracer` is still on torch's function-mode stack."""
    try:
        from torch.overrides import _get_current_function_mode_stack

        return any(m is tracer for m in _get_current_function_mode_stack())
    except Exception:
        return True  # cannot tell on this torch version
