"""Reading a team's EXPECTED.toml and comparing a grading Result with it (used by the tests and table.py)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

SUBMISSIONS_DIR = Path(__file__).resolve().parents[1]

# The grading options the tests and the table use: a small slice of the embedded
# data, one sandbox thread per grading (two gradings share two cores in CI), no
# reference measurement. The training budget scales with the pairs (36 ms per
# pair on a CPU), so 300 pairs give 10.8 s; the grader's floor of 30 s (meant
# for real gradings on small slices) is lowered to `budget_floor`
# (GradeOptions.budget_floor) so that the teams that never finish are stopped
# after seconds, not half a minute.
GRADING_DEFAULTS = {"fast": True, "n_train": 300, "n_val": 16, "train": True, "threads": 1, "seed": 0,
                    "budget_floor": 3.0}
OPTION_KEYS = frozenset(GRADING_DEFAULTS)
EXPECTATION_STATUSES = ("pass", "fail", "warn", "error", "skipped")


class ExpectedError(Exception):
    """An EXPECTED.toml that cannot be used: it names the file and the problem."""


@dataclass
class Expected:
    """What a careful instructor expects the grader to say about one team."""

    team: str
    team_dir: Path
    summary: str
    path: str
    exit_code: int
    details: str = ""
    score_min: float | None = None
    score_max: float | None = None
    pretrained_psnr_max: float | None = None
    options: dict = field(default_factory=dict)
    project_scores: dict[str, list[float]] = field(default_factory=dict)  # "1"/"2" -> [min, max] of its score
    expect: dict[str, str] = field(default_factory=dict)
    contains: dict[str, str] = field(default_factory=dict)

    @property
    def target(self) -> Path:
        """The folder or zip to grade."""
        return self.team_dir / self.path

    @property
    def grading(self) -> dict:
        """The grading options: the defaults with this team's overrides."""
        return {**GRADING_DEFAULTS, **self.options}


def team_dirs() -> list[Path]:
    """Every team folder (one holding EXPECTED.toml) under submissions/, sorted by name."""
    return sorted(p.parent for p in SUBMISSIONS_DIR.glob("*/EXPECTED.toml"))


def load_expected(team_dir: Path) -> Expected:
    """Parse and validate team_dir/EXPECTED.toml."""
    file = Path(team_dir) / "EXPECTED.toml"
    try:
        data = tomllib.loads(file.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ExpectedError(f"{file}: {exc}") from None
    unknown = set(data) - {"summary", "details", "path", "exit_code", "score_min", "score_max", "pretrained_psnr_max",
                           "options", "project_scores", "expect", "contains"}
    if unknown:
        raise ExpectedError(f"{file}: unknown keys {sorted(unknown)}")
    for key in ("summary", "path", "exit_code"):
        if key not in data:
            raise ExpectedError(f"{file}: missing {key!r}")
    bad = {k: v for k, v in data.get("expect", {}).items() if v not in EXPECTATION_STATUSES}
    if bad:
        raise ExpectedError(f"{file}: [expect] statuses must be one of {EXPECTATION_STATUSES}, got {bad}")
    options = data.get("options", {})
    if set(options) - OPTION_KEYS:
        raise ExpectedError(f"{file}: unknown [options] {sorted(set(options) - OPTION_KEYS)}; known: {sorted(OPTION_KEYS)}")
    project_scores = data.get("project_scores", {})
    bad = {k: v for k, v in project_scores.items()
           if k not in ("1", "2") or not (isinstance(v, list) and len(v) == 2 and v[0] <= v[1])}
    if bad:
        raise ExpectedError(f"{file}: [project_scores] maps \"1\" or \"2\" to [min, max], got {bad}")
    return Expected(team=Path(team_dir).name, team_dir=Path(team_dir), summary=data["summary"], path=data["path"],
                    exit_code=int(data["exit_code"]), details=data.get("details", ""),
                    score_min=data.get("score_min"), score_max=data.get("score_max"),
                    pretrained_psnr_max=data.get("pretrained_psnr_max"), options=options,
                    project_scores={k: [float(x) for x in v] for k, v in project_scores.items()},
                    expect=dict(data.get("expect", {})), contains=dict(data.get("contains", {})))


def grade_options(exp: Expected, **extra):
    """The GradeOptions for this team (the grader is imported here, not at module import)."""
    from grader.options import GradeOptions

    g = exp.grading
    # the suite shares its cores between gradings on purpose: a team's epoch over budget is the team's
    options = GradeOptions(fast=g["fast"], n_train=g["n_train"], n_val=g["n_val"], train=g["train"], seed=g["seed"],
                           measure_reference=False, budget_floor=float(g["budget_floor"]), regrade_busy_epochs=False,
                           **extra)
    return replace(options, sandbox=replace(options.sandbox, threads=g["threads"]))


def cli_arguments(exp: Expected) -> list[str]:
    """The `grade` command-line options equivalent to grade_options (threads and budget floor aside)."""
    g = exp.grading
    args = ["--fast"] if g["fast"] else []
    args += ["--train-pairs", str(g["n_train"]), "--val-pairs", str(g["n_val"]), "--seed", str(g["seed"]),
             "--no-reference"]
    return args + ([] if g["train"] else ["--no-train"])


def exit_code_of(result) -> int:
    """The exit code `grade` gives this result (2: not gradable, or incomplete: a check the grader could not run)."""
    from grader.exit_status import exit_status

    return exit_status(result)


@dataclass
class Mismatch:
    """One expectation the result does not meet."""

    key: str  # a check id, or "exit_code", "score", "pretrained_psnr"
    want: str
    got: str

    def __str__(self) -> str:
        return f"{self.key}: expected {self.want}, got {self.got}"


def mismatches(exp: Expected, result) -> list[Mismatch]:
    """Every expectation of `exp` that `result` breaks (empty when the grader says what was expected)."""
    out: list[Mismatch] = []
    for check_id, status in exp.expect.items():
        check = result.check(check_id)
        if check is None:
            out.append(Mismatch(check_id, status, "no such check in the result"))
        elif check.status != status:
            out.append(Mismatch(check_id, status, f"{check.status} ({check.message})"))
    for check_id, text in exp.contains.items():
        check = result.check(check_id)
        if check is None or text not in check.message:
            got = "no such check" if check is None else repr(check.message)
            out.append(Mismatch(f"{check_id} message", f"text {text!r}", got))
    code = exit_code_of(result)
    if code != exp.exit_code:
        failed = ", ".join(f"{c.id}={c.status}" for c in result.failed_required) or "none"
        out.append(Mismatch("exit_code", str(exp.exit_code), f"{code} (required checks failed: {failed})"))
    if exp.score_min is not None and result.score < exp.score_min:
        out.append(Mismatch("score", f">= {exp.score_min}", f"{result.score} / {result.max_score}"))
    if exp.score_max is not None and result.score > exp.score_max:
        out.append(Mismatch("score", f"<= {exp.score_max}", f"{result.score} / {result.max_score}"))
    for key, (low, high) in exp.project_scores.items():
        entry = (result.projects or {}).get(key) or {}
        got = entry.get("score")
        if got is None or not low <= got <= high:
            out.append(Mismatch(f"project {key} score", f"in [{low}, {high}]",
                                f"{got} / {entry.get('max_score')}" if got is not None else f"not scored ({entry})"))
    if exp.pretrained_psnr_max is not None:  # project 2's (the result's own figures) and project 1's
        project1 = ((result.projects or {}).get("1") or {}).get("psnr")
        for key, psnr in (("pretrained_psnr", result.psnr), ("pretrained_psnr (project 1)", project1)):
            value = (psnr or {}).get("pretrained")
            if value is not None and value > exp.pretrained_psnr_max:
                out.append(Mismatch(key, f"<= {exp.pretrained_psnr_max} dB (no clean images reachable)",
                                    f"{value:.2f} dB"))
    return out
