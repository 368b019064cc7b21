"""The trust boundary: student code runs only in a sandboxed worker process.

The judge (this process) talks to the worker through `supervisor.Worker`
(typed requests: `client.Client`); the worker side lives in `worker_main` and
`ops`. `protocol` frames JSON plus raw arrays (never pickle), `channel` reads
and writes those frames under a deadline while watching the worker process,
`jail` confines the worker (namespaces, fresh root, limits, uid), `reaper`
kills whatever a worker leaves behind.

What holds, where the OS allows it (each item is measured at start and
reported by `Worker.protections()`):

- a private copy of the submission on a size-limited tmpfs, in a fresh root
  holding only the system folders, Python, the grader (all read-only), a
  private /proc, a minimal /dev and empty /tmp; the judge's files simply are
  not there; new mount, PID, IPC and network namespaces;
- a dedicated uid (judge running as root) or no capabilities (user
  namespace), no new privileges, limits on address space, processes, file
  size, open files, CPU time; a wall-clock timeout on every request;
- when the worker dies, the kernel kills every process of its PID namespace;
  the judge also kills its uid, session and descendants;
- a random id per request that the reply must echo; replies are size-checked
  and parsed without pickle; output is captured, bounded and sanitised.

Residual risks
--------------
What cannot be fixed from inside one process, or was left as is:

- Student code shares the worker process with the grader's worker side, so it
  can rewrite anything there: patch the tracer or `ops` to hide forbidden
  calls, read the id of the request in flight off the stack and forge a
  reply (the real reply is then refused as stale, costing the next request).
  A forgery gains nothing beyond what returning that value would, except a
  clean runtime trace; the static scan (`grader.rules`) is the rule check that
  student code cannot reach. Tampering it does not hide is reported.
- Threads and processes that student code leaves running between requests
  are reported (warn), not stopped: work done there (training after `train()`
  returned, say) escapes the timing until the request that waits for it.
- Memory is bounded per process (RLIMIT_AS), not per worker: up to
  `max_processes` processes may each take that much. No cgroup is used. The
  box and the private temp folders are tmpfs, so up to
  `scratch_bytes + 3 * temp_bytes` of RAM per worker besides.
- Without namespaces (no root and no unprivileged user namespaces; some
  containers) there is no network isolation, no fresh root (read-only remount
  and tmpfs hiding are attempted instead, or nothing), and no PID namespace:
  leftover processes are then found by session, descent, uid and by making
  the judge a child subreaper; a double-forked process that also called
  setsid can escape a non-root judge.
- Where only network namespaces are refused (`user.max_net_namespaces=0`,
  common on cluster nodes), the worker keeps its mount, IPC and PID
  namespaces and shares the host's network (`network_isolated: false`).
- The process answering requests sets its `oom_score_adj` to 1000, so an
  out-of-memory kill (the kernel's, or a batch job's cgroup) takes it rather
  than the judge or a Dask worker; the judge reports the worker's death for
  the check in flight and goes on.
- A worker dies with the *thread* that started it (PR_SET_PDEATHSIG): start
  workers from a thread that outlives them. A judge killed with SIGKILL leaves
  its box folder in the temp folder; the next judge on the machine removes it.
- GPU mode (`device="cuda"`) exposes /dev/nvidia*, all of /sys (read-only) and
  drops the address-space limit (CUDA reserves huge virtual ranges); it was
  not exercised on a GPU by the sandbox tests.
- A worker's request pipe is written while the worker reads it: a request
  larger than the pipe buffer counts its transfer time into its timeout.
"""
