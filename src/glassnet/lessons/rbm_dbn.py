"""Restricted Boltzmann machines and deep belief networks, on scikit-learn's 8×8 digits.

An RBM (tutorial 003) has a visible layer (the 64 pixels) and a hidden layer, with no links
inside a layer, so each layer given the other is a set of independent coin flips:
p(h = 1 | v) = σ(Wv + c), p(v = 1 | h) = σ(Wᵀh + b). Training (persistent contrastive
divergence) makes the data likely and the model's own dreams less so; the pseudo-log-
likelihood measures how likely the data has become. Going back and forth v → h → v is Gibbs
sampling: the model's own pictures. A DBN stacks RBMs, each trained on the hidden units of the
one below, without labels; its weights then start an MLP, which helps when labels are few.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.generative import DBN, RBM, GenerativeModel
from glassnet.models import MLP
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = (
    "제한된 볼츠만 머신과 심층 신뢰 신경망",
    "Restricted Boltzmann machines and deep belief nets",
)
TUTORIALS = ("002", "003")
HIDDEN, EPOCHS, LR, BATCH = 100, 30, 0.05, 10
N_TRAIN, LABELS_PER_CLASS, FINE_TUNE_EPOCHS = 1400, 5, 100
GIBBS_STEPS = (0, 1, 10, 100, 1000)


def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 digits scaled to [0, 1] (pixel = probability of ink), shuffled
    once, split 1,400 / 397."""
    X, y = gn.datasets.digits()
    order = np.random.default_rng(0).permutation(len(X))
    X, y = (X[order] / 16).astype(np.float32), y[order]
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train an RBM (PLL per epoch, filters, Gibbs chains), then DBN vs random init."""
    L = Lesson("rbm-dbn", TITLE, TUTORIALS, lang, plot_dir)
    x, y, xt, yt = digits()
    gn.manual_seed(0)
    rbm = RBM(64, HIDDEN)
    model = GenerativeModel(rbm).compile("sgd", lr=LR)
    pll0 = -model.evaluate(xt)
    L.say(
        "데이터: scikit-learn의 8×8 숫자 (내장, 학습 {n_train}장, 시험 {n_test}장), 픽셀 = 잉크의 "
        "확률. RBM: 가시 유닛 64개, 은닉 유닛 {hidden}개. 학습 전 (가중치 ≈ 0) 유사 로그 우도는 "
        "{pll0:.2f}로, 모든 픽셀을 동전 던지기로 맞히는 64·ln ½ = {coin:.2f}와 같습니다.",
        "Data: scikit-learn's 8×8 digits (built in; {n_train} to train, {n_test} to test), a "
        "pixel = the probability of ink. The RBM: 64 visible units, {hidden} hidden. Before "
        "training (weights ≈ 0) the pseudo-log-likelihood is {pll0:.2f}, the same as guessing "
        "every pixel by a coin flip: 64·ln ½ = {coin:.2f}.",
        n_train=len(x),
        n_test=len(xt),
        hidden=HIDDEN,
        pll0=pll0,
        coin=64 * math.log(0.5),
    )
    h = model.fit(x, epochs=EPOCHS, batch_size=BATCH, validation_data=xt, verbose=0)
    pll = [pll0, *(-np.asarray(h.history["val_loss"]))]
    L.say(
        "지속 대조 발산(PCD-1, 학습률 {lr}, 배치 {batch})으로 {epochs} 에포크: 시험 세트의 유사 "
        "로그 우도가 {pll0:.2f} → {pll1:.2f} (5 에포크) → {pll_last:.2f}로 올라갑니다. 데이터가 "
        "모델에게 점점 그럴듯해집니다.",
        "Persistent contrastive divergence (PCD-1, learning rate {lr}, batch {batch}) for "
        "{epochs} epochs: the test set's pseudo-log-likelihood rises {pll0:.2f} → {pll1:.2f} "
        "(epoch 5) → {pll_last:.2f}. The data become more and more likely to the model.",
        lr=LR,
        batch=BATCH,
        epochs=EPOCHS,
        pll1=float(pll[5]),
        pll_last=float(pll[-1]),
    )
    chains = _gibbs(rbm, xt[:8])
    L.say(
        "은닉 유닛의 가중치(필터)는 숫자의 부분(획과 고리)을 닮았습니다. 시험 숫자 8장에서 "
        "시작한 깁스 연쇄 v → h → v: {steps}걸음 뒤의 그림은 모델이 상상한 숫자입니다.",
        "The hidden units' weights (filters) look like parts of digits (strokes and loops). "
        "Gibbs chains v → h → v started from 8 test digits: the pictures after {steps} steps "
        "are digits the model imagines.",
        steps=", ".join(map(str, GIBBS_STEPS[1:])),
    )
    acc = _dbn_vs_random(x, y, xt, yt)
    L.say(
        "심층 신뢰 신경망 64-{hidden}-64: RBM 두 개를 레이블 없이 차례로 학습하고 (사전 학습), "
        "그 가중치로 MLP 64-{hidden}-64-10을 시작합니다. 레이블은 숫자마다 {per_class}장 (모두 "
        "{n_labels}장)만 써서 미세 조정하면 시험 정확도는 사전 학습 {acc_dbn:.3f}, 같은 MLP의 "
        "무작위 초기화 {acc_random:.3f}입니다.",
        "A deep belief net 64-{hidden}-64: two RBMs trained one after the other without labels "
        "(pre-training), whose weights start an MLP 64-{hidden}-64-10. Fine-tuned on only "
        "{per_class} labels per digit ({n_labels} in all), its test accuracy is {acc_dbn:.3f} "
        "pre-trained and {acc_random:.3f} for the same MLP from a random start.",
        per_class=LABELS_PER_CLASS,
        n_labels=10 * LABELS_PER_CLASS,
        acc_dbn=acc["dbn"],
        acc_random=acc["random"],
    )
    L.record(pll=pll, accuracy=acc, chains=chains)
    _plot(L, rbm, chains, pll)
    return L.result()


def _gibbs(rbm: RBM, start: np.ndarray) -> dict[int, np.ndarray]:
    """The chains' visible states after each number of GIBBS_STEPS (0: the start)."""
    out, v, done = {0: start}, start, 0
    for k in GIBBS_STEPS[1:]:
        v, done = rbm.gibbs(v, k - done), k
        out[k] = v
    return out


def _dbn_vs_random(x: np.ndarray, y: np.ndarray, xt: np.ndarray, yt: np.ndarray) -> dict:
    """Test accuracy of the same sigmoid MLP fine-tuned on few labels: DBN start vs random."""
    few = np.concatenate([np.flatnonzero(y == c)[:LABELS_PER_CLASS] for c in range(10)])
    acc = {}
    for start in ("dbn", "random"):
        gn.manual_seed(0)
        if start == "dbn":
            dbn = DBN([64, HIDDEN, 64])
            dbn.pretrain(x, epochs=EPOCHS, lr=LR, batch_size=BATCH)
            net = dbn.to_mlp(10)
        else:
            net = MLP([64, HIDDEN, 64, 10], "sigmoid")
        model = Model(net).compile("adam", "cross_entropy", metrics=["accuracy"], lr=1e-3)
        model.fit(x[few], y[few], epochs=FINE_TUNE_EPOCHS, batch_size=20, verbose=0)
        acc[start] = float(model.evaluate(xt, yt, return_dict=True)["accuracy"])
    return acc


def _plot(L: Lesson, rbm: RBM, chains: dict, pll: list) -> None:
    filters = rbm.weight.detach().numpy().reshape(-1, 8, 8)[:40]
    figures.images(
        L.figure("filters"),
        filters,
        title=L.t("RBM 필터 (은닉 유닛 40개의 가중치)", "RBM filters (40 hidden units' weights)"),
        ncols=10,
        cmap="bwr",
    )
    figures.images(
        L.figure("gibbs"),
        [chains[k][i].reshape(8, 8) for k in GIBBS_STEPS for i in range(8)],
        [f"{k}" for k in GIBBS_STEPS for _ in range(8)],
        L.t("깁스 연쇄: 줄마다 걸음 수", "Gibbs chains: one row per number of steps"),
        ncols=8,
        cmap="gray_r",
    )
    figures.panels(
        L.figure("pll"),
        [
            {
                "title": L.t("시험 세트의 유사 로그 우도", "test pseudo-log-likelihood"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": "PLL",
                "series": [("RBM", np.arange(len(pll)), pll)],
                "hlines": [(64 * math.log(0.5), "64·ln ½")],
            }
        ],
    )
