"""`graph(output)`: the recorded graph as data, as Graphviz DOT and SVG, and as an HTML page.

Nodes are the ops (with the value each produced) and the leaf tensors; edges run from an
input to the op that used it. With an `inspect.trace`, the nodes are grouped in clusters by
the module that made them, so an MLP reads as its layers. Gradients come from a replay of the
backward pass (`inspect.backprop`) while the graph is alive, else from the leaves' ``.grad``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..autograd import Tensor
from ..autograd.tensor import _topological_order
from ..io import atomic_write_bytes, atomic_write_text
from .backprop import backprop, check_graph, op_name, rule_of
from .trace import names


def stats(a: Any) -> dict[str, float] | None:
    """mean, std, min, max and the count of non-finite values of an array (None for None)."""
    if a is None:
        return None
    a = np.asarray(a)
    if a.dtype.kind not in "fciub" or a.size == 0:
        return None
    f = a.astype(np.float64)
    fin = f[np.isfinite(f)]
    if not fin.size:
        return {"mean": np.nan, "std": np.nan, "min": np.nan, "max": np.nan, "nonfinite": a.size}
    return {
        "mean": float(fin.mean()),
        "std": float(fin.std()),
        "min": float(fin.min()),
        "max": float(fin.max()),
        "nonfinite": int(a.size - fin.size),
    }


@dataclass
class Node:
    """One node: an op (``kind="op"``), a leaf that requires grad, or a plain input."""

    id: str
    kind: str  # "op", "leaf" or "input"
    label: str  # op name, or the parameter's dotted name
    shape: tuple
    dtype: str
    value: dict | None  # stats() of the value
    grad: dict | None  # stats() of the gradient, when known
    rule: str = ""  # the op's local derivative
    module: str | None = None  # path of the module that made it (with a trace)
    module_type: str | None = None


@dataclass
class Graph:
    """Nodes (ops in the engine's backward order, output first; then the leaves) and edges
    ``(source id, target id)``."""

    nodes: list[Node]
    edges: list[tuple[str, str]]
    freed: bool = False  # the saved arrays were freed by backward: op gradients unknown
    values: dict[str, Any] = field(default_factory=dict, repr=False)  # node id -> its array

    def to_dict(self) -> dict:
        """Plain data (lists, dicts, numbers), ready for JSON."""
        return {"nodes": [asdict(n) for n in self.nodes], "edges": [list(e) for e in self.edges]}

    def _digraph(self) -> Any:
        try:
            import graphviz
        except ImportError as e:
            raise ImportError(
                "graph: drawing needs the graphviz package: pip install 'glassnet[inspect]'"
            ) from e
        g = graphviz.Digraph("glassnet", graph_attr={"rankdir": "BT", "fontname": "Helvetica"})
        g.attr("node", fontname="Helvetica", fontsize="10")
        clusters: dict[str, Any] = {}
        for n in self.nodes:
            target = g
            if n.module:
                if n.module not in clusters:
                    clusters[n.module] = graphviz.Digraph(
                        f"cluster_{n.module}",
                        graph_attr={
                            "label": f"{n.module} ({n.module_type})",
                            "style": "rounded,filled",
                            "fillcolor": "#f3f6fb",
                            "color": "#8aa1c1",
                        },
                    )
                target = clusters[n.module]
            target.node(n.id, _dot_label(n), tooltip=_tooltip(n), **_style(n))
        for c in clusters.values():
            g.subgraph(c)
        for a, b in self.edges:
            g.edge(a, b)
        return g

    def to_dot(self) -> str:
        """The Graphviz DOT source (needs the graphviz Python package, not the binary)."""
        return self._digraph().source

    def _render(self, fmt: str) -> bytes:
        """The drawing in `fmt` ("svg", "png") by Graphviz's `dot` program."""
        import graphviz

        try:
            return self._digraph().pipe(format=fmt)
        except graphviz.ExecutableNotFound as e:
            raise RuntimeError(
                "graph: Graphviz's `dot` program was not found on PATH; install it "
                "(Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz), "
                "or use graph.to_dot() / graph.to_dict() without it"
            ) from e

    def svg(self, path: str | os.PathLike | None = None) -> str:
        """Render with Graphviz's `dot` program; returns the SVG text, also written to `path`."""
        text = self._render("svg").decode("utf-8")
        if path is not None:
            atomic_write_text(path, text)
        return text

    def png(self, path: str | os.PathLike) -> None:
        """Render with Graphviz's `dot` program as a PNG image at `path`."""
        atomic_write_bytes(path, self._render("png"))

    def html(self, path: str | os.PathLike | None = None) -> str:
        """A self-contained page: the SVG, and each node's details on hover."""
        data = {n.id: asdict(n) for n in self.nodes}
        page = _PAGE.replace("{svg}", self.svg()).replace(
            "{data}", json.dumps(data, default=str).replace("</", "<\\/")
        )
        if path is not None:
            atomic_write_text(path, page)
        return page


def _fmt(s: dict | None) -> str:
    if s is None:
        return "-"
    bad = f", {s['nonfinite']} non-finite" if s["nonfinite"] else ""
    return f"mean {s['mean']:.3g} ± {s['std']:.3g} [{s['min']:.3g}, {s['max']:.3g}]{bad}"


def _dot_label(n: Node) -> str:
    shape = "×".join(map(str, n.shape)) or "scalar"
    lines = [n.label, shape]
    if n.value is not None:
        lines.append(f"μ {n.value['mean']:.3g}  σ {n.value['std']:.3g}")
    if n.grad is not None:
        lines.append(f"grad μ {n.grad['mean']:.3g}  σ {n.grad['std']:.3g}")
    return "\\n".join(lines)


def _tooltip(n: Node) -> str:
    parts = [f"{n.label} {n.shape} {n.dtype}", f"value: {_fmt(n.value)}", f"grad: {_fmt(n.grad)}"]
    if n.rule:
        parts.append(f"rule: {n.rule}")
    return "\\n".join(parts)


def _style(n: Node) -> dict[str, str]:
    if n.kind == "op":
        return {"shape": "box", "style": "rounded,filled", "fillcolor": "#ffffff"}
    fill = "#fde9c9" if n.kind == "leaf" else "#e4e4e4"
    return {"shape": "ellipse", "style": "filled", "fillcolor": fill}


def graph(output: Tensor, model: Any = None, grads: bool = True) -> Graph:
    """The graph that made `output`, as data; `.to_dot()`, `.svg()` and `.html()` draw it.

    `model`: a Module (names its parameters) or an `inspect.trace` (also clusters by module).
    `grads`: replay the backward pass for every node's gradient (the graph must be alive).
    """
    root = check_graph(output, "graph")
    tr = names(model)
    producer = {id(root): output}  # id(node) -> the tensor it made
    order = _topological_order(root)  # output first, each node before the ops it consumes
    leaves, leaf_ids = [], set()
    for node in order:
        for a in node.inputs:
            if isinstance(a, Tensor):
                if a._ctx is not None:
                    producer.setdefault(id(a._ctx), a)
                elif id(a) not in leaf_ids:
                    leaf_ids.add(id(a))
                    leaves.append(a)
    freed = any(n.saved_tensors is None for n in order)
    node_grads: dict[int, Any] = {}
    leaf_grad = {id(t): (t.grad._array if t.grad is not None else None) for t in leaves}
    if grads and not freed and output._array.size == 1:
        replay = backprop(output, model=tr)
        node_grads = replay.node_grads()
        leaf_grad = {id(t): replay.grad(t) for t in leaves}
    ids = {id(n): f"n{i}" for i, n in enumerate([*order, *leaves])}
    types = tr.module_types() if tr is not None else {}
    nodes = []
    for n in order:
        t = producer[id(n)]
        mod = tr.module_of(n) if tr is not None else None
        nodes.append(
            Node(ids[id(n)], "op", op_name(n), tuple(t.shape), str(t.dtype), stats(t._array),
                 stats(node_grads.get(id(n))), rule_of(n), mod, types.get(mod) if mod else None)
        )  # fmt: skip
    for t in leaves:
        label = (tr.name_of(t) if tr is not None else None) or (
            "leaf" if t.requires_grad else "input"
        )
        mod = tr.module_of(t) if tr is not None else None
        nodes.append(
            Node(ids[id(t)], "leaf" if t.requires_grad else "input", label, tuple(t.shape),
                 str(t.dtype), stats(t._array), stats(leaf_grad.get(id(t))), "", mod,
                 types.get(mod) if mod else None)
        )  # fmt: skip
    edges = []
    for n in order:
        for a in n.inputs:
            if isinstance(a, Tensor):
                edges.append((ids[id(a._ctx if a._ctx is not None else a)], ids[id(n)]))
    values = {ids[id(n)]: producer[id(n)]._array for n in order}
    values.update({ids[id(t)]: t._array for t in leaves})
    return Graph(nodes, edges, freed, values)


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glassnet graph</title>
<style>
body { font-family: system-ui, sans-serif; margin: 0; display: flex; }
#svg { flex: 1; overflow: auto; padding: 1em; }
#info { width: 22em; padding: 1em; background: #f6f6f6; white-space: pre-wrap;
        font: 13px/1.4 ui-monospace, monospace; }
</style></head><body>
<div id="svg">{svg}</div>
<div id="info">Hover over a node to see its value, gradient and rule.</div>
<script>
const DATA = {data};
const info = document.getElementById("info");
const fmt = s => s ? `mean ${s.mean.toPrecision(4)}, std ${s.std.toPrecision(4)}\\n` +
  `  min ${s.min.toPrecision(4)}, max ${s.max.toPrecision(4)}` +
  (s.nonfinite ? `, ${s.nonfinite} non-finite` : "") : "-";
for (const g of document.querySelectorAll("g.node")) {
  const id = g.querySelector("title").textContent;
  g.addEventListener("mouseenter", () => {
    const n = DATA[id];
    info.textContent = `${n.label}  (${n.kind})\\nshape ${JSON.stringify(n.shape)} ${n.dtype}\\n` +
      (n.module ? `module ${n.module} (${n.module_type})\\n` : "") +
      `value: ${fmt(n.value)}\\ngrad:  ${fmt(n.grad)}` + (n.rule ? `\\nrule:  ${n.rule}` : "");
  });
}
</script></body></html>
"""
