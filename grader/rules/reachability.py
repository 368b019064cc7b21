"""Which files of a submission importing model.py runs: the import graph walked from the entry points.

The static scan downgrades findings in files grading never runs (test scripts
beside the package are common) from fail to warn. Imports are resolved as
Python would from the package folder: relative ones against the importing
file, absolute ones against its folder and the package root (`Miniproject_2.x`
too); anything that would leave the package does not count. A literal
`importlib.import_module("others.blocks")` counts as an import of that module.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.paths import is_within

ENTRY_POINTS = ("model.py", "__init__.py")


def module_files(base: Path, parts: list[str], root: Path) -> list[Path]:
    """Files executed by importing `parts` relative to `base`: package __init__s and the module."""
    files = []
    here = base
    for i, part in enumerate(parts):
        here = here / part
        init = here / "__init__.py"
        if init.is_file():
            files.append(init)
        elif i == len(parts) - 1 and here.with_suffix(".py").is_file():
            files.append(here.with_suffix(".py"))
        elif not here.is_dir():
            return []
    return [f for f in files if is_within(f, root)]


_IMPORT_CALLS = ("import_module", "__import__")


def _literal_import(node: ast.AST) -> str | None:
    """The module name of `importlib.import_module("x")` / `import_module("x")` / `__import__("x")`, if literal."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    arg = node.args[0]
    if name in _IMPORT_CALLS and isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value:
        return arg.value
    return None


def imported_files(path: Path, tree: ast.Module, root: Path) -> set[Path]:
    """The submission's files that the imports in `path` (parsed as `tree`) execute."""
    found: set[Path] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [(None, a.name.split("."), []) for a in node.names]
        elif literal := _literal_import(node):  # importlib.import_module("others.blocks")
            level = len(literal) - len(literal.lstrip("."))
            parts = [p for p in literal.lstrip(".").split(".") if p]
            targets = [(level, parts, [])]
        elif isinstance(node, ast.ImportFrom):
            names = [a.name for a in node.names if a.name != "*"]
            parts = node.module.split(".") if node.module else []
            targets = [(node.level, parts, names)]
        else:
            continue
        for level, parts, names in targets:
            if level:
                base = path.parent
                for _ in range(level - 1):
                    base = base.parent
                bases = [base]
            else:
                if parts and parts[0] == root.name:
                    parts = parts[1:]
                    bases = [root]
                else:
                    bases = [path.parent, root]
            for base in bases:
                found.update(module_files(base, parts, root))
                for name in names:  # `from .others import conv` imports a submodule
                    found.update(module_files(base, [*parts, name], root))
    found.discard(path)
    return found


def reachable_files(root: Path, trees: dict[Path, ast.Module]) -> set[Path] | None:
    """Files that importing model.py (and the package __init__) executes; None if unknown."""
    entries = [root / name for name in ENTRY_POINTS if (root / name).is_file()]
    if not (root / "model.py").is_file():
        return None  # no entry point: everything might run
    seen: set[Path] = set()
    todo = list(entries)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = trees.get(path)
        if tree is not None:
            todo.extend(p for p in imported_files(path, tree, root) if p not in seen)
    return seen
