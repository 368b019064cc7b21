"""Every pair of teams in one project: how much of each team's code the other has, all files together.

copydetect compares two files; a team is several files, and a copied block
may be spread over another team's files. So for each team pair we take the
hashes both teams have and count, per file, the normalised characters their
k-grams cover (the same count copydetect's per-file comparison makes), which
gives every file's share against the whole other team, and the team's share.

Cost: one sorted intersection per pair, over hashes some other team also has
(a class's unique code never matches and is dropped first), so the quadratic
part stays small; the figures are in the README (`make bench`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from grader.similarity.fingerprints import EMPTY, TeamPrint


@dataclass
class PairScore:
    """Matched characters per file of each team of a pair (indexes into the list of prints)."""

    a: int
    b: int
    matched_a: np.ndarray
    matched_b: np.ndarray
    similarity_a: float
    similarity_b: float

    @property
    def score(self) -> float:
        return max(self.similarity_a, self.similarity_b)


def common_hashes(prints: list[TeamPrint], fraction: float, min_teams: int) -> np.ndarray:
    """Hashes in more than `fraction` of these teams and in at least `min_teams` of them (sorted)."""
    counts_of = _team_counts(prints)
    if counts_of is None:
        return EMPTY
    keys, counts = counts_of
    limit = max(min_teams, int(fraction * len(prints)) + 1)
    return keys[counts >= limit]


def shared_hashes(prints: list[TeamPrint]) -> np.ndarray:
    """Hashes at least two of these teams have: the only ones that can match."""
    counts_of = _team_counts(prints)
    if counts_of is None:
        return EMPTY
    keys, counts = counts_of
    return keys[counts >= 2]


def _team_counts(prints: list[TeamPrint]) -> tuple[np.ndarray, np.ndarray] | None:
    if not prints:
        return None
    return np.unique(np.concatenate([p.keys for p in prints]), return_counts=True)  # keys are unique per team


def compare_pair(a: TeamPrint, b: TeamPrint, ia: int, ib: int) -> PairScore:
    """How much of a's code b has, and of b's code a has."""
    _, in_a, in_b = np.intersect1d(a.keys, b.keys, assume_unique=True, return_indices=True)
    matched_a, matched_b = a.covered(in_a), b.covered(in_b)
    return PairScore(ia, ib, matched_a, matched_b, _share(matched_a, a.coverage), _share(matched_b, b.coverage))


def compare_all(prints: list[TeamPrint], n_class: int) -> Iterator[PairScore]:
    """Every pair among the first `n_class` prints, and each of those with each later (past) print.

    Past submissions are not compared with each other.
    """
    for i in range(n_class):
        for j in range(i + 1, len(prints)):
            yield compare_pair(prints[i], prints[j], i, j)


def _share(matched: np.ndarray, coverage: np.ndarray) -> float:
    total = int(coverage.sum())
    return float(matched.sum()) / total if total else 0.0


def histogram(scores: list[float], bins: int) -> list[int]:
    """Counts of scores per bin of width 1/bins over [0, 1] (1.0 falls in the last bin)."""
    counts = np.histogram(np.clip(scores, 0, 1), bins=bins, range=(0.0, 1.0))[0] if scores else np.zeros(bins)
    return [int(c) for c in counts]
