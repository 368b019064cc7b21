"""What a sample team is: the template plus edits, its checkpoint, and the verdict a careful instructor expects."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BUILD_DIR = Path(__file__).resolve().parent
SUBMISSIONS_DIR = BUILD_DIR.parent
TEMPLATE_DIR = BUILD_DIR / "template" / "Miniproject_2"
TEMPLATE_DIRS = {1: BUILD_DIR / "template" / "Miniproject_1", 2: TEMPLATE_DIR}  # per mini-project
DEFAULT_FOLDER = "Proj_123456_654321"

# How a team's bestmodel.pth is made (see sample_checkpoints.py).
# pickle (project 1): the source team's weights put into the team's network, saved by its own save_model()
CHECKPOINT_KINDS = ("train", "copy", "convert", "cuda", "lfs", "none", "pickle")


@dataclass
class Team:
    """One sample submission.

    `edits` are (file, old, new) replacements applied to the template, each
    `old` matching exactly once; `files` adds or replaces whole files (str or
    bytes; None deletes). Paths are relative to Miniproject_2/. `expect` maps a
    check id to the status it must have; `contains` to text its message must
    contain. `options` override the grading options of the tests and the table
    (see sample_expected.py). `zip_extra` turns the team into a zip holding the
    package plus these raw entries (name -> bytes).
    """

    name: str
    summary: str
    expect: dict[str, str]
    exit_code: int
    edits: list[tuple[str, str, str]] = field(default_factory=list)
    files: dict[str, str | bytes | None] = field(default_factory=dict)
    folder: str = DEFAULT_FOLDER
    checkpoint: str = "copy"
    train_from: str | None = None  # for checkpoint="train": epochs x pairs, see sample_checkpoints.TRAINING
    report: bool = True
    contains: dict[str, str] = field(default_factory=dict)
    score_min: float | None = None
    score_max: float | None = None
    pretrained_psnr_max: float | None = None  # a cheat that found clean images would score far above this
    options: dict = field(default_factory=dict)
    zip_extra: dict[str, bytes] | None = None
    details: str = ""  # a longer explanation, written as a comment in EXPECTED.toml
    project: int = 2  # the mini-project of the team's package (its template: TEMPLATE_DIRS[project])
    # a whole submission: the Miniproject_1 put beside the team's package, from a project-1 team of the catalog
    # (its name) or the team's own project-1 half (a Team of project 1 that is not a catalog team)
    with_project1: str | Team | None = None
    # per project ("1", "2"): [min, max] of that project's score (score_min/max bound the total)
    project_scores: dict[str, list[float]] = field(default_factory=dict)

    def __post_init__(self):
        if self.checkpoint not in CHECKPOINT_KINDS:
            raise ValueError(f"{self.name}: checkpoint must be one of {CHECKPOINT_KINDS}, not {self.checkpoint!r}")
        half = self.with_project1
        if isinstance(half, Team) and (half.project != 1 or half.checkpoint == "train"):
            raise ValueError(f"{self.name}: its project-1 half must be a project-1 team with a derived checkpoint")

    @property
    def package(self) -> str:
        return f"Miniproject_{self.project}"

    @property
    def team_dir(self) -> Path:
        return SUBMISSIONS_DIR / self.name

    @property
    def grade_path(self) -> str:
        """What to grade, relative to the team folder."""
        return f"{self.folder}.zip" if self.zip_extra is not None else self.folder
