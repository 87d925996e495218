"""Vanishing gradients: per-layer gradient norms of a deep network, three ways.

Backprop multiplies by each layer's activation slope on the way down; the sigmoid's is at
most 0.25, so in a deep sigmoid network the first layers get almost no gradient. ReLU (slope 1
where active) with He initialisation keeps the signal's size from layer to layer, and batch
normalisation re-centres every layer's inputs so the sigmoids work near their steep middle.
`inspect.gradient_norms` lists one norm per layer; `inspect.HealthMonitor`, the instrument a
learner keeps for real training runs, watches the same norms during a short `fit` and says
in plain words when the first layers starve.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.inspect import HealthMonitor, gradient_norms
from glassnet.models import MLP
from glassnet.train import Model

from ._lesson import Lesson

TITLE = ("기울기 소실", "Vanishing gradients")
TUTORIALS = ("003",)
DEPTH, WIDTH = 10, 32
SIZES = [16, *[WIDTH] * DEPTH, 4]
KINDS = ("sigmoid", "relu-he", "sigmoid-bn")
EPOCHS = 3  # of the monitored fit: 4 batches of 16 each


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


def monitored_fit(kind: str) -> HealthMonitor:
    """A short `fit` (SGD, lr 0.1) of a fresh network with a HealthMonitor on every step."""
    net = network(kind)
    x, y = batch()
    monitor = HealthMonitor(every=1, verbose=False)
    model = Model(net).compile(optimizer=gn.optim.create("sgd", net.parameters(), lr=0.1))
    model.fit(x, y, batch_size=16, epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[monitor])
    return monitor


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Norms per layer for the three networks; the first-to-last ratios; the monitor's word."""
    L = Lesson("vanishing-gradients", TITLE, TUTORIALS, lang, plot_dir)
    norms = {k: layer_norms(k) for k in KINDS}
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
    monitors = {k: monitored_fit(k) for k in KINDS}
    found = {k: [w for w in m.warnings if "vanishing" in w] for k, m in monitors.items()}
    L.say(
        "HealthMonitor로 {epochs} 에포크 학습을 지켜보면, 기울기 소실 경고는 시그모이드 망에서 "
        "{w_sigmoid}번, ReLU + He 초기화 {w_relu}번, 배치 정규화 {w_bn}번 나옵니다. 시그모이드 "
        '망의 경고: "{first_warning}"',
        "Watching {epochs} epochs of training with a HealthMonitor, the vanishing-gradient "
        "warning comes {w_sigmoid} times for the sigmoid network, {w_relu} for ReLU + He init "
        'and {w_bn} for batch norm. The sigmoid network\'s: "{first_warning}"',
        epochs=EPOCHS,
        w_sigmoid=len(found["sigmoid"]),
        w_relu=len(found["relu-he"]),
        w_bn=len(found["sigmoid-bn"]),
        first_warning=found["sigmoid"][0] if found["sigmoid"] else "-",
    )
    L.record(norms=norms, ratios=ratio, health={k: m.rows for k, m in monitors.items()})
    for kind, monitor in monitors.items():
        path = L.figure(f"health-{kind}")
        if path is not None:
            monitor.plot(path, ["grad_norm"])
    return L.result()
