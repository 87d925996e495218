"""Vanishing gradients: per-layer gradient norms of a deep network, three ways.

Backprop multiplies by each layer's activation slope on the way down; the sigmoid's is at
most 0.25, so in a deep sigmoid network the first layers get almost no gradient. ReLU (slope 1
where active) with He initialisation keeps the signal's size from layer to layer, and batch
normalisation re-centres every layer's inputs so the sigmoids work near their steep middle.
`diagnostics.gradient_norms` lists one norm per layer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.diagnostics import gradient_norms
from glassnet.models import MLP

from . import figures
from ._lesson import Lesson

TITLE = ("기울기 소실", "Vanishing gradients")
TUTORIALS = ("003",)
DEPTH, WIDTH = 10, 32
SIZES = [16, *[WIDTH] * DEPTH, 4]


def network(kind: str) -> MLP:
    """A 10-hidden-layer MLP: 'sigmoid', 'relu-he' (Kaiming normal init) or 'sigmoid-bn'."""
    gn.manual_seed(0)
    if kind == "sigmoid":
        return MLP(SIZES, activation="sigmoid")
    if kind == "sigmoid-bn":
        return MLP(SIZES, activation="sigmoid", batch_norm=True)
    net = MLP(SIZES, activation="relu")
    for layer in net.linears():
        gn.nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
        gn.nn.init.zeros_(layer.bias)
    return net


def batch() -> tuple[np.ndarray, np.ndarray]:
    """64 random inputs and class labels (the gradients' sizes do not need real data)."""
    rng = np.random.default_rng(0)
    return rng.normal(size=(64, SIZES[0])).astype(np.float32), rng.integers(0, 4, 64)


def layer_norms(kind: str) -> list[float]:
    """Gradient norm of each Linear weight after one backward pass, input layer first."""
    net = network(kind)
    x, y = batch()
    gn.nn.CrossEntropyLoss()(net(gn.tensor(x)), y).backward()
    return list(gradient_norms(net).values())


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Norms per layer for the three networks; the first-to-last ratios."""
    L = Lesson("vanishing-gradients", TITLE, TUTORIALS, lang, plot_dir)
    norms = {k: layer_norms(k) for k in ("sigmoid", "relu-he", "sigmoid-bn")}
    ratio = {k: float(v[0] / v[-1]) for k, v in norms.items()}
    L.say(
        "은닉층 {depth}개 (폭 {width})의 신경망. 첫 층과 마지막 층의 기울기 노름 비율: 시그모이드 "
        "{r_sigmoid:.1e}, ReLU + He 초기화 {r_relu:.2f}, 시그모이드 + 배치 정규화 {r_bn:.2f}.",
        "A network with {depth} hidden layers of {width}. Ratio of the first layer's gradient "
        "norm to the last's: sigmoid {r_sigmoid:.1e}, ReLU + He init {r_relu:.2f}, sigmoid + "
        "batch norm {r_bn:.2f}.",
        depth=DEPTH,
        width=WIDTH,
        r_sigmoid=ratio["sigmoid"],
        r_relu=ratio["relu-he"],
        r_bn=ratio["sigmoid-bn"],
    )
    L.say(
        "시그모이드 망에서 층을 하나 내려갈 때마다 기울기는 평균 {per_layer:.2f}배가 됩니다: "
        "첫 층은 "
        "거의 배우지 못합니다. ReLU + He 초기화와 배치 정규화는 층마다 비슷한 크기를 유지합니다.",
        "In the sigmoid network the gradient shrinks by a factor of {per_layer:.2f} per layer on "
        "average on its way down: the first layers hardly learn. ReLU with He init and batch "
        "norm keep it about the same size from layer to layer.",
        per_layer=float(ratio["sigmoid"] ** (1 / (DEPTH))),
    )
    L.record(norms=norms, ratios=ratio)
    layers = np.arange(1, DEPTH + 2)
    figures.panels(
        L.figure("norms"),
        [
            {
                "title": L.t("층별 기울기 노름", "gradient norm per layer"),
                "xlabel": L.t("층 (입력 쪽이 1)", "layer (1 = input side)"),
                "ylabel": "‖∂L/∂W‖",
                "logy": True,
                "series": [(k, layers, v) for k, v in norms.items()],
            }
        ],
    )
    return L.result()
