"""Reading a Model's network by what its blocks do (runs inside the worker).

Real networks keep their blocks in many places and under many names (an
upsampling block holding its convolution in `.conv2d`, `Upsampling`
subclassing `Conv2d` or `Sequential`, the stride under another attribute,
the list of blocks three attributes below the Model), so nothing here reads a
class or attribute name to decide anything. The network is the first object
holding a list of blocks (adapters.locate_network); a block of that list that
is itself such a container is opened when running its children in turn gives
what the container gives. Each remaining block (a *stage*) is then described
by behaviour:

- the shapes a probe takes through it, at two input sizes (the change of the
  output size over the change of the input size is its exact scale, whatever
  its kernel and padding: 1/2 for a stride-2 convolution even when 16 -> 7);
- the shapes of the parameter tensors it holds (param() or its attributes);
- for a parameterless block, its output on a ramp of values from -6 to 6
  (the judge compares it with ReLU and Sigmoid when it keeps the shape, with
  a nearest upsampling when it does not) and, when it changes the shape, how
  many tensors its attributes hold (a transposed convolution whose param()
  does not list the convolution it keeps in `.conv` is still one);
- for a block with parameters, its outputs on x, 0, -x and 2x (the judge
  checks that it is affine, as a convolution is).

The worker decides nothing: it returns these raw facts and the judge
(grader/checks/model/architecture.py) names each stage.
"""

from __future__ import annotations

import torch

from grader.sandbox import adapters, protocol

RAMP = (-6.0, 6.0)  # the values the element-wise test spans (the judge rebuilds the same ramp)
MAX_STAGES = 64
MAX_DEPTH = 4  # containers opened inside containers
_AFFINE_INPUTS = ("zero", "negated", "doubled")


def ramp(shape: list[int], dtype=torch.float64) -> torch.Tensor:
    """The ramp of values a parameterless, shape-keeping stage is tested on."""
    n = 1
    for s in shape:
        n *= s
    return torch.linspace(RAMP[0], RAMP[1], n, dtype=torch.float64).reshape(shape).to(dtype)


class _Failed(Exception):
    """A student call failed; `info` is the judge-readable description."""

    def __init__(self, info: dict):
        super().__init__(info.get("message", ""))
        self.info = info


class Prober:
    """Runs the probes. `run(context, fn, *args)` calls student code and raises `student_error` when it fails."""

    def __init__(self, run, student_error: type[Exception], limit: int | None = None):
        self._run = run
        self._student_error = student_error
        self._limit = limit

    # -- calling student code --------------------------------------------------
    def call(self, block, x):
        """block.forward(x) as a plain tensor snapshot; raises _Failed with the student's error."""
        name = type(block).__name__
        try:
            y = self._run(f"Model.{name}.forward", block.forward, x)
        except self._student_error as exc:
            raise _Failed(
                getattr(exc, "info", {"type": type(exc).__name__, "message": str(exc), "where": []})
            ) from None
        if not isinstance(y, torch.Tensor):
            raise _Failed({"type": "TypeError", "message": f"forward returned a {type(y).__name__}", "where": []})
        try:
            return protocol.plain_tensor(y, self._limit).clone()
        except protocol.UnsendableValue as exc:
            raise _Failed({"type": "UnsendableValue", "message": f"forward returned {exc}", "where": []}) from None

    def parameters(self, block) -> list[torch.Tensor]:
        """The floating tensors a block holds as parameters: param()'s, else its attributes' (two levels down)."""
        accessor = next((a for a in adapters.PARAM_ACCESSORS if callable(getattr(block, a, None))), None)
        if accessor is not None:
            try:
                info = adapters.param_pairs(block, lambda fn: self._run(f"Model.{type(block).__name__}.param", fn))
                found = [p for p, _ in info["pairs"] if isinstance(p, torch.Tensor)]
                if info["error"] is None:
                    return [p for p in found if p.is_floating_point()]
            except self._student_error:
                pass
        return _tensor_attributes(block)

    # -- the description -------------------------------------------------------
    def describe(self, model, probes: list[torch.Tensor]) -> dict:
        net, path = adapters.locate_network(model)
        if net is None:
            return {"found": False, "attributes": sorted(str(n) for n, _ in adapters._attributes(model))[:40]}
        tree = self._tree(net, path, 0)
        first = next((p for node in _walk(tree) for p in node["params"]), None)
        dtype = first.dtype if first is not None else torch.get_default_dtype()
        stages: list[dict] = []
        result = {
            "found": True,
            "network_class": type(net).__name__,
            "network_path": path,
            "is_model_itself": net is model,
            "dtype": str(dtype).replace("torch.", ""),
            "stages": stages,
        }
        x = probes[0].to(dtype=dtype, device=first.device if first is not None else "cpu")
        try:
            leaves, y = self._flow(tree, x, top=True)
        except _Failed as exc:  # only when the network's own forward and its chain both fail at once
            result["error"] = exc.info
            return result
        for leaf in leaves[:MAX_STAGES]:
            stages.append(self._stage(leaf))
        result["output_shape"] = list(y.shape) if y is not None else None
        result["own_forward"] = tree.get("own_forward")
        if len(probes) > 1:
            self._second_flow(leaves[:MAX_STAGES], stages, probes[1].to(dtype=dtype, device=x.device))
        return result

    def _tree(self, obj, path: str, depth: int, parent: dict | None = None) -> dict:
        """The network as nested nodes: each block, its parameters and (for a container) its children."""
        node = {"obj": obj, "path": path, "params": self.parameters(obj), "children": None, "parent": parent}
        name, children = adapters.child_blocks(obj) if depth <= MAX_DEPTH else (None, [])
        if children:
            here = {"path": path, "class": type(obj).__name__} if depth else None
            node["children"] = [
                self._tree(c, f"{path}.{name}[{i}]", depth + 1, here) for i, c in enumerate(children[:MAX_STAGES])
            ]
        return node

    def _flow(self, node: dict, x: torch.Tensor, top: bool = False) -> tuple[list[dict], torch.Tensor | None]:
        """Run `x` through a node: (the leaves it opened into, with their inputs and outputs; the output).

        A container is opened when its own forward and running its children in turn agree; otherwise
        it is one stage. The top network is always opened (its children are the stages), and its
        own forward is recorded for the judge.
        """
        if node["children"] is None:
            return [self._leaf(node, x)], node.get("y")
        own, own_error = None, None
        if callable(getattr(node["obj"], "forward", None)):
            try:
                own = self.call(node["obj"], _on_device(x.clone(), node))
            except _Failed as exc:
                own_error = exc.info
        leaves, y, chain_error = [], x, None
        for child in node["children"]:
            opened, y = self._flow(child, y)
            leaves += opened
            if y is None:
                chain_error = opened[-1].get("error")
                break
        same = own is not None and y is not None and _same(own, y)
        if top:
            node["own_forward"] = {
                "shape": list(own.shape) if own is not None else None,
                "error": own_error,
                "matches_chain": same,
            }
            return leaves, y
        if same or (own is None and own_error is None and chain_error is None):
            return leaves, y
        if own is not None:  # the chain disagrees with (or fails where) the container works: one stage
            return [self._leaf(node, x, output=own)], own
        return leaves, y

    def _leaf(self, node: dict, x: torch.Tensor, output: torch.Tensor | None = None) -> dict:
        leaf = {"node": node, "x": x.clone()}
        try:
            y = output if output is not None else self.call(node["obj"], _on_device(x.clone(), node))
        except _Failed as exc:
            leaf["error"] = exc.info
            node["y"] = None
            return leaf
        leaf["y"] = y
        node["y"] = y
        return leaf

    def _stage(self, leaf: dict) -> dict:
        node = leaf["node"]
        block = node["obj"]
        stage = {
            "path": node["path"],
            "class": type(block).__name__,
            "mro": [c.__name__ for c in type(block).__mro__[:5]],
            "param_shapes": [list(p.shape) for p in node["params"][:8]],
            "params": len(node["params"]),
            "opened_from": node.get("parent"),
            "in_shape": list(leaf["x"].shape),
        }
        if "error" in leaf:
            stage["error"] = leaf["error"]
            return stage
        x, y = leaf["x"], leaf["y"]
        stage["out_shape"] = list(y.shape)
        try:
            if node["params"]:
                outputs = [y] + [self.call(block, _on_device(v, node)) for v in (x * 0, -x, x * 2)]
                stage["affine_outputs"] = outputs
            elif list(y.shape) == list(x.shape):
                stage["ramp_output"] = self.call(block, _on_device(ramp(list(x.shape), x.dtype), node))
            else:  # resamples without listing parameters: a plain nearest, or a layer param() does not list?
                stage["ramp_output"] = self.call(block, _on_device(ramp(list(x.shape), x.dtype), node))
                stage["attribute_tensors"] = len(_tensor_attributes(block))
        except _Failed as exc:
            stage["test_error"] = exc.info
        return stage

    def _second_flow(self, leaves: list[dict], stages: list[dict], x: torch.Tensor) -> None:
        """Shapes at the second probe size, stage by stage, until a stage fails (recorded, not fatal)."""
        for leaf, stage in zip(leaves, stages):
            if "error" in leaf:
                return
            stage["in_shape_b"] = list(x.shape)
            try:
                x = self.call(leaf["node"]["obj"], _on_device(x, leaf["node"]))
            except _Failed as exc:
                stage["error_b"] = exc.info
                return
            stage["out_shape_b"] = list(x.shape)


def _walk(node: dict):
    yield node
    for child in node["children"] or ():
        yield from _walk(child)


def _on_device(x: torch.Tensor, node: dict) -> torch.Tensor:
    params = node["params"]
    return x.to(device=params[0].device) if params else x


def _same(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape:
        return False
    a, b = a.to(torch.float64), b.to(torch.float64)
    return bool(torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True))


def _tensor_attributes(obj, depth: int = 2) -> list[torch.Tensor]:
    """Floating tensors (1-D or more) among an object's attributes, sub-objects and containers."""
    found: list[torch.Tensor] = []
    seen: set[int] = set()

    def visit(value, level: int) -> None:
        if id(value) in seen or len(found) >= 32:
            return
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            if value.is_floating_point() and value.dim() >= 1:
                found.append(value)
            return
        if level > depth:
            return
        if isinstance(value, (list, tuple)):
            items = value[:16]
        elif isinstance(value, dict):
            items = list(value.values())[:16]
        elif adapters._searchable(value):
            items = [v for _, v in adapters._attributes(value)][:32]
        else:
            return
        for item in items:
            visit(item, level + 1)

    for _, value in adapters._attributes(obj):
        visit(value, 1)
    return found
