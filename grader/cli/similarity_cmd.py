"""`grade similarity SUBS... --out DIR`: which teams of a class share code (see grader.similarity)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tabulate import tabulate

from grader.similarity.settings import COMMON_FRACTION, THRESHOLD, K

SHOWN = 15


@click.command("similarity", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Write similarity.json, similarity.html and similarity/ here (a batch's --out folder is fine: "
    "`grade summary` then shows each team's most similar team).",
)
@click.option(
    "--template",
    "templates",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Code every team was given (a course's starter code): not counted. Repeatable.",
)
@click.option(
    "--reference",
    "references",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Past submissions: compared with this class, not with each other. A folder of several "
    "submissions counts as each of them. Repeatable.",
)
@click.option(
    "--project",
    type=click.Choice(["1", "2", "all"]),
    default="all",
    show_default=True,
    help="Which mini-project to compare.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=THRESHOLD,
    show_default=True,
    help="Flag pairs whose score reaches this share.",
)
@click.option(
    "--k",
    "k",
    type=click.IntRange(5),
    default=K,
    show_default=True,
    help="Length of the compared fragments, in normalised characters (copydetect's noise threshold).",
)
@click.option(
    "--common-fraction",
    type=click.FloatRange(0, 1, min_open=True),
    default=COMMON_FRACTION,
    show_default=True,
    help="Fragments in more than this share of the class are not counted.",
)
@click.option(
    "--no-handout-template", is_flag=True, help="Count the handout's Module skeleton and Model API like any other code."
)
@click.option("--json", "as_json", is_flag=True, help="Print similarity.json to standard output.")
def similarity(
    submissions, out_dir, templates, references, project, threshold, k, common_fraction, no_handout_template, as_json
):
    """Compare every pair of SUBMISSIONS (folders or zips), per mini-project, for shared code.

    Template code and fragments most of the class has are not counted. A flagged
    pair is a pointer for a person to read both submissions side by side, never a
    verdict. Nothing in a submission is run.
    """
    try:
        from grader.similarity.run import check_similarity
        from grader.similarity.writer import HTML_NAME, write_report
    except ModuleNotFoundError as exc:
        if exc.name != "copydetect":
            raise
        click.echo(
            "grade similarity: needs copydetect, the `similarity` extra: "
            "pip install 'n2n-grade[similarity]' (or -e '.[similarity]' in a checkout)",
            err=True,
        )
        sys.exit(2)
    from grader.similarity.settings import SimilarityOptions
    from grader.similarity.sources import submissions_in

    past = tuple(p for ref in references for p in submissions_in(ref))
    try:
        options = SimilarityOptions(
            projects=(1, 2) if project == "all" else (int(project),),
            k=k,
            threshold=threshold,
            common_fraction=common_fraction,
            handout_template=not no_handout_template,
            templates=tuple(templates),
            references=past,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    analysis = check_similarity(list(submissions), options, progress=lambda m: click.echo(m, err=True))
    try:
        write_report(analysis, out_dir)
    except OSError as exc:
        click.echo(f"grade similarity: cannot write to {out_dir}: {exc}", err=True)
        sys.exit(2)
    run = analysis.run
    for problem in run.problems:
        click.echo(f"grade similarity: warning: {problem}", err=True)
    if as_json:
        click.echo(run.to_json(), nl=False)
    else:
        click.echo(_table(run))
        for stats in run.projects:
            click.echo(f"mini-project {stats.project}: {_distribution(stats)}")
        click.echo(f"{len(run.flagged)} pair(s) at or above {threshold:.0%}; report: {out_dir / HTML_NAME}")
    if not run.teams:
        sys.exit(2)  # nothing could be read


def _distribution(stats) -> str:
    if not stats.pairs:
        return f"{stats.teams} team(s), no pair to compare"
    return (
        f"{stats.teams} teams, {stats.pairs} pairs; score median {stats.median:.1%}, 90th percentile "
        f"{stats.p90:.1%}, highest {stats.max:.1%}; {stats.flagged} flagged"
    )


def _table(run) -> str:
    rows = [
        [
            p.project,
            p.team_a,
            p.team_b,
            f"{p.score:.1%}",
            f"{p.similarity_a:.1%}",
            f"{p.similarity_b:.1%}",
            "flagged" if p.flagged else "",
        ]
        for p in run.pairs[:SHOWN]
    ]
    more = f"\n... {len(run.pairs) - SHOWN} more in similarity.json" if len(run.pairs) > SHOWN else ""
    more += "\n"
    headers = ["project", "team A", "team B", "score", "A in B", "B in A", ""]
    return tabulate(rows, headers=headers, disable_numparse=True) + more
