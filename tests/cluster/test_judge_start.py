"""What a cluster judge starts with: torch's lazy imports already done by its judge server, and a compact data file."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import torch

from grader.cluster.judge import load_data_file, save_data
from grader.data import N2NData

HERE = os.path.dirname(os.path.abspath(__file__))

# in a fresh interpreter: the judge server is started once per process, with the preload of its first start
FORK_A_JUDGE = f"""
import sys
sys.path.insert(0, {HERE!r})
from cluster_helpers import modules_a_grade_imports
from grader.cluster import remote

ctx = remote._judge_server()
receive, send = ctx.Pipe(duplex=False)
judge = ctx.Process(target=modules_a_grade_imports, args=(send,))
judge.start()
send.close()
print(receive.recv())
judge.join(30)
"""


def test_a_forked_judge_finds_what_a_grade_imports_lazily_already_imported():
    done = subprocess.run([sys.executable, "-c", FORK_A_JUDGE], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    imported = ast.literal_eval(done.stdout.strip())
    # a judge server without torch's lazy modules leaves each judge ~800 of them to import (torch._dynamo, sympy)
    assert len(imported) <= 3, f"imported again in each judge: {imported}"


def test_the_judges_data_file_holds_the_subset_only(tmp_path):
    n = 400
    full = N2NData(
        torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8),
        torch.randint(0, 256, (n, 3, 32, 32), dtype=torch.uint8),
        torch.randint(0, 256, (n // 4, 3, 32, 32), dtype=torch.uint8),
        torch.randint(0, 256, (n // 4, 3, 32, 32), dtype=torch.uint8),
        info={"data_id": "full"},
    )
    subset = full.subset(10, 2)  # views of the full set's storage
    save_data(subset, tmp_path / "data.pt")
    assert (tmp_path / "data.pt").stat().st_size < 12 * 3 * 32 * 32 + 100_000  # not the full set's 1.9 MB
    loaded = load_data_file(tmp_path / "data.pt")
    assert loaded.data_id == subset.data_id
    for name in ("train_input", "train_target", "val_input", "val_target"):
        assert torch.equal(getattr(loaded, name), getattr(subset, name))
