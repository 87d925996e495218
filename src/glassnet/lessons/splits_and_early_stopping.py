"""Train, validation and test sets; over-fitting; early stopping on the validation loss.

80/20 keeps a test set the model never trains on. 60/20/20 adds a validation set to choose
*when to stop*: a big network on few samples keeps lowering its training loss while the
validation loss turns back up: it starts to memorise. `EarlyStopping` (Keras' callback) stops
`patience` epochs after the best validation loss and puts back that epoch's weights.
`inspect.interpolate` then walks the straight line from the early-stopped weights to the
over-fitted ones: the training loss keeps falling along it while the validation loss rises.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.data import StandardScaler, train_test_split, train_val_test_split
from glassnet.inspect import get_weights, interpolate
from glassnet.models import MLP
from glassnet.train import EarlyStopping, Model

from . import figures
from ._lesson import Lesson

TITLE = ("데이터 나누기와 조기 종료", "Data splits and early stopping")
TUTORIALS = ("001", "003")
EPOCHS, PATIENCE, N_TRAIN = 60, 8, 300


def train(data: list[np.ndarray], stop: bool) -> tuple[Model, dict, EarlyStopping | None]:
    """A 64-128-128-10 MLP, Adam at 3e-3, on `N_TRAIN` digits, with or without early stopping."""
    x_tr, x_va, _, y_tr, y_va, _ = data
    gn.manual_seed(0)
    model = Model(MLP([64, 128, 128, 10])).compile(
        optimizer="adam", lr=3e-3, loss="cross_entropy", metrics=["accuracy"]
    )
    es = EarlyStopping(patience=PATIENCE, restore_best_weights=True) if stop else None
    h = model.fit(
        x_tr[:N_TRAIN],
        y_tr[:N_TRAIN],
        batch_size=32,
        epochs=EPOCHS,
        validation_data=(x_va, y_va),
        callbacks=[es] if es else [],
        verbose=0,
        shuffle=True,
    )
    return model, h.history, es


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """The two splits of digits, one over-fitting run, and the same run stopped early."""
    L = Lesson("splits-and-early-stopping", TITLE, TUTORIALS, lang, plot_dir)
    X, y = gn.datasets.digits()
    X = X.astype(np.float32)
    a, b, *_ = train_test_split(X, y, test_size=0.2, random_state=0)
    parts = train_val_test_split(X, y, val_size=0.2, test_size=0.2, random_state=0)
    L.say(
        "손글씨 숫자 {n}장. 80/20: 학습 {n80}, 시험 {n20}. 60/20/20: 학습 {n60}, 검증 {nval}, "
        "시험 {ntest}. 검증 세트로 멈출 때를 정하고, 시험 세트는 마지막에 한 번만 봅니다.",
        "{n} handwritten digits. 80/20: {n80} to train, {n20} to test. 60/20/20: {n60} train, "
        "{nval} validation, {ntest} test. The validation set decides when to stop; the test set "
        "is looked at once, at the end.",
        n=len(X),
        n80=len(a),
        n20=len(b),
        n60=len(parts[0]),
        nval=len(parts[1]),
        ntest=len(parts[2]),
    )
    scaler = StandardScaler().fit(parts[0])
    data = [scaler.transform(p) for p in parts[:3]] + list(parts[3:])
    x_te, y_te = data[2], data[5]
    full, h_full, _ = train(data, stop=False)
    early, h_early, es = train(data, stop=True)
    best = int(np.argmin(h_full["val_loss"]))
    L.say(
        "작은 학습 세트 ({n_train}개)에 큰 망 (64-128-128-10): {epochs} 에포크 동안 학습 손실은 "
        "{train_last:.4f}까지 내려가지만 검증 손실은 {best_epoch} 에포크의 {val_best:.4f}에서 "
        "{val_last:.4f}로 다시 오릅니다. 과적합입니다.",
        "A big network (64-128-128-10) on a small training set ({n_train} samples): over "
        "{epochs} epochs the training loss falls to {train_last:.4f}, but the validation loss "
        "turns from {val_best:.4f} at epoch {best_epoch} back up to {val_last:.4f}. That is "
        "over-fitting.",
        n_train=N_TRAIN,
        epochs=EPOCHS,
        train_last=float(h_full["loss"][-1]),
        best_epoch=best + 1,
        val_best=float(h_full["val_loss"][best]),
        val_last=float(h_full["val_loss"][-1]),
    )
    res_full = full.evaluate(x_te, y_te, return_dict=True)
    res_early = early.evaluate(x_te, y_te, return_dict=True)
    L.say(
        "조기 종료 (patience {patience})는 {stopped} 에포크에 멈추고 {es_best} 에포크의 가중치를 "
        "되돌립니다. 시험 손실 {loss_early:.4f} (정확도 {acc_early:.3f}) 대 끝까지 학습한 망 "
        "{loss_full:.4f} (정확도 {acc_full:.3f}).",
        "Early stopping (patience {patience}) stops at epoch {stopped} and restores the weights "
        "of epoch {es_best}. Test loss {loss_early:.4f} (accuracy {acc_early:.3f}) against "
        "{loss_full:.4f} (accuracy {acc_full:.3f}) for the network trained to the end.",
        patience=PATIENCE,
        stopped=es.stopped_epoch + 1,
        es_best=es.best_epoch + 1,
        loss_early=res_early["loss"],
        acc_early=res_early["accuracy"],
        loss_full=res_full["loss"],
        acc_full=res_full["accuracy"],
    )
    line = {
        part: interpolate(early.module, gn.nn.CrossEntropyLoss(), xy, get_weights(early.module),
                          get_weights(full.module), steps=25, margin=0.25)
        for part, xy in (("train", (data[0][:N_TRAIN], data[3][:N_TRAIN])),
                         ("val", (data[1], data[4])))
    }  # fmt: skip
    at = {
        part: np.interp([0.0, 1.0], ln.alphas, ln.losses) for part, ln in line.items()
    }  # grid points
    L.say(
        "inspect.interpolate: 조기 종료한 가중치 (α = 0)에서 끝까지 학습한 가중치 (α = 1)로 "
        "가는 직선 위에서 학습 손실은 {line_train0:.4f} → {line_train1:.4f}로 내려가고 검증 "
        "손실은 {line_val0:.4f} → {line_val1:.4f}로 오릅니다: 더 학습한 만큼 외운 것입니다.",
        "inspect.interpolate: on the straight line from the early-stopped weights (α = 0) to "
        "the fully trained ones (α = 1) the training loss falls {line_train0:.4f} → "
        "{line_train1:.4f} while the validation loss rises {line_val0:.4f} → {line_val1:.4f}: "
        "what the extra epochs learned was memorised.",
        line_train0=float(at["train"][0]),
        line_train1=float(at["train"][1]),
        line_val0=float(at["val"][0]),
        line_val1=float(at["val"][1]),
    )
    L.record(history_full=h_full, history_early=h_early, best_index=best, line=line)
    figures.panels(
        L.figure("interpolation"),
        [
            {
                "title": L.t("조기 종료 → 끝까지 학습", "early-stopped → fully trained"),
                "xlabel": "α",
                "ylabel": L.t("손실", "loss"),
                "logy": True,
                "series": [
                    (L.t("학습", "train"), line["train"].alphas, line["train"].losses),
                    (L.t("검증", "validation"), line["val"].alphas, line["val"].losses),
                ],
                "vlines": [(0.0, L.t("조기 종료", "early stop")), (1.0, L.t("끝", "end"))],
            }
        ],
    )
    ep = np.arange(1, EPOCHS + 1)
    figures.panels(
        L.figure("curves"),
        [
            {
                "title": L.t("학습 vs 검증 손실", "train vs validation loss"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("손실", "loss"),
                "logy": True,
                "series": [
                    (L.t("학습", "train"), ep, h_full["loss"]),
                    (L.t("검증", "validation"), ep, h_full["val_loss"]),
                ],
                "vlines": [
                    (es.best_epoch + 1, L.t("최고 검증", "best validation")),
                    (es.stopped_epoch + 1, L.t("조기 종료", "early stop")),
                ],
            }
        ],
    )
    return L.result()
