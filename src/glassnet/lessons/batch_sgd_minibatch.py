"""Full batch, one sample at a time (SGD) and mini-batches: what an update and an epoch are.

An epoch is one pass over the whole training set. With batch size B an epoch makes
ceil(n / B) updates: one for the full batch, n for pure SGD, a handful for mini-batches. The
same network, learning rate and epochs are trained three ways with `Model.fit`; only the batch
size differs.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.data import StandardScaler, train_test_split
from glassnet.models import MLP
from glassnet.train import LambdaCallback, Model

from . import figures
from ._lesson import Lesson

TITLE = ("배치, SGD, 미니배치와 에포크", "Full batch, SGD, mini-batches and epochs")
TUTORIALS = ("001", "003")
EPOCHS, LR = 20, 0.05


def train(x: np.ndarray, y: np.ndarray, batch_size: int) -> tuple[list, list, Model]:
    """Train a 4-16-3 MLP with SGD; the loss of every update and of every epoch."""
    gn.manual_seed(0)
    net = MLP([4, 16, 3], activation="relu")
    model = Model(net).compile(optimizer="sgd", lr=LR, loss="cross_entropy", metrics=["accuracy"])
    per_update: list[float] = []
    cb = LambdaCallback(on_train_batch_end=lambda batch, logs: per_update.append(logs["loss"]))
    h = model.fit(x, y, batch_size=batch_size, epochs=EPOCHS, verbose=0, callbacks=[cb])
    return per_update, h.history["loss"], model


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Iris (80/20) trained with batch sizes n, 1 and 16."""
    L = Lesson("batch-sgd-minibatch", TITLE, TUTORIALS, lang, plot_dir)
    X, y = gn.datasets.iris()
    x_tr, x_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    scaler = StandardScaler().fit(x_tr)
    x_tr, x_te = scaler.transform(x_tr), scaler.transform(x_te)
    n = len(x_tr)
    L.say(
        "붓꽃 데이터 학습용 {n}개. 1 에포크 = 학습 데이터 전체를 한 번 보는 것. 같은 신경망, "
        "학습률 {lr}, {epochs} 에포크를 배치 크기만 바꿔 학습합니다.",
        "Iris, {n} training samples. One epoch = one pass over all of them. The same network, "
        "learning rate {lr} and {epochs} epochs, with only the batch size changed.",
        n=n,
        lr=LR,
        epochs=EPOCHS,
    )
    runs = {}
    for label, b in (("full", n), ("sgd", 1), ("mini", 16)):
        upd, ep, model = train(x_tr, y_tr, b)
        acc = model.evaluate(x_te, y_te, return_dict=True)["accuracy"]
        runs[label] = {"batch": b, "updates": upd, "epochs": ep, "test_accuracy": acc}
        L.say(
            "배치 크기 {b_@}: 에포크당 업데이트 {u_@}번 (⌈{n}/{b_@}⌉), 마지막 에포크 손실 "
            "{loss_@:.4f}, 시험 정확도 {acc_@:.3f}.".replace("@", label),
            "Batch size {b_@}: {u_@} updates per epoch (⌈{n}/{b_@}⌉), last-epoch loss "
            "{loss_@:.4f}, test accuracy {acc_@:.3f}.".replace("@", label),
            **{
                f"b_{label}": b,
                f"u_{label}": len(upd) // EPOCHS,
                f"loss_{label}": float(ep[-1]),
                f"acc_{label}": float(acc),
            },
        )
    L.say(
        "같은 20 에포크라도 전체 배치는 20번만 움직여 아직 손실이 큽니다. SGD는 {sgd_total}번 "
        "움직여 빨리 내려가지만 한 샘플씩이라 손실이 흔들립니다 (마지막 에포크 업데이트 손실의 "
        "표준편차 {sgd_noise:.3f}, 미니배치 {mini_noise:.3f}). 미니배치는 그 중간입니다.",
        "In the same 20 epochs the full batch moves only 20 times and its loss is still high. "
        "SGD moves {sgd_total} times and falls fast, but one sample at a time its loss jumps "
        "around (standard deviation of the last epoch's update losses {sgd_noise:.3f}; "
        "mini-batches {mini_noise:.3f}). Mini-batches sit in between.",
        sgd_total=len(runs["sgd"]["updates"]),
        sgd_noise=float(np.std(runs["sgd"]["updates"][-n:])),
        mini_noise=float(np.std(runs["mini"]["updates"][-math.ceil(n / 16) :])),
    )
    L.record(runs=runs, n_train=n)
    names = {
        "full": L.t("전체 배치", "full batch"),
        "sgd": "SGD (1)",
        "mini": L.t("미니배치 16", "mini-batch 16"),
    }
    figures.panels(
        L.figure("curves"),
        [
            {
                "title": L.t("업데이트마다 손실", "loss per update"),
                "xlabel": L.t("업데이트", "update"),
                "ylabel": L.t("손실", "loss"),
                "logx": True,
                "series": [
                    (names[k], np.arange(1, len(r["updates"]) + 1), r["updates"])
                    for k, r in runs.items()
                ],
            },
            {
                "title": L.t("에포크마다 손실", "loss per epoch"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("손실", "loss"),
                "series": [
                    (names[k], np.arange(1, EPOCHS + 1), r["epochs"]) for k, r in runs.items()
                ],
            },
        ],
    )
    return L.result()
