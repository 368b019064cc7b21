"""Write the sample teams of submissions/ from the template and the catalog (sample_teams.py).

    python submissions/_build/build.py            # code, reports, EXPECTED.toml, derived checkpoints, zips
    python submissions/_build/build.py --train    # also retrain the trained checkpoints (minutes, one thread)
    python submissions/_build/build.py --team team_x --team team_numpy
    python submissions/_build/build.py --check    # list differences between the catalog and the folders

Trained checkpoints are kept across rebuilds unless --train is given; every
other checkpoint is derived from team_x's (see sample_checkpoints.py).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sample_checkpoints as checkpoints  # noqa: E402
from sample_files import CHECKPOINT, differences, expected_toml, package_files  # noqa: E402
from sample_team import SUBMISSIONS_DIR, Team  # noqa: E402
from sample_teams import LFS_POINTER, TEAMS, project1_half  # noqa: E402

# a fixed timestamp for zip entries, so that a rebuild gives the same bytes
ZIP_TIME = (2022, 5, 27, 12, 0, 0)


def teams_by_name(names: list[str] | None) -> list[Team]:
    if not names:
        return list(TEAMS)
    known = {t.name: t for t in TEAMS}
    missing = [n for n in names if n not in known]
    if missing:
        raise SystemExit(f"unknown team(s): {', '.join(missing)}; known: {', '.join(known)}")
    return [known[n] for n in names]


def _source_checkpoint(project: int = 2) -> Path:
    source = next(t for t in TEAMS if t.name == checkpoints.SOURCE_TEAMS[project])
    path = source.team_dir / source.folder / source.package / CHECKPOINT
    if not path.is_file():
        raise SystemExit(f"{path} is missing: build {source.name} with --train first")
    return path


def _write_files(package: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        target = package / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)


def _make_checkpoint(team: Team, package: Path, kept: bytes | None, retrain: bool, exported: dict) -> None:
    dest = package / CHECKPOINT
    kind = team.checkpoint
    if kind == "train":
        if kept is not None and not retrain:
            dest.write_bytes(kept)
            return
        epochs, pairs = checkpoints.TRAINING[team.train_from]
        print(f"{team.name}: training {epochs} epochs on {pairs} pairs with its own code", flush=True)
        checkpoints.run_child("train", str(package.parent), team.train_from)
    elif kind == "copy":
        shutil.copyfile(_source_checkpoint(team.project), dest)
    elif kind == "pickle":
        checkpoints.run_child("resave1", str(package.parent), str(_source_checkpoint(1)))
    elif kind == "convert":
        if "file" not in exported:
            exported["file"] = Path(exported["dir"]) / "weights.pt"
            source = _source_checkpoint().parent.parent
            checkpoints.run_child("export", str(source), str(exported["file"]))
        checkpoints.run_child("import", str(package.parent), str(exported["file"]))
    elif kind == "cuda":
        checkpoints.save_as_cuda(_source_checkpoint(team.project), dest)
    elif kind == "lfs":
        dest.write_text(LFS_POINTER)


def _zip_bytes(team: Team, folder: Path) -> bytes:
    """The team folder (every package in it) as the zip a student hands in, plus the team's extra entries."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo(f"{team.folder}/{path.relative_to(folder).as_posix()}", ZIP_TIME)
                zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        for name, content in (team.zip_extra or {}).items():
            info = zipfile.ZipInfo("x", ZIP_TIME)
            info.filename = info.orig_filename = name  # ZipInfo would strip a leading '/'
            zf.writestr(info, content)
    return buf.getvalue()


def _add_project1(team: Team, folder: Path, exported: dict) -> None:
    """A whole submission: a project-1 team's Miniproject_1 (code and checkpoint) beside the team's package."""
    half = project1_half(team)
    if half is None:
        return
    package = folder / half.package
    _write_files(package, package_files(half, folder=team.folder))
    if half.checkpoint != "train":  # derived: made here as for a team of its own
        _make_checkpoint(half, package, None, False, exported)
        return
    built = half.team_dir / half.folder / half.package / CHECKPOINT
    if not built.is_file():
        raise SystemExit(f"{built} is missing: build {half.name} first")
    shutil.copyfile(built, package / CHECKPOINT)


def build_team(team: Team, *, retrain: bool, exported: dict) -> None:
    """Rewrite submissions/<team>/ from the catalog, keeping a trained checkpoint unless retraining."""
    package = team.team_dir / team.folder / team.package
    kept_path = package / CHECKPOINT
    kept = kept_path.read_bytes() if team.checkpoint == "train" and kept_path.is_file() else None
    if team.team_dir.exists():
        shutil.rmtree(team.team_dir)
    team.team_dir.mkdir(parents=True)
    (team.team_dir / "EXPECTED.toml").write_text(expected_toml(team))
    files = package_files(team)
    if team.zip_extra is None:
        _write_files(package, files)
        _make_checkpoint(team, package, kept, retrain, exported)
        _add_project1(team, package.parent, exported)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            staging = Path(tmp) / team.folder / team.package
            _write_files(staging, files)
            _make_checkpoint(team, staging, kept, retrain, exported)
            _add_project1(team, staging.parent, exported)
            (team.team_dir / team.grade_path).write_bytes(_zip_bytes(team, staging.parent))
    for cache in team.team_dir.rglob("__pycache__"):
        shutil.rmtree(cache)
    print(f"{team.name}: written ({team.checkpoint} checkpoint)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--team", action="append", help="only this team (repeatable)")
    parser.add_argument("--train", action="store_true", help="retrain the trained checkpoints")
    parser.add_argument("--check", action="store_true", help="only report differences with the catalog")
    args = parser.parse_args()
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    selected = teams_by_name(args.team)
    if args.check:
        problems = [p for team in selected for p in differences(team)]
        print("\n".join(problems) or "every team matches the catalog")
        raise SystemExit(1 if problems else 0)
    # trained checkpoints first: the others derive from team_x's
    selected.sort(key=lambda t: (t.checkpoint != "train", t.with_project1 is not None))
    with tempfile.TemporaryDirectory() as tmp:
        exported = {"dir": tmp}
        for team in selected:
            build_team(team, retrain=args.train, exported=exported)
    stray = sorted(p.name for p in SUBMISSIONS_DIR.iterdir()
                   if p.is_dir() and not p.name.startswith(("_", ".")) and p.name not in {t.name for t in TEAMS})
    if stray:
        print(f"note: folders not in the catalog: {', '.join(stray)}")


if __name__ == "__main__":
    main()
