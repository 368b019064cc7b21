"""Code that does not run: a syntax error, exceptions at import, exits at import or in predict."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import B, M, PREDICT

TEAMS: list[Team] = [
    Team(
        name="team_syntax_error",
        summary="a missing colon in Miniproject_2/others/blocks.py; its Miniproject_1 (team_mp1_good's) is fine",
        folder="Proj_279004_288123",
        edits=[(B, "class Sigmoid(Module):\n    def forward(self, x):\n", "class Sigmoid(Module):\n    def forward(self, x)\n")],
        # one failure (the file does not parse); what it stopped is skipped, and the forbidden-code scan of a
        # file it could not read earns nothing (issue 14 items 3 and 4)
        with_project1="team_mp1_good",  # project 2 is broken, project 1 is fine: graded apart, then the total
        expect={"rules.syntax": "fail", "structure.import": "fail", "blocks.Conv2d.forward": "skipped",
                "model.api": "skipped", "rules.static_imports": "skipped", "mp1.rules.syntax": "pass",
                "mp1.structure.import": "pass", "mp1.model.pretrained_psnr": "pass", "mp1.model.train_time": "pass"},
        contains={"rules.syntax": "blocks.py", "rules.static_imports": "because rules.syntax failed",
                  "blocks.Conv2d.forward": "because structure.import failed"},
        exit_code=1, score_max=120, project_scores={"2": [0, 20], "1": [85, 100]},
    ),
    Team(
        name="team_import_exception",
        summary="model.py loads train_data.pkl at import time (FileNotFoundError when graded)",
        folder="Proj_300876_277711",
        edits=[(M, "MOMENTUM = 0.9\n", "MOMENTUM = 0.9\n\n# data for the experiments below\n"
                                       "noisy_imgs_1, noisy_imgs_2 = torch.load(\"train_data.pkl\")\n")],
        expect={"structure.import": "fail", "blocks.Conv2d.forward": "skipped", "model.api": "skipped",
                "structure.bestmodel": "pass"},
        contains={"structure.import": "FileNotFoundError", "model.api": "because structure.import failed"},
        exit_code=1, score_max=20,
    ),
    Team(
        name="team_sys_exit_import",
        summary="model.py is also a script and calls sys.exit() at import when it gets no command",
        folder="Proj_288002_311009",
        files={"model.py@append": '''

if "train" not in sys.argv and "eval" not in sys.argv:
    print("usage: python model.py train|eval")
    sys.exit(1)
if "train" in sys.argv:
    noisy_imgs_1, noisy_imgs_2 = torch.load("train_data.pkl")
    model = Model()
    model.train(noisy_imgs_1, noisy_imgs_2, 20)
    model.save_model()
'''},
        edits=[(M, "from pathlib import Path\n", "import sys\nfrom pathlib import Path\n")],
        expect={"structure.import": "fail", "blocks.Conv2d.forward": "skipped", "model.api": "skipped"},
        contains={"structure.import": "SystemExit"},
        exit_code=1, score_max=20,
    ),
    Team(
        name="team_os_exit_predict",
        summary="predict hard-exits the process (os._exit) when no GPU is available",
        folder="Proj_275543_299810",
        edits=[(M, "from pathlib import Path\n", "import os\nfrom pathlib import Path\n"),
               (M, PREDICT, "        if not torch.cuda.is_available():\n"
                            "            print(\"predict needs a GPU\")\n"
                            "            os._exit(1)\n" + PREDICT)],
        # os._exit is the code's doing, not the grader's (a fail, issue 14 item 7), charged once (item 3)
        expect={"model.predict_shape": "fail", "model.predict_range": "skipped", "model.pretrained_psnr": "skipped",
                "model.load_pretrained": "pass", "model.train_odd_n": "pass", "model.train_time": "pass",
                "model.trained_psnr": "skipped", "blocks.Conv2d.forward": "pass"},
        contains={"model.predict_shape": "ended the worker process itself"},
        exit_code=1,
    ),
]
