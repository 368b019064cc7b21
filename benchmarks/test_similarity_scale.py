"""`grade similarity` on a synthetic class of 100 and of 300 submissions: wall time, peak memory, growth.

Run: make bench (or python -m pytest benchmarks/test_similarity_scale.py --benchmark-only -p no:xdist)

The class: every sample team (submissions/team_*), the reference implementation and
the independent fixture of the similarity tests, each varied per synthetic team the
way a class varies: functions reordered, constants changed, statements of its own put
in every few lines, so that teams built on the same base share fragments, not files.
Each size runs in a fresh process (`check_similarity` then `write_report`, with
the side-by-side pages of the flagged pairs, at most 100): its wall time and CPU
time (this process's, which a busy machine inflates much less) exclude the imports, its peak resident memory is
the kernel's high-water mark (VmHWM) and is shown beside the same process's memory after the
imports alone (the baseline). The terminal summary gives both sizes and the ratios.
"""

from __future__ import annotations

import ast
import io
import json
import random
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "similarity"))  # planted: the copy disguises of the tests

import planted  # noqa: E402

SIZES = (100, 300)

CHILD = """
import json, sys, time
from grader.similarity import SimilarityOptions, check_similarity
from grader.similarity.writer import write_report

def high_water_kib():  # this process's peak RSS; ru_maxrss would carry the forking parent's over exec
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM")).split()[1])

paths, out = json.loads(sys.argv[1]), sys.argv[2]
check_similarity  # imports copydetect and matplotlib
base = high_water_kib()
start, cpu_start = time.perf_counter(), time.process_time()
analysis = check_similarity(paths, SimilarityOptions())
checked, cpu_checked = time.perf_counter(), time.process_time()
write_report(analysis, out)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
peak = high_water_kib()
print(json.dumps({"seconds": seconds, "check_seconds": checked - start, "peak_kib": peak, "baseline_kib": base,
                  "cpu_seconds": cpu, "check_cpu_seconds": cpu_checked - cpu_start,
                  "flagged": len(analysis.run.flagged), "views": sum(1 for p in analysis.run.pairs if p.view),
                  "pairs": sum(p.pairs for p in analysis.run.projects),
                  "files": sum(len(e.files) for t in analysis.run.teams for e in t.projects.values())}))
"""


def bases() -> list[Path]:
    """Submission folders the synthetic teams are made from."""
    teams = sorted(p for p in (REPO / "submissions").glob("team_*") if list(p.rglob("Miniproject_2")))
    return teams + [REPO / "reference_impl", REPO / "tests" / "similarity" / "fixtures" / "other_team"]


def vary(text: str, rng: random.Random) -> str:
    """One team's version of a file: reordered maybe, constants changed, own statements every few lines."""
    if rng.random() < 0.5:
        text = planted.reorder(text)
    plain = ast.unparse(ast.parse(text))
    tokens = [
        tok._replace(string=str(rng.randint(2, 99))) if tok.type == tokenize.NUMBER and rng.random() < 0.5 else tok
        for tok in tokenize.generate_tokens(io.StringIO(plain).readline)
    ]
    plain = tokenize.untokenize(tokens)
    statements = [n for n in ast.walk(ast.parse(plain)) if isinstance(n, ast.stmt) and n.end_lineno == n.lineno]
    single = {n.lineno for n in statements}
    out = []
    for number, line in enumerate(plain.splitlines(), 1):
        out.append(line)
        if number in single and rng.random() < 0.3:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}t{rng.randint(0, 999)} = {rng.randint(2, 999)} * {rng.choice('abcxyz')}")
    return "\n".join(out) + "\n"


def synthetic_class(root: Path, n: int, seed: int = 0) -> list[Path]:
    """n varied teams under root (team_000, ...), made once per size."""
    rng = random.Random(seed)
    sources = bases()
    teams = []
    for i in range(n):
        base = sources[i % len(sources)]
        team = root / f"team_{i:03d}"
        teams.append(team)
        for path in sorted(base.rglob("*.py")):
            if "Miniproject_2" not in path.parts:
                continue
            rel = Path(*path.parts[path.parts.index("Miniproject_2") :])
            text = path.read_text()
            target = team / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                target.write_text(vary(text, rng) if text.strip() else text)
            except SyntaxError:  # a sample team with a deliberate syntax error keeps it
                target.write_text(text)
    return teams


@pytest.fixture(scope="module")
def classes(tmp_path_factory) -> dict[int, list[Path]]:
    root = tmp_path_factory.mktemp("synthetic")
    everyone = synthetic_class(root, max(SIZES))
    return {n: everyone[:n] for n in SIZES}


def run_child(paths: list[Path], out: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([str(p) for p in paths]), str(out)],
        capture_output=True,
        text=True,
        timeout=3000,
        cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("teams", SIZES)
def test_similarity_scale(benchmark, classes, teams, tmp_path, similarity_scale):
    box = {}
    benchmark.pedantic(lambda: box.update(run_child(classes[teams], tmp_path / "out")), rounds=1, iterations=1)
    benchmark.extra_info.update(box)
    similarity_scale[teams] = box
    assert box["pairs"] == teams * (teams - 1) // 2  # mini-project 2 only: every pair compared once
    assert (tmp_path / "out" / "similarity.json").is_file()
