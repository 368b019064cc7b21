"""`DaskExecutor`: the batch's executor on a Dask cluster (the dispatch loop stays grader.batch's).

Designed around the known traps of Dask and dask-jobqueue:

- one submission per worker at a time, pinned to it (`workers=[address]`,
  `allow_other_workers=False`) under a key unique per submission and
  attempt, so the scheduler never moves, duplicates or recomputes a grade;
- each result is gathered as soon as it finishes and released at once (a
  finished result held on a worker that dies would be recomputed);
- no adaptive scaling, no `--lifetime`, no `retire_workers` on a busy worker
  (they do not wait for running tasks); a worker whose job has less walltime
  left than a grade may take gets no more grades and, idle, is retired;
- a lost worker (its process or node died) costs its task one attempt: the
  task is cancelled and handed to another worker once, then recorded as
  `grader.node_lost` (Dask's own KilledWorker after three losses never comes
  into play);
- a worker is prepared (data rebuilt and checked, node facts) before its
  first grade, and the reference is measured once per node and thread count.
"""

from __future__ import annotations

import contextlib
import inspect
import pickle
import queue
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from grader.cluster import remote
from grader.cluster.jobs import dask_config, start_cluster
from grader.cluster.nodes import WorkerBook, WorkerEntry
from grader.cluster.security import run_security
from grader.cluster.spec import DEFAULT_TIMEOUT, START_MARGIN, ClusterError, ClusterSpec
from grader.dispatch import Event, NoWorkers, Task

MAX_ATTEMPTS = 2  # a submission whose worker is lost is graded once more elsewhere, then recorded as lost
PACK_LIMIT = 512 * 2**20  # bytes of a submission shipped to a worker
BACKSTOP = 120.0  # seconds past the timeout after which the driver stops waiting for a task's own answer
WAIT_SECONDS = {"local": 120.0, "address": 600.0, "scheduler": 3600.0}  # for a worker to show up


@dataclass
class Running:
    task: Task
    worker: str
    future: object
    key: str
    submitted: float
    node: dict  # recorded in the result: where it was graded, with how many threads


def function_ref(fn) -> tuple[str, str, list[str]]:
    """(module, qualname, sys.path entries) naming a module-level function for a judge on another node."""
    module = sys.modules.get(fn.__module__)
    if module is None or "<locals>" in fn.__qualname__:
        raise ClusterError(f"{fn!r} is not a module-level function: a cluster judge could not import it")
    folder = str(Path(inspect.getfile(module)).resolve().parent)
    if fn.__module__.startswith("grader."):
        folder = None
    return fn.__module__, fn.__qualname__, [folder] if folder else []


def course_files(options) -> dict[str, bytes] | None:
    """The course's data files, shipped once per worker (None: the embedded data, rebuilt on each node)."""
    if options.data_dir is None:
        return None
    from grader.data.course import TRAIN_FILE, VAL_FILE

    folder = Path(options.data_dir)
    return {name: (folder / name).read_bytes() for name in (TRAIN_FILE, VAL_FILE) if (folder / name).is_file()}


class DaskExecutor:
    """See the module docstring. `grade_fn` must be a module-level function (it is imported by name)."""

    def __init__(
        self, spec: ClusterSpec, options, data, *, grade_fn, timeout: float | None, reference: dict | None = None
    ):
        spec.validate(timeout)
        self.spec, self.options = spec, options
        self.timeout = timeout or DEFAULT_TIMEOUT
        self.run_id = secrets.token_hex(4)
        self.run = {
            "options": pickle.dumps(options),  # opened by the judges only: the worker process never imports torch
            "data_id": data.data_id,
            "grade_fn": function_ref(grade_fn),
            "stop_event": f"n2n-grade-stop-{self.run_id}",
        }
        from grader.sandbox.supervisor import SandboxSettings

        self.user_threads = options.sandbox.threads != SandboxSettings().threads  # --threads given
        self.course = course_files(options)
        self.fixed_reference = reference
        self.references: dict[tuple, dict | None] = {}  # (host, threads) -> measurement (None: being measured)
        self.measuring: dict[str, tuple] = {}  # worker address -> the reference key it measures
        self.book = WorkerBook()
        self.running: dict[int, Running] = {}
        self.attempts: Counter = Counter()
        self.lost_on: dict[int, list[str]] = {}
        self.ready_events: list[Event] = []
        self.progress: queue.Queue = queue.Queue()
        self._config = contextlib.ExitStack()  # --cluster-config, in force while the cluster lives
        try:
            self._config.enter_context(dask_config(spec))
            self.security = run_security(spec)
            self._config.callback(self.security.close)
            self.cluster, self.client = start_cluster(spec, self.security)
        except BaseException:
            self._config.close()
            raise
        self.client.subscribe_topic(remote.TOPIC, self._on_remote)
        self.last_useful = time.monotonic()
        kind = "address" if spec.address else "local" if spec.kind == "local" else "scheduler"
        self.wait_seconds = spec.wait_seconds or WAIT_SECONDS[kind]
        self.warned: set[str] = set()
        self.missing: set[str] = set()  # workers absent from the scheduler at the last look
        print(
            f"grade: cluster {spec.kind}: {spec.jobs} worker(s) asked for; {self.security.description}", file=sys.stderr
        )

    # ------------------------------------------------------------ the executor interface
    def free(self) -> int:
        return len(self._eligible())

    def busy(self) -> bool:
        return bool(self.running or self.ready_events)  # ready_events: failures not yet reported

    def submit(self, task: Task) -> None:
        entry = self._eligible()[0]
        attempt = self.attempts[task.index]
        key = f"n2n-grade-{self.run_id}-{task.index}-{attempt}"
        try:
            submission = remote.pack_submission(task.path, PACK_LIMIT)
        except OSError as exc:
            self.ready_events.append(
                Event(
                    "failed", task, f"cannot send the submission to a worker: {exc}", check_id="grader.could_not_grade"
                )
            )
            return
        threads = self._threads(entry)
        job = {
            "key": key,
            "index": task.index,
            "name": task.name,
            "submission": submission,
            "threads": threads,
            "timeout": self.timeout,
            "data_file": entry.facts["data_file"],
            "data_dir": entry.facts.get("data_dir"),
            "reference": self._reference_for(entry),
        }
        future = self.client.submit(
            remote.grade,
            self.run,
            job,
            key=key,
            workers=[entry.address],
            allow_other_workers=False,
            pure=False,
            retries=0,
        )
        entry.state, entry.task = "busy", task.index
        node = {k: entry.facts.get(k) for k in ("host", "cpu", "gpu", "cpus", "cores", "job_id")}
        self.running[task.index] = Running(
            task, entry.address, future, key, time.monotonic(), {**node, "threads": threads, "worker": entry.address}
        )

    def poll(self, seconds: float) -> list[Event]:
        self._wait(seconds)
        events, self.ready_events = self.ready_events, []
        events += self._refresh_workers()
        self._check_prepared()
        self._check_references()
        events += self._progress()  # before _collect: a task's last progress comes before its result
        events += self._collect()
        self._retire_short_jobs()
        self._check_hope()
        return events

    def close(self) -> None:
        """Stop the running judges (they see the run's stop event, unwind and kill their sandboxes), then the
        client, the cluster, the run's certificate files and Dask's configuration."""
        try:
            from distributed import Event as DaskEvent
            from distributed import wait

            DaskEvent(self.run["stop_event"], client=self.client).set()
            futures = [run.future for run in self.running.values()]
            if futures:  # each task notices within STOP_POLL and gives its judge STOP_GRACE
                wait(futures, timeout=remote.STOP_POLL + remote.STOP_GRACE + 10)
            for run in self.running.values():
                run.future.cancel()
        except Exception:  # a scheduler already gone: closing the cluster stops the workers and their judges
            pass
        try:
            self.client.close()
        finally:
            try:
                if self.cluster is not None:
                    self.cluster.close()
            finally:
                for name in ("_job_ca_file", "_job_cert", "_job_key"):  # the certificate files dask-jobqueue wrote
                    handle = getattr(self.cluster, name, None)
                    if handle is not None:
                        handle.close()  # a NamedTemporaryFile: closing removes it
                self._config.close()  # the run's certificate folder, then Dask's configuration as it was

    # ------------------------------------------------------------ workers
    def _eligible(self) -> list[WorkerEntry]:
        ready = [w for w in self.book.in_state("ready") if self._reference_known(w)]
        return sorted(ready, key=lambda w: -(self.book.time_left(w) or float("inf")))

    def _threads(self, entry: WorkerEntry) -> int:
        if self.user_threads:
            return self.options.sandbox.threads
        threads = self.book.threads_for(entry)
        if self.spec.kind == "local":  # every worker is on this machine, prepared or not yet
            threads = min(threads, max(1, entry.facts.get("cores", 1) // self.spec.jobs))
        return threads

    def _ref_key(self, entry: WorkerEntry) -> tuple:
        return entry.host, self._threads(entry), entry.facts.get("gpu")

    def _reference_for(self, entry: WorkerEntry) -> dict:
        if self.fixed_reference is not None or not self.options.measure_reference:
            return self.fixed_reference or {}
        return self.references.get(self._ref_key(entry)) or {}

    def _reference_known(self, entry: WorkerEntry) -> bool:
        if self.fixed_reference is not None or not self.options.measure_reference:
            return True
        key = self._ref_key(entry)
        if key not in self.references:  # this worker measures it for its node
            self.references[key] = None
            self.measuring[entry.address] = key
            entry.state = "measuring"
            job = {
                "threads": key[1],
                "data_file": entry.facts["data_file"],
                "data_dir": entry.facts.get("data_dir"),
                "timeout": self.timeout,
            }
            entry.prepare = self.client.submit(
                remote.measure,
                self.run,
                job,
                key=f"n2n-grade-{self.run_id}-ref-{entry.address}",
                workers=[entry.address],
                allow_other_workers=False,
                pure=False,
            )
            return False
        return self.references[key] is not None

    def _refresh_workers(self) -> list[Event]:
        try:  # asked directly: Client.scheduler_info() returns a cache that a periodic refresh empties of workers
            current = set(self.client.sync(self.client.scheduler.identity, n_workers=-1)["workers"])
        except Exception:  # the scheduler is busy or briefly unreachable: try again next time
            return []
        if self.spec.address:  # an existing scheduler: use at most --jobs of its workers
            known = [a for a in current if a in self.book.workers]
            current = set(known + sorted(current - set(known))[: max(0, self.spec.jobs - len(known))])
        events, missing = [], set(self.book.workers) - current
        for address in sorted(missing & self.missing):  # gone at two looks in a row: lost
            events += self._lost(address)
        self.missing = missing
        for address in sorted(current - set(self.book.workers)):
            entry = self.book.add(address)
            entry.prepare = self.client.submit(
                remote.prepare,
                self.run,
                self.course,
                key=f"n2n-grade-{self.run_id}-prepare-{address}",
                workers=[address],
                allow_other_workers=False,
                pure=False,
            )
        return events

    def _lost(self, address: str) -> list[Event]:
        entry = self.book.remove(address)
        key = self.measuring.pop(address, None)
        if key is not None and self.references.get(key) is None:
            self.references.pop(key, None)  # another worker of that node measures it
        if entry is None or entry.task is None or entry.task not in self.running:
            return []
        run = self.running.pop(entry.task)
        run.future.cancel()
        self.attempts[run.task.index] += 1
        self.lost_on.setdefault(run.task.index, []).append(entry.facts.get("host", address))
        print(f"grade: worker {address} ({entry.host}) was lost while grading {run.task.name}", file=sys.stderr)
        if self.attempts[run.task.index] < MAX_ATTEMPTS:
            return [Event("retry", run.task, "its worker was lost: graded again on another worker")]
        hosts = ", ".join(self.lost_on[run.task.index])
        return [
            Event(
                "failed",
                run.task,
                f"the worker grading it was lost {MAX_ATTEMPTS} times (on {hosts}): "
                "not graded; running the batch again retries it",
                seconds=time.monotonic() - run.submitted,
                check_id="grader.node_lost",
            )
        ]

    def _check_prepared(self) -> None:
        for entry in self.book.in_state("preparing"):
            future = entry.prepare
            if future is None or not future.done():
                continue
            entry.prepare = None
            try:
                entry.facts = future.result()
                entry.state = "ready"
            except Exception as exc:
                entry.state, entry.error = "broken", f"{type(exc).__name__}: {exc}"
                self._warn(f"worker {entry.address} cannot grade: {entry.error}")
            finally:
                future.release()

    def _check_references(self) -> None:
        for address, key in list(self.measuring.items()):
            entry = self.book.workers.get(address)
            if entry is None or entry.prepare is None or not entry.prepare.done():
                continue
            try:
                self.references[key] = entry.prepare.result() or {}
            except Exception as exc:
                self.references[key] = {"error": f"{type(exc).__name__}: {exc}"}
            entry.prepare.release()
            entry.prepare = None
            entry.state = "ready"
            del self.measuring[address]

    def _collect(self) -> list[Event]:
        events, now = [], time.monotonic()
        for index, run in list(self.running.items()):
            future = run.future
            if future.done():
                del self.running[index]
                entry = self.book.workers.get(run.worker)
                if entry is not None:
                    entry.state, entry.task = "ready", None
                try:
                    reply = future.result()
                except Exception as exc:  # the task itself failed (not the grade): a bug or a broken node
                    reply = {
                        "kind": "failed",
                        "check_id": "grader.crashed",
                        "message": f"the grading task failed on {run.worker}: {type(exc).__name__}: {exc}",
                    }
                finally:
                    future.release()  # gathered: nothing of it stays on the worker to be recomputed
                events.append(self._event(run, reply, now - run.submitted))
            elif now - run.submitted > self.timeout + START_MARGIN + BACKSTOP:
                del self.running[index]
                future.cancel()
                entry = self.book.workers.get(run.worker)
                if entry is not None:  # its thread is stuck: no more grades there
                    entry.state, entry.task, entry.error = "broken", None, "a grade never answered"
                events.append(
                    Event(
                        "failed",
                        run.task,
                        f"no answer from {run.worker} within --timeout {self.timeout:g} s",
                        seconds=now - run.submitted,
                        check_id="grader.timeout",
                    )
                )
        return events

    def _event(self, run: Running, reply: dict, seconds: float) -> Event:
        if reply.get("kind") != "done":
            return Event(
                "failed",
                run.task,
                reply.get("message", "no result"),
                seconds=reply.get("seconds", seconds),
                check_id=reply.get("check_id", "grader.crashed"),
            )
        answer = pickle.loads(reply["payload"])  # written by our own judge (student code never reaches it)
        result = answer["result"]
        result["source"] = str(run.task.path)  # the path on the driver, not the worker's copy
        result.setdefault("environment", {})["node"] = run.node
        return Event(
            "done",
            run.task,
            answer.get("message", ""),
            state=answer["state"],
            result=result,
            samples=answer.get("samples"),
            seconds=answer.get("seconds", seconds),
        )

    def _on_remote(self, event) -> None:  # called on the client's event loop: hand over to poll
        self.progress.put(event[1])

    def _progress(self) -> list[Event]:
        events, by_key = [], {run.key: run for run in self.running.values()}
        while True:
            try:
                msg = self.progress.get_nowait()
            except queue.Empty:
                return events
            run = by_key.get(msg.get("key")) if isinstance(msg, dict) else None
            if run is not None and msg.get("message") != remote.STARTED:
                host = (self.book.workers.get(run.worker) or WorkerEntry(run.worker)).host
                events.append(Event("progress", run.task, f"{host}: {msg['message']}"))

    def _retire_short_jobs(self) -> None:
        needed = self.timeout + START_MARGIN
        for entry in self.book.in_state("ready"):
            left = self.book.time_left(entry)
            if left is not None and left < needed:
                entry.state = "retiring"  # idle: no grade could finish in the time its job has left
                self._warn(
                    f"worker {entry.address} ({entry.host}): {left:.0f} s of walltime left, less than a "
                    f"grade may take ({needed:.0f} s): retired"
                )
                try:
                    self.client.retire_workers([entry.address], close_workers=True)
                except Exception:
                    pass

    def _check_hope(self) -> None:
        usable = [w for w in self.book.workers.values() if w.state in ("preparing", "ready", "busy", "measuring")]
        now = time.monotonic()
        if usable or self.running:
            self.last_useful = now
            return
        broken = self.book.in_state("broken")
        if broken and len(broken) >= self.spec.jobs:
            raise NoWorkers("no worker can grade: " + "; ".join(sorted({w.error for w in broken})))
        if now - self.last_useful > self.wait_seconds:
            raise NoWorkers(
                f"no worker available for {self.wait_seconds:.0f} s (cluster {self.spec.kind}): not "
                "graded; running the batch again retries it"
            )

    def _wait(self, seconds: float) -> None:
        futures = [r.future for r in self.running.values()]
        futures += [w.prepare for w in self.book.workers.values() if w.prepare is not None]
        if not futures:
            time.sleep(min(seconds, 0.5))
            return
        from distributed import wait

        try:
            wait(futures, timeout=seconds, return_when="FIRST_COMPLETED")
        except Exception:  # TimeoutError, or a future cancelled underneath
            pass

    def _warn(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            print(f"grade: {message}", file=sys.stderr)
