"""The jail on a typical cluster node: no network namespaces, and the OOM killer aimed at the worker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sandbox_helpers import HOSTILE, NAMESPACES, Session, copy_submission

from grader.sandbox.jail import OOM_SCORE_ADJ

# enter_namespaces in a throwaway process, with unshare(CLONE_NEWNET) refused as under user.max_net_namespaces=0
NO_NETNS = textwrap.dedent("""
    import json, sys
    from grader.sandbox import jail

    real = jail._call

    def refuse_netns(fn, *args, what):
        if what.startswith("unshare") and args[0] & jail.CLONE_NEWNET:
            raise OSError(28, what + ": No space left on device (user.max_net_namespaces=0)")
        return real(fn, *args, what=what)

    jail._call = refuse_netns
    print(json.dumps(jail.enter_namespaces(jail.JailConfig(box=sys.argv[1]))))
""")


@pytest.mark.skipif(not NAMESPACES, reason="this machine refuses new namespaces")
def test_without_network_namespaces_the_mount_and_pid_namespaces_are_kept_and_the_gap_reported(tmp_path):
    run = subprocess.run([sys.executable, "-c", NO_NETNS, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["namespaces"] and report["pid_namespace"] and report["ipc_namespace"]
    assert report["network_isolated"] is False
    assert "max_net_namespaces" in report["network_isolated_detail"]
    assert "shares the host's network" in report["network_isolated_detail"]


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                ppid = int(Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="oom_score_adj is Linux's")
def test_the_worker_that_runs_student_code_is_the_oom_killers_first_choice(tmp_path):
    s = Session(copy_submission(HOSTILE, tmp_path / "sub"))
    try:
        s.worker.start()
        assert s.worker.protections()["oom_score_adj"] == OOM_SCORE_ADJ
        scores = {int(Path(f"/proc/{p}/oom_score_adj").read_text()) for p in _descendants(s.worker.proc.pid)}
        assert OOM_SCORE_ADJ in scores  # the process answering requests (and running student code)
        assert int(Path("/proc/self/oom_score_adj").read_text()) < OOM_SCORE_ADJ  # the judge is spared
    finally:
        s.close()
