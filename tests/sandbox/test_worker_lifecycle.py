"""A worker that hangs, dies, floods, forks or overflows a limit costs one request, never the grader."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sandbox_helpers import NAMESPACES, ROOT, leftovers, needs_namespaces

from grader.sandbox import supervisor
from grader.sandbox.client import StudentRaised, tensor_of
from grader.sandbox.jail import default_keep_paths
from grader.sandbox.supervisor import UID_RANGE, WorkerFailure


def identity(session):
    """(uid, outer pid) of the live worker, to look for its processes after it is gone."""
    session.hostile()  # a live worker first: the previous test may have killed it
    return session.worker.uid, session.worker.proc.pid


def assert_nothing_left(uid, pid, marker=None):
    # killed processes are reaped by the kernel asynchronously: one still exiting (no command line left)
    # is given a few seconds to disappear
    deadline = time.monotonic() + 5
    left = leftovers(uid=uid, sid=pid, marker=marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = leftovers(uid=uid, sid=pid, marker=marker)
    assert left == [], f"processes of the dead worker survived: {left}"


def test_protections_are_measured_and_reported(session):
    report = session.worker.protections()
    assert report["limits"]["address_space"] == session.worker.settings.address_space_bytes
    assert report["limits"]["processes"] == session.worker.settings.max_processes
    assert report["limits"]["file_size"] == 8 * 2**20 and report["limits"]["core_dumps"] == 0
    assert report["own_process_group"] and report["wall_timeout_per_request"] and report["request_ids_checked"]
    seen = session.ask("whoami")
    if ROOT:
        assert report["unprivileged_uid"] == session.worker.uid and UID_RANGE[0] <= session.worker.uid < UID_RANGE[1]
        assert seen["uid"] == seen["euid"] == seen["gid"] == session.worker.uid
        assert report["no_new_privileges"] is True
    if NAMESPACES:
        assert report["namespaces"] and report["network_isolated"] and report["filesystem_isolated"]
        assert report["pid_namespace"] and report["proc_private"] and report["fresh_root"]
        assert seen["pid"] == 2, "the server should be the second process of its own PID namespace"
        # The new root holds system folders plus the top folders of what the worker's Python needs
        # (the checkout and its virtualenv live wherever CI or a user cloned them, e.g. /check).
        kept_tops = {Path(p).resolve().parts[1] for p in default_keep_paths() if len(Path(p).resolve().parts) > 1}
        assert (
            set(seen["root"])
            <= {"bin", "lib", "lib32", "lib64", "libx32", "sbin", "usr", "etc", "dev", "proc", "sys", "tmp", "var"}
            | kept_tops
        )
    else:
        assert report["network_isolated"] is False and report.get("network_isolated_detail")


def test_timeout_kills_the_tree_and_the_next_request_gets_a_fresh_worker(session):
    uid, pid = identity(session)
    starts, imports = session.worker.starts, session.imports
    root = session.worker.submission_root
    handle = session.hostile()
    session.client.call(handle, "leave_process", context="leave a child")  # must die with the worker
    began = time.monotonic()
    with pytest.raises(WorkerFailure) as info:
        session.client.call(handle, "spin", 60, context="spin", timeout=1.5)
    assert info.value.reason == "timeout" and "did not finish" in info.value.message
    assert time.monotonic() - began < 10
    assert not session.worker.alive and session.worker.failures[-1]["reason"] == "timeout"
    assert_nothing_left(uid, pid)
    assert session.worker.submission_root == root, "paths handed out before the failure must stay valid"
    assert session.call("spin", 0)["value"]["value"] == 1.0  # restarted, import re-run
    assert session.worker.starts == starts + 1 and session.imports == imports + 1
    assert session.worker.submission_root == root


def test_exit_is_reported_with_its_code(session):
    uid, pid = identity(session)
    with pytest.raises(WorkerFailure) as info:
        session.call("exit", 3)
    assert info.value.reason == "exited" and info.value.detail["exit_code"] == 3
    assert "code 3" in info.value.message
    assert_nothing_left(uid, pid)


@pytest.mark.parametrize("method, sig", [("segfault", signal.SIGSEGV), ("abort", signal.SIGABRT)])
def test_crash_is_reported_with_its_signal(session, method, sig):
    with pytest.raises(WorkerFailure) as info:
        session.call(method)
    assert info.value.reason == "signal" and info.value.detail["signal"] == sig
    assert sig.name in info.value.message


def test_memory_error_is_the_students_and_the_worker_survives(session):
    session.hostile()  # a live worker first: the previous test may have killed it
    starts = session.worker.starts
    with pytest.raises(StudentRaised) as info:
        session.call("hog", 64)  # 64 GiB, far beyond the 8 GiB address space
    assert info.value.info["type"] == "MemoryError"
    with pytest.raises(StudentRaised) as info:
        session.call("hog_torch", 64)
    assert "memory" in info.value.info["message"].lower()
    assert session.worker.starts == starts


def test_hard_crash_on_memory_is_reported_as_signal_with_the_limit(session):
    with pytest.raises(WorkerFailure) as info:
        session.call("hog_native")
    assert info.value.reason in ("memory", "signal") and "memory" in info.value.message
    with pytest.raises(WorkerFailure) as info:  # a C++ allocation failure says so before it aborts
        session.call("bad_alloc")
    assert info.value.reason == "memory" and "SIGABRT" in info.value.message


def test_output_flood_is_stopped_and_the_capture_stays_bounded(session):
    with pytest.raises(WorkerFailure) as info:
        session.call("flood", 64)  # the fixture allows 16 MiB
    failure = info.value
    assert failure.reason == "output" and "16 MiB" in failure.message
    assert len(failure.detail["output_tail"].encode()) <= session.worker.settings.output_tail_bytes
    assert failure.detail["output_bytes"] < 64 * 2**20


def test_fork_bomb_is_bounded_by_the_process_limit_and_cleaned_up(session):
    uid, pid = identity(session)
    result = session.ask("forkbomb", 10, timeout=60)
    assert 0 < result["made"] < session.worker.settings.max_processes
    if ROOT:  # RLIMIT_NPROC counts per uid; a dedicated uid makes the bound exact
        assert result["refused"] > 0
    session.worker.close()
    assert_nothing_left(uid, pid)


@pytest.mark.skipif(
    not ROOT and not NAMESPACES,
    reason="without a PID namespace or a dedicated uid, a "
    "double-forked setsid process can escape (see Residual risks in grader/sandbox)",
)
def test_escaped_processes_die_with_the_worker(session):
    uid, pid = identity(session)
    marker = f"{random.randint(5000, 9000)}.{os.getpid()}"
    session.call("escape", marker)
    alive = leftovers(marker=marker)
    assert len(alive) == 3, f"expected the three escapees to be running, found {alive}"
    session.worker.close()
    assert_nothing_left(uid, pid, marker)


def test_file_size_limit(session):
    session.hostile()
    starts = session.worker.starts
    with pytest.raises(StudentRaised) as info:  # Python ignores SIGXFSZ: the write fails
        session.call("bigfile", 16)
    assert info.value.info["type"] in ("OSError", "IOError") and "too large" in info.value.info["message"].lower()
    assert session.worker.starts == starts
    with pytest.raises(WorkerFailure) as failure:  # with the default action the kernel kills it
        session.call("bigfile", 16, True)
    assert failure.value.reason == "file_size" and "8 MiB" in failure.value.message


@needs_namespaces
def test_the_box_is_bounded_in_size(session):
    result = session.ask("fill_disk", 1024)
    assert result["error"] and "No space" in result["error"]
    assert result["written"] <= 64 + 8


def test_close_removes_the_box_and_unregisters_the_worker(session):
    session.hostile()  # make sure it runs
    worker = session.worker
    box, uid, pid = worker.box, worker.uid, worker.proc.pid
    assert box.is_dir() and worker in supervisor._live
    worker.close()
    assert not box.exists() and worker.box is None
    assert worker not in supervisor._live and worker.proc is None
    assert_nothing_left(uid, pid)


def test_huge_reply_is_refused_in_the_worker_without_killing_it(session):
    session.hostile()
    starts = session.worker.starts
    with pytest.raises(StudentRaised) as info:
        session.call("huge", 100)  # the fixture allows 64 MiB of arrays per reply
    assert info.value.info["type"] == "UnsendableValue" and "MiB" in info.value.info["message"]
    assert tensor_of(session.call("huge", 1)["value"]).numel() == 2**18
    assert session.worker.starts == starts


def test_atexit_closes_live_workers(tmp_path):
    script = textwrap.dedent("""
        import json, sys
        from grader.sandbox.supervisor import Worker, SandboxSettings
        w = Worker(None, SandboxSettings())
        w.start()
        print(json.dumps({"uid": w.uid, "pid": w.proc.pid, "box": str(w.box)}), flush=True)
        # no close(): the atexit hook must do it
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    info = __import__("json").loads(out.stdout.strip().splitlines()[-1])
    assert not os.path.exists(info["box"])
    assert_nothing_left(info["uid"], info["pid"])


def test_gpu_mode_exposes_the_driver_and_drops_the_address_space_limit(hostile_root):
    """device='cuda': no RLIMIT_AS (CUDA reserves huge virtual ranges), /dev/nvidia* and /sys visible.

    This machine may have no GPU; the worker must still start and say what it did.
    """
    from sandbox_helpers import Session

    from grader.machine import gpu_devices

    s = Session(hostile_root, device="cuda")
    try:
        s.worker.start()
        report = s.worker.protections()
        assert "address_space" not in report["limits"] and "CUDA" in report["limit_address_space_detail"]
        assert report["device"] == "cuda"
        seen = s.ask("whoami")
        assert seen["env"]["CUDA_VISIBLE_DEVICES"] != ""
        if NAMESPACES:
            visible = s.ask("probe_paths", __import__("sandbox_helpers").pack_arg(["/sys/bus", *gpu_devices()]))
            assert all(entry["exists"] for entry in visible.values()), visible
    finally:
        s.close()


def test_boxes_of_dead_judges_are_removed_at_the_next_start(session, tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # that process has exited: its pid names no live judge
    import tempfile

    stale = os.path.join(tempfile.gettempdir(), f"{supervisor.BOX_PREFIX}{pid}-test")
    os.makedirs(os.path.join(stale, "sub"))
    mine = os.path.join(tempfile.gettempdir(), f"{supervisor.BOX_PREFIX}{os.getpid()}-test")
    os.makedirs(mine)
    try:
        session.worker.close()
        session.hostile()  # starts a worker
        assert not os.path.exists(stale)
        assert os.path.exists(mine), "a live judge's box must be left alone"
    finally:
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(mine, ignore_errors=True)
