"""The rubric: lookups, patterns, alternatives, partial PSNR credit, required checks, bad files."""

from __future__ import annotations

import pytest

from grader.result import Check, Result
from grader.scoring import RubricError, load_rubric, score


def _result(*checks: Check) -> Result:
    return Result(submission="t", checks=list(checks))


def test_builtin_rubric_totals_100_per_project_for_one_upsampling_variant():
    from grader.checks.catalog import catalog
    from grader.projects import MP1, MP2

    rubric = load_rubric()
    ids = list(catalog())
    total = sum(rubric.lookup(i)[0] for i in ids if MP2.owns(i) and not i.startswith("blocks.TransposeConv2d."))
    assert total == pytest.approx(100.0)
    assert sum(rubric.lookup(i)[0] for i in ids if MP1.owns(i)) == pytest.approx(100.0)
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
    # the error is the grader's: left out of the total, and the result asks for a regrade (issue 14 item 7)
    assert [c.max_score for c in r.checks] == [1.5, 1.5, 1.5, 0.0]
    assert r.max_score == 4.5 and r.score == 3.0
    assert {c.id for c in r.failed_required} == {"blocks.ReLU.backward", "blocks.Sigmoid.backward"}
    assert not r.passed_required
    assert [c.id for c in r.incomplete] == ["blocks.Sigmoid.backward"]
    assert r.notes[0].startswith("incomplete: regrade") and "1.5 points are left out" in r.notes[0]
    assert len([n for n in score(r, rubric).notes if n.startswith("incomplete")]) == 1  # said once


def test_checks_switched_off_by_an_option_leave_the_maximum_and_say_so():
    """--no-train is no verdict on training: 91/91 with a note, not 91/100 (a student would read a loss)."""
    rubric = load_rubric()
    off = {"not_requested": "--no-train"}
    r = score(
        _result(
            Check("blocks.ReLU.forward", "pass"),
            Check("model.train_time", "skipped", "training not requested", dict(off)),
            Check("model.trained_psnr", "skipped", "training not requested", dict(off)),
        ),
        rubric,
    )
    left_out = rubric.lookup("model.train_time")[0] + rubric.lookup("model.trained_psnr")[0]
    assert left_out > 0 and r.max_score == r.score == 1.5
    assert r.incomplete == [] and r.passed_required
    notes = [n for n in score(r, rubric).notes if n.startswith("not graded on request")]
    assert len(notes) == 1 and "--no-train" in notes[0] and f"{left_out:g} points" in notes[0]
    # a skip that follows from a failure still counts (the proportion policy), an unrequested one never
    follow = score(_result(Check("model.trained_psnr", "skipped", details={"because": "model.train_time"})), rubric)
    assert follow.max_score > 0


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


def test_proportion_defaults_are_documented_in_the_builtin_rubric():
    from importlib import resources

    rubric = load_rubric()
    text = resources.files("grader").joinpath("rubric.toml").read_text()
    assert (rubric.proportion.void, rubric.proportion.same_cause, rubric.proportion.follow_on) == ("own_job", 0, 1)
    for line in ('void = "own_job"', "same_cause = 0.0", "follow_on = 1.0"):
        assert line in text
    assert '[proportion]\nvoid = "own_job"' in rubric.to_toml()


def test_a_cause_is_charged_once_by_default_and_as_the_rubric_says(rubric_of):
    def graded(rubric):
        return score(
            _result(
                Check("blocks.Conv2d.forward", "fail", details={"cause": "conv2d.channels_swapped"}),
                Check(
                    "blocks.Conv2d.backward_input",
                    "fail",
                    details={"cause": "conv2d.channels_swapped", "same_cause_as": "blocks.Conv2d.forward"},
                ),
            ),
            rubric,
        )

    once = graded(load_rubric())
    assert [c.score for c in once.checks] == [0.0, 2.0] and once.max_score == 4.0
    every = graded(rubric_of("[proportion]\nsame_cause = 1.0\n"))
    assert [c.score for c in every.checks] == [0.0, 0.0]
    half = graded(rubric_of("[proportion]\nsame_cause = 0.25\n"))
    assert half.checks[1].score == 1.5


def test_follow_ons_lose_their_points_through_the_cause_unless_the_rubric_leaves_them_out(rubric_of):
    checks = [
        Check("structure.import", "fail"),
        Check("blocks.ReLU.forward", "skipped", details={"because": "structure.import"}),
        Check("model.api", "skipped", details={"because": "structure.import"}),
    ]
    lost = score(_result(*[Check(c.id, c.status, details=dict(c.details)) for c in checks]), load_rubric())
    assert lost.score == 0 and lost.max_score == 4.5  # as if they had failed: a model.py that does not import
    assert [c.id for c in lost.failed_required] == ["structure.import"]  # one failure shown, not three
    out = score(_result(*checks), rubric_of("[proportion]\nfollow_on = 0\n"))
    assert out.max_score == 0


def test_a_required_check_skipped_because_of_an_optional_failure_still_fails_the_run():
    r = score(
        _result(
            Check("model.train_odd_n", "fail"),
            Check("model.train_time", "skipped", details={"because": "model.train_odd_n"}),
        ),
        load_rubric(),
    )
    assert [c.id for c in r.failed_required] == ["model.train_time"]


def test_what_follows_from_a_grader_error_is_left_out_too():
    r = score(
        _result(
            Check("model.train_time", "error", details={"machine_busy": {"others_load": 7.0, "threads": 1}}),
            Check("model.trained_psnr", "skipped", details={"because": "model.train_time"}),
            Check("model.api", "pass"),
        ),
        load_rubric(),
    )
    assert r.max_score == 3.0 and r.score == 3.0
    assert "9 points are left out" in r.notes[0] and "quiet cores" in r.notes[0]


@pytest.mark.parametrize(
    "text, problem",
    [
        ('[proportion]\nvoid = "some"\n', "void must be one of own_job, any, none"),
        ("[proportion]\nsame_cause = 2\n", "same_cause must be a number from 0 to 1"),
        ('[proportion]\nfollow_on = "all"\n', "follow_on must be a number from 0 to 1"),
        ("[proportion]\nvoids = 1\n", "unexpected keyword"),
    ],
)
def test_bad_proportion_settings_are_refused(rubric_of, text, problem):
    with pytest.raises(RubricError, match=problem):
        rubric_of(text)
