"""Mini-project 1 variants met in public 2022 repositories (docs/fidelity.md, "Mini-project 1").

Written in our own words from what the repositories do, never from their code.

- A network that pools and upsamples back (most U-Nets of 2022) takes only
  image sides its poolings divide: predict crashes on 45×38 and works on
  64×96 (and on the course's own 512×512). model.predict_other_size still
  fails (issue 14: predict must take any size), and names that cause.
- predict stretching its output to the batch's own minimum and maximum: an
  image's result depends on the other images of the batch. A 0-point warning
  (model.predict_float) that names the batch, not the dtype, as the cause.

(A torchvision augmentation used in train() is drift_project1's
team_mp1_torchvision_in_train.)
"""

from __future__ import annotations

from sample_team import Team

M = "model.py"
NET = "others/net.py"
FORWARD = "    def forward(self, x):\n        return x - self.body(x)\n"

TEAMS: list[Team] = [
    Team(
        name="team_mp1_pooled_noise",
        summary="project 1 estimates the noise per 2×2 block (average pooling, then nearest upsampling back): "
                "predict works on even sides only",
        folder="Proj_311243_312354",
        project=1,
        edits=[(NET, FORWARD,
                "    def forward(self, x):\n"
                "        # one noise estimate per 2x2 block, spread back over its four pixels\n"
                "        blocks = nn.functional.avg_pool2d(self.body(x), 2)\n"
                "        return x - nn.functional.interpolate(blocks, scale_factor=2, mode=\"nearest\")\n")],
        expect={"mp1.model.predict_shape": "pass", "mp1.model.predict_range": "pass",
                "mp1.model.predict_uint8": "pass", "mp1.model.predict_other_size": "fail"},
        contains={"mp1.model.predict_other_size": "works on a 64×96 input"},
        exit_code=0,
        details="A crash on 45×38 that a 64×96 input does not hit: the sizes the network's poolings divide are the "
                "limit, and the message says so and how to lift it (pad in predict, crop the output).",
    ),
    Team(
        name="team_mp1_batch_stretch",
        summary="project 1's predict stretches its output to the batch's own minimum and maximum (0 and 255)",
        folder="Proj_311244_312355",
        project=1,
        edits=[(M, "            out = self.net(x).clamp(0, 1) * 255\n",
                "            out = self.net(x)\n"
                "            out = (out - out.min()) / (out.max() - out.min()) * 255  # use the full range\n")],
        expect={"mp1.model.predict_shape": "pass", "mp1.model.predict_range": "pass",
                "mp1.model.predict_float": "warn", "mp1.model.predict_uint8": "pass"},
        contains={"mp1.model.predict_float": "depends on the other images in the batch"},
        exit_code=0,
        details="Not a dtype slip: the same four images give the same output as uint8 or float when they are "
                "alone in the batch; the 16-image float call stretched them differently.",
    ),
]
