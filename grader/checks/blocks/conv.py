"""blocks.Conv2d.*: torch.nn.Conv2d's arguments, forward, gradients, param(), init.

The configurations are chosen so that each classic mistake fails its own
check: square-only code fails `tuple_kernel`, missing stride or padding support
fail `stride` / `padding`, a positional order other than torch's (padding
before stride, bias fourth) fails `positional`, sizes cached at the first call
fail `other_size`. A Conv2d built with (out, in) channels is one slip, not ten:
every configuration is then run again with the channels in the student's order,
and a check that passes that way fails with the diagnosed cause
(`conv2d.channels_swapped`, charged once by the rubric's policy) while a check
that still fails keeps its own verdict. Dilation, tuple stride/padding and
`bias=False` are optional in the handout: a warning at most.
"""

from __future__ import annotations

import dataclasses

from grader.checks.blocks import expected
from grader.checks.blocks.context import NAME, BlockContext, grade_block, not_applicable
from grader.checks.blocks.layer import (
    LAYER,
    LayerCase,
    basic_checks,
    case_check,
    exercise,
    init_check,
    other_size_check,
    param_check,
)
from grader.checks.declare import Block, aspect, family
from grader.result import Check, Status
from grader.sandbox.client import StudentRaised

CONV2D = Block(
    "Conv2d",
    aliases=("Conv2D", "Convolution2d", "Convolution2D", "Conv", "Convolution"),
    aspects=(
        NAME,
        aspect("forward", 2, LAYER["forward"], required=True),
        aspect("backward_input", 2, LAYER["backward_input"], required=True),
        aspect("backward_weight", 2, LAYER["backward_weight"], required=True, square_after="backward_input"),
        aspect("backward_bias", 1, LAYER["backward_bias"], required=True, square_after="backward_input"),
        aspect("accumulate", 1.5, LAYER["accumulate"], square_after="backward_input"),
        aspect("param", 0.5, LAYER["param"]),
        aspect("init", 0.5, "initial weights within torch's default ±1/sqrt(fan_in) (warning only)", warn_only=True),
        aspect("tuple_kernel", 1.5, "Conv2d(4, 2, (2, 3)): a non-square kernel, forward and gradients"),
        aspect("stride", 1.5, "Conv2d(3, 4, 3, stride=2), batch 1, forward and gradients"),
        aspect("padding", 1, "Conv2d(3, 4, 3, stride=2, padding=1), forward and gradients"),
        aspect("dilation", 0, "Conv2d(2, 3, 3, dilation=2) (optional: warning at most)", warn_only=True),
        # 0 points: the rubric's total is pinned at 100; a real defect still fails (rubric.toml may give points)
        aspect(
            "positional",
            0,
            "Conv2d(3, 4, 3, 2, 1) with torch's positional order (stride, then padding), forward and gradients",
        ),
        aspect("other_size", 0, "the same Conv2d object on an input of another size (nothing cached at first)"),
        aspect(
            "tuple_stride",
            0,
            "Conv2d(3, 4, 3, stride=(2, 1), padding=(1, 0)) (optional: warning at most)",
            warn_only=True,
        ),
        aspect(
            "no_bias",
            0,
            "Conv2d(3, 4, 3, bias=False) when the constructor takes `bias` (optional: warning)",
            warn_only=True,
        ),
    ),
)

BASIC = LayerCase("basic", (3, 5, 3), {}, (2, 3, 9, 11), (5, 3, 3, 3), expected.conv2d(), fan_in=27)
OTHER_SIZE = (1, 3, 6, 8)  # after BASIC's (2, 3, 9, 11)
# one check each, named after the configuration
EXTRA = [
    LayerCase("tuple_kernel", (4, 2, (2, 3)), {}, (3, 4, 7, 10), (2, 4, 2, 3), expected.conv2d()),
    LayerCase("stride", (3, 4, 3), {"stride": 2}, (1, 3, 11, 12), (4, 3, 3, 3), expected.conv2d(stride=2)),
    LayerCase(
        "padding",
        (3, 4, 3),
        {"stride": 2, "padding": 1},
        (2, 3, 12, 10),
        (4, 3, 3, 3),
        expected.conv2d(stride=2, padding=1),
    ),
    LayerCase(
        "dilation", (2, 3, 3), {"dilation": 2}, (1, 2, 9, 9), (3, 2, 3, 3), expected.conv2d(dilation=2), optional=True
    ),
]
POSITIONAL = LayerCase(
    "positional", (3, 4, 3, 2, 1), {}, (2, 3, 12, 10), (4, 3, 3, 3), expected.conv2d(stride=2, padding=1)
)
TUPLE_STRIDE = LayerCase(
    "tuple_stride",
    (3, 4, 3),
    {"stride": (2, 1), "padding": (1, 0)},
    (2, 3, 9, 8),
    (4, 3, 3, 3),
    expected.conv2d(stride=(2, 1), padding=(1, 0)),
    optional=True,
)
NO_BIAS = LayerCase(
    "no_bias",
    (3, 4, 3),
    {"bias": False},
    (2, 3, 7, 8),
    (4, 3, 3, 3),
    expected.conv2d_no_bias(),
    optional=True,
    bias=False,
)
SWAPPED = {
    "cause": "conv2d.channels_swapped",
    "cause_text": "Conv2d takes (out_channels, in_channels, ...) where torch takes (in_channels, out_channels, ...)",
}
# checks that do not depend on the order of the channel arguments: graded on the student's order as they are
_ORDER_FREE = ("param", "init", "dilation", "tuple_stride", "no_bias")


@family(CONV2D)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, CONV2D, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    run, expectation = exercise(ctx, CONV2D, cls, BASIC)
    found = _swapped(run)
    if found is not None:
        return _swapped_checks(ctx, cls, found)
    return _checks(ctx, cls, run, expectation, swap=False)


def _checks(ctx: BlockContext, cls: str, run, expectation, *, swap: bool) -> list[Check]:
    """Every Conv2d check; `swap` builds each configuration as Conv2d(out, in, ...)."""
    basic = _swap(BASIC) if swap else BASIC
    result: list[Check] = []
    result += basic_checks(ctx, CONV2D, cls, basic, run, expectation)
    result.append(param_check(CONV2D, run, expectation))
    result.append(init_check(CONV2D, run, expectation, BASIC.fan_in))
    result += [case_check(ctx, CONV2D, cls, _swap(case) if swap else case) for case in EXTRA]
    result.append(_positional_check(ctx, cls, swap))
    result.append(other_size_check(ctx, CONV2D, run, basic, OTHER_SIZE))
    result.append(case_check(ctx, CONV2D, cls, _swap(TUPLE_STRIDE) if swap else TUPLE_STRIDE))
    result.append(_no_bias_check(ctx, cls, swap))
    return result


def _swapped(run) -> list[int] | None:
    """The weight shape when Conv2d(3, 5, 3) built (3, 5, 3, 3): the constructor takes (out, in); else None."""
    weight = (run.initial or {}).get("attrs", {}).get("weight")
    shapes = [list(p["param"].shape) for p in (run.initial or {}).get("pairs", []) if p.get("param") is not None]
    if weight is not None:
        return [3, 5, 3, 3] if list(weight.shape) == [3, 5, 3, 3] else None
    return [3, 5, 3, 3] if [3, 5, 3, 3] in shapes and [5, 3, 3, 3] not in shapes else None


def _swap(case: LayerCase) -> LayerCase:
    args = (case.args[1], case.args[0], *case.args[2:])
    return dataclasses.replace(case, args=args)


def _swapped_checks(ctx: BlockContext, cls: str, found: list[int]) -> list[Check]:
    """Grade the Conv2d built the student's way; a check that passes so fails with the diagnosed cause."""
    run, expectation = exercise(ctx, CONV2D, cls, _swap(BASIC))
    why = (
        f"Conv2d(3, 5, 3) builds a weight of shape {found}: in/out channels swapped (torch's order is "
        "Conv2d(in_channels, out_channels, kernel_size, ...))"
    )
    checks = _checks(ctx, cls, run, expectation, swap=True)
    for check in checks:
        aspect = check.id.rsplit(".", 1)[1]
        if aspect in _ORDER_FREE or check.status == Status.SKIPPED:
            continue
        if check.status in (Status.PASS, Status.WARN):
            check.details["swapped_channels"] = check.message
            check.status = Status.FAIL
            check.message = f"{why}; built as Conv2d(out, in, ...), the way your code expects, it {check.message}"
            check.details.update(SWAPPED)
        elif check.status == Status.FAIL:
            check.message += " (built as Conv2d(out, in, ...), the way your code expects)"
    return checks


def _positional_check(ctx: BlockContext, cls: str, swap: bool) -> Check:
    """Conv2d(3, 4, 3, 2, 1): torch's positional order. A constructor without stride/padding is not applicable."""
    case = _swap(POSITIONAL) if swap else POSITIONAL
    params = _signature(ctx, cls)
    names = [p["name"] for p in params or [] if p["kind"] in ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")]
    names = names[1:] if names and names[0] == "self" else names
    if params is not None and not {"stride", "padding"} & {p["name"] for p in params}:
        return not_applicable(CONV2D, ["positional"], "the constructor takes no stride or padding (optional)")[0]
    check = case_check(ctx, CONV2D, cls, case)
    if check.status != Status.FAIL:
        return check
    bound = names[3:5]
    if len(bound) == 2 and bound != ["stride", "padding"]:
        check.message += (
            f" — your constructor's 4th and 5th parameters are `{bound[0]}` and `{bound[1]}`, torch's are "
            "`stride` and `padding`: a call written for torch.nn.Conv2d builds another layer"
        )
        check.details["positional_order"] = names
    elif isinstance(check.details.get("exception"), dict) and check.details["exception"].get("type") == "TypeError":
        check.status = Status.WARN
        check.message = f"stride and padding are not accepted positionally (torch's are): {check.message}"
    return check


def _no_bias_check(ctx: BlockContext, cls: str, swap: bool) -> Check:
    params = _signature(ctx, cls)
    if params is not None and not any(p["name"] == "bias" for p in params):
        return not_applicable(CONV2D, ["no_bias"], "the constructor has no `bias` argument (optional)")[0]
    return case_check(ctx, CONV2D, cls, _swap(NO_BIAS) if swap else NO_BIAS)


def _signature(ctx: BlockContext, cls: str) -> list[dict] | None:
    try:
        return ctx.client.send("signature", cls=cls).get("params")
    except StudentRaised:
        return None
