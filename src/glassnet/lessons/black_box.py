"""The "black box": which inputs matter, and why the formula stops being readable.

Tutorial 000 writes a two-layer network out by hand. Here the trained 2-2-1 XOR network is
expanded into its formula with its own numbers: already hard to read, and real networks have
millions of weights. What can be measured instead is how much each input matters: shuffle one
input column and see how much the score drops (permutation importance).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.data import StandardScaler

from .. import classic
from . import figures
from ._lesson import Lesson

TITLE = ("블랙박스: 어떤 입력이 중요한가", "The black box: which inputs matter")
TUTORIALS = ("000",)
FEATURES = ("sepal length", "sepal width", "petal length", "petal width")
REPEATS = 10


def permutation_importance(model, X: np.ndarray, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Accuracy drop when each column is shuffled: (columns, REPEATS) drops."""
    rng = np.random.default_rng(seed)
    base = model.score(X, y)
    drops = np.empty((X.shape[1], REPEATS))
    for j in range(X.shape[1]):
        for r in range(REPEATS):
            Xp = X.copy()
            Xp[:, j] = rng.permutation(Xp[:, j])
            drops[j, r] = base - model.score(Xp, y)
    return drops


def formula(net: classic.XORNetwork) -> tuple[str, callable]:
    """The 2-2-1 sigmoid network as a written formula with its numbers, and that formula as a
    function of (x1, x2) to check it against the network."""
    (W, b), (V, c) = [
        (m.weight.detach().numpy(), m.bias.detach().numpy()) for m in net.model.linears()
    ]
    hidden = [f"σ({W[i, 0]:.2f}·x1 + {W[i, 1]:.2f}·x2 + {b[i]:.2f})" for i in range(2)]
    text = f"ŷ = σ({V[0, 0]:.2f}·{hidden[0]} + {V[0, 1]:.2f}·{hidden[1]} + {c[0]:.2f})"

    def sigma(z):
        return 1 / (1 + np.exp(-z))

    def f(x1, x2):
        h = [sigma(W[i, 0] * x1 + W[i, 1] * x2 + b[i]) for i in range(2)]
        return sigma(V[0, 0] * h[0] + V[0, 1] * h[1] + c[0])

    return text, f


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """The XOR network's formula, then permutation importance on iris."""
    L = Lesson("black-box", TITLE, TUTORIALS, lang, plot_dir)
    net = classic.train_xor_network()
    text, f = formula(net)
    X4, _ = classic.gate_data(classic.XOR)
    with gn.no_grad():
        out = net.model(gn.tensor(X4.astype(np.float32))).numpy()[:, 0]
    L.say(
        "학습된 2-2-1 XOR 신경망을 식으로 풀면: {formula}. 이 식은 신경망 출력과 {diff:.1e} 안에서 "
        "같습니다. 층이 둘뿐인데도 x1이 결과에 어떻게 작용하는지 읽기 어렵습니다.",
        "The trained 2-2-1 XOR network written out: {formula}. The formula matches the "
        "network's output to {diff:.1e}. With only two layers it is already hard to read how "
        "x1 acts on the result.",
        formula=text,
        diff=float(np.abs(f(X4[:, 0], X4[:, 1]) - out).max()),
    )
    from ..sklearn import MLPClassifier

    X, y = gn.datasets.iris()
    X = StandardScaler().fit_transform(X)  # columns in standard units
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a ConvergenceWarning at max_iter is expected here
        clf = MLPClassifier(
            hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=300, random_state=0
        ).fit(X, y)
    drops = permutation_importance(clf, X, y)
    mean = drops.mean(axis=1)
    order = [FEATURES[j] for j in np.argsort(-mean)]
    L.say(
        "붓꽃 4-16-3 신경망 (학습 정확도 {acc:.3f}). 열 하나씩 섞었을 때 정확도 하락 ({repeats}번 "
        "평균): {importance}. 가장 중요한 입력: {top}.",
        "An iris 4-16-3 network (training accuracy {acc:.3f}). Accuracy drop when one column "
        "is shuffled (mean of {repeats}): {importance}. The inputs that matter most: {top}.",
        acc=float(clf.score(X, y)),
        repeats=REPEATS,
        importance={k: round(float(v), 3) for k, v in zip(FEATURES, mean)},
        top=order[:2],
    )
    L.record(importances=mean, drops=drops, order=order, estimator=clf)
    figures.bars(
        L.figure("importance"),
        FEATURES,
        mean,
        L.t("순열 중요도 (붓꽃)", "permutation importance (iris)"),
        L.t("정확도 하락", "accuracy drop"),
        errors=drops.std(axis=1),
    )
    return L.result()
