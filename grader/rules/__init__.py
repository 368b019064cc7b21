"""The rules engine: what student code may call, checked statically and at runtime.

- `policy`       the single source of truth: every Verdict (names, modules, runtime calls, and the
                 source patterns only the static scan sees)
- `static_scan`  AST scan of a submission folder -> Finding list
- `reachability` which files importing model.py runs (findings elsewhere are downgraded)
- `checks`       findings and runtime traces -> graded `rules.*` checks
"""
