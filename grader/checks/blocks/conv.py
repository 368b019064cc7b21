"""blocks.Conv2d.*: torch.nn.Conv2d's arguments, forward, gradients, param(), init.

The configurations are chosen so that each classic mistake fails its own
check: swapped (out, in) arguments fail the basic case (5 ≠ 3 channels),
square-only code fails `tuple_kernel`, missing stride or padding support fail
`stride` / `padding`. Dilation is optional in the handout: a warning at most.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import NAME, BlockContext, grade_block
from grader.checks.blocks.layer import LAYER, LayerCase, case_check, core_checks, exercise, init_check, param_check
from grader.checks.declare import Block, aspect, family
from grader.result import Check, Status

CONV2D = Block(
    "Conv2d",
    aliases=("Conv2D", "Convolution2d", "Convolution2D", "Conv", "Convolution"),
    aspects=(
        NAME,
        aspect("forward", 2, LAYER["forward"], required=True),
        aspect("backward_input", 2, LAYER["backward_input"], required=True),
        aspect("backward_weight", 2, LAYER["backward_weight"], required=True),
        aspect("backward_bias", 1, LAYER["backward_bias"], required=True),
        aspect("accumulate", 1.5, LAYER["accumulate"]),
        aspect("param", 0.5, LAYER["param"]),
        aspect("init", 0.5, "initial weights within torch's default ±1/sqrt(fan_in) (warning only)", warn_only=True),
        aspect("tuple_kernel", 1.5, "Conv2d(4, 2, (2, 3)): a non-square kernel, forward and gradients"),
        aspect("stride", 1.5, "Conv2d(3, 4, 3, stride=2), batch 1, forward and gradients"),
        aspect("padding", 1, "Conv2d(3, 4, 3, stride=2, padding=1), forward and gradients"),
        aspect("dilation", 0, "Conv2d(2, 3, 3, dilation=2) (optional: warning at most)", warn_only=True),
    ),
)

BASIC = LayerCase("basic", (3, 5, 3), {}, (2, 3, 9, 11), (5, 3, 3, 3), expected.conv2d(), fan_in=27)
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


@family(CONV2D)
def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, CONV2D, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    result: list[Check] = []
    run, expectation = exercise(ctx, CONV2D, cls, BASIC)
    result += core_checks(CONV2D, run, expectation, note=None)
    result.append(param_check(CONV2D, run, expectation))
    result.append(init_check(CONV2D, run, expectation, BASIC.fan_in))
    _explain_swapped(result, run)
    result += [case_check(ctx, CONV2D, cls, case) for case in EXTRA]
    return result


def _explain_swapped(result: list[Check], run) -> None:
    """Name the likely cause when the weight has torch's shape with in/out swapped."""
    attrs = (run.initial or {}).get("attrs", {})
    weight = attrs.get("weight")
    if weight is not None and list(weight.shape) == [3, 5, 3, 3]:
        for check in result:
            if check.status == Status.FAIL:
                check.message += " — Conv2d(3, 5, 3) built a weight of shape [3, 5, 3, 3]: in/out channels swapped?"
