"""similarity.html and a side-by-side page, rendered in headless Chromium (skipped, with the reason, without one)."""

from __future__ import annotations

import re

import planted
import pytest
from conftest import REFERENCE

from grader.similarity import SimilarityOptions, check_similarity
from grader.similarity.writer import write_report


@pytest.fixture(scope="module")
def written(tmp_path_factory, independent):
    root = tmp_path_factory.mktemp("html")
    copy = planted.plant(REFERENCE, root / "copier", planted.reorder)
    analysis = check_similarity([*independent, copy], SimilarityOptions(projects=(2,), views=2))
    write_report(analysis, root / "out")
    return root / "out", analysis.run


def test_the_class_page_renders_with_its_ranking_and_histogram(written, render, non_blank):
    out, run = written
    shot, console, dom = render(out / "similarity.html")
    assert console == []
    assert non_blank(shot) > 0.02
    rows = re.findall(r"<tr class=\"?(flag)?\"?>(.*?)</tr>", dom, re.S)
    assert len(rows) == len(run.pairs)
    first = rows[0][1]
    assert rows[0][0] == "flag" and "reference_impl" in first and "copier" in first and "flagged" in first
    assert dom.count("<rect") == sum(1 for count in run.projects[0].histogram if count)  # one bar per non-empty bin
    assert 'aria-label="Histogram of pair scores, mini-project 2"' in dom


def test_the_side_by_side_page_renders_offline_with_both_sides_highlighted(written, render, non_blank):
    out, run = written
    page = out / run.pairs[0].view
    assert "cdn.jsdelivr.net" not in page.read_text()  # nothing is fetched from a third party
    shot, console, dom = render(page, size=(1300, 2400))
    assert console == []
    assert non_blank(shot) > 0.05
    assert dom.count("highlight-red") > 3 and dom.count("highlight-green") > 3
    assert "../similarity.html" in dom and "Copy Detection Report" in dom
