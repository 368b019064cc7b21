"""The judge's checks, one module per family: blocks, model (structure and rules live in
grader.submission and grader.rules)."""
