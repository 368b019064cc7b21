"""Grading a class on a cluster: the batch's executor on Dask distributed (`grade ... --cluster KIND`).

Nothing here is imported unless a batch asks for a cluster; Dask itself is an
optional extra (`pip install n2n-grade[cluster]`). The grader keeps its own
dispatch loop (grader.batch); this package only executes tasks:

- `spec`: what the instructor asked for (`ClusterSpec`: kind, workers, cores, memory, GPUs, walltime...);
- `jobs`: the Dask cluster for a spec (LocalCluster, dask-jobqueue's Slurm/PBS/SGE/LSF clusters, or an
  existing scheduler) and the job script it submits;
- `security`: TLS for every kind (a client without the run's certificate cannot submit work);
- `executor`: `DaskExecutor`, the batch's executor: one submission per worker, pinned to it, gathered
  and released as soon as it finishes, retried once elsewhere when its worker is lost;
- `nodes`: facts about a worker's node (host, CPU/GPU model, cores it may use, walltime left) and the
  driver's bookkeeping of workers;
- `remote`: the functions that run on a Dask worker (prepare the node's data, grade one submission by
  starting a judge subprocess);
- `judge`: that judge subprocess (`python -m grader.cluster.judge`).
"""

from grader.cluster.spec import KINDS, ClusterError, ClusterSpec, parse_walltime

__all__ = ["KINDS", "ClusterError", "ClusterSpec", "parse_walltime"]
