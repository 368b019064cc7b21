"""Meeting student code where it is (runs inside the worker).

Real submissions expose parameters through `param()`, `params()` or
`parameters()`: as (param, grad) tuples or lists, as bare tensors whose
gradient is `.grad` (None until the first backward) or `.gradient`, as small
parameter objects, as one list per layer (a Sequential's `[[(w, g), (b, g)],
[], ...]`), as a flat `[w, b, dw, db]`, with `(None, None)` for blocks without
parameters, or with the gradients kept in the block's own buffers
(`weight_grad`, `dl_dw`, ...). This module turns each form into (param, grad)
pairs and says which form it found, so the judge can grade the maths and name
the slip.
"""

from __future__ import annotations

import re
import types

import torch

PARAM_ACCESSORS = ("param", "params", "parameters")
_VALUE_ATTRS = ("data", "value", "tensor", "param", "parameter", "weight", "w")
_GRAD_ATTRS = ("grad", "gradient", "grad_value", "d", "dw")
_TENSOR_GRAD_ATTRS = ("grad", "gradient", "grad_value")  # a gradient kept on the parameter tensor itself
# names of a block's own gradient buffers: weight_grad, grad_w, dl_dw, dW, d_bias, w_gradient, ...
_BUFFER_NAME = re.compile(r"grad|^d(l_?d)?_?(w|b|weight|bias|kernel|k)$|^dl?_?d?(w|b)_?$", re.IGNORECASE)


def unwrap_tensor(obj):
    """The tensor inside `obj` (itself, or a common attribute of a parameter object), or None."""
    if isinstance(obj, torch.Tensor):
        return obj
    for name in _VALUE_ATTRS:
        value = _safe_getattr(obj, name)
        if isinstance(value, torch.Tensor):
            return value
    return None


def _safe_getattr(obj, name):
    try:
        return getattr(obj, name, None)
    except Exception:  # a property that raises is no attribute for us
        return None


def _grad_of(obj):
    for name in _GRAD_ATTRS:
        value = _safe_getattr(obj, name)
        if isinstance(value, torch.Tensor):
            return value
    return None


def tensor_grad(tensor):
    """The gradient a student keeps on a parameter tensor (`.grad`, or an attribute like `.gradient`), or None."""
    for name in _TENSOR_GRAD_ATTRS:
        value = _safe_getattr(tensor, name)
        if isinstance(value, torch.Tensor):
            return value
    return None


def _is_pair(item) -> bool:
    """(param, grad) as a 2-tuple or 2-list whose members are not containers themselves."""
    return isinstance(item, (tuple, list)) and len(item) == 2 and not any(isinstance(x, (tuple, list)) for x in item)


def _flatten(items: list, depth: int = 0) -> tuple[list, bool]:
    """Pairs and single items with one level per layer removed; True when something was nested."""
    out, nested = [], False
    for item in items:
        if depth < 4 and isinstance(item, (tuple, list)) and not _is_pair(item):
            inner, _ = _flatten(list(item), depth + 1)
            out += inner
            nested = True
        else:
            out.append(item)
    return out, nested


def _flat_layout(items: list) -> str | None:
    """'halves' for [w, b, dw, db], 'groups' for several of those in a row (a Sequential concatenating them),
    'interleaved' for [w, dw, b, db]: bare tensors without gradients whose shapes repeat that way; else None."""
    if len(items) < 2 or len(items) % 2 or not all(isinstance(t, torch.Tensor) for t in items):
        return None
    if any(tensor_grad(t) is not None for t in items):
        return None
    shapes = [tuple(t.shape) for t in items]
    half = len(items) // 2
    if shapes[:half] == shapes[half:]:
        return "halves"
    if len(items) % 4 == 0 and all(
        shapes[i] == shapes[i + 2] and shapes[i + 1] == shapes[i + 3] for i in range(0, len(items), 4)
    ):
        return "groups"
    if all(shapes[i] == shapes[i + 1] for i in range(0, len(items), 2)):
        return "interleaved"
    return None


def _flat_pairs(items: list, layout: str) -> list[tuple]:
    if layout == "halves":
        half = len(items) // 2
        return [(items[i], items[i + half]) for i in range(half)]
    if layout == "groups":
        return [(items[i + j], items[i + j + 2]) for i in range(0, len(items), 4) for j in range(2)]
    return [(items[i], items[i + 1]) for i in range(0, len(items), 2)]


def param_pairs(module, call) -> dict:
    """Normalise a module's parameters to (param, grad) pairs.

    `call(fn)` runs student code under the tracer. Returns {"accessor", "form",
    "pairs": [(p, g)], "error", "nested", "flat", "none_pairs"}: `form` lists the
    item kinds seen (tuple/list/tensor/object), `nested` is True for one list per
    layer, `flat` names a flat [w, b, dw, db] layout, `none_pairs` counts the
    (None, None) pairs left out. A gradient found in the block's own buffers
    fills a pair whose gradient is missing.
    """
    accessors = [a for a in PARAM_ACCESSORS if callable(_safe_getattr(module, a))]
    info = {"accessor": None, "form": None, "pairs": [], "error": None, "nested": False, "flat": None}
    info["none_pairs"] = 0
    if not accessors:
        info["error"] = "no param()/params()/parameters() method"
        return info
    raw, first_error = None, None
    for accessor in accessors:  # a base-class param() that raises, next to the parameters() that works
        try:
            raw = call(getattr(module, accessor))
            break
        except Exception as exc:
            first_error = first_error or exc
    else:
        raise first_error
    info["accessor"] = accessor
    if raw is None:
        raw = []
    try:
        items = list(raw)
    except TypeError:
        info["form"] = type(raw).__name__
        info["error"] = f"{accessor}() returned a {type(raw).__name__}, not a list"
        return info
    items, info["nested"] = _flatten(items)
    flat = _flat_layout(items)
    pairs, forms = [], set()
    if flat is not None:
        forms.add("tensor")
        pairs = _flat_pairs(items, flat)
    else:
        for item in items:
            if _is_pair(item):
                if item[0] is None and item[1] is None:
                    info["none_pairs"] += 1
                    continue
                forms.add("tuple" if isinstance(item, tuple) else "list")
                p, g = unwrap_tensor(item[0]), unwrap_tensor(item[1])
                if g is None and p is not None:
                    g = tensor_grad(p)
            elif isinstance(item, torch.Tensor):
                forms.add("tensor")
                p, g = item, tensor_grad(item)
            else:
                forms.add("object")
                p, g = unwrap_tensor(item), _grad_of(item)
            pairs.append((p, g))
    pairs = [(p, g if g is not None or p is None else own_grad(module, p)) for p, g in pairs]
    info.update(form="/".join(sorted(forms)) or "empty", pairs=pairs, flat=flat)
    return info


def _owners(module, param) -> list:
    """The module, then each attribute object that holds `param` itself (an inner `.conv`)."""
    owners = [module]
    for _, value in _attributes(module):
        if not isinstance(value, torch.Tensor) and any(v is param for _, v in _attributes(value)):
            owners.append(value)
    return owners


def own_grad(module, param):
    """The gradient of `param` kept in a buffer of its block (`weight_grad`, `dl_dw`, ...): a tensor of the
    same shape under a gradient-like name, in the block or the inner object holding `param`; None when there
    is none or the choice stays ambiguous."""
    if not isinstance(param, torch.Tensor):
        return None
    for owner in reversed(_owners(module, param)):  # the innermost holder first
        attrs = dict(_attributes(owner))
        own_names = [n.lower() for n, v in attrs.items() if isinstance(n, str) and v is param]
        candidates = [
            (n.lower(), v)
            for n, v in attrs.items()
            if isinstance(n, str)
            and isinstance(v, torch.Tensor)
            and v is not param
            and tuple(v.shape) == tuple(param.shape)
            and _BUFFER_NAME.search(n)
        ]
        if len(candidates) > 1 and own_names:  # weight_grad / grad_weight before dl_dw / w_grad
            stem = own_names[0]
            candidates = [c for c in candidates if stem in c[0]] or [
                c for c in candidates if stem[0] in c[0].replace("grad", "").replace("dl", "")
            ]
        if len(candidates) == 1:
            return candidates[0][1]
    return None


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
