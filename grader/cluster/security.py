"""TLS for the batch's Dask cluster: who may submit work to our workers.

Dask's wire protocol is pickle, unauthenticated by default: anyone who can
reach the scheduler's port could run code as the grader's account. So every
kind of cluster speaks TLS with mutual authentication, and only a holder of
the run's certificate can connect:

- local: a self-signed certificate generated in memory for this run, and the
  scheduler bound to 127.0.0.1;
- slurm/pbs/sge/lsf: the site's certificates when Dask's configuration names
  them (`distributed.comm.tls.ca-file`, `.scheduler.cert`, `.worker.cert`...);
  otherwise one generated for this run, which dask-jobqueue writes (mode 0600)
  into a folder the nodes must see (`jobqueue.<kind>.shared-temp-directory`,
  by default a private folder in the current directory), removed at the end;
- an existing scheduler (tls://HOST:PORT): the site's certificates from the
  configuration; plain tcp:// only to a loopback address (see spec).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.cluster.spec import ClusterError, ClusterSpec


@dataclass
class RunSecurity:
    """The Security object of a run, what it is (for the report), and the folder to remove at the end."""

    security: object | None
    description: str
    shared_dir: Path | None = None
    cleanup: list[Path] = field(default_factory=list)

    def close(self) -> None:
        for folder in self.cleanup:
            shutil.rmtree(folder, ignore_errors=True)


def site_certificates() -> bool:
    """True when Dask's configuration names a CA file (the site's own certificates)."""
    import dask

    return bool(dask.config.get("distributed.comm.tls.ca-file", None))


def run_security(spec: ClusterSpec) -> RunSecurity:
    """The TLS settings for `spec` (see the module docstring)."""
    import dask
    from distributed.security import Security

    if spec.security is not None:
        return RunSecurity(spec.security, "TLS with the certificates given by the caller")
    if spec.address:
        if spec.address.startswith("tcp://"):
            return RunSecurity(None, "no TLS: a loopback tcp:// scheduler")
        if not site_certificates():
            raise ClusterError(
                f"--cluster {spec.address}: a tls:// scheduler needs the site's certificates in "
                "Dask's configuration (distributed.comm.tls.ca-file, .client.cert, .client.key); "
                "give them with --cluster-config"
            )
        return RunSecurity(Security(require_encryption=True), "TLS with the site's certificates")
    if spec.scheduler and site_certificates():
        return RunSecurity(Security(require_encryption=True), "TLS with the site's certificates")
    try:
        security = Security.temporary()  # require_encryption=True
    except ImportError as exc:  # cryptography comes with the [cluster] extra
        raise ClusterError(f"TLS certificates cannot be generated: {exc}") from None
    if not spec.scheduler:
        return RunSecurity(security, "TLS with a certificate generated for this run (in memory)")
    configured = dask.config.get(f"jobqueue.{spec.scheduler}.shared-temp-directory", None)
    if configured:
        return RunSecurity(
            security,
            f"TLS with a certificate generated for this run, written to {configured} "
            "(jobqueue shared-temp-directory) for the nodes",
            Path(configured),
        )
    folder = Path(tempfile.mkdtemp(prefix=".n2n-grade-tls-", dir=os.getcwd()))
    return RunSecurity(
        security,
        f"TLS with a certificate generated for this run, written to {folder} for the "
        "nodes (it must be on a filesystem they see)",
        folder,
        [folder],
    )
