"""The rules engine: what student code may call, checked statically and at runtime.

- `policy`      the single source of truth (names, modules, runtime calls -> Verdict)
- `static_scan` AST scan of a submission folder -> Finding list
- `checks`      findings and runtime traces -> graded `rules.*` checks
"""
