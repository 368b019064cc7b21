"""Code that runs away: endless or slow training, memory, output floods, child processes."""

from __future__ import annotations

from sample_team import Team
from teams.snippets import M, TRAIN_LOOP

TEAMS: list[Team] = [
    Team(
        name="team_endless_train",
        summary="train counts optimisation steps and never increments the counter: it never returns "
                "(unless there are fewer pairs than one batch of 64)",
        folder="Proj_293318_286647",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 64\n"),
               (M, TRAIN_LOOP, "        total_steps = num_epochs * (n // self.batch_size)\n"
                               "        step = 0\n"
                               "        while step < total_steps:\n"
                               "            order = empty(n).uniform_().argsort()\n")],
        expect={"model.train_time": "fail", "model.trained_psnr": "skipped", "model.train_odd_n": "pass",
                "model.pretrained_psnr": "pass", "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "budget"},
        exit_code=1,
    ),
    Team(
        name="team_slow_train",
        summary="train takes one pair per step and evaluates the loss on the whole training set (both ways) "
                "after every step, for a learning curve: quadratic in the number of pairs, far over the budget",
        folder="Proj_306672_281109",
        edits=[(M, "        self.batch_size = 32\n", "        self.batch_size = 1\n        self.curve = []\n"),
               (M, "                self.optimizer.step()\n",
                "                self.optimizer.step()\n"
                "                a = train_input.to(self.device).float() / 255\n"
                "                b = train_target.to(self.device).float() / 255\n"
                "                # learning curve, both directions: a -> b and b -> a\n"
                "                self.curve.append((self.loss.forward(self.net.forward(a), b),\n"
                "                                   self.loss.forward(self.net.forward(b), a)))\n")],
        expect={"model.train_time": "fail", "model.trained_psnr": "skipped", "model.train_odd_n": "pass",
                "blocks.Conv2d.forward": "pass", "model.pretrained_psnr": "pass"},
        contains={"model.train_time": "budget"},
        options={"n_train": 600},
        details="Graded on 600 pairs (budget 21.6 s on a CPU): 600 steps, each followed by two forward passes over "
                "all 600 pairs. On the course's 50,000 pairs an epoch would take weeks.",
        exit_code=1,
    ),
    Team(
        name="team_memory_hog",
        summary="train pre-allocates a 9.8 GB buffer for the whole course data set at 4x resolution",
        folder="Proj_282209_304478",
        edits=[(M, "        n = train_input.shape[0]\n",
                "        n = train_input.shape[0]\n"
                "        # room for the 50,000 training images upsampled 4x (augmentation experiments)\n"
                "        self.buffer = empty(50000, 3, 128, 128).zero_()\n")],
        # the allocation fails train_odd_n first; the timed epoch, stopped by the same error, follows from it
        # (issue 14 item 3) and still fails the run (a required check skipped for an optional one's failure)
        expect={"model.train_time": "skipped", "model.train_odd_n": "fail", "model.pretrained_psnr": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "memory"},
        exit_code=1,
    ),
    Team(
        name="team_output_flood",
        summary="train prints every layer's whole output at every step (a debugging print left in): tens of MB",
        folder="Proj_294450_276609",
        edits=[(M, "                self.optimizer.zero_grad()\n",
                "                self.optimizer.zero_grad()\n"
                "                h = x  # debugging: what does every layer output?\n"
                "                for layer in self.net.modules:\n"
                "                    h = layer.forward(h)\n"
                "                    print(type(layer).__name__, h.tolist())\n")],
        # the flood is the code's doing, not the grader's: a fail (issue 14 item 7), not an error to regrade
        expect={"model.train_time": "fail", "model.pretrained_psnr": "pass", "model.predict_shape": "pass",
                "blocks.Conv2d.forward": "pass"},
        contains={"model.train_time": "printed more than"},
        exit_code=1,
    ),
    Team(
        name="team_child_processes",
        summary="starts a data-loading process pool in Model() and a helper process in train, never stopped",
        folder="Proj_285521_303346",
        edits=[(M, "from pathlib import Path\n", "import multiprocessing\nimport subprocess\nfrom pathlib import Path\n"),
               (M, "        self.batch_size = 32\n",
                "        self.batch_size = 32\n"
                "        self.pool = multiprocessing.Pool(2)  # for data augmentation, some day\n"),
               (M, "        n = train_input.shape[0]\n",
                "        n = train_input.shape[0]\n"
                "        # keeps the machine awake during long runs\n"
                "        self.keepalive = subprocess.Popen([\"sleep\", \"600\"])\n")],
        expect={"rules.risky_code": "warn", "model.train_time": "pass", "model.pretrained_psnr": "pass",
                "blocks.Conv2d.forward": "pass"},
        exit_code=0, score_min=85,
    ),
    # -------------------------------------------------------------- hostile code
]
