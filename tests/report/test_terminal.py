"""The terminal view fits the terminal's width and keeps every word of every message."""

from __future__ import annotations

import re

import pytest

from grader.report import terminal
from grader.result import Check

from .conftest import build_result

# a message longer than any line, each word numbered so a dropped one is noticed; ends with the hint
LONG = " ".join(f"w{i:02d}" for i in range(60)) + " in/out channels swapped?"


def _result():
    result = build_result(conv_ok=False, message_extra=" " + LONG)
    result.checks.append(Check("blocks.Sigmoid.backward_input", "fail", LONG, required=True, max_score=1.5))
    result.notes.append("note " + LONG)
    return result


@pytest.mark.parametrize("width", [80, 200])
def test_every_word_kept_and_no_line_wider_than_the_terminal(width):
    text = terminal.render(_result(), width=width)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    words = text.split()
    for check_message in (LONG, "note " + LONG):
        tokens = check_message.split()
        # the message's words appear, in order, as consecutive tokens somewhere in the report
        assert any(words[i : i + len(tokens)] == tokens for i in range(len(words))), check_message
    assert len(re.findall(r"in/out\s+channels\s+swapped\?", text)) == 3


@pytest.mark.parametrize("width", [80, 200])
def test_table_rows_do_not_wrap(width):
    """A check's flag, id and points stay on one line, whatever the width."""
    result = _result()
    lines = terminal.render(result, width=width).splitlines()
    for check in (c for c in result.checks if not c.details.get("not_applicable")):
        row = [line for line in lines if re.search(rf"\s{re.escape(check.id)}(\s|$)", line)]
        assert len(row) == 1, check.id
        assert row[0].split()[0].rstrip("*") in terminal.SYMBOL.values()


def test_wide_terminal_puts_messages_beside_rows_and_narrow_one_under_them():
    result = _result()
    wide = terminal.render(result, width=200).splitlines()
    narrow = terminal.render(result, width=80).splitlines()
    assert any("blocks.Sigmoid.backward_input" in line and "w00" in line for line in wide)
    assert not any("blocks.Sigmoid.backward_input" in line and "w00" in line for line in narrow)
    assert len(narrow) > len(wide)


def test_width_comes_from_columns(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert terminal.terminal_width() == 200
    assert max(len(line) for line in terminal.render(_result()).splitlines()) > 80
    monkeypatch.setenv("COLUMNS", "80")
    assert max(len(line) for line in terminal.render(_result()).splitlines()) <= 80


def test_a_family_with_only_not_applicable_checks_prints_no_empty_table():
    """`--project 2` keeps project 1's checks as not applicable: no "Mini-project 1: model: 0/0" header."""
    result = build_result()
    result.checks.append(Check("mp1.model.api", "skipped", "not graded (--project 2)", {"not_applicable": True}))
    text = terminal.render(result, width=100)
    assert "Mini-project 1" not in text
    assert "Mini-project 1" in terminal.render(result, width=100, verbose=True)  # verbose lists everything
