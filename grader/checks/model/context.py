"""What the model checks share: the worker client, the data the worker may see, budgets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from grader.sandbox.client import Client, StudentRaised
from grader.sandbox.supervisor import WorkerFailure

# The course's rule: one epoch of 50,000 pairs within 30 min on a CPU, 10 min on a GPU.
EPOCH_BUDGET_SECONDS = {"cpu": 30 * 60, "cuda": 10 * 60}
COURSE_EPOCH_PAIRS = 50_000


# Scaling the course's budget down to a few hundred pairs (--fast, tests) would leave less time than
# a correct model needs to start up; no budget is shorter than this.
MIN_BUDGET_SECONDS = 30.0


def training_budget(device: str, pairs: int, floor: float = MIN_BUDGET_SECONDS) -> float:
    """Seconds allowed for one epoch over `pairs` pairs on `device`: the course rule, scaled, at least `floor`."""
    scaled = EPOCH_BUDGET_SECONDS["cuda" if device == "cuda" else "cpu"] * pairs / COURSE_EPOCH_PAIRS
    return max(floor, scaled)


@dataclass
class ModelContext:
    """Inputs of the model checks. `val_target` (clean) stays in the judge; only noisy images are sent."""

    client: Client
    exported: dict[str, dict]
    train_input: torch.Tensor
    train_target: torch.Tensor
    val_input: torch.Tensor
    val_target: torch.Tensor
    device: str = "cpu"
    train: bool = True  # run the timed training epoch
    short_training: bool = False  # --fast: raising PSNR over the untrained model is enough for trained_psnr
    budget_seconds: float | None = None
    budget_floor: float = MIN_BUDGET_SECONDS  # no training budget (nor train_odd_n timeout) is shorter
    reference: dict = field(default_factory=dict)  # reference PSNRs and epoch seconds, when measured
    predict_timeout: float = 300.0
    seed: int = 0  # torch and random are seeded with it in the worker before each Model() and train() run here
    on_predictions: Callable | None = None  # (label, noisy, output, clean), called in the judge
    psnr: dict = field(default_factory=dict)  # filled by the checks
    timing: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.budget_seconds is None:
            self.budget_seconds = training_budget(self.device, len(self.train_input), self.budget_floor)

    def seed_worker(self) -> list[str]:
        """Seed the worker's generators (torch, random, numpy if loaded): the same weights and order every grading."""
        try:
            return self.client.send("seed", seed=self.seed)["seeded"]
        except (StudentRaised, WorkerFailure):  # a dead worker restarts at the next request; nothing was seeded
            return []

    def new_model(self) -> str:
        """A fresh Model() in the worker, built right after seeding; returns its handle."""
        self.seed_worker()
        return self.client.new("Model", context="Model.__init__")["handle"]

    @property
    def submission_root(self) -> str:
        return self.client.worker.submission_root

    @property
    def worker_generation(self) -> int:
        """Changes whenever the worker dies or restarts (and every handle it held is gone)."""
        worker = self.client.worker
        return worker.starts if worker.alive else worker.starts + 1
