"""Finding, unpacking and copying a submission safely, and the `structure.*` checks.

Nothing in this package imports, runs or unpickles submission code.
"""

from grader.submission.copy import make_private_copy, submission_hash
from grader.submission.errors import SubmissionError
from grader.submission.locate import Submission, locate_projects, locate_submission
from grader.submission.structure import structure_checks
from grader.submission.unzip import ExtractReport, safe_extract

__all__ = [
    "ExtractReport",
    "Submission",
    "SubmissionError",
    "locate_projects",
    "locate_submission",
    "make_private_copy",
    "safe_extract",
    "structure_checks",
    "submission_hash",
]
