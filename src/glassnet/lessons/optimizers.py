"""Optimizers on a 2-D loss surface and on a real data set.

A narrow valley f = 0.1·x² + 2·y² is steep across and shallow along: plain SGD zig-zags and
crawls, momentum builds speed along the valley, AdaGrad/RMSprop/Adam rescale each coordinate.
A saddle (f = x² − y² + y⁴/4, a ridge at the origin with minima at y = ±√2) shows who escapes
a flat spot. Every optimizer comes from `optim.create`; the same ones then train an iris MLP,
and `inspect.landscape` draws the loss around the end of SGD's and Adam's runs, on the plane
that holds most of their path through weight space (its two principal directions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.data import StandardScaler
from glassnet.inspect import Landscape, Trajectory, landscape
from glassnet.models import MLP
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = ("최적화 기법 비교", "Optimizers compared")
TUTORIALS = ("001", "003")
STEPS = 60
GRID = 21  # landscape points per side; the run's end is the middle one
# name -> (optim.create name, learning rate, extra options)
OPTIMIZERS = {
    "SGD": ("sgd", 0.2, {}),
    "momentum": ("momentum", 0.05, {}),
    "Nesterov": ("sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
    "AdaGrad": ("adagrad", 0.5, {}),
    "RMSprop": ("rmsprop", 0.05, {}),
    "Adam": ("adam", 0.2, {}),
}
SURFACES = {
    "valley": (lambda x, y: 0.1 * x**2 + 2 * y**2, (-4.0, 1.0)),
    "saddle": (lambda x, y: x**2 - y**2 + y**4 / 4, (-2.0, 0.01)),
}


def path(surface: str, name: str, steps: int = STEPS) -> np.ndarray:
    """The points an optimizer visits on a surface, starting from the surface's start."""
    f, start = SURFACES[surface]
    key, lr, options = OPTIMIZERS[name]
    p = gn.tensor(start, dtype=gn.float64, requires_grad=True)
    opt = gn.optim.create(key, [p], lr=lr, **options)
    points = [p.detach().numpy().copy()]
    for _ in range(steps):
        opt.zero_grad()
        f(p[0], p[1]).backward()
        opt.step()
        points.append(p.detach().numpy().copy())
    return np.array(points)


def iris_data() -> tuple[np.ndarray, np.ndarray]:
    """Iris, standardised."""
    X, y = gn.datasets.iris()
    return StandardScaler().fit_transform(X).astype(np.float32), y


def iris_curve(name: str) -> tuple[list[float], Model, Trajectory]:
    """Training loss per epoch of a 4-16-3 iris MLP with this optimizer at its default rate,
    the trained model, and its weights after every epoch."""
    X, y = iris_data()
    gn.manual_seed(0)
    net = MLP([4, 16, 3])
    key, _, options = OPTIMIZERS[name]
    model = Model(net).compile(optimizer=gn.optim.create(key, net.parameters(), **options))
    path = Trajectory()
    history = model.fit(X, y, batch_size=16, epochs=30, verbose=0, callbacks=[path])
    return history.history["loss"], model, path


def iris_landscape(model: Model, path: Trajectory) -> Landscape:
    """The loss on the plane of the run's two principal directions, with the run drawn on it."""
    data = iris_data()
    return landscape(
        model.module, gn.nn.CrossEntropyLoss(), data, steps=GRID, trajectory=path.weights
    )


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Paths on both surfaces, distances to the minimum, iris loss curves."""
    L = Lesson("optimizers", TITLE, TUTORIALS, lang, plot_dir)
    paths = {s: {n: path(s, n) for n in OPTIMIZERS} for s in SURFACES}
    valley = {n: float(np.linalg.norm(p[-1])) for n, p in paths["valley"].items()}
    L.say(
        "좁은 골짜기 0.1x² + 2y², 시작점 (−4, 1), {steps}걸음 뒤 최소점 (0, 0)까지의 거리: "
        "{valley}.",
        "Narrow valley 0.1x² + 2y² from (−4, 1): distance to the minimum (0, 0) after {steps} "
        "steps: {valley}.",
        steps=STEPS,
        valley={k: round(v, 4) for k, v in valley.items()},
    )
    escape = {
        n: next((i for i, (_, y) in enumerate(p) if abs(y) > 1), None)
        for n, p in paths["saddle"].items()
    }
    L.say(
        "안장점 x² − y² + y⁴/4, 시작점 (−2, 0.01): 기울기가 거의 0인 능선 (y ≈ 0)을 벗어나 "
        "|y| > 1이 되기까지의 걸음 수: {escape} (최솟값은 y = ±√2).",
        "Saddle x² − y² + y⁴/4 from (−2, 0.01): steps until each leaves the nearly flat ridge "
        "y ≈ 0 (|y| > 1): {escape} (the minima are at y = ±√2).",
        escape=escape,
    )
    runs = {n: iris_curve(n) for n in OPTIMIZERS}
    curves = {n: r[0] for n, r in runs.items()}
    L.say(
        "붓꽃 4-16-3 신경망, 각 기법의 기본 학습률, 30 에포크 뒤 학습 손실: {iris}.",
        "An iris 4-16-3 network, each optimizer at its default learning rate, training loss "
        "after 30 epochs: {iris}.",
        iris={k: round(float(v[-1]), 4) for k, v in curves.items()},
    )
    views = {n: iris_landscape(*runs[n][1:]) for n in ("SGD", "Adam")}
    L.say(
        "inspect.landscape: 학습 경로가 가장 많이 움직인 두 방향 (주성분, 경로 분산의 SGD "
        "{explained_sgd:.1%}, Adam {explained_adam:.1%}) 평면 위의 손실. 끝점의 손실은 SGD "
        "{end_sgd:.4f}, Adam {end_adam:.4f}; 이 평면에서 가장 낮은 곳은 {low_sgd:.4f}, "
        "{low_adam:.4f}: 기본 학습률로 30 에포크는 경로가 따라가던 골짜기의 바닥에 닿기 전에 "
        "멈춥니다.",
        "inspect.landscape: the loss on the plane of the two directions the training path moved "
        "along most (principal components, {explained_sgd:.1%} of SGD's path variance, "
        "{explained_adam:.1%} of Adam's). The loss at the end: SGD {end_sgd:.4f}, Adam "
        "{end_adam:.4f}; the lowest on the plane: {low_sgd:.4f} and {low_adam:.4f}: 30 epochs at "
        "the default rate stop before the bottom of the valley the path was following.",
        explained_sgd=float(views["SGD"].explained.sum()),
        explained_adam=float(views["Adam"].explained.sum()),
        end_sgd=float(views["SGD"].losses[GRID // 2, GRID // 2]),
        end_adam=float(views["Adam"].losses[GRID // 2, GRID // 2]),
        low_sgd=float(views["SGD"].losses.min()),
        low_adam=float(views["Adam"].losses.min()),
    )
    L.record(paths=paths, curves=curves, landscapes=views)
    for n, view in views.items():
        where = L.figure(f"landscape-{n.lower()}")
        if where is not None:
            view.contour(where)
    grid = np.linspace(-4.5, 4.5, 120), np.linspace(-2.5, 2.5, 100)
    gx, gy = np.meshgrid(*grid)
    figures.contour_paths(
        L.figure("paths"),
        [
            {
                "title": L.t(name_ko, name_en),
                "x": gx,
                "y": gy,
                "z": SURFACES[s][0](gx, gy),
                "paths": {n: np.clip(p, [-4.5, -2.5], [4.5, 2.5]) for n, p in paths[s].items()},
            }
            for s, name_ko, name_en in (
                ("valley", "좁은 골짜기", "narrow valley"),
                ("saddle", "안장점", "saddle"),
            )
        ],
    )
    figures.panels(
        L.figure("iris"),
        [
            {
                "title": L.t("붓꽃: 에포크마다 학습 손실", "iris: training loss per epoch"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("손실", "loss"),
                "logy": True,
                "series": [(n, np.arange(1, 31), c) for n, c in curves.items()],
            }
        ],
    )
    return L.result()
