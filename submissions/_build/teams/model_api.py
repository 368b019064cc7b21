"""The Model API: predict's dtype, range and input, the default dtype, batches that do not divide n."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import M, PREDICT

TEAMS: list[Team] = [
    Team(
        name="team_uint8_output",
        summary="predict returns uint8 images",
        folder="Proj_302288_279915",
        edits=[(M, PREDICT, "        x = test_input.to(self.device).float() / 255\n"
                            "        return (self.net.forward(x) * 255).round().byte().to(test_input.device)\n")],
        expect={"model.predict_dtype": "warn", "model.predict_range": "pass", "model.predict_shape": "pass",
                "model.pretrained_psnr": "pass"},
        contains={"model.predict_dtype": "uint8"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_float64_default",
        summary="torch.set_default_dtype(torch.float64) at import; everything, predict included, in float64",
        folder="Proj_288321_300456",
        edits=[(M, "CHANNELS = 24\n", "torch.set_default_dtype(torch.float64)  # more precise gradients\n\nCHANNELS = 24\n"),
               (M, "float() / 255", "double() / 255")],
        expect={"rules.import_side_effects": "warn", "rules.static_imports": "pass", "model.predict_dtype": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"rules.import_side_effects": "float64"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_unit_range_output",
        summary="predict returns values in [0, 1] (forgot to multiply by 255)",
        folder="Proj_296610_285437",
        edits=[(M, PREDICT, "        x = test_input.to(self.device).float() / 255\n"
                            "        return self.net.forward(x).to(test_input.device)\n")],
        expect={"model.predict_range": "fail", "model.predict_shape": "pass", "model.pretrained_psnr": "fail"},
        contains={"model.predict_range": "0–1"},
        exit_code=1,
    ),
    Team(
        name="team_predict_inplace",
        summary="predict divides its input by 255 in place (and so fails on uint8 input)",
        folder="Proj_283390_297002",
        edits=[(M, PREDICT, "        x = test_input.to(self.device)\n"
                            "        x /= 255\n"
                            "        return (self.net.forward(x.float()) * 255).to(test_input.device)\n")],
        expect={"model.predict_input_unchanged": "fail", "model.predict_uint8": "warn", "model.predict_shape": "pass",
                "model.pretrained_psnr": "pass"},
        exit_code=0, score_min=80,
    ),
    Team(
        name="team_batch_remainder",
        summary="train crashes unless the number of pairs is a multiple of the batch size (50)",
        folder="Proj_291234_300001",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 50\n"),
               (M, "                x = train_input[idx].to(self.device).float() / 255\n"
                   "                y = train_target[idx].to(self.device).float() / 255\n",
                "                x = train_input[idx].to(self.device).float().view(self.batch_size, 3, 32, 32) / 255\n"
                "                y = train_target[idx].to(self.device).float().view(self.batch_size, 3, 32, 32) / 255\n")],
        expect={"model.train_odd_n": "fail", "model.train_time": "pass", "model.pretrained_psnr": "pass"},
        exit_code=0, score_min=85,
        details="Graded on 300 training pairs (a multiple of 50), so only the 37-pair check reveals the bug.",
    ),
    # -------------------------------------------------------------- code that does not run
]
