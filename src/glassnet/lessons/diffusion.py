"""A diffusion model (DDPM): noise added step by step, then learned away, on 2-D points.

Tutorial 002's picture is a drop of ink spreading in water until nothing of its shape is left;
a diffusion model learns to run that film backwards. Forward: each of T = 100 steps shrinks
the points a little and adds a little Gaussian noise (β_t), so after t steps
x_t = √ᾱ_t·x_0 + √(1 − ᾱ_t)·ε with ᾱ_t = Π(1 − β_s). Backward: a network ε_θ(x_t, t) learns to
say which noise was added; starting from pure noise, removing its guess a step at a time
walks the points back onto the data. How close they come is measured by the MMD (maximum
mean discrepancy) to held-out data, next to the untrained model's.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.generative import DDPM, GenerativeModel, mmd_rbf, sample, two_moons
from glassnet.train.callbacks import LearningRateScheduler

from . import figures
from ._lesson import Lesson

TITLE = ("확산 모델: 잡음을 더하고 거꾸로 걷어 내기", "Diffusion: adding noise, then removing it")
TUTORIALS = ("002", "003")
T, BETA_START, BETA_END = 100, 1e-4, 0.1
N, EPOCHS, LR, BANDWIDTH = 4000, 150, 3e-3, 0.5
FRAMES = (0, 10, 25, 50, 100)  # steps shown in the forward and the reverse film


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Noise a set of points forward, train a DDPM, sample backward; MMD trained vs untrained."""
    L = Lesson("diffusion", TITLE, TUTORIALS, lang, plot_dir)
    x, held = two_moons(N, seed=0), two_moons(2000, seed=1)
    gn.manual_seed(0)
    ddpm = DDPM(2, T, "linear", BETA_START, BETA_END, hidden=(128, 128, 128))
    forward = _forward_film(ddpm, x[:500])
    signal = np.sqrt(ddpm.alphas_cumprod)
    L.say(
        "데이터: 두 개의 반달 (점 {n:,}개, 2차원). 앞으로 가는 과정: {T}걸음 동안 β가 {b0:g}에서 "
        "{b1:g}로 커지며 점마다 잡음을 더합니다. t걸음 뒤 남은 원래 신호의 비율 √ᾱ_t: t = 10에서 "
        "{s10:.3f}, 50에서 {s50:.3f}, {T}에서 {sT:.4f}. 마지막에는 표준편차 {std_T:.3f}인 잡음만 "
        "남습니다: 물에 퍼진 잉크처럼 원래 모양을 알 수 없습니다.",
        "The data: two half moons ({n:,} points in 2-D). The forward process: over {T} steps β "
        "grows from {b0:g} to {b1:g}, adding noise to every point. The share of the original "
        "signal left after t steps, √ᾱ_t: {s10:.3f} at t = 10, {s50:.3f} at 50, {sT:.4f} at "
        "{T}. At the end only noise of standard deviation {std_T:.3f} is left: like ink spread "
        "through water, the shape cannot be told any more.",
        n=N,
        T=T,
        b0=BETA_START,
        b1=BETA_END,
        s10=float(signal[9]),
        s50=float(signal[49]),
        sT=float(signal[-1]),
        std_T=float(forward[T].std()),
    )
    untrained = mmd_rbf(sample(ddpm, 2000), held, BANDWIDTH)
    history = _train(ddpm, x)
    reverse = ddpm.sample(2000, return_chain=True)  # x_T first, x_0 last
    trained = mmd_rbf(reverse[-1], held, BANDWIDTH)
    floor = mmd_rbf(two_moons(2000, seed=2), held, BANDWIDTH)
    L.say(
        "ε_θ는 x_t와 t를 읽는 MLP (128-128-128, SiLU)입니다. 무작위 t에서 더한 잡음을 맞히도록 "
        "(평균 제곱 오차) Adam으로 {epochs} 에포크 배웠습니다: 손실 {loss0:.3f} → {loss1:.3f}.",
        "ε_θ is an MLP (128-128-128, SiLU) that reads x_t and t. It learned to guess the noise "
        "added at a random t (mean squared error) with Adam for {epochs} epochs: loss "
        "{loss0:.3f} → {loss1:.3f}.",
        epochs=EPOCHS,
        loss0=float(history["loss"][0]),
        loss1=float(history["loss"][-1]),
    )
    L.say(
        "거꾸로 가는 과정: 순수한 잡음 2,000점에서 시작해 {T}걸음 동안 추측한 잡음을 조금씩 "
        "걷어 냅니다. 보지 않은 데이터와의 MMD² (RBF, 폭 {h}): 학습 전 {untrained:.4f}, 학습 후 "
        "{trained:.5f}, {ratio:.0f}배 가깝습니다. 같은 분포의 두 표본끼리도 {floor:.5f}입니다.",
        "The reverse process: start from 2,000 points of pure noise and remove the guessed "
        "noise a little at each of {T} steps. MMD² (RBF, bandwidth {h}) to held-out data: "
        "{untrained:.4f} untrained, {trained:.5f} trained, {ratio:.0f} times closer. Two "
        "samples of the true distribution are {floor:.5f} apart.",
        h=BANDWIDTH,
        untrained=untrained,
        trained=trained,
        ratio=untrained / trained,
        floor=floor,
    )
    L.record(signal=signal, forward=forward, history=history)
    _plot(L, forward, reverse, held)
    return L.result()


def _forward_film(ddpm: DDPM, x0: np.ndarray) -> dict[int, np.ndarray]:
    """x_t for t in FRAMES from one fixed draw of noise (x_0 itself at t = 0)."""
    noise = np.random.default_rng(0).standard_normal(x0.shape)
    film = {0: x0}
    for t in FRAMES[1:]:
        film[t] = ddpm.q_sample(x0, np.full(len(x0), t - 1), noise)
    return film


def _train(ddpm: DDPM, x: np.ndarray) -> dict:
    """`fit` on the noise-guessing loss, the learning rate falling on a half cosine to 0."""
    model = GenerativeModel(ddpm).compile("adam", lr=LR)
    cosine = LearningRateScheduler(lambda e, lr: LR * 0.5 * (1 + math.cos(math.pi * e / EPOCHS)))
    return model.fit(x, epochs=EPOCHS, batch_size=128, verbose=0, callbacks=[cosine]).history


def _plot(L: Lesson, forward: dict, reverse: np.ndarray, held: np.ndarray) -> None:
    dot = {"s": 2, "color": "tab:blue"}
    figures.scatters(
        L.figure("forward"),
        [
            {"title": f"t = {t}", "series": [("", forward[t][:500], dot)], "lim": (-3, 3)}
            for t in FRAMES
        ],
        L.t("앞으로: 점에 잡음을 더합니다", "forward: noise added to the points"),
    )
    data = (L.t("데이터", "data"), held[:1000], {"s": 2, "c": "0.8"})
    figures.scatters(
        L.figure("reverse"),
        [
            {
                "title": f"t = {t}",
                "series": [data, ("", reverse[T - t][:1000], {"s": 2, "color": "tab:red"})],
                "lim": (-3, 3),
            }
            for t in FRAMES[::-1]
        ],
        L.t("거꾸로: 잡음에서 데이터로", "reverse: from noise to the data"),
    )
