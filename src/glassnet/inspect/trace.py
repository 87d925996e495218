"""`trace(model)`: which module made each graph node, and the parameters' dotted names.

Forward hooks are registered only inside the ``with`` block, so a model that is not traced
pays nothing. A node belongs to the innermost module whose forward ran it: the nodes
between that module's inputs and its output.

    with gn.inspect.trace(net) as tr:
        loss = loss_fn(net(x), y)
    gn.inspect.graph(loss, tr).svg("graph.svg")
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..autograd import Tensor
from ..nn import Module


def _tensors(obj: Any) -> Iterator[Tensor]:
    if isinstance(obj, Tensor):
        yield obj
    elif isinstance(obj, (tuple, list)):
        for o in obj:
            yield from _tensors(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _tensors(o)


class Trace:
    """The modules' forward calls seen inside ``with trace(model)``; `module_of(node)` and
    `name_of(tensor)` answer graph and backprop."""

    def __init__(self, model: Module) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"trace: model must be an nn.Module, got {type(model).__name__}")
        self.model = model
        self.calls: list[tuple[str, str, list, list]] = []  # path, type, inputs, outputs
        self.param_names = {id(p): n for n, p in model.named_parameters()}
        self._handles: list = []
        self._owner: dict[int, str] | None = None

    def __enter__(self) -> Trace:
        for path, m in self.model.named_modules():

            def hook(mod: Module, args: tuple, out: Any, path: str = path) -> None:
                self.calls.append(
                    (path, type(mod).__name__, list(_tensors(args)), [*_tensors(out)])
                )

            self._handles.append(m.register_forward_hook(hook))
        return self

    def __exit__(self, *exc: Any) -> None:
        for h in self._handles:
            h.remove()
        self._handles.clear()
        self._owner = None

    def name_of(self, t: Tensor) -> str | None:
        """The dotted parameter name of `t`, or None."""
        return self.param_names.get(id(t))

    def module_types(self) -> dict[str, str]:
        """Module path -> class name, for the modules that ran."""
        return {path: kind for path, kind, _, _ in self.calls}

    def _owners(self) -> dict[int, str]:
        """id(node) -> path of the innermost module that ran it (hooks fire innermost first)."""
        if self._owner is None:
            owner: dict[int, str] = {}
            for path, _, inputs, outputs in self.calls:
                if not path:
                    continue  # the model itself: everything would be in it
                stop = {id(t._ctx) for t in inputs if t._ctx is not None}
                stack = [t._ctx for t in outputs if t._ctx is not None]
                seen: set[int] = set()
                while stack:
                    node = stack.pop()
                    if id(node) in stop or id(node) in seen:
                        continue
                    seen.add(id(node))
                    owner.setdefault(id(node), path)
                    stack += [a._ctx for a in node.inputs if isinstance(a, Tensor) and a._ctx]
            self._owner = owner
        return self._owner

    def module_of(self, node: Any) -> str | None:
        """The path of the module that made `node` (a Function, or a parameter), or None."""
        if isinstance(node, Tensor):
            name = self.name_of(node)
            return name.rpartition(".")[0] or None if name else None
        return self._owners().get(id(node))


def trace(model: Module) -> Trace:
    """Record, inside a ``with`` block, which module of `model` made each op of the graph."""
    return Trace(model)


def names(model: Any) -> Any:
    """A Trace as it is; a Module as a Trace that only names its parameters; None as None."""
    if model is None or isinstance(model, Trace):
        return model
    return Trace(getattr(model, "module", model))
