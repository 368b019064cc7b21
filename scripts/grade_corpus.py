"""Grade a set of submission folders the user already has, and tabulate every check that did not pass.

    python scripts/grade_corpus.py PATH [PATH...] --out DIR [--full] [--no-train] [...]
    python scripts/grade_corpus.py --list FILE --out DIR [--project 1|2] [--shims all|none|a,b] [--worker-python DIR]

Each PATH is anything `grade` accepts (a Proj_* folder, a folder holding
Miniproject_1 and/or Miniproject_2, one of those itself, a zip), optionally labelled as
`LABEL=PATH`; a list FILE holds one `PATH` or `LABEL=PATH` per line (`#`
comments allowed). The label defaults to the folder's name.

Why a script and not `grade --out`: it feeds docs/fidelity.md, which compares
the grader's verdicts on public 2022 student repositories before and after a
change. Those repositories carry no licence, so nothing of theirs may enter
this repository: the script fetches nothing (the user passes paths), copies
each folder to a temporary directory outside the repository (the originals may
be read-only checkouts, and grading must leave them untouched), grades the copy
through the Python API (`grader.grade.grade_submission`, `--fast` by default),
and writes only the grader's own results:

    DIR/<label>.json   the Result of each submission (same schema as `grade --json`)
    DIR/summary.md     per submission: score/max; then one row per check that did not
                       pass or lost points (status, points lost, message cut to --width
                       characters)

Skipped checks marked not applicable (the upsampling family a team did not
choose, ...) are left out of the table; they cost nothing. A check that passed
with partial credit (the pretrained PSNR's scale) is listed as "pass (partial)".

--project 1 or 2 grades that mini-project only (default: both, as `grade`);
--shims grades with the worker's drift shims chosen as `grade --shims` does
(`none` shows which checks a shim saved); --worker-python runs the worker in
another environment (a course environment with torchvision). The summary adds, per submission and
project, the pretrained PSNR and the shims the worker used.

The timed epoch (model.train_time) is only meaningful on quiet cores: on a
loaded machine run with --threads 1 when `uptime` is low, or pass --no-train.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from tabulate import tabulate

from grader.grade import GradeError, grade_submission, load_grading_data, measure_reference_for
from grader.options import GradeOptions
from grader.projects import PROJECTS
from grader.result import Result
from grader.sandbox.supervisor import SandboxSettings
from grader.scoring import parse_shims

ROOT = Path(__file__).resolve().parents[1]
IGNORED = shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".DS_Store", "__MACOSX")


def parse_targets(args: list[str], list_file: Path | None) -> list[tuple[str, Path]]:
    """(label, path) pairs from `LABEL=PATH` / `PATH` arguments and the lines of a list file."""
    items = list(args)
    if list_file is not None:
        lines = list_file.read_text().splitlines()
        items += [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    targets, seen = [], set()
    for item in items:
        label, sep, path = item.partition("=")
        path = Path(path if sep else item).expanduser()
        label = label if sep else path.resolve().name
        if label in seen:
            raise SystemExit(f"grade_corpus: label {label!r} given twice; label them as LABEL=PATH")
        if not path.exists():
            raise SystemExit(f"grade_corpus: {path}: no such file or folder")
        seen.add(label)
        targets.append((label, path))
    return targets


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def private_copy(path: Path, temp: Path) -> Path:
    """Copy `path` (folder or zip) under `temp`, keeping its name (the team folder's name matters)."""
    dest = temp / path.resolve().name
    if path.is_dir():
        shutil.copytree(path, dest, ignore=IGNORED, symlinks=True)
    else:
        shutil.copy2(path, dest)
    return dest


def non_pass_rows(label: str, result: Result, width: int) -> list[list]:
    """One row per applicable check that did not pass or lost points: label, id, status, points lost, message."""
    rows = []
    for check in result.checks:
        lost = round(check.max_score - check.score, 2)
        if check.details.get("not_applicable") or (check.status == "pass" and lost <= 0):
            continue
        status = "pass (partial)" if check.status == "pass" else check.status
        message = " ".join(check.message.split())
        if len(message) > width:
            message = message[: width - 1] + "…"
        rows.append([label, check.id, status, lost, message.replace("|", "\\|")])
    return rows


def pretrained_psnrs(result: Result) -> str:
    """Each graded project's pretrained PSNR and its gain over the noisy input ("-" when none was measured)."""
    cells = []
    for project in PROJECTS.values():
        if not (result.projects.get(project.key) or {}).get("graded"):
            continue
        check = result.check(project.check_id("model.pretrained_psnr"))
        psnr, gain = (check.details.get("psnr"), check.details.get("gain_db")) if check else (None, None)
        value = "-" if psnr is None else f"{psnr:.2f} dB" + ("" if gain is None else f" ({gain:+.2f})")
        cells.append(f"mp{project.number} {value}")
    return "; ".join(cells)


def shims_used(result: Result) -> list[str]:
    """The drift shims the worker needed for this submission, as the result's environment records them."""
    used = (result.environment or {}).get("worker", {}).get("shims_used") or {}
    return sorted(used)


def summary(results: dict[str, Result | str], width: int) -> str:
    """The Markdown summary: a score table, then every non-pass check."""
    scores, checks = [], []
    for label, result in results.items():
        if isinstance(result, str):  # the grader could not run on it
            scores.append([label, "", "", "", result])
            continue
        counts = {
            s: sum(c.status == s and not c.details.get("not_applicable") for c in result.checks)
            for s in ("fail", "warn", "error", "skipped")
        }
        notes = "; ".join(n for n in result.notes if not n.startswith("--fast"))  # the same on every row
        scores.append(
            [
                label,
                f"{result.score:g}/{result.max_score:g}",
                "yes" if result.passed_required else "no",
                " ".join(f"{k} {v}" for k, v in counts.items() if v),
                pretrained_psnrs(result),
                ", ".join(shims_used(result)) or "none",
                notes[:width],
            ]
        )
        checks += non_pass_rows(label, result, width)
    parts = [
        tabulate(
            scores,
            ["submission", "score", "required passed", "non-pass", "pretrained PSNR", "shims used", "notes"],
            tablefmt="github",
        ),
        "",
        tabulate(checks, ["submission", "check", "status", "lost", "message"], tablefmt="github"),
    ]
    return "\n".join(parts) + "\n"


def _shims(parser: argparse.ArgumentParser, value: str) -> tuple[str, ...]:
    try:
        return parse_shims(value)
    except ValueError as exc:
        parser.error(f"--shims: {exc}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("paths", nargs="*", help="PATH or LABEL=PATH of each submission")
    parser.add_argument("--list", type=Path, help="a file with one PATH or LABEL=PATH per line")
    parser.add_argument("--out", type=Path, required=True, help="folder for <label>.json and summary.md")
    parser.add_argument("--full", action="store_true", help="the full grade instead of --fast")
    parser.add_argument("--no-train", action="store_true", help="skip the timed training epoch")
    parser.add_argument("--no-reference", action="store_true", help="do not measure the reference")
    parser.add_argument("--train-pairs", type=int)
    parser.add_argument("--val-pairs", type=int)
    parser.add_argument("--threads", type=int, help="torch threads of the student's worker")
    parser.add_argument("--data", type=Path, help="the course's train_data.pkl / val_data.pkl folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--noise", default="gaussian", help="noise of the embedded data set")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    parser.add_argument("--rubric", type=Path)
    parser.add_argument("--project", type=int, choices=[1, 2], help="grade this mini-project only (default: both)")
    parser.add_argument("--shims", help="drift shims in the worker: all (default), none, or a comma list")
    parser.add_argument("--worker-python", help="the worker's interpreter or virtualenv (grade env create DIR)")
    parser.add_argument("--width", type=int, default=140, help="messages are cut to this many characters")
    ns = parser.parse_args(argv)
    targets = parse_targets(ns.paths, ns.list)
    if not targets:
        parser.error("no submission given (PATH arguments or --list FILE)")
    if _inside(ns.out.resolve(), ROOT):
        parser.error("--out must be outside the repository (results quote student messages)")
    ns.out.mkdir(parents=True, exist_ok=True)
    options = GradeOptions(  # the same GradeOptions as `grade` builds from these flags
        data_dir=ns.data,
        fast=not ns.full,
        seed=ns.seed,
        noise=ns.noise,
        device=ns.device,
        rubric=ns.rubric,
        train=not ns.no_train,
        n_train=ns.train_pairs,
        n_val=ns.val_pairs,
        measure_reference=not ns.no_reference,
        projects=(ns.project,) if ns.project else (1, 2),
        shims=None if ns.shims is None else _shims(parser, ns.shims),
        worker_python=ns.worker_python,
        sandbox=SandboxSettings() if ns.threads is None else SandboxSettings(threads=ns.threads),
        extra_hidden=(str(ns.out.resolve()),),
    )
    try:
        data = load_grading_data(options)
    except GradeError as exc:
        parser.error(str(exc))
    # measured once for the whole set (grade_submission would measure again whenever the cache is not used)
    reference = measure_reference_for(options, data) if options.measure_reference else {}
    results: dict[str, Result | str] = {}
    for label, path in targets:
        print(f"[{label}] grading {path}", file=sys.stderr)
        with tempfile.TemporaryDirectory(prefix="grade-corpus-") as temp:
            try:
                result = grade_submission(
                    private_copy(path, Path(temp)),
                    options,
                    data=data,
                    reference=reference,
                    progress=lambda m, label=label: print(f"[{label}] {m}", file=sys.stderr),
                )
            except GradeError as exc:
                results[label] = f"grader could not run: {exc}"
                continue
        (ns.out / f"{label}.json").write_text(result.to_json())
        results[label] = result
        print(f"[{label}] {result.score:g}/{result.max_score:g}", file=sys.stderr)
    text = summary(results, ns.width)
    (ns.out / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
