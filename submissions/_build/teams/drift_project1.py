"""2022 project-1 code on today's torch: the drifts of drift.py, in torch.nn models (project 1's template).

project1.py already holds the CUDA checkpoint (team_mp1_cuda_checkpoint) and
the whole pickled model (team_mp1_pickled_model); these add the other drifts
of issue 15 for project 1: a ReduceLROnPlateau built with the `verbose`
argument torch removed, torchvision imported at module level for a flip
augmentation (switched off, then used in every training batch), and a
checkpoint path relative to the folder above the team folder. The code of
each drift comes from drift.py's DRIFTS where the two projects share it.

Each ran on the course's VM. The grader must run it, say which shim it needed
on the check that needed it and charge nothing for that by default, while
project 1's rules judge the import: torchvision is a warning there (a
separate package, not PyTorch), not a failure as in project 2.
"""

from __future__ import annotations

from sample_team import Team
from teams.drift import DRIFTS, augment_helper, parent_cwd_load
from teams.project1 import IMPORTS, LOAD, M, STEP

PARENT_CWD_FOLDER = "Proj_311244_312355"
SCHEDULER = ("        # halve the rate when the epoch's loss stops improving\n"
             "        self.scheduler = ReduceLROnPlateau(self.optimizer, mode=\"min\", factor=0.5, patience=2, "
             "verbose=True)\n")
BATCH_TARGET = "                y = train_target[idx].to(self.device).float() / 255\n"


def torchvision_edits(augment: bool) -> list[tuple[str, str, str]]:
    """torchvision imported at module level for a flip augmentation of the training pairs, on or off."""
    return [(M, IMPORTS, IMPORTS + DRIFTS["torchvision_import"]),
            (M, "LEARNING_RATE = 2e-3\n",
             f"LEARNING_RATE = 2e-3\nAUGMENT = {augment}\n" + augment_helper("torch.rand(x.shape[0])")),
            (M, BATCH_TARGET, BATCH_TARGET + "                if AUGMENT:\n                    x, y = augment(x, y)\n")]


TEAMS: list[Team] = [
    Team(
        name="team_mp1_scheduler_verbose",
        summary="project 1's Model() builds ReduceLROnPlateau(..., verbose=True): torch has since removed `verbose`",
        folder="Proj_311242_312353",
        project=1,
        edits=[(M, IMPORTS, IMPORTS + "from torch.optim.lr_scheduler import ReduceLROnPlateau\n"),
               (M, "        self.batch_size = 16\n", "        self.batch_size = 16\n" + SCHEDULER),
               (M, "            order = torch.randperm(n)\n",
                "            order = torch.randperm(n)\n            epoch_loss = 0.0\n"),
               (M, STEP, STEP + "                epoch_loss += loss.item() * len(idx)\n"
                                "            self.scheduler.step(epoch_loss / n)\n")],
        expect={"mp1.model.api": "warn", "mp1.model.load_pretrained": "pass", "mp1.model.pretrained_psnr": "pass",
                "mp1.model.train_odd_n": "pass", "mp1.model.train_time": "pass", "mp1.rules.static_imports": "pass"},
        contains={"mp1.model.api": "`verbose` argument of ReduceLROnPlateau"},
        exit_code=0, score_min=85,
        details="Without the shim, Model() raises TypeError (unexpected keyword argument 'verbose') and nothing "
                "else can run; torch.optim is allowed in project 1, so only the shim's note remains, at no cost.",
    ),
    Team(
        name="team_mp1_torchvision_import",
        summary="project 1 imports torchvision.transforms.functional for a flip augmentation that is switched off",
        folder="Proj_311243_312354",
        project=1,
        edits=torchvision_edits(augment=False),
        expect={"mp1.structure.import": "warn", "mp1.rules.static_imports": "warn", "mp1.model.api": "pass",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass"},
        contains={"mp1.structure.import": "torchvision.transforms.functional",
                  "mp1.rules.static_imports": "torchvision is a separate package"},
        exit_code=0, score_min=85,
        details="torchvision is not in the grader's environment: a stand-in lets the import succeed and the result "
                "names what was taken from it; project 1's rules warn about torchvision (not PyTorch) by default.",
    ),
    Team(
        name="team_mp1_torchvision_in_train",
        summary="project 1's train() flips every batch with torchvision, which this grading environment lacks",
        folder="Proj_311246_312357",
        project=1,
        edits=torchvision_edits(augment=True),
        expect={"mp1.structure.import": "warn", "mp1.rules.static_imports": "warn", "mp1.model.api": "pass",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.train_odd_n": "error",
                "mp1.model.train_time": "error", "mp1.model.trained_psnr": "skipped"},
        contains={"mp1.model.train_odd_n": "not available in this grading environment",
                  "mp1.model.train_time": "no verdict: this project allows torchvision",
                  "mp1.structure.import": "calling torchvision.transforms.functional.hflip failed"},
        exit_code=2,
        details="Project 1 allowed torchvision (a warning), and the course's VM had it: a training that needs it "
                "says nothing about the code when the grading environment lacks it. No verdict (error), and the "
                "result asks for a regrade with a course environment (grade env create DIR --torch 2.14.1 --with "
                "torchvision, then --worker-python DIR). In project 2, where torchvision is forbidden, the same "
                "failure is the code's (team_torchvision_in_train).",
    ),
    Team(
        name="team_mp1_parent_cwd_checkpoint",
        summary="project 1's bestmodel.pth is opened as ./Proj_.../Miniproject_1/bestmodel.pth (the course's "
                "working directory)",
        folder=PARENT_CWD_FOLDER,
        project=1,
        edits=[(M, LOAD, parent_cwd_load(PARENT_CWD_FOLDER, "Miniproject_1", "state")
                + "        self.net.load_state_dict(state)\n")],
        expect={"mp1.model.load_pretrained": "warn", "mp1.model.pretrained_psnr": "pass",
                "mp1.structure.bestmodel": "pass", "mp1.model.train_time": "pass"},
        contains={"mp1.model.load_pretrained": "folder above the team folder"},
        exit_code=0, score_min=85,
        details="The course ran test.py beside the team folders; the team folder keeps its name in the sandbox and "
                "load_pretrained_model() is retried from the folder above it, with a note and no points lost.",
    ),
]
