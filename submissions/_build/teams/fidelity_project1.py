"""Mini-project 1 variants met in public 2022 repositories (docs/fidelity.md, "Mini-project 1").

Written in our own words from what the repositories do, never from their code.

- A torchvision augmentation used in train(): torchvision is a warning for
  project 1, the course's VM had it, and the grading environment holds only a
  stand-in. The training checks cannot judge such code here: they are errors
  (not charged, "regrade with a course environment"), not failures.
"""

from __future__ import annotations

from sample_team import Team

M = "model.py"
IMPORTS = "import torch\nfrom torch import nn\n"
BATCH = ("                x = train_input[idx].to(self.device).float() / 255\n"
         "                y = train_target[idx].to(self.device).float() / 255\n")

NET = "others/net.py"
FORWARD = "    def forward(self, x):\n        return x - self.body(x)\n"

TEAMS: list[Team] = [
    Team(
        name="team_mp1_torchvision_flips",
        summary="project 1 mirrors half of each training batch with torchvision's hflip (on the course's VM, not here)",
        folder="Proj_311242_312353",
        project=1,
        edits=[(M, IMPORTS, IMPORTS + "from torchvision.transforms import functional as vision\n"),
               (M, BATCH, BATCH +
                "                mirror = torch.rand(len(idx)) < 0.5  # the same pairs mirrored on both sides\n"
                "                x[mirror], y[mirror] = vision.hflip(x[mirror]), vision.hflip(y[mirror])\n")],
        expect={"mp1.rules.static_imports": "warn", "mp1.structure.import": "warn", "mp1.model.api": "pass",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.train_odd_n": "error",
                "mp1.model.train_time": "error", "mp1.model.trained_psnr": "skipped"},
        contains={"mp1.model.train_odd_n": "not a verdict on your code",
                  "mp1.model.train_time": "regrade with a course environment",
                  "mp1.rules.static_imports": "torchvision"},
        exit_code=2,
        details="Project 1 allows torchvision with a warning; the grading environment has only a stand-in that "
                "fails when called. The training checks are errors (left out of the score, result incomplete: "
                "regrade with --worker-python and a course environment), not a failure of the team's code.",
    ),
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
