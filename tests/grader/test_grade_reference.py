"""Grading the reference implementation: every check emitted, every block passes, JSON complete,
and no clean validation image ever crosses into the worker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from grader.checks.catalog import catalog
from grader.grade import grade_submission
from grader.result import Result
from grader.sandbox import supervisor

REFERENCE = Path(__file__).resolve().parents[2] / "reference_impl"


@pytest.fixture(scope="module")
def graded(small_data, fast_options, monkeypatch_module):
    """The reference graded on small data, with every request to the worker recorded."""
    sent = []
    original = supervisor.Worker._exchange

    def spy(self, payload, timeout, *, what):
        sent.append(payload)
        return original(self, payload, timeout, what=what)

    monkeypatch_module.setattr(supervisor.Worker, "_exchange", spy)
    result = grade_submission(REFERENCE, fast_options, data=small_data)
    return result, sent


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_emits_exactly_the_catalogued_checks(graded):
    result, _ = graded
    assert sorted(c.id for c in result.checks) == sorted(catalog())


def test_every_block_check_passes(graded):
    result, _ = graded
    bad = [
        (c.id, c.status, c.message)
        for c in result.checks
        if c.family == "blocks" and c.status not in ("pass",) and not c.details.get("not_applicable")
    ]
    assert bad == []


def test_rules_and_model_api_pass(graded):
    result, _ = graded
    for check_id in (
        "rules.static_imports",
        "rules.runtime_forbidden",
        "rules.autograd",
        "rules.tampering",
        "rules.runtime_tampering",
        "structure.import",
        "model.api",
        "model.architecture",
        "model.predict_shape",
        "model.predict_range",
        "model.train_odd_n",
        "model.train_time",
    ):
        assert result.check(check_id).status == "pass", (check_id, result.check(check_id).message)


def test_block_details_carry_errors_and_tolerances(graded):
    result, _ = graded
    forward = result.check("blocks.Conv2d.forward")
    comparison = forward.details["comparisons"][0]
    assert comparison["dtype"] == "float32"
    assert 0 <= comparison["max_abs_err"] <= comparison["tolerance"]
    assert comparison["max_rel_err"] < 1e-5  # float32 unfold/matmul code: ~1e-7


def test_json_is_complete_and_round_trips(graded):
    result, _ = graded
    data = json.loads(result.to_json())
    for key in ("submission", "score", "max_score", "checks", "psnr", "timing", "environment", "protections"):
        assert key in data
    for check in data["checks"]:
        assert set(check) >= {"id", "status", "score", "max_score", "message", "details"}
    assert data["psnr"]["noisy_input"] == pytest.approx(result.psnr["noisy_input"])
    assert data["environment"]["submission_hash"] and data["environment"]["data_id"]
    again = Result.from_dict(data)
    assert again.to_dict() == data


def test_the_worker_never_receives_a_clean_image(graded, small_data):
    _, sent = graded
    clean = small_data.val_target.to(torch.float64).flatten(1)
    tensors = []

    def collect(value):
        if isinstance(value, torch.Tensor):
            tensors.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)

    for payload in sent:
        collect(payload)
    assert tensors, "the spy saw no tensors at all"
    for t in tensors:
        if t.dim() == 4 and t.shape[1:] == small_data.val_target.shape[1:]:
            flat = t.to(torch.float64).flatten(1)
            # no image sent equals any clean validation image
            matches = (flat[:, None, :] - clean[None, :, :]).abs().amax(dim=2) == 0
            assert not bool(matches.any())


def test_protections_are_reported(graded):
    result, _ = graded
    p = result.protections
    assert p["clean_images_sent"] is False
    assert "namespaces" in p and "limits" in p


def test_a_second_grading_trains_the_same_model(graded, small_data, fast_options):
    """The worker seeds torch and random from the grading seed before Model() and train(): same epoch, same PSNR."""
    first, _ = graded
    second = grade_submission(REFERENCE, fast_options, data=small_data)
    assert first.psnr["trained"] is not None
    assert second.psnr["trained"] == first.psnr["trained"]
    assert second.psnr["untrained"] == first.psnr["untrained"]
    details = second.check("model.train_time").details
    assert details["seed"] == fast_options.seed and "torch" in details["seeded"]
