"""Planted copies: a submission disguised the ways students disguise copied code.

Each function takes Python source and returns a changed copy; `plant` applies
one to every file of a submission folder. The copies are only read by the
similarity check, never run, so they need not work (a renamed keyword argument
of a torch call, say), only look like what a student would hand in.
"""

from __future__ import annotations

import ast
import builtins
import io
import keyword
import shutil
import tokenize
from collections.abc import Callable
from pathlib import Path

# names a copier keeps: the API the handout fixes, and what Python itself defines
KEPT = (
    {
        "self",
        "cls",
        "Model",
        "Module",
        "forward",
        "backward",
        "param",
        "train",
        "predict",
        "load_pretrained_model",
        "Conv2d",
        "TransposeConv2d",
        "NearestUpsampling",
        "Upsampling",
        "ReLU",
        "Sigmoid",
        "MSE",
        "SGD",
        "Sequential",
    }
    | set(dir(builtins))
    | set(keyword.kwlist)
)


def defined_names(text: str) -> set[str]:
    """Names the code itself defines: classes, functions, parameters, assigned variables and self attributes."""
    names = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            names.add(node.attr)
    return {n for n in names if n not in KEPT and not n.startswith("__")}


def rename(text: str, names: set[str] | None = None) -> str:
    """Every defined identifier renamed consistently (weight -> w_weight_1, ...), layout and comments kept."""
    names = defined_names(text) if names is None else names
    mapping = {name: f"q{i}_{name[::-1].strip('_')}" for i, name in enumerate(sorted(names))}
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    out = [
        tok._replace(string=mapping.get(tok.string, tok.string)) if tok.type == tokenize.NAME else tok for tok in tokens
    ]
    return tokenize.untokenize(out)


def reorder(text: str) -> str:
    """Top-level functions and classes in reverse order, and the methods of each class too; nothing else changed."""
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)

    def span(node) -> tuple[int, int]:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        return first - 1, node.end_lineno

    def reordered_block(body, start, end) -> list[str]:
        defs = [n for n in body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
        if len(defs) < 2:
            return lines[start:end]
        first, _ = span(defs[0])
        _, last = span(defs[-1])
        pieces = []
        for node in reversed(defs):
            a, b = span(node)
            piece = reordered_block(node.body, a, b) if isinstance(node, ast.ClassDef) else lines[a:b]
            pieces += piece + ["\n"]
        between = [
            line for n, m in zip(defs, defs[1:]) for line in lines[span(n)[1] : span(m)[0]] if line.strip()
        ]  # statements between definitions go after them, in order
        return lines[start:first] + pieces + between + lines[last:end]

    return "".join(reordered_block(tree.body, 0, len(lines)))


def recomment(text: str) -> str:
    """Comments dropped and layout rewritten (ast.unparse), then new comments and blank lines put in."""
    plain_text = ast.unparse(ast.parse(text))
    plain = plain_text.splitlines()
    statements = [node for node in ast.walk(ast.parse(plain_text)) if isinstance(node, ast.stmt)]
    starts = sorted({node.lineno for node in statements})
    one_line = {node.lineno for node in statements if node.end_lineno == node.lineno}
    out, comment_at = [], set(starts[::3])
    for number, line in enumerate(plain, 1):
        if number in comment_at:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# step {number}: as in the lecture notes")
        out.append(line)
        if number in comment_at and number in one_line:
            out.append("")
    return "\n".join(out) + "\n"


def disguise(text: str) -> str:
    """All three at once: renamed, reordered, recommented."""
    return recomment(reorder(rename(text)))


def plant(source: Path, dest: Path, change: Callable[[str], str]) -> Path:
    """Copy a submission folder with every Python file passed through `change`; returns `dest`."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("*.pth", "__pycache__"))
    for path in dest.rglob("*.py"):
        text = path.read_text()
        if text.strip():
            path.write_text(change(text))
    return dest


def class_source(path: Path, name: str) -> str:
    """The source of one top-level class of a file."""
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.ClassDef) and n.name == name)
    return "".join(text.splitlines(keepends=True)[node.lineno - 1 : node.end_lineno])


def paste_block(submission: Path, dest: Path, block: str, into: str) -> Path:
    """A copy of `submission` with `block` appended to the file `into` (relative to the submission)."""
    shutil.copytree(submission, dest)
    target = dest / into
    target.write_text(target.read_text().rstrip() + "\n\n\n" + block.rstrip() + "\n")
    return dest
