"""Tutorial 002's TensorFlow Playground walk-through, as links and as headless runs.

Each set-up is one `PlaygroundConfig` (TF Playground's URL-hash names), so it opens in
`glassnet playground` (or at playground.tensorflow.org) from its link, and the same
`playground.Session` trains it here without a browser: the spiral with only x₁, x₂ and with
the derived features, a learning rate that is too high, and a regularisation rate that is
too strong.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import figures
from ._lesson import Lesson

TITLE = ("텐서플로 플레이그라운드 둘러보기", "A TensorFlow Playground tour")
TUTORIALS = ("002",)
EPOCHS = 100
URL = "http://127.0.0.1:8765/"  # `glassnet playground`'s default address
BASE = {"dataset": "spiral", "networkShape": (8, 4), "seed": "0.5", "activation": "tanh"}
DERIVED = {"xSquared": True, "ySquared": True, "xTimesY": True, "sinX": True, "sinY": True}
SETUPS = {  # name -> changes on top of BASE
    "spiral x1 x2": {"learningRate": 0.03},
    "spiral + derived features": {"learningRate": 0.03, **DERIVED},
    "learning rate 3": {"learningRate": 3.0, **DERIVED},
    "L2 rate 0.003": {
        "learningRate": 0.03,
        "regularization": "L2",
        "regularizationRate": 0.003,
        **DERIVED,
    },
    "L2 rate 0.3": {
        "learningRate": 0.03,
        "regularization": "L2",
        "regularizationRate": 0.3,
        **DERIVED,
    },
}


def session(changes: dict):
    """A playground session for BASE + changes (needs the playground extra's code only)."""
    from ..playground.config import PlaygroundConfig
    from ..playground.session import Session

    return Session(PlaygroundConfig(**{**BASE, **changes}))


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train every set-up for `EPOCHS` epochs; links, final losses and loss curves."""
    L = Lesson("playground-tour", TITLE, TUTORIALS, lang, plot_dir)
    results, curves = {}, {}
    for name, changes in SETUPS.items():
        s = session(changes)
        train, test = [], []
        for _ in range(EPOCHS):
            s.step(1)
            train.append(s.train_loss)
            test.append(s.test_loss)
        results[name] = {
            "link": URL + s.config.replace(lang=lang).to_hash(),
            "train_loss": float(train[-1]),
            "test_loss": float(test[-1]),
            "test_accuracy": s.metrics()["accuracy"]["test"],
        }
        curves[name] = test
    r = results
    L.say(
        "나선형 데이터, 은닉층 8-4, tanh, {epochs} 에포크. x₁, x₂만 쓰면 시험 손실 {plain:.3f} "
        "(정확도 {plain_acc:.2f}); x₁², x₂², x₁x₂, sin x₁, sin x₂를 더하면 {derived:.3f} "
        "(정확도 {derived_acc:.2f}). 문제에 맞는 입력 특성이 있으면 작은 망도 나선을 풉니다.",
        "The spiral, hidden layers 8-4, tanh, {epochs} epochs. With only x₁, x₂ the test loss is "
        "{plain:.3f} (accuracy {plain_acc:.2f}); adding x₁², x₂², x₁x₂, sin x₁, sin x₂ gives "
        "{derived:.3f} (accuracy {derived_acc:.2f}). With input features that fit the problem a "
        "small network solves the spiral.",
        epochs=EPOCHS,
        plain=r["spiral x1 x2"]["test_loss"],
        plain_acc=r["spiral x1 x2"]["test_accuracy"],
        derived=r["spiral + derived features"]["test_loss"],
        derived_acc=r["spiral + derived features"]["test_accuracy"],
    )
    L.say(
        "학습률 3: 시험 손실 {lr_high:.3f} — 너무 크면 발산하거나 튀어 다닙니다. L2 규제율 0.003: "
        "{l2_small:.3f}, 0.3: {l2_big:.3f} — 너무 세면 경계가 지나치게 매끈해집니다.",
        "Learning rate 3: test loss {lr_high:.3f}: too large and it jumps about or diverges. "
        "L2 rate 0.003: {l2_small:.3f}; 0.3: {l2_big:.3f}: too strong and the boundary gets "
        "too smooth.",
        lr_high=r["learning rate 3"]["test_loss"],
        l2_small=r["L2 rate 0.003"]["test_loss"],
        l2_big=r["L2 rate 0.3"]["test_loss"],
    )
    for i, (name, v) in enumerate(r.items()):
        L.say(
            "플레이그라운드에서 열기 ({setup_@}): {link_@}".replace("@", str(i)),
            "Open in the playground ({setup_@}): {link_@}".replace("@", str(i)),
            **{f"setup_{i}": name, f"link_{i}": v["link"]},
        )
    L.record(results=results, curves=curves)
    figures.panels(
        L.figure("losses"),
        [
            {
                "title": L.t("에포크마다 시험 손실", "test loss per epoch"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("시험 손실", "test loss"),
                "series": [(k, np.arange(1, EPOCHS + 1), v) for k, v in curves.items()],
            }
        ],
    )
    return L.result()
