"""Workers and their nodes: what a worker's node offers, and the driver's book of workers.

`node_facts()` runs on a worker (in `remote.prepare`) and says where it runs:
host, CPU model, GPU model, the CPUs it may use (its affinity, the job's
cpuset, capped by SLURM_CPUS_PER_TASK or the job's N2N_GRADE_CORES) and when
its job's walltime ends. `WorkerBook` is the driver's view: which workers
are ready, busy, retiring or broken, how many threads each grade gets (the
cores of its node shared among the workers whose CPUs overlap), and whether
a worker has time left for a grade.
"""

from __future__ import annotations

import os
import platform
import socket
import time
from dataclasses import dataclass, field


def usable_cpus() -> list[int]:
    """The CPUs this process may run on (its affinity mask: a job's cpuset shows here)."""
    if hasattr(os, "sched_getaffinity"):
        return sorted(os.sched_getaffinity(0))
    return list(range(os.cpu_count() or 1))


def job_cores(cpus: list[int]) -> int:
    """Cores a grade may use on this worker: its CPUs, capped by what the batch job asked for."""
    cores = len(cpus)
    for name in ("SLURM_CPUS_PER_TASK", "N2N_GRADE_CORES"):
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            cores = min(cores, int(value))
    return max(1, cores)


def node_facts() -> dict:
    """Where this worker runs (plain data, sent to the driver and recorded in each result)."""
    from grader import machine

    cpus = usable_cpus()
    end = os.environ.get("N2N_GRADE_JOB_END", "")
    return {
        "host": socket.gethostname(),
        "cpu": machine.cpu_model(),
        "gpu": machine.gpu_model(),
        "cpus": cpus,
        "cores": job_cores(cpus),
        "job_end": float(end) if end.isdigit() else None,
        "job_id": os.environ.get("SLURM_JOB_ID")
        or os.environ.get("PBS_JOBID")
        or os.environ.get("JOB_ID")
        or os.environ.get("LSB_JOBID"),
        "python": platform.python_version(),
        "pid": os.getpid(),
    }


@dataclass
class WorkerEntry:
    """One Dask worker as the driver sees it."""

    address: str
    state: str = "preparing"  # preparing | ready | busy | retiring | broken
    facts: dict = field(default_factory=dict)
    prepare: object = None  # the future of remote.prepare
    task: int | None = None  # the task index it grades
    error: str = ""

    @property
    def host(self) -> str:
        return self.facts.get("host", self.address)


class WorkerBook:
    """The driver's book of workers (see the module docstring)."""

    def __init__(self):
        self.workers: dict[str, WorkerEntry] = {}

    def add(self, address: str) -> WorkerEntry:
        entry = self.workers[address] = WorkerEntry(address)
        return entry

    def remove(self, address: str) -> WorkerEntry | None:
        return self.workers.pop(address, None)

    def in_state(self, state: str) -> list[WorkerEntry]:
        return [w for w in self.workers.values() if w.state == state]

    def threads_for(self, entry: WorkerEntry) -> int:
        """The node's cores shared among the live workers whose CPUs overlap this one's."""
        mine = set(entry.facts.get("cpus", []))
        sharing = [
            w
            for w in self.workers.values()
            if w.state != "broken" and w.facts.get("host") == entry.host and mine & set(w.facts.get("cpus", []))
        ]
        return max(1, entry.facts.get("cores", 1) // max(1, len(sharing)))

    @staticmethod
    def time_left(entry: WorkerEntry, now: float | None = None) -> float | None:
        """Seconds until the worker's job ends (None: no known end)."""
        end = entry.facts.get("job_end")
        return None if end is None else end - (now if now is not None else time.time())
