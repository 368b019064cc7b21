"""`grade PATH...`: grade submissions and print, save or emit their results.

Without --out each submission is graded in this process and its report
printed. With --out DIR (or -j N) the batch runner grades them in N judge
processes and writes DIR/<submission>/ with every view (see grader.batch).
Exit codes: 0 every required check passed, 1 a required check failed,
2 the grader could not run, a path held no gradable submission (not gradable:
bad input), or a result is incomplete (a check in error, the grader's or the
machine's failure: regrade), or in a batch a submission could not be graded;
130 interrupted.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import click

from grader.ci import run as ci_run
from grader.cli.cluster_cmd import cluster_options, cluster_spec
from grader.cli.options import grading_options
from grader.exit_status import exit_status
from grader.grade import GradeError, grade_submission, load_grading_data
from grader.options import GradeOptions
from grader.report import terminal
from grader.report.details import pts


@click.command("submission", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@grading_options
@click.option("--json", "as_json", is_flag=True, help="Print the result JSON instead of the table.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write DIR/<submission>/ (result.json, results.json, junit.xml, report.md, report.html) "
    "and DIR/summary.*; skips submissions already graded with the same settings.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Submissions graded at the same time (needs --out).",
)
@click.option("--force", is_flag=True, help="With --out: grade again even when a result is up to date.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    help="With --out: stop a submission's grading after this many seconds (it gets an error result).",
)
@click.option(
    "--ci",
    "ci",
    is_flag=True,
    help="Student CI mode: fast checks, GitHub annotations, job summary, JUnit (same as `grade ci PATH`).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list checks that do not apply.")
@cluster_options
def submission(paths, options, as_json, out, jobs, force, timeout, ci, verbose, **cluster):
    """Grade the submission(s) at PATH: a Proj_* folder or zip (both mini-projects), or one Miniproject_N folder."""
    if ci:
        if len(paths) != 1:
            raise click.UsageError("--ci grades one submission (the repository): give one PATH")
        out = out or Path("grade-results")
        sys.exit(ci_run.run_ci(paths[0], replace(options, fast=True).hiding(out), out=out, verbose=verbose))
    if out is not None:
        options = options.hiding(out)
    spec = cluster_spec(jobs, **cluster)
    if out is not None or jobs > 1 or spec is not None:
        if out is None:
            raise click.UsageError("-j/--jobs and --cluster grade into a folder: give --out DIR")
        sys.exit(_batch(paths, options, out, jobs, force, timeout, as_json, verbose, spec))
    if force or timeout:
        raise click.UsageError("--force and --timeout apply to batches: give --out DIR")
    try:
        data = load_grading_data(options)
    except GradeError as exc:
        raise click.UsageError(str(exc)) from None
    worst = 0
    for path in paths:
        try:
            result = grade_submission(
                path, options, data=data, progress=lambda m, path=path: click.echo(f"[{path}] {m}", err=True)
            )
        except GradeError as exc:
            click.echo(f"grade: {exc}", err=True)
            sys.exit(2)
        if result.not_gradable and not as_json:
            click.echo(f"grade: {terminal.not_gradable_text(result)}", err=True)
        else:
            click.echo(result.to_json() if as_json else terminal.render(result, verbose=verbose))
        worst = max(worst, exit_status(result))
    sys.exit(worst)


def batch_paths(paths: list[Path], out: Path) -> list[Path]:
    """The paths a batch grades: the --out folder is left out and, with several paths (a shell
    glob), plain files other than zips and names starting with '_' or '.' (helper folders)."""
    keep = []
    for path in paths:
        if path.resolve() == out.resolve():
            click.echo(f"grade: leaving out {path}: it is the --out folder", err=True)
        elif len(paths) > 1 and path.is_file() and path.suffix.lower() != ".zip":
            click.echo(f"grade: leaving out {path}: neither a folder nor a .zip", err=True)
        elif len(paths) > 1 and path.name.startswith(("_", ".")):
            click.echo(
                f"grade: leaving out {path}: a name starting with '{path.name[0]}' (name it alone to grade it)",
                err=True,
            )
        else:
            keep.append(path)
    return keep


def _batch(
    paths, options: GradeOptions, out: Path, jobs: int, force: bool, timeout, as_json: bool, verbose: bool, cluster=None
) -> int:
    from grader.batch import contention_warning, run_batch
    from grader.cluster.spec import ClusterError
    from grader.report.summary import SummaryError
    from grader.report.summary_writer import write_class_files

    paths = batch_paths(list(paths), out)
    if not paths:
        raise click.UsageError("no submission folder or .zip among the paths given")
    warning = contention_warning(options, jobs) if cluster is None else ""
    if warning:
        click.echo(f"grade: warning: {warning}", err=True)
    progress = _Progress(len(paths))
    try:
        with progress:
            report = run_batch(
                paths,
                out,
                options,
                jobs=jobs,
                force=force,
                timeout=timeout,
                on_outcome=progress.done,
                on_progress=progress.step,
                cluster=cluster,
            )
    except (GradeError, ClusterError) as exc:
        click.echo(f"grade: {exc}", err=True)
        return 2
    results = [o.result for o in sorted(report.outcomes, key=lambda o: o.task.index)]
    if as_json and results:
        click.echo(json.dumps([r.to_dict() for r in results], indent=2) if len(paths) > 1 else results[0].to_json())
    elif len(paths) == 1 and results:
        click.echo(terminal.render(results[0], verbose=verbose), err=results[0].not_gradable)
    try:
        written = write_class_files(out)
    except SummaryError as exc:
        click.echo(f"grade: {exc}", err=True)
        written = None
    if written is not None and not as_json and len(paths) > 1:
        click.echo(written.text)
    where = f"-j {jobs}" if cluster is None else f"{jobs} worker(s) on cluster {cluster.kind}"
    click.echo(
        f"{status_counts(report.outcomes)}, in {report.wall_seconds:.1f} s with {where}; "
        f"results in {out}/ (class table: grade summary {out})",
        err=True,
    )
    if report.not_gradable:
        click.echo(
            "grade: not gradable (no submission found there; give another path): "
            + " ".join(str(o.task.path) for o in report.not_gradable),
            err=True,
        )
    if report.to_regrade:
        click.echo(
            "grade: to regrade (not graded, or incomplete: a check the grader could not run): "
            + " ".join(str(o.task.path) for o in report.to_regrade),
            err=True,
        )
    if report.interrupted:
        click.echo(
            f"grade: interrupted; {report.pending} submission(s) not graded. Finished results are kept: "
            "run the same command again to continue.",
            err=True,
        )
    return report.exit_code


def status_counts(outcomes) -> str:
    """'5 graded (4 passed, 1 failed a required check), 2 up to date (skipped), 1 not gradable (bad input),
    1 not graded (1 grader.timeout)'."""
    graded = [o for o in outcomes if o.state == "graded" and not o.result.not_gradable]
    failed = sum(bool(o.result.failed_required) for o in graded)
    errors = [o.result.checks[0].id if o.result.checks else "error" for o in outcomes if o.state == "error"]
    kinds = ", ".join(f"{errors.count(k)} {k}" for k in sorted(set(errors)))
    bad = sum(o.state == "graded" and o.result.not_gradable for o in outcomes)
    return (
        f"{len(graded)} graded ({len(graded) - failed} passed, {failed} failed a required check), "
        f"{sum(o.state == 'skipped' for o in outcomes)} up to date (skipped), "
        f"{bad} not gradable (bad input), {len(errors)} not graded" + (f" ({kinds})" if kinds else "")
    )


class _Progress:
    """A progress bar on a terminal; one line per finished submission otherwise (CI logs)."""

    def __init__(self, total: int):
        self.total, self.count = total, 0
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.bar = None

    def __enter__(self):
        if self.tty:
            self.bar = click.progressbar(
                length=self.total, label="grading", file=sys.stderr, show_pos=True, item_show_func=lambda item: item
            )
            self.bar.__enter__()
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False

    def step(self, task, message: str) -> None:
        if self.bar is not None:  # update(0, ...) would not redraw: set the item and redraw
            self.bar.current_item = f"{task.name}: {message}"[:60]
            self.bar.render_progress()

    def done(self, outcome) -> None:
        self.count += 1
        r = outcome.result
        verdict = {"graded": "FAIL" if r.failed_required else "ok", "skipped": "up to date", "error": "NOT GRADED"}[
            outcome.state
        ]
        text = f"{outcome.task.name}: {pts(r.score)}/{pts(r.max_score)} {verdict}"
        if r.not_gradable:
            text = f"{outcome.task.name}: NOT GRADABLE ({r.checks[0].message[:120]})"
        elif outcome.state == "error":
            text += f" ({outcome.message[:120]})"
        if self.bar is not None:
            self.bar.update(1, text[:60])
        else:
            click.echo(f"[{self.count}/{self.total}] {text} ({outcome.seconds:.0f} s){self.eta()}", err=True)

    def eta(self) -> str:
        """'; ETA 12 min' from the mean time per finished submission so far ('' when all are done)."""
        left = self.total - self.count
        if not left:
            return ""
        seconds = (time.monotonic() - self.started) / self.count * left
        return f"; ETA {seconds / 60:.0f} min" if seconds >= 90 else f"; ETA {seconds:.0f} s"
