"""The judge's checks, one package per family: blocks, model (structure and rules live in
grader.submission and grader.rules).

- `declare`  how a check is declared next to its code: id, default points, required, description
- `catalog`  every declared check, in order (`grade checks`, the rubric's defaults, the schema's ids)
- `verdicts` the status of a check that could not finish (student code raised, worker or grader failed)
- `compare`  a student's tensor against the judge's float64 expectation
- `names`    the student's class for a required block, whatever slip of the name
- `voiding`  correct numbers computed with forbidden means earn nothing
"""
