"""The rubric: lookups, patterns, alternatives, partial PSNR credit, required checks, bad files."""

from __future__ import annotations

import pytest

from grader.result import Check, Result
from grader.scoring import RubricError, load_rubric, score


def _result(*checks: Check) -> Result:
    return Result(submission="t", checks=list(checks))


def test_builtin_rubric_totals_100_for_one_upsampling_variant():
    from grader.checks.catalog import catalog

    rubric = load_rubric()
    ids = list(catalog())
    total = sum(rubric.lookup(i)[0] for i in ids if not i.startswith("blocks.TransposeConv2d."))
    assert total == pytest.approx(100.0)
    transpose = sum(rubric.lookup(i)[0] for i in ids if i.startswith("blocks.TransposeConv2d."))
    nearest = sum(rubric.lookup(i)[0] for i in ids if i.startswith("blocks.NearestUpsampling."))
    assert transpose == pytest.approx(nearest)  # both variants are worth the same


def test_exact_ids_win_over_patterns_and_unknown_ids_score_nothing():
    rubric = load_rubric()
    assert rubric.lookup("blocks.Sequential.param") == (2.0, False)
    assert rubric.lookup("blocks.ReLU.param") == (0.5, False)  # the pattern blocks.*.param
    assert rubric.lookup("nothing.like.this") == (0.0, False)


def test_statuses_map_to_points():
    rubric = load_rubric()
    r = score(
        _result(
            Check("blocks.ReLU.forward", "pass"),
            Check("blocks.ReLU.backward", "fail"),
            Check("blocks.Sigmoid.forward", "warn"),
            Check("blocks.Sigmoid.backward", "error"),
        ),
        rubric,
    )
    assert [c.score for c in r.checks] == [1.5, 0.0, 1.5, 0.0]
    assert r.max_score == 6.0 and r.score == 3.0
    assert {c.id for c in r.failed_required} == {"blocks.ReLU.backward", "blocks.Sigmoid.backward"}
    assert not r.passed_required


def test_not_applicable_checks_carry_no_points_and_never_fail_the_run():
    r = score(
        _result(Check("blocks.TransposeConv2d.forward", "skipped", details={"not_applicable": True})), load_rubric()
    )
    assert r.max_score == 0 and r.passed_required


def test_the_better_upsampling_variant_counts():
    r = score(
        _result(Check("blocks.NearestUpsampling.forward", "fail"), Check("blocks.TransposeConv2d.forward", "pass")),
        load_rubric(),
    )
    nearest, transpose = r.checks
    assert transpose.score == 2.5 and nearest.max_score == 0 and nearest.details["counted"] is False
    assert r.passed_required  # the uncounted variant's failure is not a required failure


@pytest.mark.parametrize("gain, fraction", [(-1.0, 0.0), (1.5, 0.5), (3.0, 1.0), (6.0, 1.0)])
def test_pretrained_psnr_points_grow_with_the_gain(gain, fraction):
    r = score(_result(Check("model.pretrained_psnr", "pass", details={"gain_db": gain})), load_rubric())
    assert r.checks[0].score == pytest.approx(8 * fraction)


def test_bad_rubrics_are_refused_with_the_reason(tmp_path):
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[checks\n")
    with pytest.raises(RubricError, match="not valid TOML"):
        load_rubric(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('[checks]\n"model.api" = 3\n')
    with pytest.raises(RubricError, match="must be a table"):
        load_rubric(wrong)
