"""The GitHub Actions workflow students copy into their repository (`grade ci --print-workflow`)."""

from importlib import resources

WORKFLOW_NAME = "n2n-grade.yml"


def workflow_text() -> str:
    """The workflow file's text (copy it to .github/workflows/n2n-grade.yml)."""
    return resources.files("grader.ci").joinpath(WORKFLOW_NAME).read_text()
