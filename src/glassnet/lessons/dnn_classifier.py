"""Tutorial 004's `DNNClassifier(hidden_units=[300, 100], n_classes=10)`, run here.

The tutorial trains TensorFlow's estimator on MNIST's 60,000 training images (the first 5,000
kept for validation) for 40 epochs of batch 50 and reports accuracy 0.98 on the 10,000 test
images. MNIST's training images are not on this machine and lessons never download, so the
same estimator (glassnet's, same name and arguments, TensorFlow's Adagrad 0.05) trains here on
Fashion-MNIST and on MNIST's test images (first 8,000 to learn, last 2,000 to test, as
`glassnet train --dataset mnist-t10k`), for a few epochs to stay within a minute.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .. import metrics
from . import _data, figures
from ._lesson import Lesson

TITLE = ("DNNClassifier [300, 100]로 손글씨/옷 분류", "DNNClassifier [300, 100] on images")
TUTORIALS = ("004",)
EPOCHS, N_FASHION, N_FASHION_TEST = 3, 5000, 2000
TUTORIAL_ACCURACY = 0.98


def sets() -> dict[str, tuple]:
    """name -> (x_train, y_train, x_test, y_test, source), pixels scaled to [0, 1]."""
    out = {}
    x, y, src = _data.images("fashion_mnist", "train")
    xt, yt, _ = _data.images("fashion_mnist", "test")
    if src.startswith("digits"):  # the fallback: one set of images, split 80/20
        xt, yt, x, y = x[1437:], y[1437:], x[:1437], y[:1437]
    out["fashion-mnist"] = (
        x[:N_FASHION],
        y[:N_FASHION],
        xt[:N_FASHION_TEST],
        yt[:N_FASHION_TEST],
        src,
    )
    x, y, src = _data.images("mnist", "test")
    cut = int(0.8 * len(x))
    out["mnist-t10k"] = (x[:cut], y[:cut], x[cut:], y[cut:], src)
    return {
        k: (
            a.reshape(len(a), -1) / np.float32(255),
            b,
            c.reshape(len(c), -1) / np.float32(255),
            d,
            s,
        )
        for k, (a, b, c, d, s) in out.items()
    }


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train the estimator on both sets; learning curves and confusion matrices."""
    from ..sklearn import DNNClassifier

    L = Lesson("dnn-classifier", TITLE, TUTORIALS, lang, plot_dir)
    L.say(
        "튜토리얼: MNIST 학습 이미지 60,000장 (앞 5,000장은 검증), 40 에포크, 시험 정확도 "
        "{tutorial_accuracy}. 이 컴퓨터에는 MNIST 학습 이미지가 없고 레슨은 내려받지 "
        "않으므로, 같은 "
        "추정기로 아래 데이터에서 {epochs} 에포크만 학습합니다.",
        "The tutorial: MNIST's 60,000 training images (the first 5,000 for validation), 40 "
        "epochs, test accuracy {tutorial_accuracy}. MNIST's training images are not on this "
        "machine and lessons do not download, so the same estimator trains on the sets below "
        "for {epochs} epochs only.",
        tutorial_accuracy=TUTORIAL_ACCURACY,
        epochs=EPOCHS,
    )
    L.say(
        "튜토리얼의 업데이트 수도 맞습니다: 55,000장 × {tutorial_epochs} 에포크 / 배치 50 = "
        "{tutorial_steps:,} 번, 로그의 마지막 step 44,000과 같습니다.",
        "The tutorial's update count checks out: 55,000 images × {tutorial_epochs} epochs / "
        "batch 50 = {tutorial_steps:,}, the last step of its log (44,000).",
        tutorial_epochs=40,
        tutorial_steps=55000 * 40 // 50,
    )
    panels, results = [], {}
    for name, (x, y, xt, yt, source) in sets().items():
        estimator = DNNClassifier(
            hidden_units=[300, 100],
            n_classes=10,
            optimizer="adagrad",
            learning_rate=0.05,
            batch_size=50,
            epochs=EPOCHS,
            early_stopping=True,  # keeps 10 % aside and scores it after every epoch
            n_iter_no_change=EPOCHS,
            random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not converged" after a few epochs, as intended
            clf = estimator.fit(x, y)
        pred = clf.predict(xt)
        acc = float(metrics.accuracy_score(yt, pred))
        cm = metrics.confusion_matrix(yt, pred, labels=range(10))
        results[name] = {"accuracy": acc, "confusion": cm, "source": source}
        key = name.replace("-", "_")
        L.say(
            "{source_@}: 학습 {n_@}장, 시험 {nt_@}장, 시험 정확도 {acc_@:.4f}.".replace("@", key),
            "{source_@}: {n_@} training images, {nt_@} test images, test accuracy "
            "{acc_@:.4f}.".replace("@", key),
            **{
                f"source_{key}": source,
                f"n_{key}": len(x),
                f"nt_{key}": len(xt),
                f"acc_{key}": acc,
            },
        )
        ep = np.arange(1, len(clf.loss_curve_) + 1)
        panels.append(
            {
                "title": source,
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("손실 / 정확도", "loss / accuracy"),
                "series": [
                    (L.t("학습 손실", "training loss"), ep, clf.loss_curve_),
                    (L.t("검증 정확도", "validation accuracy"), ep, clf.validation_scores_),
                ],
            }
        )
        figures.confusion(L.figure(f"confusion-{name}"), cm, [str(i) for i in range(10)], source)
    L.record(results=results)
    figures.panels(L.figure("curves"), panels)
    return L.result()
