"""Building the student's Sequential in either call form (grader/checks/blocks/own.build_sequential)."""

from __future__ import annotations

import pytest

from grader.checks.blocks.own import build_sequential
from grader.sandbox.client import StudentRaised


class FakeClient:
    """`new` accepts only the forms listed in `accepts` ("args" for Sequential(m1, m2), "list" for a list)."""

    def __init__(self, accepts: set[str]):
        self.accepts, self.calls = accepts, []

    def new(self, cls, *args, context=None):
        form = "list" if len(args) == 1 and isinstance(args[0], list) else "args"
        self.calls.append(form)
        if form not in self.accepts:
            raise StudentRaised({"type": "TypeError", "message": f"no {form} form"}, context)
        return {"handle": f"{cls}-{form}"}


def test_torch_form_first_without_a_note():
    client = FakeClient({"args", "list"})
    assert build_sequential(client, "Sequential", ["a", "b"], StudentRaised) == ("Sequential-args", None)
    assert client.calls == ["args"]


def test_a_list_form_is_built_with_a_note():
    client = FakeClient({"list"})
    handle, note = build_sequential(client, "Sequential", ["a", "b"], StudentRaised)
    assert handle == "Sequential-list" and "Sequential([m1, m2, ...])" in note


def test_when_both_forms_fail_the_first_error_is_raised():
    with pytest.raises(StudentRaised, match="no args form"):
        build_sequential(FakeClient(set()), "Sequential", ["a", "b"], StudentRaised)
