"""Entry point of the worker process: `python -I -m grader.sandbox.worker_main --rfd R --wfd W`.

The first message on the request pipe is the jail configuration. Where the
OS allows a PID namespace, the worker then splits in three:

- the *outer* process (the one the judge started) leaves the request and reply
  pipes, waits for the namespace's init and finally exits the way the serving
  process did (same exit code or signal), so the judge can tell why it ended;
- the namespace's *init* builds the private filesystem, reaps orphans, and
  when it exits the kernel kills every process left in the namespace: no
  student process outlives its worker, however it forked or re-grouped;
- the *server* sets limits, drops privileges and answers requests.

Without a PID namespace the one process does all three jobs. Student output
goes to stdout/stderr, which the judge captures apart from the pipes.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import struct
import sys

# Exit codes the judge recognises (see supervisor.EXIT_REASONS).
EXIT_BAD_REQUEST = 65  # the judge's side sent something unreadable
EXIT_REQUESTS_CLOSED = 66  # the request pipe ended: the judge closed it, or student code replaced it
EXIT_REPLY_BROKEN = 71  # the reply pipe was closed or replaced (by student code, presumably)
_STATUS = struct.Struct(">i")


def _close_fds_except(keep: set[int]) -> None:
    """Close every inherited descriptor not in `keep` (student code must not find the judge's)."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 1024))
    for fd in fds:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _mirror(child: int, status_fd: int):
    """Outer process: wait for the namespace's init, then end the way the server did."""
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
    try:
        data = os.read(status_fd, _STATUS.size)
    except OSError:
        data = b""
    if len(data) == _STATUS.size:
        status = _STATUS.unpack(data)[0]
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            signal.signal(sig, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [sig])
        except (OSError, ValueError):
            pass
        os.kill(os.getpid(), sig)
        os._exit(128 + sig)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)


def _init(server: int, status_fd: int):
    """Init of the PID namespace: reap every orphan; pass on the server's status when it ends."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(0)
        if pid == server:
            try:
                os.write(status_fd, _STATUS.pack(status))
            finally:
                os._exit(0)  # the kernel now kills whatever is left in the namespace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rfd", type=int, required=True)
    parser.add_argument("--wfd", type=int, required=True)
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core files, in any of the three processes
    requests = os.fdopen(args.rfd, "rb", buffering=1 << 20)
    replies = os.fdopen(args.wfd, "wb", buffering=1 << 20)

    import torch

    from grader.sandbox import jail, ops, protocol, shims

    jail.die_with_parent()
    try:
        init = protocol.read_message(requests)
        cfg = jail.config_from_dict(init["jail"])
    except (EOFError, protocol.ProtocolError, KeyError, TypeError):
        return EXIT_BAD_REQUEST
    report = jail.enter_namespaces(cfg)
    if report.get("pid_namespace"):
        status_r, status_w = os.pipe()
        init_pid = os.fork()
        if init_pid:
            _close_fds_except({0, 1, 2, status_r})
            _mirror(init_pid, status_r)
        os.close(status_r)
        jail.die_with_parent()
        jail.isolate_filesystem(cfg, report, private_proc=True)
        server = os.fork()
        if server:
            _close_fds_except({0, 1, 2, status_w})
            _init(server, status_w)
        os.close(status_w)
    else:
        jail.isolate_filesystem(cfg, report, private_proc=False)
    jail.finish(cfg, report)
    _close_fds_except({0, 1, 2, args.rfd, args.wfd})
    for fd in (args.rfd, args.wfd):
        os.set_inheritable(fd, False)  # a child the student starts must not hold the pipes

    if init.get("threads"):
        torch.set_num_threads(int(init["threads"]))
    ops.set_grad_mode(False)  # the course rule; student code must cope with it
    os.makedirs(init["cwd"], exist_ok=True)
    os.chdir(init["cwd"])
    log = shims.ShimLog()
    try:  # before the state takes its integrity snapshot: the shims' torch.load is the baseline
        installed = shims.install(init.get("shims", ()), log)
    except ValueError:
        return EXIT_BAD_REQUEST
    state = ops.WorkerState(
        cfg.box, reply_limit=init.get("reply_limit"), private_proc=report.get("proc_private"), shims=log
    )
    hello = {
        "ok": True,
        "result": {"jail": report, **ops.op_hello(state, {}), "shims": installed},
        "request_id": init.get("request_id"),
    }
    _send(replies, hello, state)
    return serve(requests, replies, state)


def serve(requests, replies, state) -> int:
    """Answer requests until the judge closes the request pipe."""
    from grader.sandbox import ops, protocol

    while True:
        try:
            request = protocol.read_message(requests)
        except EOFError:
            return EXIT_REQUESTS_CLOSED
        except (protocol.ProtocolError, OSError, ValueError):
            return EXIT_BAD_REQUEST
        rid = request.get("request_id") if isinstance(request, dict) else None
        try:
            reply = ops.handle(state, request)
        except BaseException as exc:  # a student object that broke even the error path
            reply = {"ok": False, "student": True, "error": ops.safe_error(exc)}
        reply["request_id"] = rid
        _send(replies, reply, state)
        for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
            try:
                stream.flush()
            except BaseException:
                pass


def _send(replies, reply: dict, state) -> None:
    """Write one reply; a value that cannot be sent becomes an error reply; a broken pipe ends the worker."""
    from grader.sandbox import ops, protocol

    try:
        parts = protocol.encode_message(reply, max_array_bytes=state.reply_limit)
    except BaseException as exc:  # an unsendable tensor, or one whose conversion ran student code that broke
        parts = protocol.encode_message(
            {
                "ok": False,
                "student": True,
                "request_id": reply.get("request_id"),
                "trace": reply.get("trace", []),
                "error": {
                    **ops.safe_error(exc),
                    "type": "UnsendableValue",
                    "message": f"the value could not be sent to the grader: {ops.safe_str(exc)}",
                },
            }
        )
    try:
        for part in parts:
            replies.write(part)
        replies.flush()
    except BaseException:
        os._exit(EXIT_REPLY_BROKEN)


if __name__ == "__main__":
    sys.exit(main())
