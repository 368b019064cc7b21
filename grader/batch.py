"""Grading many submissions: a pool of judge processes, each grading one submission at a time.

Why processes that live for the whole batch: each grade starts its own
sandboxed worker with PR_SET_PDEATHSIG (the worker dies with the thread that
started it) and makes the judge a child subreaper, so a judge must outlive its
grades; a separate process per judge also keeps one judge's crash, hang or
memory blow-up away from the others. A judge that dies or runs past
`timeout` is replaced and its submission recorded as an error result.

The dispatch loop (`_drive`) is the grader's own: it hands tasks to an
executor as it has room and turns what the executor reports (`Event`) into
outcomes. `JudgePool` (local processes) is the default; `grader.cluster`
provides the Dask executor (`--cluster`), imported only then.

Every result is written (atomically, with all its views) exactly once, as
soon as it is done, so Ctrl-C keeps what finished; a re-run skips submissions whose
result.json already matches the submission hash and the grading settings.
"""

from __future__ import annotations

import json
import multiprocessing
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

import grader
from grader.dispatch import Event, NoWorkers, Task, _on_sigterm, _Stopped, error_result, grade_task
from grader.grade import GradeError, grade_submission, load_grading_data, sandbox_settings
from grader.machine import usable_cores
from grader.options import GradeOptions, resolve_device
from grader.result import Result
from grader.sandbox.interpreter import worker_python
from grader.sandbox.supervisor import SandboxSettings
from grader.scoring import RubricError, load_rubric
from grader.submission.naming import output_names  # noqa: F401  (part of this module's API)

# environment fields that must match for a stored result to stand for a new grade
SKIP_KEYS = (
    "grader_version",
    "data_id",
    "rubric_digest",
    "fast",
    "train",
    "seed",
    "n_train",
    "n_val",
    "device",
    "worker_python",
    "shims",
)
STOP_GRACE_SECONDS = 15.0  # a stopped judge gets this long to kill its sandboxed worker itself
START_TIMEOUT_SECONDS = 300.0  # a judge process that has not picked up its task by then is replaced


@dataclass
class Outcome:
    """What happened to one submission: graded, skipped (already up to date) or error (not graded)."""

    task: Task
    state: str
    result: Result
    seconds: float = 0.0
    message: str = ""


@dataclass
class BatchReport:
    outcomes: list[Outcome] = field(default_factory=list)
    interrupted: bool = False
    wall_seconds: float = 0.0
    jobs: int = 1
    pending: int = 0  # not graded because of an interruption

    @property
    def to_regrade(self) -> list[Outcome]:
        """Submissions to grade again: not graded, or incomplete (a check in error, left out of the score)."""
        return [o for o in self.outcomes if o.state == "error" or o.result.incomplete]

    @property
    def not_gradable(self) -> list[Outcome]:
        """Paths that held no gradable submission (bad input: regrading them gives the same; give another path)."""
        return [o for o in self.outcomes if o.result.not_gradable]

    @property
    def exit_code(self) -> int:
        """130 interrupted, 2 a submission could not be graded, is not gradable or is incomplete, 1 a required
        check failed, else 0."""
        if self.interrupted:
            return 130
        if self.to_regrade or self.not_gradable:
            return 2
        return 1 if any(o.result.failed_required for o in self.outcomes) else 0


def expected_environment(options: GradeOptions, data, device: str, rubric_digest: str) -> dict:
    """The environment values a stored result must have to be reused (see SKIP_KEYS)."""
    settings = sandbox_settings(options, "cpu")  # the worker's interpreter and shims
    return {
        "worker_python": worker_python(settings.python).executable,
        "shims": list(settings.shims),
        "grader_version": grader.__version__,
        "data_id": data.data_id,
        "rubric_digest": rubric_digest,
        "fast": options.fast,
        "train": options.train,
        "seed": options.seed,
        "n_train": len(data.train_input),
        "n_val": len(data.val_input),
        "device": device,
    }


def stored_result(folder: Path) -> Result | None:
    """The result.json in `folder`, or None when absent or unreadable."""
    try:
        return Result.from_dict(json.loads((folder / "result.json").read_text()))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def is_up_to_date(stored: Result | None, expected: dict, path: Path) -> bool:
    """True when `stored` graded the same submission content with the same settings."""
    if stored is None or any(c.family == "grader" for c in stored.checks) or stored.incomplete:
        return False  # not graded, or incomplete: a re-run grades it again
    env = stored.environment
    if any(env.get(k) != v for k, v in expected.items()) or not env.get("submission_hash"):
        return False
    from grader.submission import SubmissionError, locate_submission, submission_hash

    try:
        with locate_submission(path) as sub:
            return submission_hash(sub.package_dir) == env["submission_hash"]
    except (SubmissionError, OSError):
        return False


def annotate(result: Result, options: GradeOptions, jobs: int) -> Result:
    """Record batch facts in the result: the settings the skip test needs, and timing contention."""
    env = result.environment
    env.setdefault("train", options.train)
    env.setdefault("seed", options.seed)
    env["batch_jobs"] = jobs
    warning = "" if "node" in env else contention_warning(options, jobs)  # a cluster worker had its own cores
    if warning and any(c.id == "model.train_time" for c in result.checks):
        result.notes.append(warning)
    return result


def share_cores(options: GradeOptions, jobs: int) -> GradeOptions:
    """With `jobs` grades at once, give each worker its share of the cores (when threads were left at the
    default of all cores), so that timed epochs do not fight over them."""
    from dataclasses import replace

    default = SandboxSettings().threads
    if jobs > 1 and options.sandbox.threads == default:
        options = replace(options, sandbox=replace(options.sandbox, threads=max(1, usable_cores() // jobs)))
    return options


def contention_warning(options: GradeOptions, jobs: int) -> str:
    """Why timed epochs are unfair when `jobs` grades share too few cores ('' when they are not)."""
    cores = usable_cores()
    options = share_cores(options, jobs)
    threads = options.sandbox.threads
    if not options.train or jobs < 2 or jobs * threads <= cores:
        return ""
    return (
        f"graded {jobs} at a time with {threads} thread(s) each on {cores} CPU core(s): epoch times are "
        "slower than when graded alone and model.train_time may fail on that account (grade with -j 1, or "
        "with -j N on N times as many cores, for timings)"
    )


# ---------------------------------------------------------------- judge process side


def _judge_main(
    conn: Connection, options: GradeOptions, data, reference: dict, grade_fn: Callable, torch_threads: int
) -> None:
    """A judge process: grade the tasks it receives until it gets None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides what an interrupt stops
    signal.signal(signal.SIGTERM, _on_sigterm)
    import torch

    torch.set_num_threads(torch_threads)
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            started = time.monotonic()
            conn.send(("started", task.index))
            state, result, samples, message = grade_task(
                task, options, data, reference, grade_fn, lambda m, i=task.index: conn.send(("progress", i, m))
            )
            conn.send(("done", task.index, state, result.to_dict(), samples, time.monotonic() - started, message))
    except (_Stopped, EOFError, BrokenPipeError):
        return


# ---------------------------------------------------------------- batch side


class _Judge:
    """One judge process and the task it is grading."""

    def __init__(self, ctx, args: tuple):
        self.ctx, self.args = ctx, args
        self.process = None
        self.conn: Connection | None = None
        self.task: Task | None = None
        self.assigned = 0.0  # when the task was sent
        self.started: float | None = None  # when the judge began grading it (--timeout counts from here)

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def start(self) -> None:
        parent, child = self.ctx.Pipe()
        self.process = self.ctx.Process(
            target=_judge_main, args=(child, *self.args), daemon=True, name="n2n-grade-judge"
        )
        self.process.start()
        child.close()
        self.conn = parent

    def assign(self, task: Task) -> None:
        if not self.alive():
            self.start()
        self.task, self.assigned, self.started = task, time.monotonic(), None
        self.conn.send(task)

    def request_stop(self) -> None:
        """Ask the process to end: None when idle (it returns), SIGTERM when grading (it unwinds)."""
        if self.process is None or not self.process.is_alive():
            return
        if self.task is None:
            try:
                self.conn.send(None)
            except (BrokenPipeError, OSError):
                self.process.terminate()
        else:
            self.process.terminate()

    def stop(self, *, grace: float = STOP_GRACE_SECONDS) -> None:
        """End the process (see request_stop), killing it if it has not ended within `grace` seconds."""
        if self.process is None:
            return
        self.request_stop()
        self.process.join(grace)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)
        if self.conn is not None:
            self.conn.close()
        self.process, self.conn, self.task = None, None, None


class JudgePool:
    """The default executor: `jobs` judge processes on this machine, each grading one task at a time."""

    def __init__(self, jobs: int, args: tuple, timeout: float | None, start_method: str = "spawn"):
        ctx = multiprocessing.get_context(start_method)
        self.judges = [_Judge(ctx, args) for _ in range(jobs)]
        self.timeout = timeout

    def free(self) -> int:
        return sum(j.task is None for j in self.judges)

    def busy(self) -> bool:
        return any(j.task for j in self.judges)

    def submit(self, task: Task) -> None:
        next(j for j in self.judges if j.task is None).assign(task)

    def poll(self, seconds: float) -> list[Event]:
        """Wait up to `seconds` for the busy judges; replace those that died or ran past the timeout."""
        busy = [j for j in self.judges if j.task is not None]
        ready = wait([j.conn for j in busy] + [j.process.sentinel for j in busy], timeout=seconds)
        now, events = time.monotonic(), []
        for judge in busy:
            task = judge.task
            if judge.conn in ready or judge.conn.poll():
                try:
                    while judge.task is not None and judge.conn.poll():
                        events += _receive(judge, judge.conn.recv())
                except (EOFError, OSError):
                    pass
                if judge.task is None:
                    continue
            spent = round(now - (judge.started or judge.assigned), 2)
            if not judge.process.is_alive():
                code = judge.process.exitcode
                judge.stop()
                events.append(
                    Event(
                        "failed",
                        task,
                        f"the grading process died (exit code {code}) while grading {task.path}",
                        seconds=spent,
                        check_id="grader.crashed",
                    )
                )
            elif judge.started is not None and self.timeout is not None and spent > self.timeout:
                judge.stop()
                events.append(
                    Event(
                        "failed",
                        task,
                        f"grading took longer than --timeout {self.timeout:g} s and was stopped",
                        seconds=spent,
                        check_id="grader.timeout",
                    )
                )
            elif judge.started is None and spent > START_TIMEOUT_SECONDS:
                judge.stop()
                events.append(
                    Event(
                        "failed",
                        task,
                        f"the grading process did not start within {START_TIMEOUT_SECONDS:g} s",
                        seconds=spent,
                        check_id="grader.crashed",
                    )
                )
        return events

    def close(self) -> None:
        for judge in self.judges:  # every judge winds down at the same time
            judge.request_stop()
        for judge in self.judges:
            judge.stop()


def run_batch(
    paths: list[str | Path],
    out_dir: str | Path,
    options: GradeOptions | None = None,
    *,
    jobs: int = 1,
    force: bool = False,
    timeout: float | None = None,
    data=None,
    reference: dict | None = None,
    grade_fn: Callable = grade_submission,
    on_outcome: Callable[[Outcome], None] | None = None,
    on_progress: Callable[[Task, str], None] | None = None,
    write: Callable | None = None,
    start_method: str = "spawn",
    cluster=None,
) -> BatchReport:
    """Grade `paths` into `out_dir`/<name>/ with `jobs` judge processes; see the module docstring.

    `cluster` (a grader.cluster.ClusterSpec) grades on Dask workers instead of local judge processes.
    `grade_fn` (picklable, grade_submission's signature) and `write(result, folder, samples)`
    are there for tests and other front ends. Raises GradeError when grading cannot start.
    """
    from grader.report.views import write_views

    options = options or GradeOptions()
    if cluster is None:
        options = share_cores(options, jobs)  # on a cluster each worker takes its node's share (grader.cluster)
    write = write or write_views
    started = time.monotonic()
    if jobs < 1:
        raise GradeError(f"-j/--jobs must be at least 1, not {jobs}")
    if timeout is not None and timeout <= 0:
        raise GradeError(f"--timeout must be positive, not {timeout}")
    try:
        device = resolve_device(options.device) if cluster is None or options.device != "auto" else "auto"
        rubric = load_rubric(options.rubric)
    except (ValueError, RubricError) as exc:
        raise GradeError(str(exc)) from None
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise GradeError(f"--out {out_dir}: cannot create the folder ({exc.strerror})") from None
    data = data if data is not None else load_grading_data(options, progress=False)
    try:
        expected = expected_environment(options, data, device, rubric.digest)
    except ValueError as exc:  # --worker-python that cannot run the worker
        raise GradeError(str(exc)) from None
    # 'auto' is resolved on each cluster worker: a result graded on a GPU node or a CPU node both stand
    reusable = {k: v for k, v in expected.items() if not (k == "device" and v == "auto")}
    paths = list(dict.fromkeys(Path(p) for p in paths))  # a path named twice is graded once
    tasks = [Task(i, p, name) for i, (p, name) in enumerate(zip(paths, output_names(paths)))]
    report = BatchReport(jobs=jobs)
    done: set[int] = set()

    def finish(outcome: Outcome, samples=None) -> None:
        if outcome.task.index in done:  # a late answer for a task already recorded is never written twice
            return
        done.add(outcome.task.index)
        if outcome.state != "skipped":
            write(outcome.result, out_dir / outcome.task.name, samples)
        report.outcomes.append(outcome)
        if on_outcome:
            on_outcome(outcome)

    pending: deque[Task] = deque()
    executor = None
    try:
        for task in tasks:
            stored = None if force else stored_result(out_dir / task.name)
            if stored is not None and is_up_to_date(stored, reusable, task.path):
                finish(Outcome(task, "skipped", stored, 0.0, "already graded with these settings"))
            else:
                pending.append(task)
        if cluster is not None and pending:
            from grader.cluster.executor import DaskExecutor

            executor = DaskExecutor(cluster, options, data, grade_fn=grade_fn, timeout=timeout, reference=reference)
        elif pending:
            if reference is None:
                reference = _measure_reference(options, data)
            args = (options, data, reference or {}, grade_fn, max(1, usable_cores() // jobs))
            executor = JudgePool(min(jobs, len(pending)), args, timeout, start_method)
        if executor is not None:
            _drive(executor, pending, expected, options, jobs, finish, on_progress)
    except KeyboardInterrupt:
        report.interrupted = True
    finally:
        if executor is not None:
            executor.close()
    report.pending = len(tasks) - len(report.outcomes)
    report.wall_seconds = round(time.monotonic() - started, 2)
    return report


def _measure_reference(options: GradeOptions, data) -> dict:
    if not options.measure_reference:
        return {}
    from grader.grade import measure_reference_for

    return measure_reference_for(options, data)


def _drive(
    executor,
    pending: deque,
    expected: dict,
    options: GradeOptions,
    jobs: int,
    finish: Callable,
    on_progress: Callable | None,
) -> None:
    """The dispatch loop: hand tasks to the executor as it has room, turn what it reports into outcomes."""
    while pending or executor.busy():
        while pending and executor.free():
            executor.submit(pending.popleft())
        try:
            events = executor.poll(1.0)
        except NoWorkers as exc:  # the cluster cannot grade the rest: each gets a result saying so
            while pending:
                task = pending.popleft()
                finish(
                    Outcome(task, "error", error_result(task, "grader.node_lost", str(exc), expected), 0.0, str(exc))
                )
            continue
        for event in events:
            task = event.task
            if event.kind == "progress":
                if on_progress:
                    on_progress(task, event.message)
            elif event.kind == "retry":  # its worker was lost: first in line for another one
                pending.appendleft(task)
            elif event.kind == "failed":
                finish(
                    Outcome(
                        task,
                        "error",
                        error_result(task, event.check_id, event.message, expected),
                        event.seconds,
                        event.message,
                    )
                )
            else:
                result = Result.from_dict(event.result)
                if event.state == "error":
                    result.environment = {**expected, **result.environment, "batch_error": True}
                if event.state == "graded":
                    annotate(result, options, jobs)
                finish(Outcome(task, event.state, result, round(event.seconds, 2), event.message), event.samples)


def _receive(judge: _Judge, message: tuple) -> list[Event]:
    kind = message[0]
    if kind == "started":
        judge.started = time.monotonic()
        return []
    if kind == "progress":
        return [Event("progress", judge.task, message[2])] if judge.task is not None else []
    _, index, state, result_dict, samples, seconds, text = message
    task, judge.task = judge.task, None
    return [Event("done", task, text, state=state, result=result_dict, samples=samples, seconds=seconds)]
