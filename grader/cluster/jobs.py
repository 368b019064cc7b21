"""The Dask cluster for a spec, and the job script a batch scheduler receives.

One Dask worker per job, one task per worker: jobqueue's `cores=C` would mean
C concurrent tasks, so each job asks the scheduler for C cores (and G GPUs)
but starts its worker with `--nthreads 1`; the grader's dispatch loop never
sends a worker a second submission anyway. No adaptive scaling, no
`--lifetime`: both retire workers without waiting for their running tasks.
The job's prologue records when its walltime ends (N2N_GRADE_JOB_END) and
its cores (N2N_GRADE_CORES), so a worker is never handed a grade it has no
time left to finish (grader.cluster.nodes).
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path

from grader.cluster.security import RunSecurity
from grader.cluster.spec import ClusterError, ClusterSpec, parse_walltime

JOB_NAME = "n2n-grade"
# the site's own name for the project/account option of each scheduler in dask-jobqueue
_ACCOUNT_KEY = {"slurm": "account", "pbs": "account", "sge": "project", "lsf": "project"}


def _import_dask():
    try:
        import dask  # noqa: F401
        import dask_jobqueue  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as exc:
        raise ClusterError(f"--cluster needs the cluster extra: pip install 'n2n-grade[cluster]' ({exc})") from None


# Our settings of Dask's workers (under distributed.worker), exported in job scripts too; --cluster-config may
# override them. daemon: a non-daemonic worker may have its judge server (grader.cluster.remote; a daemonic one
# falls back to a slower judge start). profile: Dask's statistical profiler samples every thread of a worker each
# 10 ms (about 1 % of a core per worker here) while the task's thread only watches a judge.
WORKER_SETTINGS = {"daemon": False, "profile": {"enabled": False}}


def _dotted(settings: dict, prefix: str) -> list[str]:
    """The dotted names of the leaves of a nested settings dict."""
    names = []
    for key, value in settings.items():
        names += _dotted(value, f"{prefix}.{key}") if isinstance(value, dict) else [f"{prefix}.{key}"]
    return names


WORKER_KEYS = _dotted(WORKER_SETTINGS, "distributed.worker")


@contextmanager
def dask_config(spec: ClusterSpec):
    """Dask's configuration for our workers (WORKER_SETTINGS), with the spec's --cluster-config file merged
    over it."""
    _import_dask()
    import dask
    import yaml

    extra = {}
    if spec.config_file is not None:
        try:
            extra = yaml.safe_load(Path(spec.config_file).read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ClusterError(f"--cluster-config {spec.config_file}: {exc}") from None
        if not isinstance(extra, dict):
            raise ClusterError(f"--cluster-config {spec.config_file}: expected a YAML mapping (Dask configuration)")
    ours = dask.config.merge(dask.config.config, {"distributed": {"worker": WORKER_SETTINGS}})
    with dask.config.set(dask.config.merge(ours, extra)):
        yield


def job_kwargs(spec: ClusterSpec) -> dict:
    """dask-jobqueue keyword arguments for one worker job (the rest comes from Dask's configuration)."""
    import dask

    kind = spec.scheduler
    cores = spec.cores or dask.config.get(f"jobqueue.{kind}.cores", None)
    memory = spec.memory or dask.config.get(f"jobqueue.{kind}.memory", None)
    if not cores or not memory:
        raise ClusterError(
            f"--cluster {kind}: give --cores and --memory per worker (or set jobqueue.{kind}.cores "
            "and .memory in Dask's configuration)"
        )
    walltime = spec.walltime or dask.config.get(f"jobqueue.{kind}.walltime", None)
    prologue = list(dask.config.get(f"jobqueue.{kind}.job-script-prologue", None) or [])
    prologue.append(f"export N2N_GRADE_CORES={int(cores)}")
    for key in WORKER_KEYS:  # see dask_config: a job's worker reads them from its environment
        prologue.append(f"export DASK_{key.replace('.', '__').replace('-', '_').upper()}={dask.config.get(key)}")
    if walltime:
        prologue.append(f"export N2N_GRADE_JOB_END=$(( $(date +%s) + {int(parse_walltime(walltime))} ))")
    extra_args = list(dask.config.get(f"jobqueue.{kind}.worker-extra-args", None) or [])
    kwargs = {
        "cores": int(cores),
        "memory": memory,
        "processes": 1,
        "walltime": walltime,
        "job_name": JOB_NAME,
        "job_script_prologue": prologue,
        "worker_extra_args": [*extra_args, "--nthreads", "1"],
    }  # one task at a time (click: last wins)
    if spec.queue:
        kwargs["queue"] = spec.queue
    if spec.account:
        kwargs[_ACCOUNT_KEY[kind]] = spec.account
    directives = list(dask.config.get(f"jobqueue.{kind}.job-extra-directives", None) or [])
    if spec.gpus:
        if kind == "slurm":
            directives.append(f"--gres=gpu:{spec.gpus}")
        elif kind == "pbs":
            from dask.utils import parse_bytes
            from dask_jobqueue.pbs import pbs_format_bytes_ceil

            kwargs["resource_spec"] = (
                f"select=1:ncpus={int(cores)}:ngpus={spec.gpus}:mem={pbs_format_bytes_ceil(parse_bytes(memory))}"
            )
        elif kind == "lsf":
            directives.append(f'-gpu "num={spec.gpus}"')
        else:  # SGE has no standard GPU resource: the usual site name, overridable in jobqueue.yaml
            directives.append(f"-l gpu={spec.gpus}")
    kwargs["job_extra_directives"] = directives
    return kwargs


def _classes(kind: str):
    import dask_jobqueue

    return {
        "slurm": (dask_jobqueue.SLURMCluster, dask_jobqueue.slurm.SLURMJob),
        "pbs": (dask_jobqueue.PBSCluster, dask_jobqueue.pbs.PBSJob),
        "sge": (dask_jobqueue.SGECluster, dask_jobqueue.sge.SGEJob),
        "lsf": (dask_jobqueue.LSFCluster, dask_jobqueue.lsf.LSFJob),
    }[kind]


def job_script(spec: ClusterSpec, scheduler_address: str = "tls://SCHEDULER:PORT") -> str:
    """The script one worker job runs, as the batch scheduler would receive it (nothing is started)."""
    with dask_config(spec):
        if spec.scheduler is None:
            raise ClusterError(f"--cluster {spec.kind}: job scripts exist for {', '.join(_ACCOUNT_KEY)}")
        from distributed.security import Security

        security = Security(
            tls_ca_file="RUN_CERTIFICATES/ca.pem",
            tls_worker_cert="RUN_CERTIFICATES/worker.pem",
            tls_worker_key="RUN_CERTIFICATES/worker.pem",
            require_encryption=True,
        )
        _, job_cls = _classes(spec.scheduler)
        job = job_cls(scheduler_address, name="WORKER_NAME", security=security, protocol="tls://", **job_kwargs(spec))
        return job.job_script()


def start_cluster(spec: ClusterSpec, security: RunSecurity):
    """(cluster or None, client) for `spec`, with `spec.jobs` workers asked for (they arrive as they start).

    Call it inside `dask_config(spec)`, held for the cluster's life: jobs read Dask's configuration as they start.
    """
    _import_dask()
    from distributed import Client, LocalCluster

    sec = security.security
    cluster = None
    try:
        if spec.address:
            client = Client(spec.address, security=sec, timeout="30s")
            return None, client
        if spec.kind == "local":
            cluster = LocalCluster(
                n_workers=spec.jobs,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                protocol="tls://" if sec else "tcp://",
                security=sec,
                dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},  # its HTTP server: loopback, any free port
                memory_limit=spec.memory or 0,
                silence_logs=logging.ERROR,
            )
        else:
            cluster_cls, _ = _classes(spec.scheduler)
            kwargs = job_kwargs(spec)
            cluster = cluster_cls(
                security=sec,
                protocol="tls://",
                shared_temp_directory=(str(security.shared_dir) if security.shared_dir else None),
                scheduler_options={"dashboard_address": "127.0.0.1:0"},
                **kwargs,
            )
            cluster.scale(jobs=spec.jobs)
        client = Client(cluster, security=sec)
        return cluster, client
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise ClusterError(f"--cluster {spec.kind}: could not start or reach the cluster: {exc}") from None
