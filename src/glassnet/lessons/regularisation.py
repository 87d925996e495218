"""Regularisation against over-fitting: dropout, L1 and L2 on the same network.

L2 adds λ·Σw² to the loss and pulls every weight a little towards 0; L1 adds λ·Σ|w| and
pushes the least useful weights all the way to (nearly) 0: a sparse network. Dropout switches
off a random part of the hidden units at each step so no unit can rely on another. The
penalties are `Model.compile(l1=..., l2=...)` (one `nn.penalty` node), dropout is
`MLP(dropout=...)`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.data import StandardScaler, train_test_split
from glassnet.models import MLP
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = ("규제: 드롭아웃, L1, L2", "Regularisation: dropout, L1, L2")
TUTORIALS = ("000", "003")
N_TRAIN, EPOCHS, SMALL = 300, 40, 1e-3
SETUPS = {  # name -> (dropout, l1, l2)
    "none": (0.0, 0.0, 0.0),
    "dropout 0.3": (0.3, 0.0, 0.0),
    "L1 1e-3": (0.0, 1e-3, 0.0),
    "L2 1e-3": (0.0, 0.0, 1e-3),
}


def train(x: np.ndarray, y: np.ndarray, dropout: float, l1: float, l2: float) -> Model:
    """A 64-128-10 MLP trained with Adam on `N_TRAIN` digits."""
    gn.manual_seed(0)
    model = Model(MLP([64, 128, 10], dropout=dropout))
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"], l1=l1, l2=l2)
    model.fit(x[:N_TRAIN], y[:N_TRAIN], batch_size=32, epochs=EPOCHS, verbose=0)
    return model


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Four runs; first-layer weight histograms, sparsity, norms and test loss."""
    L = Lesson("regularisation", TITLE, TUTORIALS, lang, plot_dir)
    X, y = gn.datasets.digits()
    x_tr, x_te, y_tr, y_te = train_test_split(
        X.astype(np.float32), y, test_size=0.3, random_state=0
    )
    scaler = StandardScaler().fit(x_tr)
    x_tr, x_te = scaler.transform(x_tr), scaler.transform(x_te)
    weights, stats = {}, {}
    for name, (dropout, l1, l2) in SETUPS.items():
        model = train(x_tr, y_tr, dropout, l1, l2)
        w = model.module.linears()[0].weight.detach().numpy()
        test = model.evaluate(x_te, y_te, return_dict=True)
        train_loss = model.evaluate(x_tr[:N_TRAIN], y_tr[:N_TRAIN], return_dict=True)["loss"]
        weights[name] = w
        stats[name] = {
            "sparsity": float((np.abs(w) < SMALL).mean()),
            "l2_norm": float(np.sqrt((w.astype(np.float64) ** 2).sum())),
            "train_loss": float(train_loss),
            "test_loss": float(test["loss"]),
            "test_accuracy": float(test["accuracy"]),
        }
    L.say(
        "손글씨 숫자 {n_train}장에 64-128-10 신경망, {epochs} 에포크. 규제 없음: 학습 손실 "
        "{train_none:.4f}, 시험 손실 {test_none:.4f} — 학습 데이터를 외웠습니다.",
        "A 64-128-10 network on {n_train} digits for {epochs} epochs. Without regularisation: "
        "training loss {train_none:.4f}, test loss {test_none:.4f}: it has memorised the "
        "training set.",
        n_train=N_TRAIN,
        epochs=EPOCHS,
        train_none=stats["none"]["train_loss"],
        test_none=stats["none"]["test_loss"],
    )
    L.say(
        "시험 손실: {test_losses}. 첫 층 가중치 노름 (두 벌점 모두 줄임): {norms}.",
        "Test loss: {test_losses}. First-layer weight norm (both penalties pull it in): {norms}.",
        test_losses={k: round(v["test_loss"], 4) for k, v in stats.items()},
        norms={k: round(v["l2_norm"], 2) for k, v in stats.items()},
    )
    L.say(
        "|w| < {small} 인 가중치의 비율: L1 {sparse_l1:.1%}, 규제 없음 {sparse_none:.1%}, "
        "L2 {sparse_l2:.1%}. L1은 쓸모없는 입력 (예: 늘 비어 있는 가장자리 픽셀)의 가중치를 0으로 "
        "보내 희소한 망을 만듭니다.",
        "Share of weights with |w| < {small}: L1 {sparse_l1:.1%}, none {sparse_none:.1%}, L2 "
        "{sparse_l2:.1%}. L1 sends the weights of useless inputs (say, the always-blank edge "
        "pixels) to zero: a sparse network.",
        small=SMALL,
        sparse_l1=stats["L1 1e-3"]["sparsity"],
        sparse_none=stats["none"]["sparsity"],
        sparse_l2=stats["L2 1e-3"]["sparsity"],
    )
    L.record(stats=stats)
    figures.histograms(
        L.figure("weights"),
        weights,
        L.t("첫 층 가중치 분포", "first-layer weights"),
        "w",
    )
    return L.result()
