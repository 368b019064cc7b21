"""2022 code on today's torch: code that ran on the course's VM and needs a shim here (grader/sandbox/shims.py).

Each team is the template with one drift the course's VM accepted: a whole
pickled model loaded with a plain torch.load (refused by default since torch
2.6), a scheduler built with the `verbose` argument torch removed, torchvision
imported for code grading never runs (and, in a second team, used in train),
a checkpoint path relative to the folder above the team folder (where the
course ran test.py), a Model() that parses the command line. The CUDA
checkpoint is checkpoints.py's team_cuda_checkpoint. The grader must run each
one, say which shim it needed on the check that needed it, and charge nothing
for it by default, while the rules still judge what the code imports.

DRIFTS holds the code of each drift apart from the template's details, so
that the project-1 teams can reuse the same lines.
"""

from __future__ import annotations

from sample_team import Team
from teams.snippets import LOAD, M

IMPORT_TORCH = "import torch\nfrom torch import empty\n"
INIT_END = "        self.batch_size = 32\n"
EPOCH_LOOP = "            order = empty(n).uniform_().argsort()\n"


def augment_helper(draw: str) -> str:
    """A flip augmentation with torchvision; `draw` gives one uniform number per pair (each project its own way)."""
    return ("\n\ndef augment(x, y):\n"
            "    \"\"\"Random horizontal flips of both images of each pair (when AUGMENT is set).\"\"\"\n"
            f"    flip = {draw} < 0.5\n"
            "    x[flip], y[flip] = TF.hflip(x[flip]), TF.hflip(y[flip])\n"
            "    return x, y\n")


DRIFTS = {
    # save and load the whole network object, as many 2022 tutorials did
    "whole_model_save": "        torch.save(self.net, path or Path(__file__).parent / \"bestmodel.pth\")\n",
    "whole_model_load": ("        self.net = torch.load(Path(__file__).parent / \"bestmodel.pth\")  # the whole network\n"
                         "        self.optimizer = SGD(self.net.param(), lr=LEARNING_RATE, momentum=MOMENTUM)\n"),
    # torch's StepLR drives the learning rate of the team's own SGD; `verbose` went away in torch 2.7
    "scheduler": ("        # torch's scheduler decides the learning rate; our SGD applies it\n"
                  "        self.lr_holder = torch.optim.SGD([torch.empty(0)], lr=LEARNING_RATE)\n"
                  "        self.scheduler = StepLR(self.lr_holder, step_size=5, gamma=0.5, verbose=True)\n"),
    "scheduler_step": ("            self.optimizer.lr = self.lr_holder.param_groups[0][\"lr\"]\n"
                       "            order = empty(n).uniform_().argsort()\n"),
    # torchvision for an augmentation switched off by default
    "torchvision_import": "import torchvision.transforms.functional as TF\n",
    "augment_helper": augment_helper("empty(x.shape[0]).uniform_()"),
    # hyper-parameters from the command line, for the team's own experiments
    "argparse": ("        parser = argparse.ArgumentParser(description=\"Noise2Noise with our own blocks\")\n"
                 "        parser.add_argument(\"--lr\", type=float, default=LEARNING_RATE)\n"
                 "        parser.add_argument(\"--batch-size\", type=int, default=32)\n"
                 "        args = parser.parse_args()\n"
                 "        self.batch_size = args.batch_size\n"),
}


def parent_cwd_load(folder: str, package: str = "Miniproject_2", name: str = "weights") -> str:
    """A checkpoint path written for the course's working directory: the folder above the team folder."""
    return f"        {name} = torch.load(\"./{folder}/{package}/bestmodel.pth\", map_location=self.device)\n"


PARENT_CWD_FOLDER = "Proj_314159_265358"

TEAMS: list[Team] = [
    Team(
        name="team_whole_model_pickle",
        summary="save_model pickles the whole network; load_pretrained_model loads it with a plain torch.load",
        folder="Proj_305511_317722",
        checkpoint="convert",
        edits=[(M, "        torch.save([p.cpu() for p, _ in self.net.param()], path)\n", DRIFTS["whole_model_save"]),
               (M, "        path = path or Path(__file__).parent / \"bestmodel.pth\"\n", ""),
               (M, LOAD + "        for (p, _), w in zip(self.net.param(), weights):\n            p.copy_(w)\n",
                DRIFTS["whole_model_load"])],
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "model.api": "pass",
                "rules.static_imports": "pass", "model.train_time": "pass"},
        contains={"model.load_pretrained": "weights_only=False"},
        exit_code=0, score_min=85,
        details="torch >= 2.6 refuses to unpickle a whole object by default (weights_only=True); the student's own "
                "load is retried with weights_only=False inside the sandbox. The judge never unpickles it.",
    ),
    Team(
        name="team_scheduler_verbose",
        summary="Model() builds torch's StepLR with verbose=True (removed from torch) to drive its own SGD's rate",
        folder="Proj_306622_318833",
        edits=[(M, IMPORT_TORCH, IMPORT_TORCH + "from torch.optim.lr_scheduler import StepLR\n"),
               (M, INIT_END, INIT_END + DRIFTS["scheduler"]),
               (M, EPOCH_LOOP, DRIFTS["scheduler_step"]),
               (M, "                self.optimizer.step()\n",
                "                self.optimizer.step()\n            self.scheduler.step()\n")],
        expect={"model.api": "warn", "model.load_pretrained": "pass", "model.pretrained_psnr": "pass",
                "model.train_time": "pass", "rules.static_imports": "fail"},
        contains={"model.api": "`verbose` argument of StepLR", "rules.static_imports": "torch.optim"},
        exit_code=1,
        details="The shim drops `verbose` (the scheduler would otherwise raise TypeError in Model()); torch.optim "
                "itself is still against project 2's rules.",
    ),
    Team(
        name="team_torchvision_import",
        summary="imports torchvision.transforms.functional for a flip augmentation that is switched off",
        folder="Proj_307733_319944",
        edits=[(M, IMPORT_TORCH, IMPORT_TORCH + DRIFTS["torchvision_import"]),
               (M, "MOMENTUM = 0.9\n", "MOMENTUM = 0.9\nAUGMENT = False\n" + DRIFTS["augment_helper"]),
               (M, "                y = train_target[idx].to(self.device).float() / 255\n",
                "                y = train_target[idx].to(self.device).float() / 255\n"
                "                if AUGMENT:\n"
                "                    x, y = augment(x, y)\n")],
        expect={"structure.import": "warn", "rules.static_imports": "fail", "model.api": "pass",
                "model.pretrained_psnr": "pass", "model.train_time": "pass"},
        contains={"structure.import": "torchvision.transforms.functional", "rules.static_imports": "torchvision"},
        exit_code=1,
        details="torchvision is not in the grader's environment: a stand-in lets the import succeed and the result "
                "names what was taken from it; the rules still fail the import (project 2).",
    ),
    Team(
        name="team_torchvision_in_train",
        summary="train() flips every batch with torchvision (not in the grading environment: train fails)",
        folder="Proj_308844_320055",
        edits=[(M, IMPORT_TORCH, IMPORT_TORCH + DRIFTS["torchvision_import"]),
               (M, "MOMENTUM = 0.9\n", "MOMENTUM = 0.9\nAUGMENT = True\n" + DRIFTS["augment_helper"]),
               (M, "                y = train_target[idx].to(self.device).float() / 255\n",
                "                y = train_target[idx].to(self.device).float() / 255\n"
                "                if AUGMENT:\n"
                "                    x, y = augment(x, y)\n")],
        expect={"structure.import": "warn", "rules.static_imports": "fail", "model.pretrained_psnr": "pass",
                "model.train_odd_n": "fail", "model.train_time": "skipped"},
        contains={"model.train_odd_n": "not available in this grading environment",
                  "model.train_time": "the same PackageNotAvailable",
                  "structure.import": "calling torchvision.transforms.functional.hflip failed"},
        exit_code=1,
        details="The stand-in must fail loudly when used, naming the way to the real torchvision "
                "(grade env create DIR --torch 2.14.1 --with torchvision, then --worker-python DIR).",
    ),
    Team(
        name="team_parent_cwd_checkpoint",
        summary="bestmodel.pth is opened as ./Proj_.../Miniproject_2/bestmodel.pth (the course's working directory)",
        folder=PARENT_CWD_FOLDER,
        edits=[(M, LOAD, parent_cwd_load(PARENT_CWD_FOLDER))],
        expect={"model.load_pretrained": "warn", "model.pretrained_psnr": "pass", "structure.bestmodel": "pass"},
        contains={"model.load_pretrained": "folder above the team folder"},
        exit_code=0, score_min=85,
        details="The course ran test.py beside the team folders; the team folder keeps its name in the sandbox and "
                "load_pretrained_model() is retried from the folder above it.",
    ),
    Team(
        name="team_argv_model",
        summary="Model() reads its hyper-parameters from the command line with argparse",
        folder="Proj_309955_321166",
        edits=[(M, "from pathlib import Path\n", "import argparse\nfrom pathlib import Path\n"),
               (M, INIT_END, DRIFTS["argparse"])],
        expect={"model.api": "warn", "model.load_pretrained": "pass", "model.pretrained_psnr": "pass",
                "model.train_time": "pass", "rules.static_imports": "pass"},
        contains={"model.api": "sys.argv = ['test.py']"},
        exit_code=0, score_min=85,
        details="argparse without an argument list reads the process's command line; the worker's, not the "
                "student's, until the shim sets sys.argv = ['test.py'] as under the course's test.py.",
    ),
]
