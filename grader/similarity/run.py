"""One similarity run: read every submission, fingerprint, compare every pair per project, detail the top.

The steps, per project: the template's hashes (the handout's skeleton and any
`--template`) are left out of every fingerprint by copydetect itself; hashes
in more than the set share of the class are then left out too (shared
knowledge, as Dolos does); every class pair and every class-past pair is
scored (compare.py); the pairs worth reading get copydetect's per-file
comparison and line ranges (details.py). Nothing a submission holds is run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from copydetect import __version__ as COPYDETECT_VERSION

import grader
from grader.similarity import compare, details
from grader.similarity.fingerprints import TeamPrint, hashes_of, team_print
from grader.similarity.result import Match, ProjectStats, SimilarityRun, Skip, Team, TeamPair, TeamProject
from grader.similarity.settings import SimilarityOptions
from grader.similarity.sources import SourceFile, SubmissionSources, read_project, read_submission
from grader.submission.errors import SubmissionError
from grader.submission.naming import output_names

HANDOUT = (Path(__file__).parent / "handout" / "both", Path(__file__).parent / "handout" / "projects")
"""The handout's Model API (both projects), its Module skeleton and allowed imports (per project), restated:
every team may write these the same way. Read like --template folders."""

Progress = Callable[[str], None]
LIBRARY_CACHE = 16  # teams whose copydetect fingerprints stay in memory (a few MB each) for the detailed pairs


@dataclass
class Analysis:
    """A run's plain data and what its side-by-side pages are made from."""

    run: SimilarityRun
    options: SimilarityOptions
    sources: dict[str, SubmissionSources] = field(default_factory=dict)  # by team id
    left_out: dict[int, np.ndarray] = field(default_factory=dict)  # per project: template and common hashes
    prints: dict[tuple[int, str], TeamPrint] = field(default_factory=dict)  # (project, team id): shared hashes only
    library_cache: dict[tuple[int, str], dict] = field(default_factory=dict, repr=False)

    def files(self, team_id: str, project: int) -> list[SourceFile]:
        return self.sources[team_id].projects[project].files


def check_similarity(
    paths: list[str | Path], options: SimilarityOptions | None = None, *, progress: Progress | None = None
) -> Analysis:
    """Compare every pair of these submissions (folders or zips), per project.

    A submission that cannot be read is listed in `run.problems`; a file that
    cannot be compared is listed with its reason under its team. Never raises
    for what a submission holds.
    """
    options = options or SimilarityOptions()
    say = progress or (lambda message: None)
    problems: list[str] = []
    class_paths, past_paths = [Path(p) for p in paths], list(options.references)
    ids = output_names(class_paths + past_paths)
    sources: dict[str, SubmissionSources] = {}
    teams: list[Team] = []
    say(f"reading {len(class_paths)} submissions" + (f" and {len(past_paths)} past ones" if past_paths else ""))
    is_past = [False] * len(class_paths) + [True] * len(past_paths)
    for path, team_id, past in zip(class_paths + past_paths, ids, is_past):
        try:
            found = read_submission(path, options.projects)
        except SubmissionError as exc:
            problems.append(f"{path}: not compared: {exc}")
            continue
        sources[team_id] = found
        teams.append(Team(id=team_id, name=found.name, source=str(path), past=past, notes=list(found.notes)))
    analysis = Analysis(
        SimilarityRun(
            tool={"name": "copydetect", "version": COPYDETECT_VERSION},
            grader_version=grader.__version__,
            settings=options.to_dict(),
            templates=_template_names(options),
            teams=teams,
            projects=[],
            pairs=[],
            problems=problems,
        ),
        options,
        sources,
    )
    templates = _template_files(options, problems)
    for project in options.projects:
        say(f"project {project}: fingerprinting")
        _compare_project(analysis, project, templates.get(project, []), say)
    run = analysis.run
    run.pairs.sort(key=lambda p: (-p.score, p.project, p.team_a, p.team_b))
    _detail(analysis, say)
    return analysis


def _compare_project(analysis: Analysis, project: int, template: list[SourceFile], say: Progress) -> None:
    options = analysis.options
    boilerplate = hashes_of(template, options.k)
    members = _fingerprint_members(analysis, project, boilerplate)
    teams = [team for team, _ in members]
    n_class = sum(not team.past for team in teams)  # class teams first: past ones are compared with them only
    common = compare.common_hashes([p for _, p in members[:n_class]], options.common_fraction, options.common_min_teams)
    analysis.left_out[project] = np.union1d(boilerplate, common)
    prints = [p.without(common) for _, p in members]
    for team, teamprint in zip(teams, prints):
        entry = team.projects[str(project)]
        entry.files = [name for name, tokens in zip(teamprint.files, teamprint.coverage) if tokens]
        entry.tokens = teamprint.tokens
        entry.skipped += [
            Skip(name, "nothing to compare: only code common to the class")
            for name, tokens in zip(teamprint.files, teamprint.coverage)
            if not tokens
        ]
    shared = compare.shared_hashes(prints)
    reduced = [p.restricted_to(shared) for p in prints]
    analysis.prints.update({(project, team.id): p for team, p in zip(teams, reduced)})
    say(f"project {project}: comparing {len(members)} teams")
    _score_pairs(analysis, project, teams, reduced, n_class, len(common))


def _fingerprint_members(analysis: Analysis, project: int, boilerplate: np.ndarray) -> list[tuple[Team, TeamPrint]]:
    """Every team with this project, its entry in the run, and its print (template left out); class teams first."""
    k = analysis.options.k
    members = []
    for team in analysis.run.teams:
        found = analysis.sources[team.id].projects.get(project)
        if found is None:
            continue
        entry = TeamProject(
            folder=found.folder,
            files=[],
            tokens=0,
            skipped=[Skip(s.path, s.reason) for s in found.skipped],
            notes=[f"{f.rel}: {note}" for f in found.files for note in f.notes],
        )
        team.projects[str(project)] = entry
        teamprint, empty = team_print(found.files, k, boilerplate)
        entry.skipped += [
            Skip(name, f"nothing to compare: shorter than {k} normalised characters, or only template code")
            for name in empty
        ]
        members.append((team, teamprint))
    return sorted(members, key=lambda m: m[0].past)


def _score_pairs(
    analysis: Analysis, project: int, teams: list[Team], prints: list[TeamPrint], n_class: int, common: int
) -> None:
    """Score every pair; list those over the floor and each class team's best; the project's distribution."""
    run, options = analysis.run, analysis.options
    scores, best, flagged = [], {}, 0
    for pair in compare.compare_all(prints, n_class):
        scores.append(pair.score)
        team_a, team_b = teams[pair.a], teams[pair.b]
        listed = _team_pair(project, team_a, team_b, pair, options)
        flagged += listed.flagged
        for me, other in ((team_a, team_b), (team_b, team_a)):
            if not me.past and (me.id not in best or listed.score > best[me.id][1].score):
                best[me.id] = (other, listed)
        if listed.score >= options.list_floor:
            run.pairs.append(listed)
    listed_ids = {id(p) for p in run.pairs}
    for team_id, (other, pair) in best.items():
        run.team(team_id).most_similar[str(project)] = Match(other.id, pair.score, pair.flagged, other.past)
        if id(pair) not in listed_ids:  # each team's best partner is listed, however low
            run.pairs.append(pair)
            listed_ids.add(id(pair))
    run.projects.append(
        ProjectStats(
            project=project,
            teams=len(teams),
            pairs=len(scores),
            flagged=flagged,
            common_fragments=common,
            histogram=compare.histogram(scores, options.histogram_bins),
            median=_quantile(scores, 0.5),
            p90=_quantile(scores, 0.9),
            max=_quantile(scores, 1.0),
        )
    )


def _team_pair(
    project: int, team_a: Team, team_b: Team, pair: compare.PairScore, options: SimilarityOptions
) -> TeamPair:
    score = round(pair.score, 4)
    return TeamPair(
        project=project,
        team_a=team_a.id,
        team_b=team_b.id,
        score=score,
        similarity_a=round(pair.similarity_a, 4),
        similarity_b=round(pair.similarity_b, 4),
        matched_a=int(pair.matched_a.sum()),
        matched_b=int(pair.matched_b.sum()),
        flagged=score >= options.threshold,
        past=team_b.past,
    )


def detailed_pairs(run: SimilarityRun, options: SimilarityOptions) -> list[TeamPair]:
    """The pairs that get per-file detail and a side-by-side page: flagged ones, then the top `views`."""
    flagged = [p for p in run.pairs if p.flagged]
    top = [p for p in run.pairs[: options.views] if not p.flagged and p.score > 0]  # nothing to show at 0
    return (flagged + top)[: options.max_views]


def _detail(analysis: Analysis, say: Progress) -> None:
    run, options = analysis.run, analysis.options
    chosen = detailed_pairs(run, options)
    if chosen:
        say(f"matching lines of {len(chosen)} pairs")
    for pair in chosen:
        prints_a, prints_b = library_prints(analysis, pair)
        a, b = analysis.prints[pair.project, pair.team_a], analysis.prints[pair.project, pair.team_b]
        scored = compare.compare_pair(a, b, 0, 1)
        pair.files_a = details.file_shares(a, scored.matched_a)
        pair.files_b = details.file_shares(b, scored.matched_b)
        pair.file_pairs = details.file_pairs(prints_a, prints_b)


def library_prints(analysis: Analysis, pair: TeamPair) -> tuple[dict, dict]:
    """copydetect's fingerprints of both teams' compared files (template and common fragments left out).

    The last LIBRARY_CACHE teams' are kept: a team often appears in several
    detailed pairs, and each pair needs them twice (line ranges, then its page).
    """
    out = []
    for team_id in (pair.team_a, pair.team_b):
        key = (pair.project, team_id)
        prints = analysis.library_cache.pop(key, None)
        if prints is None:
            entry = analysis.run.team(team_id).projects[str(pair.project)]
            prints = details.library_prints(
                analysis.files(team_id, pair.project),
                entry.files,
                analysis.options.k,
                analysis.left_out[pair.project],
                team_id,
            )
        analysis.library_cache[key] = prints  # most recently used last
        while len(analysis.library_cache) > LIBRARY_CACHE:
            analysis.library_cache.pop(next(iter(analysis.library_cache)))
        out.append(prints)
    return out[0], out[1]


def _template_files(options: SimilarityOptions, problems: list[str]) -> dict[int, list[SourceFile]]:
    """Per project, the files whose code is not counted: the handout's and each --template's."""
    folders = (list(HANDOUT) if options.handout_template else []) + list(options.templates)
    out: dict[int, list[SourceFile]] = {p: [] for p in options.projects}
    for folder in folders:
        try:
            found = read_submission(folder, options.projects)
        except SubmissionError as exc:
            problems.append(f"template {folder}: not used: {exc}")
            continue
        if found.projects:
            for number, project in found.projects.items():
                out[number] += project.files
        elif Path(folder).is_dir():  # starter code without Miniproject_N folders counts for every project
            files = read_project(Path(folder), 0).files
            for number in out:
                out[number] += files
    return out


def _template_names(options: SimilarityOptions) -> list[str]:
    return (["handout (Module skeleton, Model API)"] if options.handout_template else []) + [
        str(p) for p in options.templates
    ]


def _quantile(values: list[float], q: float) -> float | None:
    return round(float(np.quantile(values, q)), 4) if values else None
