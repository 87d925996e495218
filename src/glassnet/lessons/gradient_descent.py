"""Gradient descent by hand: tutorial 000's worked example, weight = height × w, one point.

The data are one person, (weight, height) = (60, 170); the model says weight = height × w and
the error is E(w) = (60 − 170·w)². The lesson IS the hand-written loop: w ← w − step · dE/dw,
with dE/dw from autograd (and checked by hand), for a too-small, a good and a too-large step,
then an adaptive step (Adam from `optim.create`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

import glassnet as gn

from . import figures
from ._lesson import Lesson

TITLE = ("경사하강법: 몸무게 = 키 × 비중", "Gradient descent: weight = height × w")
TUTORIALS = ("000", "001")
WEIGHT, HEIGHT, W0, TUTORIAL_STEP = 60.0, 170.0, 0.1, 0.001


def error(w: gn.Tensor | float) -> Any:
    """E(w) = (weight − height·w)², the squared error of the one data point."""
    return (WEIGHT - HEIGHT * w) ** 2


def gradient(w: float) -> float:
    """dE/dw at w, computed by autograd in float64."""
    t = gn.tensor(w, dtype=gn.float64, requires_grad=True)
    error(t).backward()
    return float(t.grad.item())


def descend(lr: float, steps: int, w: float = W0) -> np.ndarray:
    """Plain gradient descent: the path w₀, w₁, … of w ← w − lr · dE/dw."""
    path = [w]
    for _ in range(steps):
        w = w - lr * gradient(w)
        path.append(w)
    return np.array(path)


def adam_path(lr: float, steps: int, w: float = W0) -> np.ndarray:
    """The adaptive step: Adam (`optim.create`) scales each step by the gradient's history."""
    t = gn.tensor(w, dtype=gn.float64, requires_grad=True)
    opt = gn.optim.create("adam", [t], lr=lr)
    path = [w]
    for _ in range(steps):
        opt.zero_grad()
        error(t).backward()
        opt.step()
        path.append(float(t.item()))
    return np.array(path)


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Compute the worked example, the errata, the stability bound and four paths."""
    L = Lesson("gradient-descent", TITLE, TUTORIALS, lang, plot_dir)
    e0, g0 = float(error(W0)), gradient(W0)
    L.say(
        "w = {w0}에서 오차는 (60 − 170·{w0})² = (60 − 17)² = {error0:,.0f} 입니다.",
        "At w = {w0} the error is (60 − 170·{w0})² = (60 − 17)² = {error0:,.0f}.",
        w0=W0,
        error0=e0,
    )
    L.erratum(
        "000",
        "432",
        f"{e0:,.0f}",
        "튜토리얼은 {says}라고 적었지만 43² = {correct} 입니다. 제곱 기호가 지워져 "
        "'43²'가 '432'로 보인 것으로 보입니다.",
        "The tutorial writes {says}; 43² is {correct}. The square seems to have lost its "
        "superscript, so '43²' reads as '432'.",
    )
    L.say(
        "기울기는 연쇄법칙으로 dE/dw = −2·170·(60 − 17) = {gradient:,.0f} 입니다 (autograd도 "
        "같은 값).",
        "By the chain rule dE/dw = −2·170·(60 − 17) = {gradient:,.0f} (autograd agrees).",
        gradient=g0,
    )
    L.erratum(
        "000",
        "-86",
        f"{g0:,.0f}",
        "튜토리얼의 {says}는 −2·(60 − 17)로, 안쪽 함수 170·w를 w로 미분한 170을 빠뜨렸습니다. "
        "맞는 값은 {correct} 입니다.",
        "The tutorial's {says} is −2·(60 − 17): it leaves out the inner derivative, the 170 "
        "from d(170·w)/dw. The correct value is {correct}.",
    )
    w1 = W0 - TUTORIAL_STEP * g0
    L.say(
        "보폭 {step}로 한 걸음: w = 0.1 − {step}·({gradient:,.0f}) = {w1:.2f}. 최소점 "
        "{w_min:.3f}을 "
        "훌쩍 넘어 오차가 {error1:,.0f}로 커지고, 이후로는 발산합니다.",
        "One step of {step}: w = 0.1 − {step}·({gradient:,.0f}) = {w1:.2f}. It jumps far past "
        "the minimum {w_min:.3f}, the error grows to {error1:,.0f}, and it diverges from there.",
        step=TUTORIAL_STEP,
        w1=w1,
        w_min=WEIGHT / HEIGHT,
        error1=float(error(w1)),
    )
    L.erratum(
        "000",
        "0.186 (error 262)",
        f"{w1:.2f}",
        "튜토리얼의 w = 0.186은 잘못된 기울기 −86에서 나온 값이고, 그 w에서도 오차는 262가 아니라 "
        "{e186:.1f} 입니다 (0.2로 반올림하면 26² = 676: '26²'가 '262'로 보인 것; 식에는 0.186 "
        "대신 0.0186이라고도 적혀 있습니다). "
        "맞는 기울기로는 w = {correct}, 오차 {error1:,.0f} 입니다.",
        "The tutorial's w = 0.186 comes from the slipped gradient −86, and even there the error "
        "is {e186:.1f}, not 262 (rounded to 0.2 it is 26² = 676: '26²' read as '262'; the "
        "formula also writes 0.0186 for 0.186). With "
        "the correct gradient the step gives w = {correct}, error {error1:,.0f}.",
        e186=float(error(0.186)),
    )
    # E is a parabola: w_{k+1} − w* = (1 − lr·2·170²)(w_k − w*), so |1 − lr·2·170²| < 1 is needed.
    bound = 2 / (2 * HEIGHT**2)
    L.say(
        "E는 포물선이라 w − w*가 매 걸음 (1 − 보폭·2·170²)배가 됩니다. 그래서 보폭이 "
        "2 / (2·170²) = {bound:.3g} 보다 작아야만 수렴합니다. 0.001은 그 {ratio:.0f}배입니다.",
        "E is a parabola, so each step multiplies w − w* by (1 − step·2·170²): plain gradient "
        "descent converges only for a step below 2 / (2·170²) = {bound:.3g}. 0.001 is "
        "{ratio:.0f} times that.",
        bound=bound,
        ratio=TUTORIAL_STEP / bound,
    )
    paths = {
        "small": descend(2e-7, 40),
        "good": descend(1.5e-5, 40),
        "large": descend(1.02 * bound, 40),
        "tutorial": descend(TUTORIAL_STEP, 3),
        "adam": adam_path(0.05, 100),
    }
    finals = {k: float(p[-1]) for k, p in paths.items()}
    L.say(
        "40걸음 뒤: 보폭 2e-7은 w = {small:.3f} (너무 느림), 1.5e-5는 {good:.4f} (수렴), 한계의 "
        "1.02배는 {large:.3g} (진동하며 발산), 적응형 보폭(Adam, lr 0.05)은 100걸음에 {adam:.4f}. "
        "최소점은 60/170 = {w_min:.4f} 입니다.",
        "After 40 steps: step 2e-7 reaches w = {small:.3f} (too slow), 1.5e-5 reaches {good:.4f} "
        "(converged), 1.02 × the bound reaches {large:.3g} (oscillating away), and the adaptive "
        "step (Adam, lr 0.05) {adam:.4f} after 100. The minimum is 60/170 = {w_min:.4f}.",
        **finals,
        w_min=WEIGHT / HEIGHT,
    )
    L.record(error0=e0, gradient=g0, w1=w1, bound=bound, w_min=WEIGHT / HEIGHT, paths=paths)
    _plot(L, paths)
    return L.result()


def _plot(L: Lesson, paths: dict[str, np.ndarray]) -> None:
    ws = np.linspace(-0.1, 0.8, 300)
    shown = {k: p for k, p in paths.items() if k != "tutorial"}
    figures.panels(
        L.figure("paths"),
        [
            {
                "title": L.t("오차 곡선과 경로", "the error curve and the paths"),
                "xlabel": "w",
                "ylabel": "E(w)",
                "series": [("E(w)", ws, error(ws), {"color": "black", "lw": 0.8})]
                + [
                    (k, np.clip(p, -0.1, 0.8), error(np.clip(p, -0.1, 0.8)))
                    for k, p in shown.items()
                ],
                "vlines": [(WEIGHT / HEIGHT, "60/170")],
            },
            {
                "title": L.t("걸음마다 오차", "error per step"),
                "xlabel": L.t("걸음", "step"),
                "ylabel": "E(w)",
                "logy": True,
                "series": [(k, np.arange(len(p)), error(p) + 1e-12) for k, p in paths.items()],
            },
        ],
    )
