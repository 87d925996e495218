"""`glassnet.inspect.graph`: the graph as data, DOT, SVG (Graphviz's `dot`) and HTML."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import glassnet as gn
from conftest import require


def _mlp_loss():
    net = gn.models.MLP([3, 4, 2], activation="sigmoid")
    x = gn.randn(5, 3)
    with gn.inspect.trace(net) as tr:
        loss = gn.nn.CrossEntropyLoss()(net(x), np.array([0, 1, 1, 0, 1]))
    return net, loss, tr


def test_nodes_edges_and_statistics_are_those_of_the_graph():
    net, loss, tr = _mlp_loss()
    g = gn.inspect.graph(loss, tr)
    ops = [n for n in g.nodes if n.kind == "op"]
    assert [n.label for n in ops] == ["CrossEntropy", "Linear", "Sigmoid", "Linear"]
    assert [n.shape for n in ops] == [(), (5, 2), (5, 4), (5, 4)]
    params = {n.label: n for n in g.nodes if n.kind == "leaf"}
    assert set(params) == {name for name, _ in net.named_parameters()}
    hidden = net[0](gn.randn(1, 3))  # a fresh forward: compare the value statistics instead
    assert ops[2].value["min"] >= 0 and ops[2].value["max"] <= 1 and hidden.shape == (1, 4)
    assert ops[2].dtype == "float32" and ops[2].rule.startswith("d σ")
    ids = {n.id: n for n in g.nodes}
    assert len(g.edges) == 1 + 3 + 1 + 3  # loss<-logits; linear<-x,W,b; sigmoid<-linear; ...
    assert all(a in ids and b in ids for a, b in g.edges)
    loss.backward(retain_graph=True)
    for n in params.values():
        p = dict(net.named_parameters())[n.label]
        assert n.grad["mean"] == pytest.approx(float(p.grad._array.astype(np.float64).mean()))
    json.dumps(g.to_dict())  # plain data
    assert [n.module for n in ops] == [None, "2", "1", "0"]


def test_dot_svg_and_html_draw_the_modules_as_clusters(tmp_path):
    require("graphviz")
    _, loss, tr = _mlp_loss()
    g = gn.inspect.graph(loss, tr)
    dot = g.to_dot()
    assert {m for m in re.findall(r"subgraph (cluster_\S+)", dot)} == {
        "cluster_0", "cluster_1", "cluster_2"
    }  # fmt: skip
    assert 'label="0 (Linear)"' in dot
    svg = g.svg(tmp_path / "g.svg")
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert (tmp_path / "g.svg").read_text() == svg
    g.png(tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = g.html(tmp_path / "g.html")
    data = json.loads(re.search(r"const DATA = (\{.*?\});\n", page).group(1))
    assert set(data) == {n.id for n in g.nodes} and "<svg" in page
    assert data["n1"]["label"] == "Linear" and data["n1"]["module"] == "2"


def test_a_missing_dot_program_says_what_to_install(monkeypatch, tmp_path):
    require("graphviz")
    _, loss, _ = _mlp_loss()
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        RuntimeError, match=r"`dot` program was not found.*apt-get install graphviz"
    ):
        gn.inspect.graph(loss).svg()
    with pytest.raises(RuntimeError, match=r"`dot` program was not found"):
        gn.inspect.graph(loss).png(tmp_path / "g.png")
