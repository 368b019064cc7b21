"""Static scan of a submission's Python files for forbidden imports, calls and tampering.

The scan reads source with `ast` only; it never imports the submission. It
resolves import aliases (`import torch as t`, `from torch.nn import functional
as F`, `from torch import *`) so that `t.zeros` and `F.conv2d` are judged as
`torch.zeros` and `torch.nn.functional.conv2d` by `grader.rules.policy`.

What a static scan cannot know, it reports as a warning and leaves to the
runtime trace: whether `.backward()` is autograd's or the student's own
block's, whether `obj.requires_grad = True` is on a tensor.

Code that grading never runs is reported but downgraded from fail to warn,
with the reason in the message: the body of `if __name__ == "__main__":`, and
files that model.py / __init__.py never import (test scripts that compare
against torch.nn are common). When a reachable file imports by a computed name
(`importlib.import_module(name)`, `exec`), every file counts as reachable; a
file grading never runs cannot do that for the others.

Findings are grouped: one per (file, category, name, severity), with the number
of sites and their first lines; at most `MAX_NAMES_PER_CATEGORY` names per file
and category, the rest summarised in one finding.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from grader.rules import policy
from grader.rules.policy import (
    FAIL,
    NOTE,
    OBFUSCATION,
    SYNTAX,
    THIRD_PARTY,
    WARN,
    Verdict,
)
from grader.rules.reachability import reachable_files

MAX_NAMES_PER_CATEGORY = 20
MAX_LINES_LISTED = 10
MAX_FILE_BYTES = 5_000_000
LAYOUT_MODULES = ("model", "others", "Miniproject_2")  # names fixed by the assignment

_SEVERITY_RANK = {NOTE: 0, WARN: 1, FAIL: 2}
_TORCH_TOPS = ("torch", "functorch")
_DYNAMIC_CODE = ("exec", "eval", "compile")
_SYS_MODULES_MUTATORS = frozenset({"pop", "popitem", "update", "setdefault", "clear", "__setitem__", "__delitem__"})
_AUTOGRAD_KWARGS_FAIL = ("retain_graph", "create_graph", "inputs")
NOT_PARSED = ("syntax error", "unreadable source")  # names of the findings for a file that was not parsed
_OUTSIDE_SUBMISSION = re.compile(r"^(Miniproject_\d+|Proj_[0-9_]+)$")


@dataclass
class Finding:
    """One (grouped) rule finding in one file; `lines` lists the first sites, `count` all of them."""

    file: str
    line: int
    col: int
    category: str
    name: str
    severity: str
    message: str
    count: int = 1
    lines: list[int] = field(default_factory=list)

    def location(self) -> str:
        return f"{self.file}:{self.line}"


# ---------------------------------------------------------------- one file


def _literal_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _is_literal(node: ast.AST | None, value) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _is_main_guard(node: ast.stmt) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    sides = [node.test.left, *node.test.comparators]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if _literal_str(s) == "__main__"]
    return bool(names and mains)


class _FileScanner(ast.NodeVisitor):
    """Collects raw (line, col, verdict, message) findings for one parsed file."""

    def __init__(self, tree: ast.Module, filename: str, local_modules: Iterable[str]):
        self.filename = filename
        self.local = frozenset(local_modules)
        self.raw: list[tuple[int, int, Verdict, str]] = []
        self.aliases: dict[str, str] = {}
        self.star_sources: list[str] = []
        self.bound: set[str] = set()
        self.dynamic_imports = False  # a non-literal import: reachability is unknowable
        self._called: set[int] = set()  # ids of nodes that are the callee of a Call
        # Calls whose result is discarded: Tensor.backward() returns None, so only
        # a bare `x.backward()` statement can be autograd's.
        self._statements = {
            id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)
        }
        self.main_ranges = [(n.lineno, n.end_lineno or n.lineno) for n in tree.body if _is_main_guard(n)]
        self._collect(tree)

    # -- first pass: every alias and bound name in the file, wherever it is defined
    def _collect(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        top = a.name.split(".", 1)[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                if node.level or not node.module:
                    for a in node.names:
                        self.bound.add(a.asname or a.name)
                    continue
                for a in node.names:
                    if a.name == "*":
                        self.star_sources.append(node.module)
                    else:
                        self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bound.add(node.name)
            elif isinstance(node, ast.arg):
                self.bound.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                self.bound.add(node.id)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                self.bound.add(node.name)
        # `F = torch.nn.functional` makes F an alias too (two rounds: chains of two).
        assigns = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign)
            and len(n.targets) == 1
            and isinstance(n.targets[0], ast.Name)
            and isinstance(n.value, (ast.Name, ast.Attribute))
        ]
        for _ in range(2):
            for node in assigns:
                dotted = self._dotted(node.value)
                if dotted and node.targets[0].id not in self.aliases:
                    self.aliases[node.targets[0].id] = dotted
        # A name rebound to something else (`F = MyFunctional()`) keeps its alias:
        # the scan is not flow-sensitive, and torch names are rarely reused.

    # -- helpers
    def _add(self, node: ast.AST, verdict: Verdict | None, message: str | None = None, kind: str = "use") -> None:
        if verdict is None:
            return
        if message is None:
            message = _message(verdict, kind)
        self.raw.append((getattr(node, "lineno", 1), getattr(node, "col_offset", 0), verdict, message))

    def _is_local(self, dotted: str) -> bool:
        return dotted.split(".", 1)[0] in self.local

    def _resolve_name(self, name: str) -> str | None:
        if name in self.aliases:
            return self.aliases[name]
        if name in self.bound:
            return None
        for source in reversed(self.star_sources):  # the last star import wins
            if source.split(".", 1)[0] in _TORCH_TOPS and _module_has(source, name):
                return f"{source}.{name}"
        return None

    def _dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self._resolve_name(node.id)
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def _builtin(self, node: ast.AST, name: str) -> bool:
        return isinstance(node, ast.Name) and node.id == name and name not in self.bound and name not in self.aliases

    def _classify_module(self, module: str) -> Verdict | None:
        top = module.split(".", 1)[0]
        if self._is_local(module):
            return None
        if _OUTSIDE_SUBMISSION.match(top):
            return policy.outside_submission(top)
        return policy.classify_module(module)

    def _classify_dotted(self, dotted: str) -> Verdict | None:
        """Judge a resolved use: torch names fully, other modules only for red flags."""
        if self._is_local(dotted):
            return None
        top = dotted.split(".", 1)[0]
        if top in _TORCH_TOPS:
            verdict = policy.classify_torch_name(dotted)
            if verdict is not None and verdict.name in policy.GRAD_ON_NAMES:
                return policy.grad_mode_on(verdict.name)  # the runtime trace tells whether a graph was built
            return verdict
        if top in policy.GRADER_MODULE_NAMES:
            return policy.classify_module(dotted)
        return policy.red_flag(dotted)

    def _import_dynamic(self, node: ast.Call, arg: ast.AST | None, how: str) -> None:
        module = _literal_str(arg)
        if module is None:
            self.dynamic_imports = True
            self._add(
                node,
                policy.computed_import(how),
            )
        elif not module.startswith("."):
            self._add(node, self._classify_module(module), kind="import")

    # -- imports
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self._add(node, self._classify_module(a.name), kind="import")

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not node.module or self._is_local(node.module):
            return
        module = node.module
        top = module.split(".", 1)[0]
        for a in node.names:
            if a.name == "*":
                verdict = self._classify_module(module)
                if verdict is None and top in _TORCH_TOPS:
                    verdict = policy.star_import(module)
                self._add(node, verdict, kind="import")
            elif top in _TORCH_TOPS:
                self._add(node, policy.classify_torch_name(f"{module}.{a.name}"), kind="import")
            else:
                verdict = self._classify_module(module) or policy.red_flag(f"{module}.{a.name}")
                self._add(node, verdict, kind="import")

    # -- names and attributes
    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            if node.id in _DYNAMIC_CODE and self._builtin(node, node.id):
                self.dynamic_imports = True  # the hidden code may import anything
                self._add(
                    node,
                    policy.dynamic_code(node.id),
                )
                return
            dotted = self._resolve_name(node.id)
            if dotted:
                self._add(node, self._classify_dotted(dotted), kind=self._kind(node))
        elif node.id in ("__torch_function__", "__torch_dispatch__"):
            self._add(node, policy.dispatch_hook(node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self._dotted(node)
        if dotted is None:
            self._attribute_on_unknown(node)
            self.generic_visit(node)
            return
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self._attribute_store(node, dotted)
            return
        if dotted == "sys.modules" or dotted.startswith("sys.modules."):
            if node.attr in _SYS_MODULES_MUTATORS:
                self._add(node, policy.sys_modules_change())
            else:
                self._add(
                    node,
                    policy.sys_modules_read(),
                )
            return
        self._add(node, self._classify_dotted(dotted), kind=self._kind(node))

    def _kind(self, node: ast.AST) -> str:
        return "call" if id(node) in self._called else "use"

    def _attribute_on_unknown(self, node: ast.Attribute) -> None:
        attr = node.attr
        if attr in policy.FRAME_ATTRIBUTES:
            self._add(
                node,
                policy.frame_attribute(attr),
            )
        elif attr in ("__subclasses__", "__globals__"):
            self._add(
                node,
                policy.reflection(attr),
            )
        elif attr == "grad_fn" and isinstance(node.ctx, ast.Load):
            self._add(
                node,
                policy.grad_fn_read(),
            )

    def _attribute_store(self, node: ast.Attribute, dotted: str) -> None:
        top = dotted.split(".", 1)[0]
        if top in _TORCH_TOPS and not dotted.startswith("torch.backends."):
            self._add(
                node,
                policy.torch_assignment(dotted),
            )
        elif top in ("sys", "builtins") and dotted not in ("sys.path", "sys.stdout", "sys.stderr"):
            self._add(
                node,
                policy.interpreter_assignment(dotted),
            )
        elif top in policy.GRADER_MODULE_NAMES:
            self._add(node, policy.classify_module(dotted))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)) and self._dotted(node.value) == "sys.modules":
            self._add(node, policy.sys_modules_change())
            self.visit(node.slice)
            return
        self._grader_by_name(node, node.slice)
        self.generic_visit(node)

    def _grader_by_name(self, node: ast.AST, value: ast.AST | None) -> None:
        """A grader module named in a string (sys.modules.get("grader"), import_module("grader.x"))."""
        name = _literal_str(value)
        if name and name.split(".", 1)[0] in policy.GRADER_MODULE_NAMES:
            self._add(
                node,
                policy.grader_by_name(name),
            )

    # -- definitions
    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name in ("__torch_function__", "__torch_dispatch__"):
            self._add(node, policy.dispatch_hook(node.name))
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Assign(self, node: ast.Assign) -> None:
        self._requires_grad_store(node.targets, node.value, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._requires_grad_store([node.target], node.value, node)
        self.generic_visit(node)

    def _requires_grad_store(self, targets, value, node) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "requires_grad" and not _is_literal(value, False):
                self._add(
                    node,
                    policy.requires_grad_assignment(),
                )

    # -- calls
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        self._called.add(id(func))
        args = node.args
        kwargs = {k.arg: k.value for k in node.keywords if k.arg}
        if self._builtin(func, "__import__"):
            self._import_dynamic(node, args[0] if args else None, "__import__")
            for child in [*args[1:], *node.keywords]:
                self.visit(child)
            return
        for accessor in ("getattr", "setattr", "delattr"):
            if self._builtin(func, accessor) and args:
                self._accessor_call(node, accessor, args)
        dotted = self._dotted(func)
        for arg in [*args, *kwargs.values()]:
            self._grader_by_name(node, arg)
        if dotted in ("importlib.import_module", "importlib.__import__"):
            self._import_dynamic(node, args[0] if args else kwargs.get("name"), dotted)
        elif dotted == "torch.set_grad_enabled":
            mode = args[0] if args else kwargs.get("mode")
            if _is_literal(mode, True):
                self._add(node, policy.grad_mode_on("torch.set_grad_enabled(True)"), kind="call")
            elif not _is_literal(mode, False):
                self._add(
                    node,
                    policy.grad_mode_expression(),
                )
        elif dotted in policy.LEGACY_CONSTRUCTORS:
            self._add(
                node,
                policy.legacy_constructor(dotted),
                kind="call",
            )
        self._requires_grad_kwarg(node, dotted, kwargs)
        if isinstance(func, ast.Attribute) and not (dotted and dotted.split(".")[0] in _TORCH_TOPS):
            self._autograd_method(node, func.attr, args, kwargs)
        self.generic_visit(node)

    def _accessor_call(self, node: ast.Call, accessor: str, args: list[ast.expr]) -> None:
        target = self._dotted(args[0])
        if not target or self._is_local(target):
            return
        top = target.split(".", 1)[0]
        watched = top in _TORCH_TOPS or top in ("sys", "builtins", "gc", "inspect") or top in policy.GRADER_MODULE_NAMES
        if not watched:
            return
        if accessor in ("setattr", "delattr"):
            self._add(
                node,
                policy.monkeypatch_call(accessor, target),
            )
            return
        attr = _literal_str(args[1]) if len(args) > 1 else None
        if attr is None:
            self._add(
                node,
                policy.computed_getattr(target),
            )
        else:
            self._add(node, self._classify_dotted(f"{target}.{attr}"), kind="call")

    def _requires_grad_kwarg(self, node: ast.Call, dotted: str | None, kwargs: dict) -> None:
        value = kwargs.get("requires_grad")
        if value is None or _is_literal(value, False):
            return
        if dotted and dotted.split(".", 1)[0] in _TORCH_TOPS and _is_literal(value, True):
            self._add(node, policy.classify_name(f"{dotted}(requires_grad=True)"), kind="call")
        else:
            self._add(
                node,
                policy.requires_grad_argument(),
                kind="call",
            )

    def _autograd_method(self, node: ast.Call, attr: str, args: list, kwargs: dict) -> None:
        if attr == "backward":
            strong = [k for k in _AUTOGRAD_KWARGS_FAIL if k in kwargs]
            if strong:
                self._add(
                    node,
                    policy.autograd_backward(strong),
                    kind="call",
                )
            elif not args and not kwargs and id(node) in self._statements:
                self._add(
                    node,
                    policy.bare_backward(),
                    kind="call",
                )
            elif "gradient" in kwargs:
                self._add(
                    node,
                    policy.backward_gradient(),
                    kind="call",
                )
        elif attr == "requires_grad_":
            on = args[0] if args else kwargs.get("requires_grad")
            if not _is_literal(on, False):
                self._add(
                    node,
                    policy.requires_grad_call(),
                    kind="call",
                )
        elif attr in ("retain_grad", "register_hook"):
            self._add(
                node,
                policy.autograd_method(attr),
                kind="call",
            )


_KIND_PREFIX = {
    policy.FORBIDDEN_TORCH: {"call": "forbidden call", "import": "forbidden import", "use": "forbidden use of"},
    policy.FORBIDDEN_IMPORT: {"call": "forbidden import", "import": "forbidden import", "use": "forbidden import"},
    THIRD_PARTY: {"call": "third-party import", "import": "third-party import", "use": "third-party import"},
}


def _message(verdict: Verdict, kind: str) -> str:
    prefix = _KIND_PREFIX.get(verdict.category, {}).get(kind) or verdict.category.replace("_", " ")
    return f"{prefix} {verdict.name}: {verdict.reason}"


_module_cache: dict[tuple[str, str], bool] = {}


def _module_has(module: str, name: str) -> bool:
    """True when torch module `module` defines `name` (for `from torch import *`)."""
    key = (module, name)
    if key not in _module_cache:
        try:
            mod = importlib.import_module(module)
        except Exception:
            _module_cache[key] = False
        else:  # what `import *` binds: __all__, else every public name
            public = getattr(mod, "__all__", None)
            _module_cache[key] = (
                name in public if public is not None else hasattr(mod, name) and not name.startswith("_")
            )
    return _module_cache[key]


# ---------------------------------------------------------------- grouping


def _group(
    filename: str, raw: list[tuple[int, int, Verdict, str]], main_ranges: list[tuple[int, int]]
) -> list[Finding]:
    """One finding per (category, name, severity); demote code under the `__main__` guard."""
    groups: dict[tuple, Finding] = {}
    for line, col, verdict, message in sorted(raw, key=lambda r: (r[0], r[1])):
        severity = verdict.severity
        if severity == FAIL and any(a <= line <= b for a, b in main_ranges):
            severity = WARN
            message += ' (only inside `if __name__ == "__main__":`, which grading never runs)'
        key = (verdict.category, verdict.name, severity)
        found = groups.get(key)
        if found is None:
            groups[key] = Finding(filename, line, col, verdict.category, verdict.name, severity, message, 1, [line])
        else:
            found.count += 1
            if line not in found.lines and len(found.lines) < MAX_LINES_LISTED:
                found.lines.append(line)
    findings = list(groups.values())
    for f in findings:
        if f.count > 1:
            shown = ", ".join(map(str, f.lines))
            more = ", ..." if f.count > len(f.lines) else ""
            f.message += f" ({f.count} uses: lines {shown}{more})"
    return _cap(findings)


def _cap(findings: list[Finding]) -> list[Finding]:
    by_category: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_category[f.category].append(f)
    out: list[Finding] = []
    for category, items in by_category.items():
        items.sort(key=lambda f: (-_SEVERITY_RANK[f.severity], f.line))
        out.extend(items[:MAX_NAMES_PER_CATEGORY])
        rest = items[MAX_NAMES_PER_CATEGORY:]
        if rest:
            worst = max(rest, key=lambda f: _SEVERITY_RANK[f.severity])
            names = ", ".join(f.name for f in rest[:10])
            out.append(
                Finding(
                    worst.file,
                    rest[0].line,
                    rest[0].col,
                    category,
                    f"{len(rest)} more",
                    worst.severity,
                    f"{len(rest)} more {category.replace('_', ' ')} findings in this "
                    f"file: {names}{', ...' if len(rest) > 10 else ''}",
                    sum(f.count for f in rest),
                    sorted(f.line for f in rest)[:10],
                )
            )
    out.sort(key=lambda f: (f.line, f.col, f.category, f.name))
    return out


# ---------------------------------------------------------------- public API


def _parse(source: str | bytes, filename: str) -> tuple[ast.Module | None, Finding | None]:
    try:
        return ast.parse(source, filename=filename), None
    except SyntaxError as e:
        line = e.lineno or 1
        return None, Finding(
            filename,
            line,
            (e.offset or 1) - 1,
            SYNTAX,
            NOT_PARSED[0],
            FAIL,
            f"{filename} line {line} does not parse ({e.msg}); the file cannot "
            "be imported, and was not checked for forbidden code",
            1,
            [line],
        )
    except (ValueError, UnicodeDecodeError) as e:  # null bytes, bad encodings
        return None, Finding(
            filename,
            1,
            0,
            SYNTAX,
            NOT_PARSED[1],
            FAIL,
            f"{filename} is not readable Python source ({e}); the file cannot "
            "be imported, and was not checked for forbidden code",
            1,
            [1],
        )


def _scan_tree(
    tree: ast.Module, filename: str, local_modules: Iterable[str]
) -> tuple[list[Finding], _FileScanner | None]:
    try:
        scanner = _FileScanner(tree, filename, local_modules)
        scanner.visit(tree)
    except RecursionError:
        return [
            Finding(
                filename,
                1,
                0,
                SYNTAX,
                "too deeply nested",
                WARN,
                f"{filename} is nested too deeply to scan; the runtime trace still checks what it calls",
                1,
                [1],
            )
        ], None
    return _group(filename, scanner.raw, scanner.main_ranges), scanner


def scan_source(text: str | bytes, filename: str = "<string>", *, local_modules: Iterable[str] = ()) -> list[Finding]:
    """Scan one file's source; `local_modules` are top-level names of the submission's own modules.

    The fixed names of the layout (`model`, `others`, `Miniproject_2`) are always local.
    A file that does not parse gives one finding of category 'syntax' (never an exception).
    """
    tree, error = _parse(text, filename)
    if error is not None:
        return [error]
    return _scan_tree(tree, filename, {*local_modules, *LAYOUT_MODULES})[0]


def iter_python_files(root: Path) -> list[Path]:
    """Every regular .py file under `root` (no symlinks, no __pycache__), sorted."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if name.endswith(".py") and path.is_file() and not path.is_symlink():
                files.append(path)
    return files


def _top_level_names(directory: Path) -> set[str]:
    names = set()
    try:
        for entry in directory.iterdir():
            if entry.suffix == ".py":
                names.add(entry.stem)
            elif entry.is_dir() and entry.name != "__pycache__":
                names.add(entry.name)
    except OSError:
        pass
    return names


def scan_submission(root: Path) -> list[Finding]:
    """Scan every .py file under `root` (the Miniproject_2 folder); paths are relative to it."""
    root = Path(root)
    base_locals = _top_level_names(root) | {root.name, *LAYOUT_MODULES}
    trees: dict[Path, ast.Module] = {}
    per_file: dict[Path, list[Finding]] = {}
    dynamic: set[Path] = set()  # files that import by computed names
    for path in iter_python_files(root):
        rel = path.relative_to(root).as_posix()
        if path.stat().st_size > MAX_FILE_BYTES:
            per_file[path] = [
                Finding(
                    rel,
                    1,
                    0,
                    OBFUSCATION,
                    "oversized file",
                    WARN,
                    f"{rel} is over {MAX_FILE_BYTES // 1_000_000} MB and was not "
                    "scanned; the runtime trace still checks what it calls",
                    1,
                    [1],
                )
            ]
            continue
        tree, error = _parse(path.read_bytes(), rel)
        if error is not None:
            per_file[path] = [error]
            continue
        local = base_locals | _top_level_names(path.parent)
        findings, scanner = _scan_tree(tree, rel, local)
        per_file[path] = findings
        if scanner is not None:
            trees[path] = tree
            if scanner.dynamic_imports:
                dynamic.add(path)
    reachable = reachable_files(root, trees)
    if reachable is not None and dynamic & reachable:
        reachable = None  # code grading runs may import anything: every file counts
    out: list[Finding] = []
    for path, findings in per_file.items():
        if reachable is not None and path not in reachable:
            for f in findings:
                if f.severity == FAIL:
                    f.severity = WARN
                    f.message += " (this file is not imported by model.py, so grading never runs it)"
        out.extend(findings)
    return out
