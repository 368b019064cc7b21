"""The comparison engine: the same counts as copydetect's own, the template and class-wide fragments left out,
past submissions compared with the class only, the same result on every run."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from conftest import OTHER, REFERENCE, TEMPLATE
from copydetect import compare_files

from grader.similarity import SimilarityOptions, check_similarity
from grader.similarity.compare import compare_pair
from grader.similarity.fingerprints import fingerprint, repair_class_offsets, team_print, union_lengths
from grader.similarity.settings import K
from grader.similarity.sources import SourceFile, read_submission

P2 = SimilarityOptions(projects=(2,))


def py_files(folder) -> list[SourceFile]:
    return [f for f in read_submission(folder).projects[2].files if f.text.strip()]


def test_counts_equal_copydetects_for_every_file_pair():
    """One file per team: our matched characters and coverage are copydetect's token overlap and coverage."""
    files = py_files(REFERENCE)[:6] + py_files(TEMPLATE) + py_files(OTHER)
    empty = np.zeros(0, np.int64)
    prints = [(fingerprint(f"{i}/{f.rel}", f.text, K), team_print([f], K, empty)[0]) for i, f in enumerate(files)]
    checked = 0
    for (lib_a, ours_a), (lib_b, ours_b) in itertools.combinations(prints, 2):
        if not lib_a.hash_idx or not lib_b.hash_idx:
            continue
        overlap, (sim_a, sim_b), _ = compare_files(lib_a, lib_b)
        pair = compare_pair(ours_a, ours_b, 0, 1)
        assert ours_a.tokens == lib_a.token_coverage and ours_b.tokens == lib_b.token_coverage
        assert int(pair.matched_a.sum()) == overlap
        assert pair.similarity_a == pytest.approx(sim_a) and pair.similarity_b == pytest.approx(sim_b)
        checked += overlap > 0
    assert checked >= 5  # enough pairs that share something


def test_union_lengths_of_overlapping_kgrams():
    # k = 4: [0,4) ∪ [2,6) ∪ [10,14) = 6 + 4 characters in file 0; [5,9) = 4 in file 1; file 2 has none
    files, positions = np.array([0, 0, 0, 1]), np.array([0, 2, 10, 5])
    assert union_lengths(files, positions, 4, 3).tolist() == [10, 4, 0]


def test_a_file_against_a_whole_team_counts_code_spread_over_its_files():
    """copydetect compares file with file; a file copied from two files of another team is whole only as a team."""
    conv = (REFERENCE / "Miniproject_2" / "others" / "conv.py").read_text()
    ups = (REFERENCE / "Miniproject_2" / "others" / "upsampling.py").read_text()
    merged = [SourceFile("all.py", conv + "\n\n" + ups)]
    split = [SourceFile("conv.py", conv), SourceFile("upsampling.py", ups)]
    empty = np.zeros(0, np.int64)
    whole, parts = team_print(merged, K, empty)[0], team_print(split, K, empty)[0]
    pair = compare_pair(whole, parts, 0, 1)
    assert pair.similarity_a > 0.99 and pair.similarity_b > 0.99
    per_file = [
        compare_files(fingerprint("a", merged[0].text, K), fingerprint(f"b/{f.rel}", f.text, K))[1][0] for f in split
    ]
    assert max(per_file) < 0.8  # no single file pair sees it


CLASS_FILE = """\
some_rather_long_variable_name = compute_something_with_a_long_name(1, 2, 3)
another_quite_long_variable_name = some_rather_long_variable_name * 2


class AnExtremelyLongClassNameForThisTest(SomeBaseClass):
    def method_one(self, value):
        return value * 2 + self.offset - self.scale / 3
"""
OTHER_FILE = """\
y = other_function(4, 5)


class Short(Parent):
    def m(self, v):
        return v * 2 + self.o - self.s / 3
"""
TEMPLATE_FILE = "class Q(R):\n    def s(self, t):\n        return 5\n"  # cuts the matches to start at the class name


@pytest.mark.parametrize("repaired", [True, False])
def test_matches_after_a_class_name_point_at_the_class_name(repaired, monkeypatch):
    """copydetect 0.5.0 maps a match starting at a class name near the top of the file; we correct the map."""
    if not repaired:
        monkeypatch.setattr("grader.similarity.fingerprints.repair_class_offsets", lambda fp: None)
    k = 25
    template = np.unique(np.fromiter(fingerprint("t.py", TEMPLATE_FILE, k).hashes, dtype=np.int64))
    a, b = fingerprint("a.py", CLASS_FILE, k, template), fingerprint("b.py", OTHER_FILE, k, template)
    overlap, _, (slices_a, slices_b) = compare_files(a, b)
    assert overlap > 0
    starts = [CLASS_FILE[s:] for s in slices_a[0]]
    if repaired:
        assert starts[0].startswith("AnExtremelyLongClassNameForThisTest(")
        assert OTHER_FILE[slices_b[0][0] :].startswith("Short(")
    else:  # the test can fail: without the repair the match is placed elsewhere
        assert not starts[0].startswith("AnExtremelyLongClassNameForThisTest(")


def test_repair_leaves_files_without_classes_alone():
    text = "x = 1\ny = x + 2\nprint(x, y)\n" * 5
    fp = fingerprint("a.py", text, K)
    before = fp.offsets.copy()
    repair_class_offsets(fp)
    assert np.array_equal(before, fp.offsets)


def test_the_handout_skeleton_is_not_counted(make_team):
    skeleton = (
        "class Module(object):\n    def forward(self, *input):\n        raise NotImplementedError\n\n"
        "    def backward(self, *gradwrtoutput):\n        raise NotImplementedError\n\n"
        "    def param(self):\n        return []\n"
    )
    teams = [
        make_team(
            n,
            {
                "Miniproject_2/others/module.py": skeleton,
                "Miniproject_2/model.py": f"# team {n}\nimport torch\n{n} = torch.empty({i}, {i + 3})\n",
            },
        )
        for i, n in enumerate(("ann", "bob"))
    ]
    with_template = check_similarity(teams, P2).run
    without = check_similarity(teams, SimilarityOptions(projects=(2,), handout_template=False)).run
    assert with_template.pairs[0].score == 0
    assert without.pairs[0].score > 0.5


def test_a_template_folder_is_not_counted(make_team, tmp_path):
    starter = (REFERENCE / "Miniproject_2" / "others" / "im2col.py").read_text()
    teams = [
        make_team(
            n,
            {
                "Miniproject_2/others/im2col.py": starter,
                "Miniproject_2/model.py": (folder / "Miniproject_2" / "model.py").read_text(),
            },
        )
        for n, folder in (("ann", TEMPLATE), ("bob", OTHER))
    ]
    given = make_team("starter_code", {"Miniproject_2/others/im2col.py": starter})
    plain = check_similarity(teams, P2).run
    templated = check_similarity(teams, SimilarityOptions(projects=(2,), templates=(given,))).run
    assert plain.pairs[0].score > 0.5 > templated.pairs[0].score
    for team in ("ann", "bob"):  # all of im2col.py is starter code: nothing of it is compared
        entry = templated.team(team).projects["2"]
        assert "others/im2col.py" not in entry.files
        assert "only template code" in {s.path: s.reason for s in entry.skipped}["others/im2col.py"]
    assert str(given) in templated.templates


def class_with_common_helper(make_team, n_teams: int, sharing: int):
    """n_teams independent-looking teams; the first `sharing` of them hold the same helper function."""
    helper = (REFERENCE / "Miniproject_2" / "others" / "schedule.py").read_text()
    sources = [REFERENCE, TEMPLATE, OTHER]
    teams = []
    for i in range(n_teams):
        base = sources[i % 3] / "Miniproject_2"
        files = {f"Miniproject_2/{p.relative_to(base)}": p.read_text() for p in base.rglob("*.py")}
        files = {rel: text.replace("self", f"self{i}") if i >= 3 else text for rel, text in files.items()}
        if i < sharing:
            files["Miniproject_2/others/helper.py"] = helper
        teams.append(make_team(f"team{i}", files))
    return teams


def test_fragments_most_of_the_class_has_are_not_counted(make_team):
    teams = class_with_common_helper(make_team, 5, sharing=4)  # 4 of 5 teams: more than half
    run = check_similarity(teams, P2).run
    counted = check_similarity(teams, SimilarityOptions(projects=(2,), common_fraction=1.0)).run
    assert run.projects[0].common_fragments > 0 and counted.projects[0].common_fragments == 0
    helper_pairs = lambda r: [p for p in r.pairs if {p.team_a, p.team_b} == {"team1", "team2"}]  # noqa: E731
    assert helper_pairs(run)[0].matched_a < helper_pairs(counted)[0].matched_a


def test_in_a_small_class_a_pairs_copy_is_never_common(make_team):
    teams = class_with_common_helper(make_team, 3, sharing=2)  # 2 of 3: more than half, but fewer than 3 teams
    run = check_similarity(teams, P2).run
    pair = next(p for p in run.pairs if {p.team_a, p.team_b} == {"team0", "team1"})
    helper = next(f for f in pair.file_pairs if f.file_a == f.file_b == "others/helper.py")
    assert helper.similarity_a > 0.95


def test_past_submissions_are_compared_with_the_class_only(make_team):
    code = (REFERENCE / "Miniproject_2" / "others" / "conv.py").read_text()
    past = [make_team(f"old{i}", {"Miniproject_2/model.py": code}) for i in (1, 2)]  # identical to each other
    now = make_team("now", {"Miniproject_2/model.py": code})
    fresh = make_team("fresh", {"Miniproject_2/model.py": (OTHER / "Miniproject_2" / "model.py").read_text()})
    run = check_similarity([now, fresh], SimilarityOptions(projects=(2,), references=tuple(past))).run
    pairs = {(p.team_a, p.team_b): p for p in run.pairs}
    assert ("old1", "old2") not in pairs and ("old2", "old1") not in pairs
    assert pairs["now", "old1"].flagged and pairs["now", "old1"].past
    assert run.team("now").most_similar["2"].past
    assert "2" not in run.team("old1").most_similar  # a past team has no "most similar" of its own


def test_two_runs_give_the_same_result(independent):
    first = check_similarity(independent, SimilarityOptions(views=3)).run.to_dict()
    second = check_similarity(independent, SimilarityOptions(views=3)).run.to_dict()
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def test_detailed_pairs_carry_line_ranges_and_per_file_totals(independent):
    run = check_similarity(independent, SimilarityOptions(projects=(2,), views=3)).run
    pair = run.pairs[0]
    assert pair.file_pairs and pair.files_a and pair.files_b
    for fp in pair.file_pairs:
        assert fp.lines_a and all(1 <= lo <= hi for lo, hi in fp.lines_a)
    # a file against the whole other team has at least its best single-file share
    share = {f.file: f.similarity for f in pair.files_a}
    for fp in pair.file_pairs:
        assert share[fp.file_a] >= fp.similarity_a - 1e-4
    assert sum(f.matched for f in pair.files_a) == pair.matched_a
