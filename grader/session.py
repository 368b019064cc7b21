"""One submission's sandboxed worker with its submission imported (judge side), and `structure.import`.

Wraps Worker + Client: starts the worker on a private copy of the
submission, imports `Miniproject_2.model` (or project 1's `Miniproject_1.model`)
on every (re)start, and keeps the first import's report and the runtime trace
for the rules checks. Project 1 may use autograd: its worker keeps grad mode on.
"""

from __future__ import annotations

from pathlib import Path

from grader.checks.declare import check
from grader.checks.verdicts import failure_check
from grader.projects import MP2, Project
from grader.result import Check, Status
from grader.sandbox.client import Client, StudentRaised, where_raised
from grader.sandbox.supervisor import SandboxSettings, Worker, WorkerFailure
from grader.submission import make_private_copy

IMPORT = check("structure.import", 0, "Miniproject_2.model imports in the sandboxed worker", required=True)
IMPORT_TIMEOUT = 120.0


class SubmissionSession:
    """A worker that has imported the submission; `exported` lists its names."""

    def __init__(
        self,
        root: Path,
        package_dir: Path,
        settings: SandboxSettings,
        *,
        timeout: float = 60.0,
        project: Project = MP2,
        folder_name: str | None = None,
    ):
        self.package_dir = package_dir
        self.project = project
        self.module = f"{project.package}.model"
        # the team folder keeps its name in the box (the course ran test.py beside it)
        self.worker = Worker(root, settings, copy_fn=self._copy, folder_name=folder_name)
        self.client = Client(self.worker, timeout=timeout)
        self.import_report: dict | None = None  # the first successful import
        self.import_error: Exception | None = None
        self.worker.on_start.append(self._import)

    def _copy(self, source: Path, dest: Path) -> None:
        make_private_copy(source, dest, package_dir=self.package_dir, package_name=self.project.package)

    def _import(self, worker: Worker) -> None:
        try:
            report = self.client.send(
                "import",
                root=worker.submission_root,
                package=self.project.package,
                grad_mode=not self.project.blocks,  # project 1 trains with autograd
                timeout=IMPORT_TIMEOUT,
                context="import",
            )
        except StudentRaised as exc:
            if self.import_report is None:
                self.import_error = exc
            return
        if self.import_report is None:
            self.import_report = report

    def start(self) -> bool:
        """Start the worker and import the submission; False when the import failed."""
        try:
            self.worker.start()
        except WorkerFailure as exc:
            self.import_error = exc
        return self.import_report is not None

    def import_check(self) -> Check:
        """`structure.import`: how the first import of the submission went."""
        if self.import_report is not None:
            seconds = self.import_report.get("seconds")
            return Check(
                IMPORT.id,
                Status.PASS,
                f"{self.module} imports in {seconds or 0:.2f} s",
                details={"seconds": seconds},
            )
        exc = self.import_error
        if isinstance(exc, StudentRaised):
            message = (
                f"importing {self.module} raised {exc.info.get('type')}: {exc.info.get('message')}"
                + where_raised(exc.info)
            )
            return Check(IMPORT.id, Status.FAIL, message, details={"exception": exc.info})
        return failure_check(IMPORT.id, exc, prefix=f"importing {self.module}: ")

    @property
    def exported(self) -> dict:
        return (self.import_report or {}).get("names", {})

    def close(self) -> None:
        self.worker.close()

    def __enter__(self) -> SubmissionSession:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
