"""The README's two set-up-and-run commands exist, and `.ci/run` runs the test one."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def target(name: str) -> list[str]:
    """The recipe lines of a Makefile target."""
    text = (REPO / "Makefile").read_text()
    match = re.search(rf"^{name}:.*\n((?:\t.*\n)+)", text, re.M)
    assert match, f"Makefile has no {name} target"
    return [line.strip() for line in match.group(1).splitlines()]


def test_readme_names_both_commands():
    readme = (REPO / "README.md").read_text()
    block = re.search(r"```sh\n(make demo.*\nmake test.*)\n```", readme)
    assert block, "README must show `make demo` and `make test` together in one block"


def test_demo_grades_a_whole_submission_zip_that_exists():
    recipe = target("demo")
    assert any(re.search(r"grade --fast submissions/team_x_full$", line) for line in recipe), recipe
    team = REPO / "submissions" / "team_x_full"
    assert (team / "EXPECTED.toml").is_file()
    with zipfile.ZipFile(next(team.glob("Proj_*.zip"))) as archive:  # both mini-projects, as students hand in
        tops = {name.split("/")[1] for name in archive.namelist()}
    assert {"Miniproject_1", "Miniproject_2"} <= tops


def test_setup_pins_the_cpu_torch_build():
    text = (REPO / "Makefile").read_text()
    assert '"torch==2.13.0"' in text  # the on-disk CPU build; a bare torch pulls a CUDA build


def test_ci_runs_the_readme_test_command():
    run = (REPO / ".ci" / "run").read_text()
    assert re.search(r"^make test$", run, re.M)
    assert any("pytest" in line and "tests" in line for line in target("test"))


def test_the_test_command_lints_and_checks_formatting_first():
    prerequisites = re.search(r"^test:(.*)$", (REPO / "Makefile").read_text(), re.M).group(1).split()
    assert "lint" in prerequisites
    recipe = " ".join(target("lint"))
    assert "ruff check" in recipe and "ruff format --check" in recipe
