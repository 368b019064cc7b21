"""The degraded modes, for machines that refuse part of the jail: they still confine what they can, and say so."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from sandbox_helpers import HERE, HOSTILE, NAMESPACES, ROOT, Session, copy_submission, kept_below, leftovers, pack_arg

import grader

REPO = Path(grader.__file__).resolve().parents[1]


@pytest.mark.skipif(not NAMESPACES, reason="this machine refuses new namespaces")
def test_without_a_fresh_root_sensitive_folders_are_hidden_and_the_root_is_read_only(tmp_path):
    secret = tmp_path / "data"
    secret.mkdir()
    (secret / "val_data.pkl").write_text("clean")
    s = Session(copy_submission(HOSTILE, tmp_path / "sub"), fresh_root=False, hide=[str(secret)])
    try:
        s.worker.start()
        report = s.worker.protections()
        assert report["fresh_root"] is False and report["filesystem_isolated"] and report["root_readonly"]
        assert report["proc_private"] and report["pid_namespace"]
        seen = s.ask("probe_paths", pack_arg([str(secret), str(Path.home()), tempfile.gettempdir()]))
        assert not seen[str(secret)]["exists"] or seen[str(secret)].get("list") == [], seen
        assert set(seen[tempfile.gettempdir()]["list"]) <= {s.worker.box.name} | kept_below(tempfile.gettempdir())
        writes = s.ask("try_write", pack_arg([str(REPO), "/", "/etc", str(Path.home()), str(s.worker.box / "tmp")]))
        assert writes.pop(str(s.worker.box / "tmp")) == "ok"
        assert all(r != "ok" for r in writes.values()), writes
    finally:
        s.close()


SCRIPT = """
import json, os, sys, time
sys.path.insert(0, {here!r})
from sandbox_helpers import Session
s = Session({root!r}, namespaces=False)
s.worker.start()
report = s.worker.protections()
s.call("escape", {marker!r})
uid, pid = s.worker.uid, s.worker.proc.pid
s.close()
print(json.dumps({{"report": report, "uid": uid, "pid": pid}}))
"""


@pytest.mark.skipif(not ROOT, reason="without root there is no other confinement left to test")
def test_without_namespaces_the_uid_still_confines_and_every_process_dies(tmp_path):
    """Run in a child process: the fallback makes its judge a child subreaper, which must not leak into pytest."""
    root = copy_submission(HOSTILE, tmp_path)
    marker = f"7777.{os.getpid()}"
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(here=str(HERE), root=str(root), marker=marker)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=str(tmp_path),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    report = info["report"]
    assert report["namespaces"] is False and report["network_isolated"] is False
    assert report["filesystem_isolated"] is False and report["unprivileged_uid"] == info["uid"]
    assert leftovers(uid=info["uid"], sid=info["pid"], marker=marker) == []
