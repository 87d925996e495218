"""Linear regression y = b + m·x fitted by gradient descent (tutorial 001's line).

The model is one `nn.Linear(1, 1)` (weight m, bias b) trained by `Model.fit` on the mean
squared error with plain SGD over the whole batch. Least squares also has a closed form;
gradient descent reaches the same line, which `numpy.linalg.lstsq` confirms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = ("선형 회귀: y = b + m·x", "Linear regression: y = b + m·x")
TUTORIALS = ("001",)
TRUE_B, TRUE_M, N, SEED = 3.0, 1.5, 100, 0


def data() -> tuple[np.ndarray, np.ndarray]:
    """100 points near y = 3 + 1.5·x, x in [0, 2], noise N(0, 0.3²) (float64)."""
    rng = np.random.default_rng(SEED)
    x = rng.uniform(0, 2, N)
    return x[:, None], TRUE_B + TRUE_M * x + rng.normal(0, 0.3, N)


def fit_line(x: np.ndarray, y: np.ndarray, lr: float, epochs: int) -> tuple[float, float, list]:
    """b, m and the loss per epoch after full-batch gradient descent from b = m = 0."""
    line = gn.nn.Linear(1, 1).double()
    gn.nn.init.zeros_(line.weight)
    gn.nn.init.zeros_(line.bias)
    model = Model(line).compile(
        optimizer=gn.optim.create("sgd", line.parameters(), lr=lr), loss="mse"
    )
    h = model.fit(x, y, batch_size=len(x), epochs=epochs, shuffle=False, verbose=0)
    return float(line.bias.item()), float(line.weight.item()), h.history["loss"]


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Fit by gradient descent at three learning rates; compare with the closed form."""
    L = Lesson("linear-regression", TITLE, TUTORIALS, lang, plot_dir)
    x, y = data()
    L.say(
        "데이터: y = {true_b} + {true_m}·x 근처의 점 {n}개 (잡음 표준편차 0.3).",
        "Data: {n} points near y = {true_b} + {true_m}·x (noise standard deviation 0.3).",
        n=N,
        true_b=TRUE_B,
        true_m=TRUE_M,
    )
    # The MSE's curvature (Hessian 2·XᵀX/n) bounds the learning rate: below 2 / its largest
    # eigenvalue, full-batch gradient descent converges.
    X1 = np.hstack([np.ones_like(x), x])
    lr_max = float(2 / np.linalg.eigvalsh(2 * X1.T @ X1 / N).max())
    runs = {lr: fit_line(x, y, lr, 300) for lr in (0.02, 0.4, round(1.1 * lr_max, 3))}
    b, m, _ = runs[0.4]
    (b_ls, m_ls), *_ = np.linalg.lstsq(X1, y, rcond=None)
    L.say(
        "학습률 0.4로 300 에포크: b = {b:.6f}, m = {m:.6f}. 닫힌 해 (최소제곱): b = {b_ls:.6f}, "
        "m = {m_ls:.6f}. 차이 {diff:.1e}.",
        "Learning rate 0.4 for 300 epochs: b = {b:.6f}, m = {m:.6f}. The closed form (least "
        "squares): b = {b_ls:.6f}, m = {m_ls:.6f}. Difference {diff:.1e}.",
        b=b,
        m=m,
        b_ls=float(b_ls),
        m_ls=float(m_ls),
        diff=float(max(abs(b - b_ls), abs(m - m_ls))),
    )
    losses = {lr: r[2] for lr, r in runs.items()}
    slow, big = 0.02, max(runs)
    L.say(
        "학습률이 너무 작으면 ({slow}) 300 에포크 뒤에도 손실이 {slow_loss:.4f}로 아직 내려가는 "
        "중이고, 한계 2/λ_max = {lr_max:.3f}를 넘으면 ({big}) 손실이 {big_loss:.3g}로 발산합니다.",
        "With too small a rate ({slow}) the loss is still {slow_loss:.4f} after 300 epochs; "
        "above the bound 2/λ_max = {lr_max:.3f} ({big}) it diverges to {big_loss:.3g}.",
        slow=slow,
        slow_loss=float(losses[slow][-1]),
        lr_max=lr_max,
        big=big,
        big_loss=float(losses[big][-1]),
    )
    L.record(lstsq=(float(b_ls), float(m_ls)), losses=losses)
    xs = np.array([0.0, 2.0])
    figures.panels(
        L.figure("fit"),
        [
            {
                "title": L.t("데이터와 직선", "data and line"),
                "xlabel": "x",
                "ylabel": "y",
                "series": [
                    (L.t("데이터", "data"), x[:, 0], y, {"ls": "", "marker": ".", "ms": 4}),
                    (L.t("경사하강법", "gradient descent"), xs, b + m * xs),
                    ("lstsq", xs, b_ls + m_ls * xs, {"ls": "--"}),
                ],
            },
            {
                "title": L.t("에포크마다 손실", "loss per epoch"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": "MSE",
                "logy": True,
                "series": [(f"lr {lr}", np.arange(1, 301), v) for lr, v in losses.items()],
            },
        ],
    )
    return L.result()
