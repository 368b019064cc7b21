"""Blocks whose backward works on square inputs only: the crash is one defect, charged once.

The course's images are square, so a backward written for square inputs trains
well; the grader's basic configurations are not square, and the crash fails the
input-gradient check. The gradients the same backward leaves in the parameters
are then graded on a square input (same sizes otherwise), with a message saying
so, instead of following from the crash (yhangchen's upsampling in
docs/fidelity.md; team_backward_square_only in proportion.py is the Conv2d case).
"""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B

UPSAMPLING_BACKWARD = "        return grad.view(n, c, h // s, s, w // s, s).sum((3, 5))\n"
SQUARE_MESSAGE = "graded on a square input: the non-square one crashed, charged in blocks.NearestUpsampling.backward_input"

TEAMS: list[Team] = [
    Team(
        name="team_upsampling_square_backward",
        summary="NearestUpsampling.backward takes the input's side from the gradient's height: non-square inputs crash",
        folder="Proj_309214_297706",
        edits=[(B, UPSAMPLING_BACKWARD,
                "        side = h // s  # the training patches are square: one side for both axes\n"
                "        return grad.reshape(n, c, side, s, side, s).sum((3, 5))\n")],
        # the crash fails backward_input; the convolution inside the upsampling is right, so its gradients pass
        # on a square input and keep their points
        expect={"blocks.NearestUpsampling.forward": "pass", "blocks.NearestUpsampling.backward_input": "fail",
                "blocks.NearestUpsampling.backward_weight": "pass", "blocks.NearestUpsampling.backward_bias": "pass",
                "blocks.NearestUpsampling.accumulate": "pass", "blocks.NearestUpsampling.param": "pass",
                "blocks.Conv2d.backward_input": "pass", "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"blocks.NearestUpsampling.backward_input": "at Miniproject_2/others/blocks.py",
                  "blocks.NearestUpsampling.backward_weight": SQUARE_MESSAGE,
                  "blocks.NearestUpsampling.backward_bias": SQUARE_MESSAGE,
                  "blocks.NearestUpsampling.accumulate": SQUARE_MESSAGE},
        exit_code=1, score_min=90,
    ),
]
