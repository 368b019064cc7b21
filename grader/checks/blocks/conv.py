"""blocks.Conv2d.*: torch.nn.Conv2d's arguments, forward, gradients, param(), init.

The configurations are chosen so that each classic mistake fails its own
check: swapped (out, in) arguments fail the basic case (5 ≠ 3 channels),
square-only code fails `tuple_kernel`, missing stride or padding support fail
`stride` / `padding`. Dilation is optional in the handout: a warning at most.
"""

from __future__ import annotations

from grader.checks.blocks import expected
from grader.checks.blocks.context import BlockContext, grade_block
from grader.checks.blocks.layer import LayerCase, case_check, core_checks, exercise, init_check, param_check
from grader.result import Check

BLOCK = "Conv2d"

BASIC = LayerCase("basic", (3, 5, 3), {}, (2, 3, 9, 11), (5, 3, 3, 3), expected.conv2d(), fan_in=27)
EXTRA = [
    (
        "tuple_kernel",
        LayerCase("tuple_kernel", (4, 2, (2, 3)), {}, (3, 4, 7, 10), (2, 4, 2, 3), expected.conv2d()),
        False,
    ),
    (
        "stride",
        LayerCase("stride", (3, 4, 3), {"stride": 2}, (1, 3, 11, 12), (4, 3, 3, 3), expected.conv2d(stride=2)),
        False,
    ),
    (
        "padding",
        LayerCase(
            "padding",
            (3, 4, 3),
            {"stride": 2, "padding": 1},
            (2, 3, 12, 10),
            (4, 3, 3, 3),
            expected.conv2d(stride=2, padding=1),
        ),
        False,
    ),
    (
        "dilation",
        LayerCase("dilation", (2, 3, 3), {"dilation": 2}, (1, 2, 9, 9), (3, 2, 3, 3), expected.conv2d(dilation=2)),
        True,
    ),
]
ASPECTS = [
    "forward",
    "backward_input",
    "backward_weight",
    "backward_bias",
    "accumulate",
    "param",
    "init",
    *[name for name, _, _ in EXTRA],
]


def checks(ctx: BlockContext) -> list[Check]:
    return grade_block(ctx, BLOCK, ASPECTS, _grade)


def _grade(ctx: BlockContext, cls: str) -> list[Check]:
    result: list[Check] = []
    run, exp = exercise(ctx, BLOCK, cls, BASIC)
    result += core_checks(BLOCK, run, exp, note=None)
    result.append(param_check(BLOCK, run, exp))
    result.append(init_check(BLOCK, run, exp, BASIC.fan_in))
    _explain_swapped(result, run)
    for aspect, case, optional in EXTRA:
        result.append(case_check(ctx, BLOCK, cls, aspect, case, optional=optional))
    return result


def _explain_swapped(result: list[Check], run) -> None:
    """Name the likely cause when the weight has torch's shape with in/out swapped."""
    attrs = (run.initial or {}).get("attrs", {})
    weight = attrs.get("weight")
    if weight is not None and list(weight.shape) == [3, 5, 3, 3]:
        for check in result:
            if check.status == "fail":
                check.message += " — Conv2d(3, 5, 3) built a weight of shape [3, 5, 3, 3]: in/out channels swapped?"
