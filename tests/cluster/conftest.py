"""Shared by the cluster tests: Dask must be installed (the [cluster] extra, which `make test` installs)."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("distributed", reason="the cluster extra is not installed: pip install 'n2n-grade[cluster]'")
pytest.importorskip("dask_jobqueue", reason="the cluster extra is not installed: pip install 'n2n-grade[cluster]'")

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))  # the tests import cluster_helpers (import mode is importlib)

# A grade_submission stand-in that a judge subprocess imports by name. Every start of a judge on a
# submission appends a line to LOG/<name> (the judge starts are counted from there).
FAKE_GRADER = """
import os, signal, time
from pathlib import Path
from grader.result import Check, Result

def grade(path, options, *, data=None, reference=None, progress=None):
    name = Path(path).name
    log = Path(os.environ["FAKE_GRADER_LOG"], name)
    first = not log.exists()
    with open(log, "a") as fh:
        fh.write(f"{os.getpid()} {os.environ['N2N_GRADE_WORKER_PID']}\\n")
    progress("working on " + name)
    if name.startswith("killer") or (name.startswith("victim") and first):
        os.kill(int(os.environ["N2N_GRADE_WORKER_PID"]), signal.SIGKILL)  # the Dask worker running this grade dies
        time.sleep(60)
    time.sleep(600 if name.startswith("slow") else float(os.environ.get("FAKE_GRADER_SECONDS", "0.5")))
    result = Result(submission=name, source=str(path), score=1.0, max_score=1.0,
                    checks=[Check("structure.layout", "pass", "ok", score=1.0, max_score=1.0, required=True)])
    result.environment = {"data_id": data.data_id, "n_val": len(data.val_input), "threads": options.sandbox.threads,
                          "data_source": data.info.get("source")}
    return result
"""


@pytest.fixture
def fake_grader(tmp_path, monkeypatch):
    """(grade function, log folder): a module-level function that cluster judges import by name."""
    module_dir = tmp_path / "fake_module"
    module_dir.mkdir()
    (module_dir / "cluster_fake_grader.py").write_text(textwrap.dedent(FAKE_GRADER))
    log = tmp_path / "log"
    log.mkdir()
    monkeypatch.syspath_prepend(str(module_dir))
    monkeypatch.setenv("FAKE_GRADER_LOG", str(log))  # Dask workers and judges inherit the environment
    sys.modules.pop("cluster_fake_grader", None)
    import cluster_fake_grader

    return cluster_fake_grader.grade, log


@pytest.fixture
def tiny_options():
    from grader.options import GradeOptions

    return GradeOptions(fast=True, train=False, measure_reference=False, device="cpu", n_train=20, n_val=4)
