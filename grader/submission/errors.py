"""The error type of submission handling: a message a student or instructor can act on."""


class SubmissionError(Exception):
    """A submission that cannot be found, unpacked or copied safely.

    The message names the offending path or zip entry and says what was expected; `candidates` are the
    paths the user could give instead (several package folders, folders holding model.py, a zip found there).
    """

    def __init__(self, message: str, candidates: list[str] | tuple[str, ...] = ()):
        super().__init__(message)
        self.candidates = list(candidates)


class PackageNotFound(SubmissionError):
    """No Miniproject_2 folder at all (as opposed to several candidates, or an unsafe zip)."""
