"""The settings of a similarity run and their defaults, each with the reason for its value."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

K = 35
"""k-gram length in normalised characters (copydetect's noise threshold; its default is 25). After
normalisation `self.weight_grad = empty(self.weight.shape)` is `self.V=V(self.V.V)`, 18 characters: 35 is
three or four short statements. At 25, fragments every implementation of this small spec writes alike (a
Sequential's loop over its modules, `param()` returning pairs) made up to 31% of a small independent
submission; at 35 the highest independent pair measured is 17.8%, and copies lose little (docs/similarity.md)."""

THRESHOLD = 0.25
"""A pair is flagged when one team's code is at least this share of the other's. Chosen from the measured
scores of 83 pairs of independently written implementations (docs/similarity.md): the highest is 17.8%,
the 90th percentiles 9.0% (mini-project 1) and 7.4% (2); 25% leaves a margin above all of them and still
flags one copied class making up 30% of an otherwise different submission."""

COMMON_FRACTION = 0.5
"""A fragment in more than this share of the class is treated as shared knowledge and not counted
(as Dolos's maximum fingerprint percentage)."""

COMMON_MIN_TEAMS = 3
"""... and only if at least this many teams have it, so that in a small class a pair's copy is never
'common' just because the class has three teams."""

HISTOGRAM_BINS = 20
LIST_FLOOR = 0.05  # pairs below this score are counted in the histogram but not listed (each team's best is)
VIEWS = 20  # side-by-side pages for the top pairs, flagged or not
MAX_VIEWS = 100  # at most this many pages, flagged pairs first


@dataclass(frozen=True)
class SimilarityOptions:
    """How to compare a class. `templates` and `references` are folders or zips like submissions."""

    projects: tuple[int, ...] = (1, 2)
    k: int = K
    threshold: float = THRESHOLD
    common_fraction: float = COMMON_FRACTION
    common_min_teams: int = COMMON_MIN_TEAMS
    handout_template: bool = True  # leave out the handout's Module skeleton and Model API
    templates: tuple[Path, ...] = ()
    references: tuple[Path, ...] = ()
    list_floor: float = LIST_FLOOR
    views: int = VIEWS
    max_views: int = MAX_VIEWS
    histogram_bins: int = HISTOGRAM_BINS

    def __post_init__(self):
        if not self.projects or any(p not in (1, 2) for p in self.projects):
            raise ValueError(f"projects must be 1 and/or 2, not {self.projects!r}")
        if self.k < 5:
            raise ValueError(f"k must be at least 5 normalised characters, not {self.k}")
        if not 0 < self.threshold <= 1:
            raise ValueError(f"threshold must be in (0, 1], not {self.threshold}")
        if not 0 < self.common_fraction <= 1:
            raise ValueError(f"common fraction must be in (0, 1], not {self.common_fraction}")

    def to_dict(self) -> dict:
        data = asdict(self)
        data["projects"] = list(self.projects)
        data["templates"] = [str(p) for p in self.templates]
        data["references"] = [str(p) for p in self.references]
        return data
