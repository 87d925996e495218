"""The chain rule, node by node: a backprop replay on a tiny 2-2-1 network.

Backpropagation is the chain rule run from the loss back to the weights. Every node of the
graph gets a gradient at its output (the incoming gradient), multiplies it by its own local
derivative, and sends the product to each of its inputs; where a value was used twice, the
two products add up. `glassnet.inspect.backprop` replays exactly that, one node at a time in
graph order, running the same backward code as `loss.backward()`, and prints it as a table;
`glassnet.inspect.graph` draws the graph. Both are checked against autograd and against
numeric differentiation (central differences in float64).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import inspect
from glassnet.models import MLP

from ._lesson import Lesson

TITLE = ("연쇄법칙: 노드마다 한 걸음씩", "The chain rule, node by node")
TUTORIALS = ("000", "001", "003")
X, Y = [[1.0, 0.5]], [[1.0]]  # one sample and its target
EPS = 1e-6


def network() -> MLP:
    """The 2-2-1 network with a sigmoid hidden layer, in float64 (seed 0)."""
    gn.manual_seed(0)
    return MLP([2, 2, 1], activation="sigmoid").double()


def loss_of(net: MLP) -> gn.Tensor:
    """Squared error of the network's output for the one sample."""
    return gn.nn.MSELoss()(net(gn.tensor(X, dtype=gn.float64)), np.array(Y))


def numeric_gradient(net: MLP) -> dict[str, np.ndarray]:
    """(E(w + ε) − E(w − ε)) / 2ε for every weight, one at a time."""
    out = {}
    with gn.no_grad():
        for name, p in net.named_parameters():
            flat, g = p.detach().numpy().reshape(-1), np.zeros(p.numel())
            for i in range(flat.size):
                old = float(flat[i])
                flat[i] = old + EPS
                up = float(loss_of(net).item())
                flat[i] = old - EPS
                g[i] = (up - float(loss_of(net).item())) / (2 * EPS)
                flat[i] = old
            out[name] = g.reshape(p.shape)
    return out


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Replay the backward pass, check it twice, draw the graph."""
    L = Lesson("chain-rule", TITLE, TUTORIALS, lang, plot_dir)
    net = network()
    table = inspect.summary(net, (2,))
    L.say(
        "입력 2개, 시그모이드 은닉 유닛 2개, 출력 1개인 망 (매개변수 {params}개), 표본 하나 "
        "x = {x}, 목표 y = {y}, 오차 E = (ŷ − y)².",
        "A network with 2 inputs, 2 sigmoid hidden units and 1 output ({params} parameters), "
        "one sample x = {x}, target y = {y}, error E = (ŷ − y)².",
        block=table,
        params=table.total_params,
        x=X[0],
        y=Y[0][0],
    )
    with inspect.trace(net) as tr:
        loss = loss_of(net)
    replay = inspect.backprop(loss, model=tr)
    L.say(
        "역전파를 노드마다 다시 돌려 봅니다 (출력 쪽부터). 각 줄: 연산, 국소 미분, 들어온 "
        "기울기, 그리고 둘을 곱해 입력마다 보내는 기울기. 노드 {nodes}개.",
        "The backward pass replayed node by node, from the output down. Each row: the op, its "
        "local derivative, the incoming gradient, and the product it sends to each input. "
        "{nodes} nodes.",
        block=replay.table(),
        nodes=len(replay),
    )
    sig = next(s for s in replay if s.op == "Sigmoid")
    h = net[1](net[0](gn.tensor(X, dtype=gn.float64))).detach().numpy()[0]
    local = h * (1 - h)
    incoming, sent = sig.grad_output[0], sig.grad_inputs[0][0]
    L.say(
        "예: 시그모이드 노드. 출력 h = {h}, 국소 미분 h(1 − h) = {local}, 들어온 기울기 "
        "{incoming}; 곱 {product}가 바로 첫 Linear로 보낸 기울기 {sent} 입니다.",
        "For example the sigmoid node: output h = {h}, local derivative h(1 − h) = {local}, "
        "incoming gradient {incoming}; their product {product} is exactly what it sends to the "
        "first Linear, {sent}.",
        h=_r(h),
        local=_r(local),
        incoming=_r(incoming),
        product=_r(local * incoming),
        sent=_r(sent),
    )
    mul = next(s for s in replay if s.op == "Mul")
    L.say(
        "제곱 (ŷ − y)·(ŷ − y)은 같은 값을 두 번 씁니다: Mul 노드가 Sub로 {twice}를 두 번 "
        "보내고, 둘이 더해져 2(ŷ − y) = {sum:.4f} 가 됩니다. 기울기는 덮어쓰지 않고 누적합니다.",
        "The square (ŷ − y)·(ŷ − y) uses one value twice: the Mul node sends {twice} to Sub "
        "twice, and the two add up to 2(ŷ − y) = {sum:.4f}. Gradients accumulate, never "
        "overwrite.",
        twice=_r(mul.grad_inputs[0].ravel()),
        sum=float(sum(g.sum() for g in mul.grad_inputs)),
    )
    replayed = {n: replay.grad(p) for n, p in net.named_parameters()}
    loss.backward()
    autograd = {n: p.grad.numpy().copy() for n, p in net.named_parameters()}
    numeric = numeric_gradient(net)
    d_auto = max(float(np.abs(replayed[n] - autograd[n]).max()) for n in autograd)
    d_num = max(float(np.abs(replayed[n] - numeric[n]).max()) for n in autograd)
    L.say(
        "다시 돌린 기울기와 loss.backward()의 .grad 의 최대 차이 {diff_autograd:.1e} (같은 "
        "코드), 수치 미분 (중앙 차분, ε = {eps}) 과의 최대 차이 {diff_numeric:.1e}.",
        "The replayed gradients differ from loss.backward()'s .grad by at most "
        "{diff_autograd:.1e} (the same code) and from numeric differentiation (central "
        "differences, ε = {eps}) by at most {diff_numeric:.1e}.",
        diff_autograd=d_auto,
        diff_numeric=d_num,
        eps=EPS,
    )
    L.record(replayed=replayed, autograd=autograd, numeric=numeric, loss=float(loss.item()),
             local=local, incoming=incoming, sent=sent, table=replay.table())  # fmt: skip
    _draw(L, net)
    return L.result()


def _draw(L: Lesson, net: MLP) -> None:
    """The graph drawn by `inspect.graph` (needs Graphviz); without it, say so."""
    with inspect.trace(net) as tr:
        loss = loss_of(net)
    g = inspect.graph(loss, tr)
    path = L.figure("graph")
    try:
        if path is not None:
            g.png(path)
    except (ImportError, RuntimeError) as e:
        L.figures.remove(path)
        L.say(
            "그래프 그림은 Graphviz가 있어야 합니다: {why}",
            "Drawing the graph needs Graphviz: {why}",
            why=str(e).split(";")[0],
        )
        return
    L.say(
        "inspect.graph가 그린 그래프: 노드 {graph_nodes}개 (연산과 잎), 간선 {graph_edges}개, "
        "층마다 한 상자 (그림 graph).",
        "The graph as inspect.graph draws it: {graph_nodes} nodes (ops and leaves), "
        "{graph_edges} edges, one box per layer (figure graph).",
        graph_nodes=len(g.nodes),
        graph_edges=len(g.edges),
    )


def _r(a: np.ndarray) -> list[float]:
    """An array as a short list of 4-decimal numbers, for printing."""
    return [round(float(v), 4) for v in np.ravel(a)]
