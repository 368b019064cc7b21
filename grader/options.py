"""Options of one grading run, shared by the Python API and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from grader.sandbox.supervisor import SandboxSettings

# --fast: a slice of the data and a short training, for CI and quick student checks
FAST_TRAIN_PAIRS = 4000
FAST_VAL_PAIRS = 200


@dataclass(frozen=True)
class GradeOptions:
    """How to grade: data, device, speed/precision trade-off, rubric, sandbox limits.

    Frozen: a run's options are settled once (the CLI builds them in grader.cli.options); derive
    variants with `dataclasses.replace` or `hiding`.
    """

    data_dir: Path | None = None  # the course's train_data.pkl / val_data.pkl; None = embedded default
    seed: int = 0
    noise: str = "gaussian"
    fast: bool = False
    device: str = "auto"  # cpu | cuda | auto
    rubric: Path | None = None
    train: bool = True
    n_train: int | None = None  # overrides the pairs used for the timed epoch
    n_val: int | None = None
    reference_dir: Path | None = None  # None: the repository's reference_impl when present
    measure_reference: bool = True
    budget_floor: float = 30.0  # seconds: the shortest training budget, however few pairs are trained
    # a timed epoch over budget while other work kept the cores busy is an error to regrade, not a fail
    # (grader.checks.verdicts.over_budget_on_a_busy_machine); False charges it whatever the load
    regrade_busy_epochs: bool = True
    projects: tuple[int, ...] = (1, 2)  # the mini-projects to grade when a submission holds them (--project)
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)
    worker_python: str | None = None  # the worker's interpreter/virtualenv; None: the rubric's [worker], else ours
    shims: tuple[str, ...] | None = None  # drift shims switched on; None: the rubric's [worker], else all
    extra_hidden: tuple[str, ...] = ()  # folders the worker must not see (outputs, ...)

    def __post_init__(self):
        if not self.projects or any(p not in (1, 2) for p in self.projects):
            raise ValueError(f"projects must be 1, 2 or both, not {self.projects!r}")

    def hiding(self, *folders: str | Path) -> GradeOptions:
        """These options with `folders` (outputs, say) also hidden from the worker."""
        return replace(self, extra_hidden=(*self.extra_hidden, *(str(Path(f).resolve()) for f in folders)))

    def sizes(self, total_train: int, total_val: int) -> tuple[int, int]:
        """Training and validation pairs used, after --fast and explicit overrides."""
        n_train = self.n_train or (min(FAST_TRAIN_PAIRS, total_train) if self.fast else total_train)
        n_val = self.n_val or (min(FAST_VAL_PAIRS, total_val) if self.fast else total_val)
        return min(n_train, total_train), min(n_val, total_val)


def resolve_device(device: str) -> str:
    """'auto' becomes 'cuda' when the judge sees a GPU, else 'cpu'."""
    if device not in ("cpu", "cuda", "auto"):
        raise ValueError(f"device must be cpu, cuda or auto, not {device!r}")
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
