"""A GAN: the counterfeiter and the police, on eight Gaussians in a ring.

Tutorial 002 tells it as a forger and the police: the generator G turns random noise into
"banknotes" (here 2-D points), the discriminator D learns to tell them from real ones, and G
learns from D's verdict to forge better. The real data are eight small Gaussians on a circle,
so we can count what G has learned: how many of the eight modes its samples reach, and what
share of them lands within 3σ of a mode. Snapshots during `fit` show the ring filling in;
`inspect.HealthMonitor` watches both networks' layers while they train.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.generative import GAN, GANModel, mode_coverage, ring_of_gaussians, sample
from glassnet.inspect import HealthMonitor
from glassnet.train.callbacks import LambdaCallback

from . import figures
from ._lesson import Lesson

TITLE = ("GAN: 위조지폐범과 경찰", "A GAN: the counterfeiter and the police")
TUTORIALS = ("002", "003")
N, STD, EPOCHS, LR = 5000, 0.1, 60, 1e-3
SNAPSHOTS = (0, 1, 3, 10, 30, 60)  # epochs at which G's samples are kept (0: untrained)


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train a GAN on the ring; modes covered and the share within 3σ over training."""
    L = Lesson("gan", TITLE, TUTORIALS, lang, plot_dir)
    x, centres = ring_of_gaussians(N, std=STD, seed=0)
    gn.manual_seed(0)
    gan = GAN(data_dim=2, latent=8, hidden=(128, 128))
    L.say(
        "진짜 데이터: 반지름 2인 원 위에 놓인 가우시안 {modes}개 (표준편차 σ = {std}), 점 "
        "{n:,}개. 위조지폐범(생성자 G)은 잡음 z 8개를 점 하나로 바꾸고, 경찰(판별자 D)은 점 "
        "하나가 진짜일 확률을 말합니다. 둘 다 은닉층 128-128의 MLP입니다.",
        "The real data: {modes} Gaussians (standard deviation σ = {std}) on a circle of radius "
        "2, {n:,} points. The counterfeiter (the generator G) turns 8 noise numbers z into a "
        "point; the police (the discriminator D) say how likely a point is real. Both are MLPs "
        "with hidden layers 128-128.",
        modes=len(centres),
        std=STD,
        n=N,
    )
    L.say(
        "한 배치마다 두 걸음: D는 진짜를 1, G의 위조를 0으로 맞히도록 배우고 (BCE), G는 D가 "
        "자기 위조를 1이라고 하도록 배웁니다 (−log D(G(z))). 보상은 없습니다: 두 신경망 모두 "
        "손실의 기울기로 배웁니다.",
        "Two steps per batch: D learns to score real points 1 and G's forgeries 0 (BCE), then "
        "G learns to make D score its forgeries 1 (−log D(G(z))). There is no reward: both "
        "networks learn from the gradient of a loss.",
    )
    L.erratum(
        "002",
        "GAN은 … 강화학습이다 (a GAN is reinforcement learning)",
        "비지도 학습 (unsupervised learning)",
        "튜토리얼은 '{says}'라고 적었지만, GAN에는 환경도 보상도 없고 레이블 없는 데이터에서 "
        "분포를 배우므로 {correct}입니다. 같은 튜토리얼의 앞부분도 GAN을 비지도 학습으로 "
        "소개합니다. '경쟁'이 게임처럼 들려 생긴 혼동으로 보입니다.",
        "The tutorial writes '{says}'; a GAN has no environment and no reward and learns a "
        "distribution from unlabelled data, so it is {correct}. The same tutorial's opening "
        "lists GANs under unsupervised learning; the 'competition' sounds like a game, which "
        "is probably where the slip came from.",
    )
    run_ = _train(gan, x, centres)
    covered, within = run_["covered"], run_["within"]
    data_modes, data_within = mode_coverage(x[:2000], centres, STD)
    L.say(
        "학습 에포크 {epochs_shown}에서 G의 점 2,000개가 닿은 모드 수: {covered_shown}. 모드의 "
        "3σ 안에 든 몫: {within_shown}. 진짜 데이터는 {data_modes}개 모드, {data_within:.1%}.",
        "After epochs {epochs_shown}, G's 2,000 points reach these many modes: "
        "{covered_shown}; the share within 3σ of a mode: {within_shown}. The real data: "
        "{data_modes} modes, {data_within:.1%}.",
        epochs_shown=", ".join(map(str, SNAPSHOTS)),
        covered_shown=" → ".join(str(covered[e]) for e in SNAPSHOTS),
        within_shown=" → ".join(f"{within[e]:.0%}" for e in SNAPSHOTS),
        data_modes=data_modes,
        data_within=data_within,
    )
    L.record(covered=covered, within=within, final_modes=covered[EPOCHS])
    L.numbers["final_within"] = within[EPOCHS]
    return _losses_and_health(L, run_)


def _train(gan: GAN, x: np.ndarray, centres: np.ndarray) -> dict:
    """`fit` with two watchers: G's samples at the snapshot epochs, and a HealthMonitor."""
    snaps: dict[int, np.ndarray] = {0: sample(gan, 2000)}

    def keep(epoch: int, logs: dict | None) -> None:
        if epoch + 1 in SNAPSHOTS:
            snaps[epoch + 1] = sample(gan, 2000)

    monitor = HealthMonitor(every=25, verbose=False)
    model = GANModel(gan).compile("adam", lr=LR)
    history = model.fit(
        x, epochs=EPOCHS, batch_size=128, verbose=0, callbacks=[LambdaCallback(keep), monitor]
    )
    cov = {e: mode_coverage(s, centres, STD) for e, s in snaps.items()}
    return {
        "covered": {e: c[0] for e, c in cov.items()},
        "within": {e: c[1] for e, c in cov.items()},
        "history": history.history,
        "monitor": monitor,
        "snaps": snaps,
        "x": x,
    }


def _losses_and_health(L: Lesson, run_: dict) -> dict:
    h, monitor = run_["history"], run_["monitor"]
    L.say(
        "D가 진짜와 위조를 전혀 가리지 못하면 (어디서나 D = ½) D의 손실은 2 ln 2 = {d_eq:.3f}, "
        "G의 손실은 ln 2 = {g_eq:.3f}입니다. 마지막 에포크: D {d_last:.3f}, G {g_last:.3f}. "
        "둘은 서로를 밀고 당기며 그 근처에서 흔들립니다.",
        "If D cannot tell real from forged at all (D = ½ everywhere) its loss is 2 ln 2 = "
        "{d_eq:.3f} and G's is ln 2 = {g_eq:.3f}. The last epoch: D {d_last:.3f}, G "
        "{g_last:.3f}. The two push and pull and wobble around there.",
        d_eq=2 * math.log(2),
        g_eq=math.log(2),
        d_last=float(h["d_loss"][-1]),
        g_last=float(h["g_loss"][-1]),
    )
    ratios = monitor.latest("update_data")
    g_first = ratios["generator.0"] if "generator.0" in ratios else float("nan")
    L.say(
        "HealthMonitor는 {steps:,} 걸음 중 {every} 걸음마다 층마다 갱신:가중치 비율을 "
        "기록했습니다. 마지막 기록에서 G의 첫 층은 {g_first:.1e}입니다. 경험칙은 ~1e-3: 훨씬 "
        "크면 학습률이 너무 크고, 훨씬 작으면 너무 작습니다.",
        "HealthMonitor recorded each layer's update:data ratio every {every} of the {steps:,} "
        "steps. At the last record G's first layer is at {g_first:.1e}. The rule of thumb is "
        "~1e-3: far above, the learning rate is too high; far below, too low.",
        steps=monitor.step,
        every=monitor.every,
        g_first=g_first,
    )
    L.record(history=h, update_data=ratios)
    _plot(L, run_)
    return L.result()


def _plot(L: Lesson, run_: dict) -> None:
    h, snaps, x = run_["history"], run_["snaps"], run_["x"]
    real = (L.t("진짜", "real"), x[:2000], {"s": 2, "c": "0.75"})
    figures.scatters(
        L.figure("snapshots"),
        [
            {
                "title": L.t(f"에포크 {e}", f"epoch {e}"),
                "series": [real, ("G", snaps[e], {"s": 2, "color": "tab:red"})],
                "lim": (-3, 3),
            }
            for e in SNAPSHOTS
        ],
        L.t("G의 점이 모드를 채워 갑니다", "G's points filling in the modes"),
    )
    epochs = np.arange(1, len(h["d_loss"]) + 1)
    figures.panels(
        L.figure("losses"),
        [
            {
                "title": L.t("두 신경망의 손실", "the two networks' losses"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": "BCE",
                "series": [("D", epochs, h["d_loss"]), ("G", epochs, h["g_loss"])],
                "hlines": [(2 * math.log(2), "2 ln 2"), (math.log(2), "ln 2")],
            }
        ],
    )
    figures.health(L.figure("health"), run_["monitor"], ["update_data"])
