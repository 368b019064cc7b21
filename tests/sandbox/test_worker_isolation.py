"""What student code can see and touch from inside the worker: its box, and nothing of the judge's."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from sandbox_helpers import HOSTILE, NAMESPACES, ROOT, Session, copy_submission, kept_below, needs_namespaces, pack_arg

import grader
from grader.data.cache import cache_root
from grader.sandbox.interpreter import WorkerPython

REPO = Path(grader.__file__).resolve().parents[1]
SECRET = "clean-validation-images"


@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    """Folders like the judge's: a data folder, a data cache, an output folder, and one nobody listed."""
    base = tmp_path_factory.mktemp("judge")
    folders = {name: base / name for name in ("data", "cache", "out", "unlisted")}
    for folder in folders.values():
        folder.mkdir()
        (folder / "val_data.pkl").write_text(SECRET)
    return folders


@pytest.fixture(scope="module")
def jailed(tmp_path_factory, secrets):
    root = copy_submission(HOSTILE, tmp_path_factory.mktemp("sub"))
    hide = [str(secrets[n]) for n in ("data", "cache", "out")]  # what grade.py passes for --data, cache, --out
    s = Session(root, hide=hide)
    s.worker.start()
    yield s
    s.close()


def judge_paths(secrets) -> list[str]:
    return [
        str(p)
        for p in (
            *secrets.values(),
            cache_root(),
            REPO,
            REPO / "reference_impl",
            Path.home(),
            Path.cwd(),
            tempfile.gettempdir(),
        )
    ]


def test_student_code_cannot_write_outside_its_box(jailed, secrets):
    targets = judge_paths(secrets) + [
        str(REPO / "grader"),
        "/",
        "/etc",
        "/usr",
        "/var",
        os.path.dirname(os.path.realpath(__import__("sys").executable)),
    ]
    if not NAMESPACES:  # the real temp folder is shared then (a documented degradation): do not litter it
        targets.remove(tempfile.gettempdir())
    results = jailed.ask("try_write", pack_arg(targets))
    assert all(r != "ok" for path, r in results.items() if path != tempfile.gettempdir()), results
    for path in targets:  # and nothing appeared on the judge's side, whatever the worker believed
        assert not os.path.exists(os.path.join(path, "n2n-hostile-was-here.txt")), path


@needs_namespaces
def test_the_only_writable_folders_are_private(jailed):
    box = str(jailed.worker.box)
    private = (box, "/tmp", "/var/tmp", "/dev/shm")
    writable = jailed.ask("writable_dirs", timeout=60)
    outside = [d for d in writable if not any(d == p or d.startswith(p + "/") for p in private)]
    assert outside == [], outside


@needs_namespaces
def test_judge_files_are_invisible(jailed, secrets):
    seen = jailed.ask("probe_paths", pack_arg(judge_paths(secrets)))
    for path, entry in seen.items():
        text = str(entry)
        assert SECRET not in text, f"{path} leaked: {entry}"
        if path in (str(REPO), str(Path.home()), str(Path.cwd())):
            continue  # parents of kept folders (the venv, the interpreter) may exist, holding only those
        if path == tempfile.gettempdir():  # a private, fresh /tmp: only the worker's own box
            allowed = {jailed.worker.box.name, "n2n-hostile-was-here.txt"} | kept_below(path)
            assert set(entry["list"]) <= allowed, entry
            continue
        assert not entry["exists"] or entry.get("list") == [], f"{path} visible: {entry}"
    assert set(seen[str(REPO)].get("list", [])) <= {".venv", "grader"}, seen[str(REPO)]


@needs_namespaces
def test_tmp_writes_do_not_persist(jailed):
    assert jailed.ask("try_write", pack_arg(["/tmp"]))["/tmp"] == "ok"
    assert not os.path.exists("/tmp/n2n-hostile-was-here.txt")
    jailed.worker.close()  # a new worker starts with an empty /tmp
    assert (
        jailed.ask("probe_paths", pack_arg(["/tmp/n2n-hostile-was-here.txt"]))["/tmp/n2n-hostile-was-here.txt"][
            "exists"
        ]
        is False
    )


def test_network_is_unreachable(jailed):
    results = jailed.ask("connect", timeout=60)
    if NAMESPACES:
        assert all(r != "connected" for r in results.values()), results
    else:
        assert jailed.worker.protections()["network_isolated"] is False


def test_environment_is_scrubbed(jailed, monkeypatch):
    seen = jailed.ask("whoami")
    env = seen["env"]
    allowed = {
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "PYTHONUNBUFFERED",
        "PYTHONDONTWRITEBYTECODE",
        "OMP_NUM_THREADS",
        "MKL_NUM_THREADS",
        "CUDA_VISIBLE_DEVICES",
        "LC_CTYPE",
    }
    assert set(env) <= allowed, set(env) - allowed
    assert env["HOME"].startswith(str(jailed.worker.box)) and seen["home"] == env["HOME"]
    assert seen["cwd"].startswith(str(jailed.worker.box))
    assert os.environ.get("HOME", "~") not in env.values()


def test_only_its_own_processes_are_visible(jailed):
    procs = jailed.ask("processes")
    if jailed.worker.protections().get("proc_private"):
        assert all(int(pid) < 100 for pid in procs), procs
        assert str(os.getpid()) not in procs or "pytest" not in procs[str(os.getpid())]
        assert not any("pytest" in cmd for cmd in procs.values())
    if ROOT:  # whatever it sees, it cannot read the judge's memory or environment
        for cmd in procs.values():
            assert "N2N_GRADE_CACHE" not in cmd


@needs_namespaces
def test_a_checkout_under_tmp_stays_importable(tmp_path_factory, monkeypatch):
    """A grader cloned (or a virtualenv made) below /tmp: the worker's private /tmp must not cover it,
    or every import made after start-up fails (found from a fresh clone in /tmp)."""
    kept = Path(tempfile.mkdtemp(prefix="n2n-checkout-", dir="/tmp"))
    try:
        kept.chmod(0o755)  # as a clone is; mkdtemp makes it private to us
        (kept / "lazy_module.py").write_text("VALUE = 42\n")
        with monkeypatch.context() as patch:
            original = WorkerPython.keep_paths
            patch.setattr(WorkerPython, "keep_paths", lambda self: [*original(self), str(kept)])
            s = Session(copy_submission(HOSTILE, tmp_path_factory.mktemp("sub")))
            try:
                seen = s.ask("probe_paths", pack_arg([str(kept / "lazy_module.py"), "/tmp"]))
            finally:
                s.close()
        assert seen[str(kept / "lazy_module.py")].get("head") == "VALUE = 42\n", seen
        assert "error" not in seen["/tmp"]  # /tmp itself is still the worker's own
    finally:
        shutil.rmtree(kept, ignore_errors=True)
