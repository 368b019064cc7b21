"""What a similarity run found, as plain data: the `similarity.json` every view is made from.

Similarities are shares of fingerprinted code: `similarity_a` is the part of
team A's code (normalised characters, template and class-wide fragments left
out) that also occurs in team B's, in any of its files. `score` is the larger
direction, so a small submission copied into a large one still stands out.
A flag is a pointer for a person to read both submissions, never a verdict.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCHEMA_VERSION = 1
JSON_NAME = "similarity.json"
HTML_NAME = "similarity.html"


@dataclass
class FileShare:
    """One file of a team against all files of the other team: copydetect has no such total."""

    file: str
    tokens: int  # normalised characters fingerprinted
    matched: int  # of those, covered by k-grams the other team also has
    similarity: float


@dataclass
class FilePair:
    """Two files with code in common (copydetect's comparison of the pair)."""

    file_a: str
    file_b: str
    similarity_a: float  # share of file_a found in file_b
    similarity_b: float
    tokens: int  # matched normalised characters (copydetect's token overlap)
    lines_a: list[list[int]]  # matched line ranges [first, last], 1-based
    lines_b: list[list[int]]


@dataclass
class TeamPair:
    """Two teams' code for one project. The detail fields are filled for the pairs a report shows."""

    project: int
    team_a: str  # team ids (see Team.id)
    team_b: str
    score: float
    similarity_a: float
    similarity_b: float
    matched_a: int
    matched_b: int
    flagged: bool
    past: bool = False  # team_b is a past submission (--reference)
    files_a: list[FileShare] = field(default_factory=list)
    files_b: list[FileShare] = field(default_factory=list)
    file_pairs: list[FilePair] = field(default_factory=list)
    view: str | None = None  # side-by-side page, relative to the output folder

    @classmethod
    def from_dict(cls, data: dict) -> TeamPair:
        data = dict(data)
        data["files_a"] = [FileShare(**f) for f in data.get("files_a", [])]
        data["files_b"] = [FileShare(**f) for f in data.get("files_b", [])]
        data["file_pairs"] = [FilePair(**f) for f in data.get("file_pairs", [])]
        return cls(**data)


@dataclass
class Skip:
    """A file or project left out, and why."""

    path: str
    reason: str


@dataclass
class TeamProject:
    """One project of one team: what was compared and what was not."""

    folder: str
    files: list[str]  # compared
    tokens: int  # normalised characters fingerprinted, template and class-wide fragments left out
    skipped: list[Skip] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Match:
    """A team's most similar other team in one project."""

    team: str
    score: float
    flagged: bool
    past: bool = False


@dataclass
class Team:
    """One submission of the class, or a past one (`past`, compared with the class only)."""

    id: str  # unique in the run; the folder name `grade PATH... --out DIR` gives the same path
    name: str  # its folder name (or the zip's)
    source: str  # the path given
    past: bool = False
    projects: dict[str, TeamProject] = field(default_factory=dict)  # "1", "2"
    most_similar: dict[str, Match] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict) -> Team:
        data = dict(data)
        data["projects"] = {
            p: TeamProject(**{**v, "skipped": [Skip(**s) for s in v.get("skipped", [])]})
            for p, v in data.get("projects", {}).items()
        }
        data["most_similar"] = {p: Match(**m) for p, m in data.get("most_similar", {}).items()}
        return cls(**data)


@dataclass
class ProjectStats:
    """The distribution of pair scores in one project (every compared pair, listed or not)."""

    project: int
    teams: int
    pairs: int
    flagged: int
    common_fragments: int  # k-gram hashes left out for occurring in more than the set share of the class
    histogram: list[int]  # pair counts per bin of width 1/len(histogram), from 0 to 1
    median: float | None
    p90: float | None
    max: float | None


@dataclass
class SimilarityRun:
    """A whole run: settings, teams, per-project distributions and the listed pairs, highest score first."""

    tool: dict  # {"name": "copydetect", "version": ...}: scores changed between its versions
    grader_version: str
    settings: dict
    templates: list[str]
    teams: list[Team]
    projects: list[ProjectStats]
    pairs: list[TeamPair]
    problems: list[str] = field(default_factory=list)
    schema: int = SCHEMA_VERSION

    def team(self, team_id: str) -> Team:
        return next(t for t in self.teams if t.id == team_id)

    @property
    def flagged(self) -> list[TeamPair]:
        return [p for p in self.pairs if p.flagged]

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, allow_nan=False) + "\n"

    @classmethod
    def from_dict(cls, data: dict) -> SimilarityRun:
        data = dict(data)
        data["teams"] = [Team.from_dict(t) for t in data["teams"]]
        data["projects"] = [ProjectStats(**p) for p in data["projects"]]
        data["pairs"] = [TeamPair.from_dict(p) for p in data["pairs"]]
        return cls(**data)


def load_run(path: str | Path) -> SimilarityRun:
    """Read a similarity.json; ValueError (with the path) when it is not one."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        if not isinstance(data, dict) or data.get("schema") != SCHEMA_VERSION:
            raise ValueError(f"not a similarity.json of schema {SCHEMA_VERSION}")
        return SimilarityRun.from_dict(data)
    except (OSError, json.JSONDecodeError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: cannot read a similarity run ({exc})") from exc
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
