"""The trust boundary: student code runs only in a sandboxed worker process.

The judge (this process) talks to the worker through `supervisor.Worker`; the
worker side lives in `worker_main` and `ops`. Nothing here is imported by student
code on purpose, but the worker side must assume student code can see it.
"""
