"""`backprop(loss)`: the backward pass replayed one node at a time, in the engine's order.

Each step runs the node's own ``backward`` (the code autograd runs) and shows the rule written
on its ``def`` line (the text docs/autograd.md is made of): one source, shown and executed.
The replay frees nothing and writes no ``.grad``; its leaf gradients equal what
``loss.backward()`` accumulates, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd import function as _fn
from ..autograd.tensor import _topological_order
from .trace import names


def op_name(node: Any) -> str:
    """The op's name as autograd shows it in a repr (``MulBackward``, without "Backward")."""
    return type(node).__name__


def rule_of(node: Any) -> str:
    """The local derivative of `node`'s op, as written on its backward; for a user's own
    `autograd.Function` without that comment, its name (its backward is the rule); else "?"."""
    from ..autograd import Function
    from ..autograd.rules import backward_rule  # not at import: `python -m ...rules` runs it

    try:
        return backward_rule(type(node))
    except (ValueError, OSError, TypeError):
        if isinstance(node, Function):
            return f"{type(node).__name__}.backward (user-defined)"
        return "?"


def check_graph(output: Any, who: str) -> Any:
    """The root node of `output`'s graph; a clear error when there is none or it was freed."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(output).__name__}")
    node = output._ctx
    if node is None:
        why = (
            "it is a leaf (made directly, not by an op)"
            if output.requires_grad
            else "it was made under no_grad() or from tensors that do not require grad"
        )
        raise RuntimeError(
            f"{who}: tensor of shape {tuple(output.shape)} has no graph: {why}; build it with "
            "grad enabled from parameters or inputs with requires_grad=True"
        )
    return node


@dataclass
class Step:
    """One node of the replay: its op and rule, the gradient in, one gradient out per input."""

    index: int
    op: str
    rule: str
    node: Any = field(repr=False)
    output_shape: tuple
    grad_output: np.ndarray = field(repr=False)
    inputs: list[str]  # a label per tensor input: parameter name, op that made it, or "input"
    input_shapes: list[tuple]
    grad_inputs: list[np.ndarray | None] = field(repr=False)  # None: that input wants none


def _label(t: Tensor, tr: Any) -> str:
    name = tr.name_of(t) if tr is not None else None
    if name:
        return name
    if t._ctx is not None:
        return op_name(t._ctx)
    return "leaf" if t.requires_grad else "input"


def _accumulate(store: dict, t: Tensor, g: Any) -> None:
    """The engine's `_accumulate` without touching t.grad: broadcast, cast, then add."""
    if g.shape != t.shape:
        g = np.broadcast_to(g, t.shape)
    if g.dtype != t.dtype:
        g = g.astype(t.dtype)
    prev = store.get(id(t))
    store[id(t)] = (t, g.copy() if prev is None else prev[1] + g)


class Backprop:
    """The replayed steps (iterate, index, `len`), the leaf gradients, and the step table."""

    def __init__(self, steps: list[Step], leaves: dict, output: Tensor) -> None:
        self.steps, self._leaves, self.output = steps, leaves, output

    def __iter__(self) -> Any:
        return iter(self.steps)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: int) -> Step:
        return self.steps[i]

    def grad(self, t: Tensor) -> np.ndarray | None:
        """The gradient the replay sends to leaf `t` (what ``t.grad`` gets from backward)."""
        hit = self._leaves.get(id(t))
        return None if hit is None else hit[1]

    def node_grads(self) -> dict[int, np.ndarray]:
        """id(node) -> the gradient arriving at that node's output."""
        return {id(s.node): s.grad_output for s in self.steps}

    def table(self, width: int = 6) -> str:
        """The steps as a terminal table; arrays of at most `width` elements are shown whole."""
        head = ["step", "op", "local derivative", "incoming grad", "outgoing grads"]
        rows = [head]
        for s in self.steps:
            outs = [
                f"{lab}: {_show(g, width)}"
                for lab, g in zip(s.inputs, s.grad_inputs)
                if g is not None
            ]
            rows.append([str(s.index), s.op, s.rule, _show(s.grad_output, width), "; ".join(outs)])
        w = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w[i]) for i, c in enumerate(r[:4])) + "  " + r[4] for r in rows]
        lines.insert(1, "-" * (sum(w) + 8 + len(head[4])))
        return "\n".join(line.rstrip() for line in lines)

    def __str__(self) -> str:
        return self.table()


def _show(g: Any, width: int) -> str:
    a = np.asarray(g)
    if a.size <= width:
        return np.array2string(a, precision=4, separator=", ", suppress_small=True).replace(
            "\n", ""
        )
    return f"{tuple(a.shape)} |g|={float(np.sqrt((a.astype(np.float64) ** 2).sum())):.4g}"


def backprop(output: Tensor, gradient: Any = None, model: Any = None) -> Backprop:
    """Replay ``output.backward(gradient)`` node by node without changing any ``.grad``.

    `model` (a Module or an `inspect.trace`) names the parameters in the steps.
    """
    root = check_graph(output, "backprop")
    tr = names(model)
    if gradient is None:
        if output._array.size != 1:
            raise RuntimeError(
                f"backprop: output has shape {tuple(output.shape)}; pass gradient= of that "
                "shape (only a one-element output gets the implicit gradient 1)"
            )
        gradient = np.ones(output.shape, output.dtype)
    gradient = np.asarray(gradient, output.dtype)
    if gradient.shape != output.shape:
        raise RuntimeError(
            f"backprop: gradient has shape {gradient.shape}, output has {tuple(output.shape)}"
        )
    grads, leaves, steps = {root: gradient}, {}, []
    shapes = {id(root): tuple(output.shape)}
    for node in _topological_order(root):
        g = grads.pop(node, None)
        if g is None:
            continue
        _check(node)
        out = node.backward(node, g)
        out = out if isinstance(out, tuple) else (out,)
        labels, in_shapes, sent = [], [], []
        for inp, need, ig in zip(node.inputs, node.needs_grad, out):
            if not isinstance(inp, Tensor):
                continue
            labels.append(_label(inp, tr))
            in_shapes.append(tuple(inp.shape))
            sent.append(ig if need else None)
            if not need or ig is None:
                continue
            if inp._ctx is None:
                _accumulate(leaves, inp, ig)
            else:
                shapes[id(inp._ctx)] = tuple(inp.shape)
                prev = grads.get(inp._ctx)
                grads[inp._ctx] = ig if prev is None else prev + ig
        steps.append(
            Step(len(steps) + 1, op_name(node), rule_of(node), node,
                 shapes.get(id(node), tuple(np.shape(g))), g, labels, in_shapes, sent)
        )  # fmt: skip
    return Backprop(steps, leaves, output)


def _check(node: Any) -> None:
    if node.saved_tensors is None:
        raise RuntimeError(
            f"backprop: the graph through {op_name(node)} was freed by an earlier backward(); "
            "call backward(retain_graph=True) to keep it, or run the forward pass again"
        )
    _fn.check_versions(node)
