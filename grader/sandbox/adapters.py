"""Meeting student code where it is (runs inside the worker).

Real submissions expose parameters through `param()`, `params()` or
`parameters()`, as (param, grad) tuples or lists, as bare tensors with `.grad`,
or as small objects; this module turns each form into (param, grad) pairs and
says which form it found, so the judge can grade the maths and note the slip.
"""

from __future__ import annotations

import types

import torch

PARAM_ACCESSORS = ("param", "params", "parameters")
_VALUE_ATTRS = ("data", "value", "tensor", "param", "parameter", "weight", "w")
_GRAD_ATTRS = ("grad", "gradient", "grad_value", "d", "dw")


def unwrap_tensor(obj):
    """The tensor inside `obj` (itself, or a common attribute of a parameter object), or None."""
    if isinstance(obj, torch.Tensor):
        return obj
    for name in _VALUE_ATTRS:
        value = getattr(obj, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return None


def _grad_of(obj):
    for name in _GRAD_ATTRS:
        value = getattr(obj, name, None)
        if isinstance(value, torch.Tensor):
            return value
    return None


def param_pairs(module, call) -> dict:
    """Normalise a module's parameters to (param, grad) pairs.

    `call(fn)` runs student code under the tracer. Returns
    {"accessor", "form", "pairs": [(p, g)], "error"}.
    """
    accessor = next((a for a in PARAM_ACCESSORS if callable(getattr(module, a, None))), None)
    if accessor is None:
        return {"accessor": None, "form": None, "pairs": [], "error": "no param()/params()/parameters() method"}
    raw = call(getattr(module, accessor))
    if raw is None:
        raw = []
    try:
        items = list(raw)
    except TypeError:
        return {
            "accessor": accessor,
            "form": type(raw).__name__,
            "pairs": [],
            "error": f"{accessor}() returned a {type(raw).__name__}, not a list",
        }
    pairs, forms = [], set()
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            forms.add("tuple" if isinstance(item, tuple) else "list")
            p, g = unwrap_tensor(item[0]), unwrap_tensor(item[1])
        elif isinstance(item, torch.Tensor):
            forms.add("tensor")
            p, g = item, item.grad
        else:
            forms.add("object")
            p, g = unwrap_tensor(item), _grad_of(item)
        pairs.append((p, g))
    return {"accessor": accessor, "form": "/".join(sorted(forms)) or "empty", "pairs": pairs, "error": None}


def attribute_tensor(module, name):
    """`module.<name>` as a tensor when it is one (or wraps one), else None."""
    try:
        value = getattr(module, name, None)
    except Exception:
        return None
    return unwrap_tensor(value) if value is not None else None


_CHILD_LISTS = (
    "modules",
    "layers",
    "_modules",
    "blocks",
    "seq",
    "sequence",
    "module_list",
    "args",
    "models",
    "children",
)
NETWORK_SEARCH_DEPTH = 3  # Model.net.sequence.layers: the list sits three attributes below the Model
_MAX_VISITED = 500  # objects looked at while searching (a hostile object graph cannot make it loop)


def _blocks_in(value) -> list | None:
    """`value` as a list of blocks (objects with a callable forward), when it is a non-empty list/tuple/dict of them."""
    try:
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, (list, tuple)) and value and all(callable(getattr(m, "forward", None)) for m in value):
            return list(value)
    except Exception:  # an item whose attribute lookup raises is no block
        pass
    return None


def _attributes(obj) -> list[tuple[str, object]]:
    """The instance attributes of `obj` (its __dict__, read without running properties), or none."""
    try:
        return list(object.__getattribute__(obj, "__dict__").items())
    except Exception:
        return []


def child_blocks(obj) -> tuple[str | None, list]:
    """The ordered child blocks of a Sequential-like object and the attribute holding them: (name, blocks).

    Found by duck typing: its first list, tuple or dict of blocks, the usual names (`modules`,
    `layers`, ...) tried first; (None, []) when it holds none.
    """
    for name in _CHILD_LISTS:
        try:
            value = getattr(obj, name, None)
        except Exception:
            value = None
        found = _blocks_in(value)
        if found:
            return name, found
    for name, value in _attributes(obj):
        found = _blocks_in(value)
        if found:
            return str(name), found
    return None, []


def find_submodules(obj) -> list:
    """The ordered child blocks of a Sequential-like object (see child_blocks), or []."""
    return child_blocks(obj)[1]


def _searchable(value) -> bool:
    """An object whose attributes may hold the network (not data, a tensor, a class, a module or a function)."""
    if isinstance(value, (str, bytes, int, float, complex, bool, type(None), torch.Tensor, type)):
        return False
    if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType)):
        return False
    return bool(_attributes(value))


def locate_network(model) -> tuple[object | None, str | None]:
    """The Sequential-like network held by a Model, and where: (object, "Model.net.sequence"), or (None, None).

    Breadth first from the Model itself (a Model that is a Sequential, or holds the list of blocks
    directly) through its attributes, up to NETWORK_SEARCH_DEPTH levels down; the first object
    holding a list of blocks wins, so the network closest to the Model is the one graded.
    """
    queue, seen, visited = [(model, "Model", 0)], {id(model)}, 0
    while queue and visited < _MAX_VISITED:
        obj, path, depth = queue.pop(0)
        visited += 1
        if find_submodules(obj):
            return obj, path
        if depth == NETWORK_SEARCH_DEPTH:
            continue
        for name, value in _attributes(obj):
            if id(value) not in seen and isinstance(name, str) and _searchable(value):
                seen.add(id(value))
                queue.append((value, f"{path}.{name}", depth + 1))
    return None, None


def find_network(model):
    """The Sequential-like network held by a Model, or None (see locate_network)."""
    return locate_network(model)[0]


def call_with_fallbacks(fn, forms: list[tuple[str, tuple, dict]], call):
    """Call `fn` with the first argument form that does not raise TypeError.

    Returns (form_name, result). Re-raises the first TypeError when every form
    fails, since that one usually says what the student's signature wanted.
    """
    first = None
    for name, args, kwargs in forms:
        try:
            return name, call(fn, *args, **kwargs)
        except TypeError as exc:
            first = first or exc
    raise first
