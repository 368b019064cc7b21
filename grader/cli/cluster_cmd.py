"""`grade ... --cluster KIND` options, and `grade cluster-script`: the job script a batch scheduler would get.

The options only build a grader.cluster.ClusterSpec; nothing of Dask is
imported unless --cluster is given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

CLUSTER_HELP = (
    "Grade on Dask workers: local (this machine), slurm, pbs, sge, lsf (one batch job per worker, "
    "through dask-jobqueue) or an existing scheduler's tls://HOST:PORT. Needs n2n-grade[cluster]."
)


def cluster_options(fn):
    """--cluster and the per-worker resources (anything else: Dask's jobqueue.yaml or --cluster-config)."""
    decorators = [
        click.option("--cluster", "cluster_kind", metavar="KIND", help=CLUSTER_HELP),
        click.option("--cores", "cluster_cores", type=click.IntRange(min=1), help="--cluster: cores per worker."),
        click.option("--memory", "cluster_memory", metavar="SIZE", help="--cluster: memory per worker (16GB)."),
        click.option(
            "--gpus",
            "cluster_gpus",
            type=click.IntRange(min=0),
            default=0,
            help="--cluster: GPUs per worker (Slurm --gres=gpu:G, PBS ngpus, LSF -gpu num).",
        ),
        click.option("--walltime", "cluster_walltime", metavar="HH:MM:SS", help="--cluster: walltime per job."),
        click.option("--queue", "cluster_queue", metavar="NAME", help="--cluster: partition or queue."),
        click.option("--account", "cluster_account", metavar="NAME", help="--cluster: account or project."),
        click.option(
            "--cluster-config",
            "cluster_config",
            type=click.Path(dir_okay=False, path_type=Path),
            help="--cluster: a Dask YAML configuration file (jobqueue.<kind>.*, distributed.comm.tls.*).",
        ),
    ]
    for decorator in reversed(decorators):
        fn = decorator(fn)
    return fn


def cluster_spec(
    jobs: int,
    cluster_kind,
    cluster_cores,
    cluster_memory,
    cluster_gpus,
    cluster_walltime,
    cluster_queue,
    cluster_account,
    cluster_config,
):
    """The ClusterSpec the options ask for, or None without --cluster (then the others are a usage error)."""
    if not cluster_kind:
        given = [
            name
            for name, value in (
                ("--cores", cluster_cores),
                ("--memory", cluster_memory),
                ("--gpus", cluster_gpus),
                ("--walltime", cluster_walltime),
                ("--queue", cluster_queue),
                ("--account", cluster_account),
                ("--cluster-config", cluster_config),
            )
            if value
        ]
        if given:
            raise click.UsageError(f"{', '.join(given)} apply to --cluster")
        return None
    from grader.cluster import ClusterSpec

    return ClusterSpec(
        kind=cluster_kind,
        jobs=jobs,
        cores=cluster_cores,
        memory=cluster_memory,
        gpus=cluster_gpus or 0,
        walltime=cluster_walltime,
        queue=cluster_queue,
        account=cluster_account,
        config_file=cluster_config,
    )


@click.command("cluster-script", context_settings={"help_option_names": ["-h", "--help"]})
@cluster_options
@click.option("--timeout", type=click.FloatRange(min=1), help="The grade timeout the walltime must hold.")
def cluster_script(timeout, **options):
    """Print the job script one worker would be submitted with (nothing is submitted).

    \b
      grade cluster-script --cluster slurm --cores 8 --memory 16GB --walltime 12:00:00 --queue cpu
    """
    from grader.cluster import ClusterError
    from grader.cluster.jobs import job_script

    spec = cluster_spec(1, **options)
    if spec is None:
        raise click.UsageError("give --cluster slurm, pbs, sge or lsf")
    try:
        spec.validate(timeout)
        click.echo(job_script(spec).rstrip("\n"))
    except ClusterError as exc:
        click.echo(f"grade: {exc}", err=True)
        sys.exit(2)
    click.echo(
        "# RUN_CERTIFICATES: the run's TLS files (see README: Grading a class on a cluster); "
        "WORKER_NAME and the scheduler address are filled in when the job is submitted.",
        err=True,
    )
