"""Run the student CI workflow's steps (grader/ci/n2n-grade.yml) on a sample team laid out as a student
repository, as a non-root user, and check what they leave behind.

    python scripts/student_ci_steps.py [--team team_x] [--full-size]

What GitHub's runner would do, done here: a fresh virtualenv (the `setup-python`
step), the workflow's `run:` steps in order, in the repository's folder, with
RUNNER_TEMP, GITHUB_ACTIONS and GITHUB_STEP_SUMMARY set and N2N_GRADE_PACKAGE
pointing at a copy of this checkout (where a course gives its git URL). Two
stand-ins, said here so nobody mistakes them for the real thing: the virtualenv
sees this checkout's installed packages through a .pth file (torch is already
there, so the pinned CPU install finds it satisfied instead of downloading
~200 MB; the venv's own old setuptools is removed so the host's newer one
satisfies torch's requirement), and `actions/upload-artifact` is checked, not
run (its folder must hold the reports). pip still reaches PyPI to upgrade itself and build the grader.

As root the steps run as `nobody` (runuser); as any other user, as that user.
Checks: every step succeeds (the grade step exits 0 or 1: graded), the reports
are outside the working tree, the working tree is unchanged, and the folder-name
warning is not given in CI. Exit 0 when all hold; 1 otherwise; 77 when no
non-root user can run them here (the reason is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402  (the test extra)

from grader.ci import workflow_text  # noqa: E402
from grader.gradescope_package import source_files  # noqa: E402

SMALL = {  # the grader's size knobs (click envvars): seconds instead of minutes
    "N2N_GRADE_NO_TRAIN": "1",
    "N2N_GRADE_TRAIN_PAIRS": "64",
    "N2N_GRADE_VAL_PAIRS": "16",
    "N2N_GRADE_NO_REFERENCE": "1",
}
USER = "nobody"


def _python() -> str:
    """A Python of this version that a non-root user can run (this one may live under /root)."""
    for candidate in (sys.executable, f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}"):
        if Path(candidate).exists() and os.access(Path(candidate).resolve(), os.X_OK):
            probe = subprocess.run(
                [shutil.which("runuser"), "-u", USER, "--", candidate, "-c", "0"], capture_output=True
            )
            if probe.returncode == 0 or os.geteuid() != 0:
                return candidate
    return ""


def prepare(work: Path, team: str) -> Path:
    """The student repository (the team's package at its top, in git) and a copy of this checkout."""
    sub = REPO / "submissions" / team
    packages = [p for p in sub.rglob("Miniproject_2") if p.is_dir()]
    if len(packages) != 1:
        raise SystemExit(f"{sub}: expected one Miniproject_2 folder (a folder team), found {len(packages)}")
    repo = work / "student-repo"
    shutil.copytree(packages[0], repo / "Miniproject_2", ignore=shutil.ignore_patterns("__pycache__"))
    for path, name in source_files(REPO):
        target = work / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return repo


def run_steps(work: Path, python: str, small: bool) -> int:
    """As the current (non-root) user: the virtualenv, the workflow's run steps, then the checks."""
    repo = work / "student-repo"
    env = {
        "HOME": str(work / "home"),
        "PATH": f"{work / 'venv' / 'bin'}:/usr/bin:/bin",
        "RUNNER_TEMP": str(work / "runner"),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(work / "runner" / "step_summary.md"),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        **(SMALL if small else {}),
    }
    for folder in ("home", "runner"):
        (work / folder).mkdir(exist_ok=True)
    subprocess.run([python, "-m", "venv", str(work / "venv")], check=True)
    site = subprocess.run(
        [str(work / "venv" / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "host-packages.pth").write_text(os.environ["N2N_HOST_SITE"] + "\n")
    # the venv's own old setuptools would shadow the host's (torch needs >= 77): let the host's be seen
    subprocess.run([str(work / "venv" / "bin" / "python"), "-m", "pip", "uninstall", "-q", "-y", "setuptools"], env=env)
    git = ["git", "-c", "user.name=student", "-c", "user.email=s@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True, env=env)
    subprocess.run([*git, "-C", str(repo), "add", "-A"], check=True, env=env)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "project"], check=True, env=env)

    flow = yaml.safe_load(workflow_text())
    problems = []
    grade_code = None
    for step in flow["jobs"]["grade"]["steps"]:
        name = step.get("name") or step.get("uses")
        if "run" not in step:
            print(f"--- {name}: not run here (a GitHub action)", flush=True)
            continue
        step_env = {k: str(v) for k, v in (step.get("env") or {}).items()}
        if "N2N_GRADE_PACKAGE" in step_env:  # ${{ vars.N2N_GRADE_PACKAGE }}: what the course sets
            step_env["N2N_GRADE_PACKAGE"] = str(work / "n2n-grade")
        print(f"--- {name}: {step['run'].strip().splitlines()[0]} ...", flush=True)
        run = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env={**env, **step_env})
        if step.get("id") == "grade":
            grade_code = run.returncode
            if run.returncode not in (0, 1):
                problems.append(f"the grade step exited {run.returncode} (0 or 1 expected: graded)")
        elif run.returncode != 0:
            problems.append(f"step {name!r} failed (exit {run.returncode})")
            break
    upload = next(s for s in flow["jobs"]["grade"]["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    artifact = Path(re.sub(r"\$\{\{\s*runner\.temp\s*\}\}", str(work / "runner"), upload["with"]["path"]))
    result_file = artifact / "result.json"
    if not result_file.is_file():
        problems.append(f"no result.json in the artifact folder {artifact}")
    else:
        result = json.loads(result_file.read_text())
        folder = next((c for c in result["checks"] if c["id"] == "structure.folder_name"), None)
        if folder is None or not folder["details"].get("not_applicable"):
            problems.append("structure.folder_name was checked in CI")
        print(f"graded: {result['score']:g}/{result['max_score']:g}, grade step exit {grade_code}")
    if repo.resolve() in artifact.resolve().parents:
        problems.append(f"the reports {artifact} are inside the working tree")
    status = subprocess.run(
        ["git", "-C", str(repo), "status", "--porcelain", "--ignored"], capture_output=True, text=True, env=env
    ).stdout
    if status.strip():
        problems.append(f"the working tree changed:\n{status}")
    for problem in problems:
        print(f"PROBLEM: {problem}", flush=True)
    print("student CI steps: " + ("all checks hold" if not problems else f"{len(problems)} problem(s)"), flush=True)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--team", default="team_x", help="the sample team (a folder team) to lay out as a repository")
    parser.add_argument("--full-size", action="store_true", help="grade on the fast sizes, not the tiny ones")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--as-user", type=Path, help=argparse.SUPPRESS)  # the re-run as the non-root user
    args = parser.parse_args()
    if args.as_user:
        return run_steps(args.as_user, os.environ["N2N_PYTHON"], not args.full_size)
    work = Path(tempfile.mkdtemp(prefix="n2n-student-ci-"))
    try:
        prepare(work, args.team)
        host_site = sysconfig.get_paths()["purelib"]
        if os.geteuid() != 0:
            os.environ.update(N2N_HOST_SITE=host_site, N2N_PYTHON=sys.executable)
            return run_steps(work, sys.executable, not args.full_size)
        python = _python() if shutil.which("runuser") else ""
        if not python:
            print(
                f"SKIP: running as root and no non-root user ({USER}) can run a Python {sys.version_info[:2]} "
                "here (runuser missing, or every Python lies in a folder it cannot enter)"
            )
            return 77
        subprocess.run(["chown", "-R", f"{USER}:", str(work)], check=True)
        # the script itself must be readable by the user: run a copy from the work folder
        script = work / "student_ci_steps.py"
        shutil.copyfile(__file__, script)
        env = {
            "N2N_HOST_SITE": host_site,
            "N2N_PYTHON": python,
            "PATH": "/usr/bin:/bin",
            "HOME": str(work / "home"),
            "PYTHONPATH": str(work / "n2n-grade") + os.pathsep + host_site,
        }
        cmd = [shutil.which("runuser"), "-u", USER, "--", python, str(script), "--as-user", str(work)]
        cmd += ["--full-size"] if args.full_size else []
        return subprocess.run(cmd, env=env).returncode
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
