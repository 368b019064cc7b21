"""Drift shims in the judge: each event becomes a note on the check it saved; the rubric decides what it costs."""

from __future__ import annotations

import pytest

from grader.checks.shims import attach_shim_events, check_for, no_verdict_without
from grader.result import Check, Result, Status
from grader.sandbox.shims import ALL
from grader.scoring import RubricError, load_rubric, parse_shims, score

CUDA = {"shim": "cuda_checkpoint", "note": "loaded a CUDA checkpoint on CPU", "context": "Model.load_pretrained_model"}
VERBOSE = {"shim": "scheduler_verbose", "note": "accepted the removed `verbose`", "context": "Model.__init__"}


def _result() -> Result:
    return Result(
        submission="t",
        checks=[
            Check("model.api", Status.PASS, "Model() built"),
            Check("model.load_pretrained", Status.PASS, "bestmodel.pth loaded"),
            Check("model.train_time", Status.PASS, "epoch within budget"),
        ],
    )


def test_each_shim_is_a_note_on_the_check_it_saved_and_a_warning():
    result = _result()
    used = attach_shim_events(result, [CUDA, VERBOSE, {**CUDA, "note": "a second event of the same shim"}])
    assert used == {"cuda_checkpoint": CUDA["note"], "scheduler_verbose": VERBOSE["note"]}
    load, api, train = (result.check(i) for i in ("model.load_pretrained", "model.api", "model.train_time"))
    assert load.status == api.status == Status.WARN and train.status == Status.PASS
    assert load.message == "bestmodel.pth loaded; loaded a CUDA checkpoint on CPU"
    assert load.details["shims"] == [{"shim": "cuda_checkpoint", "note": CUDA["note"]}]
    assert "second event" not in load.message  # one note per shim


def test_events_with_no_check_go_to_the_result_and_unknown_shims_are_ignored():
    result = _result()
    attach_shim_events(
        result,
        [
            {"shim": "course_argv", "note": "ran with sys.argv", "context": "Block.forward"},
            {"shim": "made_up", "note": "a forged event", "context": "Model.__init__"},
            {"shim": "weights_only", "note": 42, "context": "Model.__init__"},
        ],
    )
    assert result.notes == ["shim course_argv: ran with sys.argv"]
    assert all(c.status == Status.PASS for c in result.checks)
    assert check_for("import") == "structure.import" and check_for("Model.predict") == "model.predict_shape"
    assert check_for("Model.train") == "model.train_odd_n"  # train() is first called there


def test_by_default_a_shim_costs_nothing(rubric_of):
    result = _result()
    attach_shim_events(result, [CUDA])
    score(result, load_rubric())
    assert result.score == result.max_score > 0
    strict = rubric_of("[scoring]\nwarn_factor = 0.5\n")  # an ordinary warning's cost does not apply
    score(result, strict)
    assert result.score == result.max_score


def test_the_rubric_sets_what_a_shim_costs_for_all_or_per_shim(rubric_of):
    result = _result()
    attach_shim_events(result, [CUDA, VERBOSE])
    score(result, rubric_of("[shims]\nkeep = 0.5\ncuda_checkpoint = 0.0\n"))
    load, api, train = (result.check(i) for i in ("model.load_pretrained", "model.api", "model.train_time"))
    assert load.score == 0 < load.max_score
    assert api.score == pytest.approx(api.max_score * 0.5)
    assert train.score == train.max_score


@pytest.mark.parametrize(
    "text, message",
    [
        ("[shims]\nnot_a_shim = 0.5\n", "not a shim"),
        ("[shims]\nkeep = 2\n", "between 0 and 1"),
        ("[shims]\nkeep = true\n", "between 0 and 1"),
        ("[worker]\nshims = ['cuda_checkpoint', 'nope']\n", "nope: not a shim"),
        ("[worker]\npyhton = 'env'\n", r"\[worker\] takes python"),
    ],
)
def test_a_bad_shim_or_worker_table_is_refused_clearly(rubric_of, text, message):
    with pytest.raises(RubricError, match=message):
        rubric_of(text)


def test_the_worker_table_names_an_environment_beside_the_rubric_and_the_shims_on(rubric_of, tmp_path):
    rubric = rubric_of("[worker]\npython = 'course-env'\nshims = ['weights_only']\n")
    assert rubric.worker_python == str(tmp_path / "course-env")
    assert rubric.worker_shims == ("weights_only",)
    assert load_rubric().worker_python is None and load_rubric().worker_shims is None  # all on by default


def test_shim_lists_parse_from_the_command_line_forms():
    assert parse_shims("all") == ALL and parse_shims("none") == ()
    assert parse_shims("cuda_checkpoint, standins") == ("cuda_checkpoint", "standins")
    with pytest.raises(ValueError, match="not a shim"):
        parse_shims("cuda")


def _standin_failure(check_id: str, package: str = "torchvision") -> Check:
    message = f"{package}.transforms.functional.hflip: {package} is not available in this grading environment"
    return Check(
        check_id,
        Status.FAIL,
        f"train() failed: PackageNotAvailable: {message}",
        details={"exception": {"type": "PackageNotAvailable", "message": message, "where": []}},
    )


CALLED = {
    "shim": "standins",
    "note": "called a stand-in",
    "detail": {"name": "torchvision.transforms.functional.hflip", "called": True},
}


def test_a_stand_in_call_of_a_package_the_project_allows_is_no_verdict_on_the_code():
    checks = [_standin_failure("model.train_odd_n"), _standin_failure("model.train_time")]
    assert no_verdict_without(checks, {"torchvision"}, [CALLED]) == ["model.train_odd_n", "model.train_time"]
    assert all(c.status == Status.ERROR and c.details["environment_lacks"] == "torchvision" for c in checks)
    assert "regrade with a course environment" in checks[0].message


@pytest.mark.parametrize(
    "allowed, events, check",
    [
        (set(), [CALLED], _standin_failure("model.train_time")),  # forbidden (project 2, or the rubric says fail)
        ({"torchvision"}, [], _standin_failure("model.train_time")),  # the worker reported no call of a stand-in
        ({"torchvision"}, [CALLED], _standin_failure("model.train_time", "tqdm")),  # another package
        (
            {"torchvision"},
            [CALLED],
            Check(
                "model.train_time",
                Status.FAIL,
                "ValueError",
                details={"exception": {"type": "ValueError", "message": "torchvision: bad shape"}},
            ),
        ),  # the code's own error
    ],
)
def test_other_failures_stand(allowed, events, check):
    assert no_verdict_without([check], allowed, events) == [] and check.status == Status.FAIL
