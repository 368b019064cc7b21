"""Mini-project 1 (full PyTorch): a good team, its usual slips, and team_x's whole submission (both projects).

Each project-1 team is the project-1 template (template/Miniproject_1: a small
residual CNN in torch.nn, Adam, MSE) with one flaw. Their checkpoints derive
from team_mp1_good's, which trains with its own code (`build.py --train`).

team_mp1_cuda_checkpoint and team_mp1_pickled_model are 2022 code on today's
torch: the worker's shims (map_location, weights_only=False for the student's own
load) let them load, each a warning with a note that keeps its points.
"""

from __future__ import annotations

from sample_team import Team

M = "model.py"
LOAD = ("        path = Path(__file__).parent / \"bestmodel.pth\"\n"
        "        state = torch.load(path, map_location=self.device)\n"
        "        self.net.load_state_dict(state)\n")
SAVE = "        torch.save(self.net.state_dict(), path)\n"
PREDICT_OUT = "            out = self.net(x).clamp(0, 1) * 255\n"
STEP = "                self.optimizer.step()\n"
IMPORTS = "import torch\nfrom torch import nn\n"

TEAMS: list[Team] = [
    Team(
        name="team_mp1_good",
        summary="project 1 done right: a small residual CNN in torch.nn, Adam, state_dict checkpoint, 0-255 in and out",
        folder="Proj_311234_312345",
        project=1,
        checkpoint="train", train_from="mp1",
        expect={"mp1.structure.layout": "pass", "mp1.rules.static_imports": "pass", "mp1.model.api": "pass",
                "mp1.model.load_pretrained": "pass", "mp1.model.predict_range": "pass",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass",
                "mp1.model.trained_psnr": "pass", "mp1.structure.report": "pass", "structure.layout": "skipped"},
        exit_code=0, score_min=90,
    ),
    Team(
        name="team_mp1_numpy",
        summary="project 1 shuffles the training pairs with numpy (PyTorch only, said the handout)",
        folder="Proj_311235_312346",
        project=1,
        edits=[(M, IMPORTS, "import numpy as np\n" + IMPORTS),
               (M, "            order = torch.randperm(n)\n", "            order = torch.from_numpy(np.random.permutation(n))\n")],
        expect={"mp1.rules.static_imports": "fail", "mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass"},
        contains={"mp1.rules.static_imports": "model.py:5"},
        exit_code=1,
    ),
    Team(
        name="team_mp1_tqdm",
        summary="project 1 imports tqdm for a progress bar, unguarded: the course's VM has no tqdm",
        folder="Proj_311236_312347",
        project=1,
        edits=[(M, IMPORTS, IMPORTS + "from tqdm import tqdm\n"),
               (M, "            for start in range(0, n, self.batch_size):\n",
                "            for start in tqdm(range(0, n, self.batch_size), disable=True):\n")],
        expect={"mp1.rules.static_imports": "fail", "mp1.model.api": "pass"},
        contains={"mp1.rules.static_imports": "tqdm"},
        exit_code=1,
    ),
    Team(
        name="team_mp1_cuda_checkpoint",
        summary="project 1's bestmodel.pth holds CUDA tensors and is loaded without map_location",
        folder="Proj_311237_312348",
        project=1,
        checkpoint="cuda",
        edits=[(M, LOAD, "        state = torch.load(Path(__file__).parent / \"bestmodel.pth\")  # saved on the GPU\n"
                         "        self.net.load_state_dict(state)\n")],
        expect={"mp1.model.load_pretrained": "warn", "mp1.model.pretrained_psnr": "pass"},
        contains={"mp1.model.load_pretrained": "map_location"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_mp1_pickled_model",
        summary="project 1 saves the whole network object (torch.save(self.net)) and loads it back with torch.load",
        folder="Proj_311238_312349",
        project=1,
        checkpoint="pickle",
        edits=[(M, SAVE, "        torch.save(self.net, path)  # the whole model, class and all\n"),
               (M, LOAD, "        self.net = torch.load(Path(__file__).parent / \"bestmodel.pth\", map_location=self.device)\n")],
        details="torch.load refuses pickled classes by default since torch 2.6 (weights_only=True); the course's "
                "torch 1.x loaded them, so the worker's weights_only shim retries the student's own load inside the "
                "sandbox: a warning with a note, no points lost (the judge never unpickles).",
        expect={"mp1.structure.bestmodel": "pass", "mp1.model.load_pretrained": "warn",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass"},
        contains={"mp1.model.load_pretrained": "weights_only"},
        exit_code=0, score_min=85,
    ),
    Team(
        name="team_mp1_unit_range",
        summary="project 1's predict returns values in [0, 1] (forgot to multiply by 255)",
        folder="Proj_311239_312350",
        project=1,
        edits=[(M, PREDICT_OUT, "            out = self.net(x).clamp(0, 1)\n")],
        expect={"mp1.model.predict_range": "fail", "mp1.model.predict_shape": "pass",
                "mp1.model.pretrained_psnr": "fail"},
        contains={"mp1.model.predict_range": "0–1"},
        exit_code=1,
    ),
    Team(
        name="team_mp1_over_budget",
        summary="project 1 trains on one pair per step and records the loss on the whole training set after "
                "every step, for a learning curve: quadratic in the number of pairs, far over the budget",
        folder="Proj_311240_312351",
        project=1,
        edits=[(M, "        self.batch_size = 16\n", "        self.batch_size = 1\n        self.curve = []\n"),
               (M, STEP, STEP +
                "                with torch.no_grad():  # learning curve over every training pair\n"
                "                    a = train_input.to(self.device).float() / 255\n"
                "                    b = train_target.to(self.device).float() / 255\n"
                "                    self.curve.append(self.criterion(self.net(a), b).item())\n")],
        expect={"mp1.model.train_time": "fail", "mp1.model.train_odd_n": "pass", "mp1.model.trained_psnr": "skipped",
                "mp1.model.pretrained_psnr": "pass", "mp1.model.api": "pass"},
        contains={"mp1.model.train_time": "budget"},
        exit_code=1,
    ),
    Team(
        name="team_mp1_psnr_drops",
        summary="project 1 trains with a learning rate of 2.0 (a typo for 2e-3): one epoch ruins the network",
        folder="Proj_311241_312352",
        project=1,
        edits=[(M, "LEARNING_RATE = 2e-3\n", "LEARNING_RATE = 2.0\n")],
        expect={"mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass", "mp1.model.trained_psnr": "fail"},
        exit_code=0,
    ),
    Team(
        name="team_x_full",
        summary="team_x's whole submission as one zip: Miniproject_1 (team_mp1_good's) and Miniproject_2 (team_x's)",
        folder="Proj_123456_654321",
        with_project1="team_mp1_good",
        zip_extra={},
        expect={"structure.layout": "pass", "blocks.Conv2d.forward": "pass", "model.pretrained_psnr": "pass",
                "mp1.structure.layout": "pass", "mp1.rules.static_imports": "pass", "mp1.model.pretrained_psnr": "pass",
                "mp1.model.train_time": "pass"},
        exit_code=0, score_min=170,
    ),
]
