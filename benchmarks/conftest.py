"""Benchmark fixtures: the reference network and its torch.nn twin, at one thread count, in one process.

Thread count: N2N_BENCH_THREADS, else torch's default (the machine's cores). Both sides
always run at the same count. The terminal summary prints reference / torch ratios.
"""

import os
import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))  # reference_twin (loader + torch twin)

RATIOS = pytest.StashKey[dict]()  # name -> [reference seconds, torch seconds], filled by the benchmarks
THREADS = pytest.StashKey[int]()
SIMILARITY_SCALE = pytest.StashKey[dict]()  # teams -> figures of test_similarity_scale


@pytest.fixture(scope="session", autouse=True)
def threads(pytestconfig):
    """One thread count for the whole session (restored afterwards)."""
    before = torch.get_num_threads()
    n = int(os.environ.get("N2N_BENCH_THREADS", before))
    torch.set_num_threads(n)
    pytestconfig.stash[THREADS] = n
    yield n
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def ratios(pytestconfig):
    """name -> [reference median seconds, torch median seconds], printed at the end of the run."""
    return pytestconfig.stash.setdefault(RATIOS, {})


@pytest.fixture(scope="session")
def similarity_scale(pytestconfig):
    """teams -> figures of one `grade similarity` run, printed at the end of the run."""
    return pytestconfig.stash.setdefault(SIMILARITY_SCALE, {})


def pytest_terminal_summary(terminalreporter, config):
    _similarity_summary(terminalreporter, config.stash.get(SIMILARITY_SCALE, {}))
    found = {name: pair for name, pair in config.stash.get(RATIOS, {}).items() if None not in pair}
    if not found:
        return
    tr = terminalreporter
    tr.section("reference / torch.nn (median seconds, same process, same thread count)")
    tr.write_line(f"threads: {config.stash.get(THREADS, None)}")
    for name, (ours, theirs) in found.items():
        tr.write_line(
            f"{name:34s} reference {ours * 1e3:8.1f} ms   torch {theirs * 1e3:8.1f} ms   ratio {ours / theirs:5.2f}"
        )


def _similarity_summary(tr, figures: dict) -> None:
    """grade similarity at each class size, and the growth from the smallest to the largest."""
    if not figures:
        return
    tr.section("grade similarity on a synthetic class (fresh process per size)")
    for teams, f in sorted(figures.items()):
        tr.write_line(
            f"{teams:4d} teams, {f['files']} files, {f['pairs']} pairs ({f['flagged']} flagged): "
            f"{f['seconds']:.1f} s wall, {f['cpu_seconds']:.1f} s CPU (comparing: {f['check_seconds']:.1f} s wall, "
            f"{f['check_cpu_seconds']:.1f} s CPU; then {f['views']} side-by-side pages and the report); "
            f"peak RSS {f['peak_kib'] / 1024:.0f} MiB, {f['baseline_kib'] / 1024:.0f} MiB after the imports"
        )
    (small, a), (large, b) = min(figures.items()), max(figures.items())
    if small != large and a["cpu_seconds"] and a["peak_kib"] > a["baseline_kib"]:
        above = (b["peak_kib"] - b["baseline_kib"]) / (a["peak_kib"] - a["baseline_kib"])
        cpu, check = b["cpu_seconds"] / a["cpu_seconds"], b["check_cpu_seconds"] / a["check_cpu_seconds"]
        tr.write_line(
            f"{large}/{small} teams (pairs x{b['pairs'] / a['pairs']:.1f}): CPU x{cpu:.1f}, "
            f"comparing CPU x{check:.1f}, memory above the imports x{above:.1f}"
        )
