"""A plain RNN forgets, an LSTM remembers: the sign of the first number in a sequence.

Each sequence is T random numbers; the answer is whether the *first* one was positive, so the
network must carry one bit through T − 1 steps of noise. A plain RNN squeezes its state
through tanh at every step and the gradient back to step 1 shrinks each time; an LSTM's cell
state passes through a forget gate (started open: bias 1) and keeps the bit. Short sequences
are easy for both; long ones separate them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = ("RNN은 잊고 LSTM은 기억한다", "An RNN forgets, an LSTM remembers")
TUTORIALS = ("002", "003")
HIDDEN, LENGTHS, N, EPOCHS = 16, (5, 20), 2048, 8


class Memory(gn.nn.Module):
    """A recurrent layer (RNN or LSTM) reading the sequence, a Linear on its last output."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.rnn = (gn.nn.LSTM if kind == "lstm" else gn.nn.RNN)(1, HIDDEN, batch_first=True)
        self.head = gn.nn.Linear(HIDDEN, 2)
        if kind == "lstm":  # gates are i, f, g, o: start with the forget gate open
            with gn.no_grad():
                self.rnn.bias_ih_l0.data[HIDDEN : 2 * HIDDEN] = 1.0
                self.rnn.bias_hh_l0.data[HIDDEN : 2 * HIDDEN] = 0.0

    def forward(self, x: gn.Tensor) -> gn.Tensor:
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


def sequences(length: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n sequences of `length` N(0, 1) numbers; label 1 when the first is positive."""
    x = np.random.default_rng(seed).normal(size=(n, length, 1)).astype(np.float32)
    return x, (x[:, 0, 0] > 0).astype(np.int64)


def train(kind: str, length: int) -> tuple[list[float], float]:
    """Train one network on one length; its loss per epoch and its test accuracy."""
    gn.manual_seed(0)
    model = Model(Memory(kind)).compile(
        optimizer="adam", lr=0.01, loss="cross_entropy", metrics=["accuracy"]
    )
    x, y = sequences(length, N, 0)
    h = model.fit(x, y, batch_size=64, epochs=EPOCHS, verbose=0)
    xt, yt = sequences(length, 512, 1)
    return h.history["loss"], float(model.evaluate(xt, yt, return_dict=True)["accuracy"])


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """RNN and LSTM on sequences of 5 and 20 numbers."""
    L = Lesson("rnn-lstm", TITLE, TUTORIALS, lang, plot_dir)
    results = {(k, t): train(k, t) for t in LENGTHS for k in ("rnn", "lstm")}
    acc = {f"{k}_{t}": a for (k, t), (_, a) in results.items()}
    L.say(
        "과제: 수열의 첫 숫자가 양수인가? (우연히 맞힐 확률 0.5). 은닉 {hidden}, {n}개 수열, "
        "{epochs} 에포크.",
        "The task: was the first number of the sequence positive? (Guessing scores 0.5.) "
        "Hidden size {hidden}, {n} sequences, {epochs} epochs.",
        hidden=HIDDEN,
        n=N,
        epochs=EPOCHS,
    )
    L.say(
        "길이 5: RNN 정확도 {rnn_5:.3f}, LSTM {lstm_5:.3f} — 둘 다 기억합니다. 길이 20: RNN "
        "{rnn_20:.3f} (잊었습니다, 찍는 수준), LSTM {lstm_20:.3f} (기억합니다).",
        "Length 5: RNN accuracy {rnn_5:.3f}, LSTM {lstm_5:.3f}: both remember. Length 20: RNN "
        "{rnn_20:.3f} (it forgot: guessing), LSTM {lstm_20:.3f} (it remembers).",
        **acc,
    )
    L.record(accuracy=acc, losses={f"{k}_{t}": v for (k, t), (v, _) in results.items()})
    ep = np.arange(1, EPOCHS + 1)
    figures.panels(
        L.figure("curves"),
        [
            {
                "title": L.t(f"길이 {t}", f"length {t}"),
                "xlabel": L.t("에포크", "epoch"),
                "ylabel": L.t("손실", "loss"),
                "series": [(k.upper(), ep, results[(k, t)][0]) for k in ("rnn", "lstm")],
            }
            for t in LENGTHS
        ],
    )
    return L.result()
