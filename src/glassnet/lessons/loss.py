"""Mean squared error vs cross-entropy on the same predictions.

A classifier outputs p = sigmoid(z) for "class 1". For a sample of class 1, MSE is (1 − p)²
and cross-entropy is −log p. At a confident wrong answer (p near 0) the MSE gradient with
respect to z is 2(p − 1)·p(1 − p), which vanishes with p; cross-entropy's is p − 1, close to
−1: CE keeps pushing exactly where the model is most wrong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn

from . import figures
from ._lesson import Lesson

TITLE = ("손실 함수: MSE와 교차 엔트로피", "Loss functions: MSE vs cross-entropy")
TUTORIALS = ("001", "003")
LOGITS = [-6.0, -2.0, 0.0, 2.0, 6.0]  # true class is 1; z = −6 is a confident wrong answer


def losses_and_grads(z: np.ndarray) -> dict[str, np.ndarray]:
    """Per-sample MSE and BCE of sigmoid(z) against target 1, and their gradients dL/dz."""
    out = {}
    for name, fn in (
        ("mse", gn.nn.MSELoss(reduction="sum")),
        ("ce", gn.nn.BCEWithLogitsLoss(reduction="sum")),
    ):
        t = gn.tensor(z, dtype=gn.float64, requires_grad=True)
        pred = gn.nn.Sigmoid()(t) if name == "mse" else t
        fn(pred, np.ones_like(z)).backward()
        with gn.no_grad():
            per = [float(fn(pred[i : i + 1], np.ones(1)).item()) for i in range(len(z))]
        out[name], out[f"{name}_grad"] = np.array(per), t.grad.numpy()
    return out


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Both losses and their gradients at five logits; the confident wrong answer compared."""
    L = Lesson("loss", TITLE, TUTORIALS, lang, plot_dir)
    z = np.array(LOGITS)
    r = losses_and_grads(z)
    p = 1 / (1 + np.exp(-z))
    L.say(
        "정답은 1, 예측 확률 p = sigmoid(z) = {p}. MSE (1 − p)² = {mse}, 교차 엔트로피 −log p = "
        "{ce}.",
        "The answer is 1 and the predicted probability p = sigmoid(z) = {p}. MSE (1 − p)² = "
        "{mse}, cross-entropy −log p = {ce}.",
        p=[round(float(v), 4) for v in p],
        mse=[round(float(v), 4) for v in r["mse"]],
        ce=[round(float(v), 4) for v in r["ce"]],
    )
    L.say(
        "확신에 찬 오답 (z = −6, p = {p_wrong:.4f})에서 z에 대한 기울기: MSE {mse_grad:.5f}, "
        "교차 엔트로피 {ce_grad:.4f} — {ratio:.0f}배 차이. MSE는 가장 틀린 곳에서 거의 배우지 "
        "못하고, 교차 엔트로피는 가장 크게 배웁니다. 그래서 분류에는 교차 엔트로피를 씁니다.",
        "At the confident wrong answer (z = −6, p = {p_wrong:.4f}) the gradient with respect to "
        "z is {mse_grad:.5f} for MSE and {ce_grad:.4f} for cross-entropy, {ratio:.0f} times "
        "larger. MSE barely learns where the model is most wrong; cross-entropy learns most "
        "there. That is why classifiers use cross-entropy.",
        p_wrong=float(p[0]),
        mse_grad=float(r["mse_grad"][0]),
        ce_grad=float(r["ce_grad"][0]),
        ratio=float(r["ce_grad"][0] / r["mse_grad"][0]),
    )
    L.record(logits=z, **r)
    zs = np.linspace(-8, 8, 321)
    c = losses_and_grads(zs)
    ps = 1 / (1 + np.exp(-zs))
    figures.panels(
        L.figure("losses"),
        [
            {
                "title": L.t("정답 1에 대한 손실", "loss for target 1"),
                "xlabel": "p = sigmoid(z)",
                "ylabel": L.t("손실", "loss"),
                "series": [
                    ("MSE", ps, c["mse"]),
                    (L.t("교차 엔트로피", "cross-entropy"), ps, c["ce"]),
                ],
                "ylim": (0, 5),
            },
            {
                "title": L.t("z에 대한 기울기", "gradient with respect to z"),
                "xlabel": "p = sigmoid(z)",
                "ylabel": "dL/dz",
                "series": [
                    ("MSE", ps, c["mse_grad"]),
                    (L.t("교차 엔트로피", "cross-entropy"), ps, c["ce_grad"]),
                ],
            },
        ],
    )
    return L.result()
