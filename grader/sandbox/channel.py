"""The judge's end of the request/reply pipes: whole frames, under a deadline, aware of the worker's death.

Student code owns the worker, so the judge must never block on it: every
read and write waits with `select` on the pipe *and* on the worker process
(a pidfd where Linux has one), so a worker that hangs costs its deadline, and
a worker that dies is noticed at once, even when a process it left behind
still holds the pipes open (no EOF would ever come then).
"""

from __future__ import annotations

import fcntl
import os
import select
import subprocess
import time
from typing import Any

from grader.sandbox import protocol

_F_SETPIPE_SZ = 1031
PIPE_BYTES = 1 << 20  # fewer wake-ups for image batches; falls back to the default silently


class WorkerGone(Exception):
    """The worker process exited while the judge was waiting on it."""


class ChannelClosed(EOFError):
    """The worker closed its end of a pipe."""


def _grow_pipe(fd: int) -> None:
    try:
        fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_BYTES)
    except OSError:
        pass


class Channel:
    """Frames over a pair of pipes to one worker process (`proc`)."""

    def __init__(self, read_fd: int, write_fd: int, proc: subprocess.Popen):
        self.read_fd, self.write_fd, self.proc = read_fd, write_fd, proc
        for fd in (read_fd, write_fd):
            os.set_blocking(fd, False)
            _grow_pipe(fd)
        try:
            self.pidfd: int | None = os.pidfd_open(proc.pid)
        except (AttributeError, OSError):  # not Linux >= 5.3: poll the process instead
            self.pidfd = None
        self.deadline = 0.0
        self._pollers: dict = {}

    # -- waiting --------------------------------------------------------------------
    def _exited(self) -> bool:
        return self.proc.poll() is not None

    def _poller(self, fd: int, for_write: bool):
        # poll, not select: no FD_SETSIZE limit however many files the judge holds open
        poller = select.poll()
        poller.register(fd, select.POLLOUT if for_write else select.POLLIN)
        if self.pidfd is not None:
            poller.register(self.pidfd, select.POLLIN)
        return poller

    def _wait(self, fd: int, for_write: bool) -> None:
        """Block until `fd` is ready; raise TimeoutError or WorkerGone instead of waiting forever."""
        poller = self._pollers.get((fd, for_write))
        if poller is None:
            poller = self._pollers[(fd, for_write)] = self._poller(fd, for_write)
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            step = left if self.pidfd is not None else min(left, 0.05)
            events = dict(poller.poll(max(1, int(step * 1000))))
            if events.get(fd):  # ready, or hung up / in error: the read or write then says which
                return
            if (self.pidfd is not None and self.pidfd in events) or (self.pidfd is None and self._exited()):
                # it died; what it wrote before dying may still be waiting in the pipe
                if not for_write and self._readable_now(fd):
                    return
                raise WorkerGone

    @staticmethod
    def _readable_now(fd: int) -> bool:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))

    # -- stream interface for protocol.read_message ------------------------------------
    def readinto(self, view: memoryview) -> int:
        while True:
            self._wait(self.read_fd, for_write=False)
            try:
                return os.readv(self.read_fd, [view])
            except BlockingIOError:
                continue

    # -- frames -----------------------------------------------------------------------
    def send(self, payload: Any, deadline: float) -> None:
        """Write one frame; raises TimeoutError, WorkerGone or BrokenPipeError."""
        self.deadline = deadline
        for part in protocol.encode_message(payload):
            view = memoryview(part).cast("B")
            while view:
                self._wait(self.write_fd, for_write=True)
                try:
                    sent = os.write(self.write_fd, view[:PIPE_BYTES])
                except BlockingIOError:
                    continue
                view = view[sent:]

    def receive(self, deadline: float, max_bytes: int) -> Any:
        """Read one frame; raises TimeoutError, WorkerGone, EOFError or protocol.ProtocolError."""
        self.deadline = deadline
        return protocol.read_message(self, max_bytes=max_bytes)

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd, self.pidfd):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self.pidfd = None
