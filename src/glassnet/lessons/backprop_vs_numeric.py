"""Backpropagation vs numeric differentiation: the same gradient, very different costs.

Numeric differentiation nudges one weight at a time and runs the network again: one extra
forward pass per weight, so a whole gradient costs (weights + 1) forward passes, each of which
itself grows with the network: quadratic in its size. Backpropagation gets every weight's
derivative from one forward and one backward pass, about the cost of a few forward passes:
it walks the recorded graph (drawn by `inspect.graph`) back once, one step per op, however
many weights each op holds.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet import inspect
from glassnet.models import MLP

from . import figures
from ._lesson import Lesson

TITLE = ("역전파 vs 수치 미분", "Backpropagation vs numeric differentiation")
TUTORIALS = ("000", "001")
WIDTHS = (4, 8, 16, 32, 64)
EPS = 1e-6


def problem(width: int) -> tuple[MLP, gn.Tensor, np.ndarray]:
    """An 8-width-width-1 tanh network in float64 and a batch of 32 regression samples."""
    gn.manual_seed(width)
    net = MLP([8, width, width, 1], activation="tanh").double()
    rng = np.random.default_rng(width)
    return net, gn.tensor(rng.normal(size=(32, 8))), rng.normal(size=(32, 1))


def loss(net: MLP, x: gn.Tensor, y: np.ndarray) -> gn.Tensor:
    """Mean squared error of the network on the batch."""
    return gn.nn.MSELoss()(net(x), y)


def numeric_gradient(net: MLP, x: gn.Tensor, y: np.ndarray) -> tuple[np.ndarray, int]:
    """Forward differences (E(w + ε) − E(w)) / ε, one weight at a time; and the passes used."""
    grads, passes = [], 1
    with gn.no_grad():
        base = float(loss(net, x, y).item())
        for p in net.parameters():
            flat = p.detach().numpy().reshape(-1)  # a view of the weights: numpy() shares
            for i in range(flat.size):
                old = float(flat[i])
                flat[i] = old + EPS
                grads.append((float(loss(net, x, y).item()) - base) / EPS)
                flat[i] = old
                passes += 1
    return np.array(grads), passes


def backprop_gradient(net: MLP, x: gn.Tensor, y: np.ndarray) -> np.ndarray:
    """All derivatives from one forward and one backward pass."""
    net.zero_grad()
    loss(net, x, y).backward()
    return np.concatenate([p.grad.numpy().ravel() for p in net.parameters()])


def _timed(fn, args: tuple, repeat: int) -> tuple[float, object]:
    """The best of `repeat` wall-clock times of fn(*args), and its result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, out


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Time both ways for growing networks; fit log-log slopes; compare the gradients."""
    L = Lesson("backprop-vs-numeric", TITLE, TUTORIALS, lang, plot_dir)
    sizes, t_num, t_bp, diffs = [], [], [], []
    for w in WIDTHS:
        net, x, y = problem(w)
        tn, (g_num, passes) = _timed(numeric_gradient, (net, x, y), 1)
        tb, g_bp = _timed(backprop_gradient, (net, x, y), 5)
        sizes.append(passes - 1)
        t_num.append(tn)
        t_bp.append(tb)
        diffs.append(float(np.abs(g_num - g_bp).max()))
    n = np.array(sizes)
    slope_num = float(np.polyfit(np.log(n), np.log(t_num), 1)[0])
    slope_bp = float(np.polyfit(np.log(n), np.log(t_bp), 1)[0])
    L.say(
        "가중치 수 {sizes}인 망에서 수치 미분은 가중치마다 순전파를 한 번 더 합니다 "
        "(가장 큰 망: {passes}번). 걸린 시간 {t_num} 초.",
        "For networks with {sizes} weights, numeric differentiation runs one more forward pass "
        "per weight ({passes} for the largest). Time: {t_num} s.",
        sizes=sizes,
        passes=sizes[-1] + 1,
        t_num=[float(f"{t:.3g}") for t in t_num],
    )
    L.say(
        "역전파는 순전파 한 번과 역전파 한 번: {t_bp} 초. 가장 큰 망에서 {ratio:.0f}배 빠릅니다.",
        "Backpropagation is one forward and one backward pass: {t_bp} s, {ratio:.0f} times "
        "faster on the largest network.",
        t_bp=[float(f"{t:.3g}") for t in t_bp],
        ratio=t_num[-1] / t_bp[-1],
    )
    L.say(
        "로그-로그 기울기: 수치 미분 {slope_num:.2f}, 역전파 {slope_bp:.2f}. 차이 {gap:.2f} ≈ 1: "
        "수치 미분의 비용은 역전파보다 가중치 수에 비례해 더 커집니다 (망이 커서 순전파 비용이 "
        "크기에 비례하면 수치 미분은 크기의 제곱). 두 기울기의 최대 차이 {max_diff:.1e}.",
        "Log-log slopes: numeric {slope_num:.2f}, backprop {slope_bp:.2f}; the gap {gap:.2f} ≈ "
        "1 means numeric cost outgrows backprop's by a factor of the weight count (once a "
        "forward pass costs in proportion to the size, numeric is quadratic). The two gradients "
        "differ by at most {max_diff:.1e}.",
        slope_num=slope_num,
        slope_bp=slope_bp,
        gap=slope_num - slope_bp,
        max_diff=max(diffs),
    )
    L.record(sizes=sizes, t_numeric=t_num, t_backprop=t_bp, diffs=diffs)
    _graph(L)
    figures.panels(
        L.figure("cost"),
        [
            {
                "title": L.t("기울기 한 번 계산의 시간", "time for one gradient"),
                "xlabel": L.t("가중치 수", "number of weights"),
                "ylabel": L.t("초", "seconds"),
                "logx": True,
                "logy": True,
                "series": [
                    (
                        L.t(
                            f"수치 미분 (기울기 {slope_num:.2f})",
                            f"numeric (slope {slope_num:.2f})",
                        ),
                        n,
                        t_num,
                    ),
                    (
                        L.t(f"역전파 (기울기 {slope_bp:.2f})", f"backprop (slope {slope_bp:.2f})"),
                        n,
                        t_bp,
                    ),
                ],
            }
        ],
    )
    return L.result()


def _graph(L: Lesson) -> None:
    """The graph of the smallest network's loss, as `inspect.graph` draws it (with Graphviz)."""
    net, x, y = problem(WIDTHS[0])
    with inspect.trace(net) as tr:
        g = inspect.graph(loss(net, x, y), tr)
    ops = sum(n.kind == "op" for n in g.nodes)
    L.say(
        "역전파가 되짚는 그래프 (가장 작은 망, 그림 graph): 연산 {ops}개. 폭이 {w_small}이든 "
        "{w_large}이든 연산의 수는 같고, 역전파는 연산마다 한 걸음씩 되돌아갑니다.",
        "The graph backprop walks back (the smallest network, figure graph): {ops} ops. Whether "
        "the width is {w_small} or {w_large}, the ops are the same; backprop takes one step back "
        "per op.",
        ops=ops,
        w_small=WIDTHS[0],
        w_large=WIDTHS[-1],
    )
    path = L.figure("graph")
    try:
        if path is not None:
            g.png(path)
    except (ImportError, RuntimeError):  # no Graphviz: the cost figure is still drawn
        L.figures.remove(path)
