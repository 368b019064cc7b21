"""The cluster spec's checks, the job scripts (golden files), and the CLI's --cluster options (no cluster started)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.cluster import ClusterError, ClusterSpec, parse_walltime
from grader.cluster.jobs import job_script

GOLDEN = Path(__file__).resolve().parent / "golden"
SCRIPTS = {
    "slurm_cpu": ClusterSpec("slurm", cores=8, memory="16GB", walltime="12:00:00", queue="cpu", account="ee559"),
    "slurm_gpu": ClusterSpec("slurm", cores=4, memory="32GB", gpus=1, walltime="04:00:00", queue="gpu"),
    "pbs_cpu": ClusterSpec("pbs", cores=8, memory="16GB", walltime="12:00:00", queue="workq", account="ee559"),
    "pbs_gpu": ClusterSpec("pbs", cores=4, memory="32GB", gpus=2, walltime="04:00:00", queue="gpu"),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_job_scripts_match_the_golden_files(name):
    """Cores, memory, GPUs, walltime, queue/account, one task per worker (--nthreads 1 last), TLS, walltime end."""
    script = job_script(SCRIPTS[name]).replace(sys.executable, "PYTHON")
    assert script == (GOLDEN / f"{name}.sh").read_text()
    worker_line = script.splitlines()[-1]
    assert worker_line.split("--nthreads")[-1].split()[0] == "1"  # the last --nthreads wins: one task at a time
    assert "--tls-ca-file" in worker_line and "--protocol tls://" in worker_line


@pytest.mark.parametrize(
    "text, seconds", [("30", 1800), ("10:30", 630), ("12:00:00", 43200), ("1-02:00:00", 93600), ("2-0", 172800)]
)
def test_walltimes_are_read_as_the_schedulers_write_them(text, seconds):
    assert parse_walltime(text) == seconds


@pytest.mark.parametrize(
    "spec, timeout, words",
    [
        (ClusterSpec("slurm", walltime="01:00:00"), 3600, "shorter than one grade"),
        (ClusterSpec("tcp://10.0.0.5:8786"), None, "unauthenticated"),
        (ClusterSpec("local", walltime="01:00:00"), None, "apply to batch schedulers"),
        (ClusterSpec("local", gpus=1), None, "apply to batch schedulers"),
        (ClusterSpec("kubernetes"), None, "must be one of"),
        (ClusterSpec("slurm", walltime="tomorrow"), None, "HH:MM:SS"),
    ],
)
def test_a_spec_that_cannot_work_is_refused_before_anything_starts(spec, timeout, words):
    with pytest.raises(ClusterError, match=words):
        spec.validate(timeout)


def test_a_loopback_tcp_scheduler_is_allowed():
    ClusterSpec("tcp://127.0.0.1:8786").validate(None)


def test_cluster_script_prints_what_would_be_submitted():
    run = CliRunner().invoke(
        main,
        [
            "cluster-script",
            "--cluster",
            "slurm",
            "--cores",
            "4",
            "--memory",
            "32GB",
            "--gpus",
            "1",
            "--walltime",
            "04:00:00",
            "--queue",
            "gpu",
        ],
    )
    assert run.exit_code == 0, run.output
    assert "#SBATCH --gres=gpu:1" in run.output and "#SBATCH --cpus-per-task=4" in run.output
    short = CliRunner().invoke(
        main, ["cluster-script", "--cluster", "slurm", "--cores", "4", "--memory", "8GB", "--walltime", "00:30:00"]
    )
    assert short.exit_code == 2 and "shorter than one grade" in short.output


def test_cluster_options_need_cluster_and_out(tmp_path):
    runner = CliRunner()
    alone = runner.invoke(main, [str(tmp_path), "--out", str(tmp_path / "out"), "--cores", "4"])
    assert alone.exit_code == 2 and "apply to --cluster" in alone.output
    no_out = runner.invoke(main, [str(tmp_path), "--cluster", "local"])
    assert no_out.exit_code == 2 and "give --out DIR" in no_out.output


def test_nothing_of_dask_is_imported_without_cluster():
    code = (
        "import sys; import grader.batch, grader.cli, grader.cli.grade_cmd; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'dask_jobqueue')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_cluster_config_file_reaches_the_job_script(tmp_path):
    config = tmp_path / "site.yaml"
    config.write_text(
        "jobqueue:\n  slurm:\n    job-script-prologue: ['module load python/3.11']\n"
        "    local-directory: /scratch/$USER\n"
    )
    spec = ClusterSpec("slurm", cores=2, memory="4GB", walltime="04:00:00", config_file=config)
    script = job_script(spec)
    assert "module load python/3.11\nexport N2N_GRADE_CORES=2" in script  # the site's prologue, then ours
    assert "--local-directory /scratch/$USER" in script
    assert "module load" not in job_script(ClusterSpec("slurm", cores=2, memory="4GB", walltime="04:00:00"))
