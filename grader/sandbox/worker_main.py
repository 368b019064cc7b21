"""Entry point of the worker process: `python -I -m grader.sandbox.worker_main --rfd R --wfd W`.

The first message on the request pipe is the jail configuration; the worker
confines itself (see `jail`), answers with what held, then serves requests
until the pipe closes. Student output goes to stdout/stderr, which the judge
captures separately from the request and reply pipes.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rfd", type=int, required=True)
    parser.add_argument("--wfd", type=int, required=True)
    args = parser.parse_args(argv)
    requests = os.fdopen(args.rfd, "rb", buffering=1 << 20)
    replies = os.fdopen(args.wfd, "wb", buffering=1 << 20)

    import torch

    from grader.sandbox import jail, ops, protocol

    init = protocol.read_message(requests)
    report = jail.enter_jail(jail.config_from_dict(init["jail"]))
    if init.get("threads"):
        torch.set_num_threads(int(init["threads"]))
    torch.set_grad_enabled(False)  # the course rule; student code must cope with it
    os.makedirs(init["cwd"], exist_ok=True)
    os.chdir(init["cwd"])
    state = ops.WorkerState(init["jail"]["box"])
    protocol.write_message(replies, {"ok": True, "result": {"jail": report, **ops.op_hello(state, {})}})
    while True:
        try:
            request = protocol.read_message(requests)
        except EOFError:
            return 0
        reply = ops.handle(state, request)
        try:
            protocol.write_message(replies, reply)
        except (TypeError, ValueError) as exc:  # a value the protocol cannot carry
            protocol.write_message(replies, {"ok": False, "error": {
                "type": "ProtocolError", "message": f"reply could not be encoded: {exc}", "where": []},
                "trace": reply.get("trace", [])})
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
