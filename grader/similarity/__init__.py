"""Which teams of a class share code: `grade similarity`, built on copydetect.

Every pair of submissions is compared per project (Miniproject_1 with
Miniproject_1, Miniproject_2 with Miniproject_2) on the Python files they
ship, with copydetect's fingerprints (tokens normalised, k-grams hashed, as
MOSS does). Code every team was given or may legitimately share is not
counted: the handout's skeleton, `--template` folders, and fragments found in
more than half the class. Results are plain data (result.py) written as
similarity.json, with an HTML page ranking the pairs and copydetect's
side-by-side view of the top ones. A flag points a person at a pair; it is
never a verdict and never changes a grade. Submissions are only read, never run.

copydetect is an optional extra (`pip install 'n2n-grade[similarity]'`):
reading a similarity.json (result.py, class_column.py) does not need it.
"""

from grader.similarity.result import SimilarityRun, load_run
from grader.similarity.settings import SimilarityOptions

__all__ = ["Analysis", "SimilarityOptions", "SimilarityRun", "check_similarity", "load_run"]


def __getattr__(name):
    # the comparison imports copydetect (and matplotlib): only when it is used
    if name in ("Analysis", "check_similarity"):
        from grader.similarity import run

        return getattr(run, name)
    raise AttributeError(f"module 'grader.similarity' has no attribute {name!r}")
