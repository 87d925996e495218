"""Activation functions and their derivatives, computed by autograd and plotted.

Every name comes from the one table, `nn.ACTIVATIONS`. The derivative is what backprop
multiplies by at each layer: the sigmoid's is at most 0.25, tanh's at most 1, ReLU's is 1 for
positive inputs and 0 below, Leaky ReLU keeps a small slope there. Softmax turns scores into
probabilities that sum to 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn

from . import figures
from ._lesson import Lesson

TITLE = ("활성화 함수와 미분", "Activation functions and their derivatives")
TUTORIALS = ("000", "002", "003", "004")
NAMES = ("step", "sigmoid", "tanh", "relu", "leaky_relu")
SCORES = [2.0, 1.0, 0.1]  # the classic softmax example


def value_and_slope(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(x) and f'(x) elementwise: the slope is autograd's gradient of Σ f(x)."""
    t = gn.tensor(x, dtype=gn.float64, requires_grad=True)
    y = gn.nn.get_activation(name)()(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Values and slopes of five activations, and a softmax."""
    L = Lesson("activations", TITLE, TUTORIALS, lang, plot_dir)
    xs = np.linspace(-4, 4, 401)
    curves = {n: value_and_slope(n, xs) for n in NAMES}
    at = np.array([-1.0, 0.0, 1.0])
    slopes = {n: value_and_slope(n, at)[1] for n in NAMES}
    L.say(
        "x = −1, 0, 1에서의 기울기: 시그모이드 {sigmoid}, tanh {tanh}, ReLU {relu}, Leaky ReLU "
        "{leaky_relu}, 계단 함수 {step} (계단은 어디서나 0이라 역전파로 학습할 수 없습니다).",
        "Slopes at x = −1, 0, 1: sigmoid {sigmoid}, tanh {tanh}, ReLU {relu}, Leaky ReLU "
        "{leaky_relu}, step {step} (zero everywhere, so backprop cannot train a step).",
        **{n: [round(float(v), 4) for v in s] for n, s in slopes.items()},
    )
    L.say(
        "시그모이드 기울기의 최댓값은 {sigmoid_max:.4f}입니다: 층마다 최대 1/4씩 줄어드니 깊은 "
        "시그모이드 망에서 기울기가 사라집니다. tanh의 최댓값은 {tanh_max:.4f} 입니다.",
        "The sigmoid's slope is at most {sigmoid_max:.4f}: at most a quarter per layer, which is "
        "why gradients vanish in deep sigmoid networks. tanh's is at most {tanh_max:.4f}.",
        sigmoid_max=float(curves["sigmoid"][1].max()),
        tanh_max=float(curves["tanh"][1].max()),
    )
    p = gn.nn.Softmax(dim=-1)(gn.tensor(SCORES)).numpy()
    L.say(
        "소프트맥스는 점수 {scores}를 확률 {probs}로 바꾸고, 합은 {total:.6f} 입니다.",
        "Softmax turns the scores {scores} into the probabilities {probs}; they sum to "
        "{total:.6f}.",
        scores=SCORES,
        probs=[round(float(v), 4) for v in p],
        total=float(p.sum()),
    )
    L.record(slopes=slopes, softmax=p, curves=curves)
    figures.panels(
        L.figure("curves"),
        [
            {
                "title": L.t("활성화 함수", "activation"),
                "xlabel": "x",
                "ylabel": "f(x)",
                "series": [(n, xs, c[0]) for n, c in curves.items()],
                "ylim": (-1.5, 2.5),
            },
            {
                "title": L.t("미분 (autograd)", "derivative (autograd)"),
                "xlabel": "x",
                "ylabel": "f'(x)",
                "series": [(n, xs, c[1]) for n, c in curves.items()],
            },
        ],
    )
    return L.result()
