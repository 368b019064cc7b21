"""Student CI: the GitHub Actions workflow students copy (`grade ci --print-workflow`); `run` grades for it."""

from importlib import resources

WORKFLOW_NAME = "n2n-grade.yml"


def workflow_text() -> str:
    """The workflow file's text (copy it to .github/workflows/n2n-grade.yml)."""
    return resources.files("grader.ci").joinpath(WORKFLOW_NAME).read_text()
