"""What Gradescope's `run_autograder` runs: grade /autograder/submission, write /autograder/results/results.json.

The autograder zip (`grade gradescope-package`) holds gradescope.json, the
settings it was built with; this module reads them, grades the submission,
and writes Gradescope's results file with:

- the visibility of the whole result and of each test from the rubric's
  [gradescope] table (`visibility`, `stdout_visibility`, and `[gradescope.tests]`:
  check-id patterns such as "model.*" = "after_due_date");
- the lateness from submission_metadata.json (`created_at` against the
  assignment's `due_date`) and the rubric's [late] policy (grader.late).

A submission that cannot be graded still gets a results.json (score 0 and the
reason), since Gradescope shows nothing without one. N2N_AUTOGRADER_ROOT moves
/autograder (for tests).
"""

from __future__ import annotations

import fnmatch
import json
import os
import sys
import traceback
from pathlib import Path

import tomllib

from grader.late import days_late, late_policy, parse_time
from grader.report.gradescope import VISIBILITIES, to_gradescope

CONFIG = "gradescope.json"


def root() -> Path:
    return Path(os.environ.get("N2N_AUTOGRADER_ROOT", "/autograder"))


def _visibility(rubric: Path | None) -> dict:
    table = tomllib.loads(rubric.read_text()).get("gradescope", {}) if rubric else {}
    out = {
        "visibility": table.get("visibility", "visible"),
        "stdout_visibility": table.get("stdout_visibility", "hidden"),
        "tests": dict(table.get("tests", {})),
    }
    for value in [out["visibility"], out["stdout_visibility"], *out["tests"].values()]:
        if value not in VISIBILITIES:
            raise ValueError(f"rubric {rubric}: [gradescope]: visibility {value!r} is not one of {VISIBILITIES}")
    return out


def _lateness(meta_path: Path, rubric: Path | None) -> dict:
    """{'days', 'penalty_percent', 'submitted', 'due'} from submission_metadata.json ({} without one)."""
    if not meta_path.is_file():
        return {}
    meta = json.loads(meta_path.read_text())
    due = (meta.get("assignment") or {}).get("due_date")
    if not meta.get("created_at") or not due:
        return {}
    days = days_late(parse_time(meta["created_at"]), parse_time(due))
    return {
        "submitted": meta["created_at"],
        "due": due,
        "days": days,
        "penalty_percent": late_policy(rubric).penalty_percent(days),
    }


def results_for(source: Path, submission: Path, meta_path: Path) -> dict:
    """Grade `submission` with the settings in source/gradescope.json; the results.json dict."""
    from grader.grade import GradeError, grade_submission
    from grader.options import GradeOptions

    config = json.loads((source / CONFIG).read_text())
    rubric = source / config["rubric"] if config.get("rubric") else None
    data = source / config["data"] if config.get("data") else None
    shown = _visibility(rubric)
    options = GradeOptions(
        data_dir=data,
        rubric=rubric,
        fast=config.get("fast", False),
        seed=config.get("seed", 0),
        train=config.get("train", True),
        n_train=config.get("n_train"),
        n_val=config.get("n_val"),
        measure_reference=config.get("measure_reference", True),
    )
    try:
        result = grade_submission(submission, options, progress=lambda m: print(f"[grade] {m}", flush=True))
    except GradeError as exc:
        return {"score": 0.0, "output": f"The autograder could not run: {exc}", "tests": []}
    data_out = to_gradescope(result, visibility=shown["visibility"], stdout_visibility=shown["stdout_visibility"])
    for test in data_out["tests"]:
        check_id = test["name"].split(" ", 1)[0]
        for pattern, visibility in shown["tests"].items():
            if fnmatch.fnmatchcase(check_id, pattern):
                test["visibility"] = visibility  # the last matching pattern wins, as in a rubric's [checks]
    late = _lateness(meta_path, rubric)
    if late:
        data_out["extra_data"]["late"] = late
        if late["days"]:
            before = data_out["score"]
            data_out["score"] = round(before * (1 - late["penalty_percent"] / 100), 2)
            data_out["output"] += (
                f"\n\nLate by {late['days']} day(s) (submitted {late['submitted']}, due {late['due']}): "
                f"{late['penalty_percent']:g}% off, {before:g} → {data_out['score']:g} points."
            )
    return data_out


def main() -> int:
    base = root()
    out = base / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = results_for(base / "source", base / "submission", base / "submission_metadata.json")
    except Exception as exc:  # Gradescope shows nothing without a results file: always write one
        traceback.print_exc()
        data = {
            "score": 0.0,
            "output": f"The autograder failed ({type(exc).__name__}: {exc}); tell the staff.",
            "tests": [],
        }
    out.write_text(json.dumps(data, indent=2, allow_nan=False))
    print(f"wrote {out}: {data['score']:g} points", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
