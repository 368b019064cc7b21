"""What the instructor asks of a cluster: `ClusterSpec`, checked before anything starts.

Only what `grade --cluster` exposes lives here; anything else (interface,
local directory, job-script prologue, python of the nodes...) comes from
Dask's own configuration (`jobqueue.yaml`, `distributed.yaml`) or the file
given with `--cluster-config`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

SCHEDULERS = ("slurm", "pbs", "sge", "lsf")  # through dask-jobqueue
KINDS = ("local", *SCHEDULERS)
DEFAULT_TIMEOUT = 2 * 3600.0  # seconds: a grade's limit on a cluster when --timeout is not given
START_MARGIN = 300.0  # seconds of walltime a grade needs beyond its timeout (start-up, data, reporting)


class ClusterError(Exception):
    """A cluster that cannot be used as asked (bad option, missing extra, unreachable scheduler)."""


@dataclass(frozen=True)
class ClusterSpec:
    """A cluster for one batch. `kind` is local, slurm, pbs, sge, lsf, or an existing scheduler's address."""

    kind: str = "local"
    jobs: int = 1  # workers, each grading one submission at a time
    cores: int | None = None  # per worker (one job per worker on a batch scheduler)
    memory: str | None = None  # per worker, e.g. "16GB"
    gpus: int = 0  # per worker
    walltime: str | None = None  # per job, [[D-]HH:]MM:SS
    queue: str | None = None  # partition / queue
    account: str | None = None
    config_file: Path | None = None  # a Dask YAML file merged over the user's configuration
    security: object = None  # a distributed.security.Security; None: generated per run (see security.py)
    wait_seconds: float | None = None  # give up when no worker has been seen this long (None: per kind)

    @property
    def address(self) -> str | None:
        """The scheduler address when `kind` names an existing scheduler."""
        return self.kind if "://" in self.kind else None

    @property
    def scheduler(self) -> str | None:
        """slurm, pbs, sge or lsf when the workers are batch jobs."""
        return self.kind if self.kind in SCHEDULERS else None

    def validate(self, timeout: float | None) -> None:
        """Raise ClusterError on a spec that cannot work (before any job is submitted)."""
        if self.kind not in KINDS and not self.address:
            raise ClusterError(
                f"--cluster must be one of {', '.join(KINDS)} or a scheduler address "
                f"(tls://HOST:PORT), not {self.kind!r}"
            )
        if self.address:
            url = urlparse(self.address)
            if url.scheme not in ("tls", "tcp") or not url.hostname or not url.port:
                raise ClusterError(f"--cluster {self.address}: a scheduler address is tls://HOST:PORT")
            if url.scheme == "tcp" and not _is_loopback(url.hostname):
                raise ClusterError(
                    f"--cluster {self.address}: Dask's tcp:// protocol is unauthenticated pickle "
                    "(anyone who reaches the port runs code as you); use tls:// with the site's "
                    "certificates in Dask's configuration (distributed.comm.tls.*)"
                )
        if self.jobs < 1:
            raise ClusterError(f"--jobs must be at least 1, not {self.jobs}")
        if self.cores is not None and self.cores < 1:
            raise ClusterError(f"--cores must be at least 1, not {self.cores}")
        if self.gpus < 0:
            raise ClusterError(f"--gpus must be 0 or more, not {self.gpus}")
        if self.scheduler is None and any((self.walltime, self.queue, self.account, self.gpus, self.cores)):
            raise ClusterError(
                "--cores, --gpus, --walltime, --queue and --account apply to batch schedulers "
                f"({', '.join(SCHEDULERS)})"
            )
        if self.config_file is not None and not Path(self.config_file).is_file():
            raise ClusterError(f"--cluster-config {self.config_file}: no such file")
        if self.walltime is not None:
            seconds = parse_walltime(self.walltime)
            needed = (timeout or DEFAULT_TIMEOUT) + START_MARGIN
            if seconds < needed:
                raise ClusterError(
                    f"--walltime {self.walltime} ({seconds:.0f} s) is shorter than one grade may "
                    f"take ({needed:.0f} s: --timeout {timeout or DEFAULT_TIMEOUT:g} s + "
                    f"{START_MARGIN:g} s to start): no worker could ever take a submission"
                )


def parse_walltime(text: str) -> float:
    """Seconds in a batch scheduler's walltime: MM, MM:SS, HH:MM:SS or D-HH[:MM[:SS]]."""
    match = re.fullmatch(r"(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?", text.strip())
    if not match:
        raise ClusterError(f"--walltime {text!r}: expected HH:MM:SS (or D-HH:MM:SS)")
    days, a, b, c = (int(g) if g else None for g in match.groups())
    if days is not None:  # D-HH[:MM[:SS]]
        hours, minutes, seconds = a, b or 0, c or 0
    elif c is not None:
        hours, minutes, seconds = a, b, c
    elif b is not None:
        hours, minutes, seconds = 0, a, b
    else:
        hours, minutes, seconds = 0, a, 0
    return float((days or 0) * 86400 + hours * 3600 + minutes * 60 + seconds)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
