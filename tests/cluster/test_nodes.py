"""Node facts and the driver's book of workers: cores in a job, shared cores, walltime left, the GPU in the
reference's cache key."""

from __future__ import annotations

import time

import torch

from grader.cluster.nodes import WorkerBook, job_cores, node_facts
from grader.data import N2NData


def test_a_jobs_cores_cap_its_affinity(monkeypatch):
    monkeypatch.delenv("N2N_GRADE_CORES", raising=False)
    monkeypatch.setenv("SLURM_CPUS_PER_TASK", "3")
    assert job_cores(list(range(16))) == 3
    assert job_cores([0, 1]) == 2  # the cpuset is smaller than what the job asked for
    monkeypatch.delenv("SLURM_CPUS_PER_TASK")
    monkeypatch.setenv("N2N_GRADE_CORES", "4")  # set by the job script of any scheduler
    assert job_cores(list(range(8))) == 4


def test_node_facts_say_where_a_worker_runs(monkeypatch):
    monkeypatch.setenv("N2N_GRADE_JOB_END", "2000000000")
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    facts = node_facts()
    assert facts["host"] and facts["cpu"] and facts["cpus"] and facts["cores"] >= 1
    assert facts["job_end"] == 2e9 and facts["job_id"] == "4242"


def test_workers_whose_cpus_overlap_share_their_cores():
    book = WorkerBook()
    a, b, c = book.add("tls://a"), book.add("tls://b"), book.add("tls://c")
    a.facts = {"host": "n1", "cpus": [0, 1, 2, 3], "cores": 4}
    b.facts = {"host": "n1", "cpus": [0, 1, 2, 3], "cores": 4}  # same cpuset: two workers share 4 cores
    c.facts = {"host": "n1", "cpus": [4, 5, 6, 7], "cores": 4}  # another job's cpuset on the same node
    assert book.threads_for(a) == 2 and book.threads_for(c) == 4
    b.state = "broken"
    assert book.threads_for(a) == 4


def test_time_left_comes_from_the_jobs_end():
    book = WorkerBook()
    entry = book.add("tls://a")
    assert book.time_left(entry) is None  # no batch job: no end
    entry.facts = {"job_end": time.time() + 600}
    assert 590 < book.time_left(entry) <= 600


def test_the_reference_cache_key_names_the_gpu_on_cuda(monkeypatch):
    from grader import reference
    from grader.sandbox.supervisor import SandboxSettings

    x = torch.zeros(2, 3, 8, 8, dtype=torch.uint8)
    data = N2NData(x, x, x, x, info={"data_id": "d"})
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "NVIDIA H200")
    on_h200 = reference._key("h" * 16, data, "cuda", SandboxSettings(threads=4), True)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda i=0: "Tesla V100")
    assert reference._key("h" * 16, data, "cuda", SandboxSettings(threads=4), True) != on_h200
    assert "NVIDIA H200" in on_h200
    assert "V100" not in reference._key("h" * 16, data, "cpu", SandboxSettings(threads=4), True)
