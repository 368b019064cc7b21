"""The class table's "most similar team (score)" column, read from a batch folder's similarity.json.

`grade summary DIR` asks this module for it; it reads plain JSON only, so the
summary works without copydetect installed and without a similarity run
(no file: no column).
"""

from __future__ import annotations

from pathlib import Path

from grader.similarity.result import JSON_NAME, load_run


def most_similar_teams(directory: str | Path) -> tuple[dict[str, dict], str | None]:
    """{team id or name: its most similar team over the projects compared}, and a problem reading the file.

    Each value is {"team", "score", "flagged", "project", "past"}. Keys are the
    run's team ids (the folder names a batch gives the same paths) and, where
    unambiguous, the teams' own folder names.
    """
    path = Path(directory) / JSON_NAME
    if not path.is_file():
        return {}, None
    try:
        run = load_run(path)
    except ValueError as exc:
        return {}, str(exc)
    found: dict[str, dict] = {}
    names: dict[str, list[str]] = {}
    for team in run.teams:
        if team.past or not team.most_similar:
            continue
        project, match = max(team.most_similar.items(), key=lambda item: item[1].score)
        found[team.id] = {
            "team": match.team,
            "score": match.score,
            "flagged": match.flagged,
            "project": int(project),
            "past": match.past,
        }
        names.setdefault(team.name, []).append(team.id)
    for name, ids in names.items():
        if len(ids) == 1 and name not in found:
            found[name] = found[ids[0]]
    return found, None


def cell(match: dict | None) -> str:
    """`team_b (62%)`, with `, flagged` at or above the run's threshold; empty without a match."""
    if not match:
        return ""
    flag = ", flagged" if match["flagged"] else ""
    past = " (past)" if match.get("past") else ""
    return f"{match['team']}{past} ({100 * match['score']:.0f}%{flag})"
