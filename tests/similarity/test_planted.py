"""Copies planted in a class rank first and are flagged; independent implementations are not.

The copies are made from the reference implementation the ways students hide
copying (planted.py); the class around them is three implementations written
independently (the reference, the sample teams' template, tests/similarity/fixtures/other_team).
"""

from __future__ import annotations

import planted
import pytest
from conftest import OTHER, REFERENCE, TEMPLATE

from grader.similarity import SimilarityOptions, check_similarity
from grader.similarity.settings import THRESHOLD

P2 = SimilarityOptions(projects=(2,))
VARIANTS = {
    "renamed": planted.rename,
    "reordered": planted.reorder,
    "recommented": planted.recomment,
    "all three": planted.disguise,
}


def pair_names(pair) -> set[str]:
    return {pair.team_a, pair.team_b}


@pytest.fixture(scope="module")
def independent_run(independent):
    return check_similarity(independent, P2).run


def test_independent_implementations_stay_below_the_threshold(independent_run):
    run = independent_run
    assert run.projects[0].pairs == 3
    assert not run.flagged, [(p.team_a, p.team_b, p.score) for p in run.pairs]
    assert all(0 < p.score < THRESHOLD for p in run.pairs)  # generic code is shared a little, never much


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_planted_copy_ranks_first_and_is_flagged(variant, tmp_path, independent):
    copy = planted.plant(REFERENCE, tmp_path / "copier", VARIANTS[variant])
    run = check_similarity([*independent, copy], P2).run
    top = run.pairs[0]
    assert pair_names(top) == {"reference_impl", "copier"}
    assert top.flagged and top.score >= THRESHOLD
    assert min(top.similarity_a, top.similarity_b) > 0.7  # most of each is in the other, both ways
    assert run.team("copier").most_similar["2"].team == "reference_impl"
    assert [p for p in run.pairs if p.flagged] == [top]  # nothing else is flagged


def test_one_copied_block_in_an_otherwise_different_submission(tmp_path):
    block = planted.rename(planted.class_source(REFERENCE / "Miniproject_2" / "others" / "conv.py", "Conv2d"))
    borrower = planted.paste_block(OTHER, tmp_path / "borrower", block, "Miniproject_2/others/layers.py")
    run = check_similarity([REFERENCE, TEMPLATE, borrower], P2).run
    top = run.pairs[0]
    assert pair_names(top) == {"reference_impl", "borrower"}
    assert top.flagged and top.score >= THRESHOLD
    # the flag comes from the borrower's side: the block is a large share of it, a small one of the reference
    shares = {top.team_a: top.similarity_a, top.team_b: top.similarity_b}
    assert shares["borrower"] >= THRESHOLD > shares["reference_impl"]
    # and the detail points at the block: the borrower's layers.py against the reference's conv.py
    best = top.file_pairs[0]
    files = {best.file_a, best.file_b}
    assert files == {"others/layers.py", "others/conv.py"}
    assert [p for p in run.pairs if p.flagged] == [top]
