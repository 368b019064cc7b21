"""A new check is declared once, next to the code that runs it: the toy family below is all it takes.

Declared here and added to the block families, it shows up in `grade checks`,
among the JSON schema's check ids, and in a grade of the reference with the
points it declares; nothing else (rubric, catalog, schema file) is edited.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from grader.checks import blocks
from grader.checks.blocks.activations import RELU
from grader.checks.blocks.context import BlockContext, from_comparisons
from grader.checks.compare import compare
from grader.checks.declare import Block, aspect, family
from grader.cli import main
from grader.grade import grade_submission
from grader.report import schema
from grader.result import Check
from grader.sandbox.client import tensor_of
from grader.scoring import load_rubric

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl"

# ---- the whole toy check: its declaration and the code that runs it
TOY = Block("Toy", aliases=(), aspects=(aspect("relu_zero", 1.25, "ReLU maps zeros to zeros (a toy check)"),))


@family(TOY)
def toy_checks(ctx: BlockContext) -> list[Check]:
    cls, _ = ctx.resolve(RELU)
    handle = ctx.client.new(cls, context="ReLU.__init__")["handle"]
    zeros = torch.zeros(1, 3, 4, 4)
    out = tensor_of(ctx.client.call(handle, "forward", zeros, context="ReLU.forward")["value"])
    return [from_comparisons(TOY.id("relu_zero"), [compare(out, zeros, what="ReLU of zeros")])]


# ---- end of the toy check


@pytest.fixture
def with_toy(monkeypatch):
    monkeypatch.setattr(blocks, "FAMILIES", (*blocks.FAMILIES, toy_checks))


def test_grade_checks_lists_it_with_its_declared_points(with_toy):
    rows = json.loads(CliRunner().invoke(main, ["checks", "--format", "json"]).output)
    ids = [row["id"] for row in rows]
    toy = rows[ids.index("blocks.Toy.relu_zero")]
    assert toy == {
        "id": "blocks.Toy.relu_zero",
        "points": 1.25,
        "required": False,
        "description": "ReLU maps zeros to zeros (a toy check)",
        "warn_only": False,
    }
    assert ids[ids.index("blocks.Toy.relu_zero") - 1] == "blocks.Sequential.param"  # after the other blocks
    text = CliRunner().invoke(main, ["checks"]).output
    assert "blocks.Toy.relu_zero" in text and "ReLU maps zeros to zeros" in text


def test_the_json_schema_accepts_its_id_and_only_declared_ones(with_toy):
    result = {
        "submission": "t",
        "source": "",
        "scipers": [],
        "score": 0,
        "max_score": 0,
        "psnr": {},
        "timing": {},
        "environment": {},
        "protections": {},
        "notes": [],
        "checks": [
            {
                "id": "blocks.Toy.relu_zero",
                "status": "pass",
                "message": "",
                "details": {},
                "score": 0,
                "max_score": 0,
                "required": False,
            }
        ],
    }
    assert schema.errors(result) == []
    result["checks"][0]["id"] = "blocks.Toy.undeclared"
    assert schema.errors(result) != []


def test_a_grade_runs_and_scores_it(with_toy, small_data, fast_options):
    result = grade_submission(REFERENCE, replace(fast_options, train=False, projects=(2,)), data=small_data)
    toy = result.check("blocks.Toy.relu_zero")
    assert toy is not None and toy.status == "pass" and toy.score == toy.max_score == 1.25
    assert schema.errors(result.to_dict()) == []
    # the reference's usual total, less what train=False leaves out of the maximum, plus the toy
    not_requested = [c for c in result.checks if c.details.get("not_requested")]
    assert {c.id for c in not_requested} == {"model.train_time", "model.trained_psnr"}
    left_out = sum(load_rubric().lookup(c.id)[0] for c in not_requested)
    assert result.max_score == pytest.approx(100 - left_out + 1.25)
