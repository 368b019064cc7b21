"""Runtime trace of the torch functions student code calls (runs inside the worker).

A TorchFunctionMode sees every torch function, tensor method and
torch.nn.functional call made while it is active; calls made by torch itself
while running one of those are not seen, so only what the student wrote is
judged. Each call is classified once per function by the rules policy; the
trace keeps counts of the forbidden and autograd ones per context
("Conv2d.forward", "Model.train", ...).
"""

from __future__ import annotations

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
        # context -> "category:name" -> [count, severity, reason]
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
            if slot is None:
                self.findings[self.context][key] = [1, verdict.severity, verdict.reason]
            else:
                slot[0] += 1
        return func(*args, **kwargs)

    def record(self, category: str, name: str, severity: str, reason: str) -> None:
        """Add a finding made outside the mode (grad mode left on, tampering)."""
        key = f"{category}:{name}"
        slot = self.findings[self.context].setdefault(key, [0, severity, reason])
        slot[0] += 1

    def drain(self) -> list[dict]:
        """Return and clear the findings as plain data."""
        out = []
        for context, entries in self.findings.items():
            for key, (count, severity, reason) in entries.items():
                category, name = key.split(":", 1)
                out.append(
                    {
                        "context": context,
                        "category": category,
                        "name": name,
                        "count": count,
                        "severity": severity,
                        "reason": reason,
                    }
                )
        self.findings.clear()
        return out


def mode_active(tracer: Tracer) -> bool:
    """True when `tracer` is still on torch's function-mode stack."""
    try:
        from torch.overrides import _get_current_function_mode_stack

        return any(m is tracer for m in _get_current_function_mode_stack())
    except Exception:
        return True  # cannot tell on this torch version
