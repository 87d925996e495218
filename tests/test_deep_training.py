"""Deep networks learn: vanishing gradients made visible, LSTM memory, LeNet on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet import nn
from glassnet.diagnostics import gradient_norms
from glassnet.models import MLP, ResNet

DATA = Path(__file__).parent / "data"


# ----- vanishing gradients ----------------------------------------------------------------
def _first_last_ratio(model: nn.Module) -> float:
    x = gn.randn(128, 32)
    y = np.random.default_rng(0).integers(0, 10, 128)
    nn.CrossEntropyLoss()(model(x), y).backward()
    norms = list(gradient_norms(model).values())
    assert len(norms) == 10
    return norms[0] / norms[-1]


def test_sigmoid_mlp_with_small_init_has_vanishing_gradients():
    model = MLP([32] + [64] * 9 + [10], activation=nn.Sigmoid)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.05)
    assert _first_last_ratio(model) < 1e-3


def test_relu_with_he_init_keeps_gradients_within_100x():
    model = MLP([32] + [64] * 9 + [10], activation=nn.ReLU)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            nn.init.zeros_(m.bias)
    assert 1e-2 < _first_last_ratio(model) < 1e2


def test_batch_norm_keeps_sigmoid_gradients_within_100x():
    model = MLP([32] + [64] * 9 + [10], activation=nn.Sigmoid, batch_norm=True)
    for m in model.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.05)
    assert 1e-2 < _first_last_ratio(model) < 1e2


def test_resnet_trains_a_step_and_keeps_shapes():
    model = ResNet(in_channels=3, num_classes=4, widths=(4, 8), blocks_per_stage=1)
    opt = gn.optim.SGD(model.parameters(), lr=0.1)
    x, y = gn.randn(4, 3, 8, 8), np.array([0, 1, 2, 3])
    losses = []
    for _ in range(5):
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert model(x).shape == (4, 4)


# ----- LSTM memory ------------------------------------------------------------------------
class _LastStep(nn.Module):
    def __init__(self, rnn: nn.Module, hidden: int, classes: int) -> None:
        super().__init__()
        self.rnn, self.fc = rnn, nn.Linear(hidden, classes)

    def forward(self, x):
        return self.fc(self.rnn(x)[0][:, -1])


def _first_bit(rng, n, length=50):
    """Random ±1 bits at every step (channel 0), a marker on the first (channel 1)."""
    bits = rng.integers(0, 2, (n, length))
    x = np.zeros((n, length, 2), np.float32)
    x[:, :, 0] = bits * 2 - 1
    x[:, 0, 1] = 1
    return gn.tensor(x), bits[:, 0]


def _train_first_bit(kind: str, hidden: int = 32) -> float:
    """Train to output the first of 50 bits; return accuracy on 500 fresh sequences."""
    rng = np.random.default_rng(0)
    rnn = getattr(nn, kind)(2, hidden, batch_first=True)
    if kind == "LSTM":  # forget-gate bias 3: remember by default (Gers et al.)
        with gn.no_grad():
            rnn.bias_hh_l0._array[hidden : 2 * hidden] = 3.0
    model = _LastStep(rnn, hidden, 2)
    opt = gn.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(600):
        x, y = _first_bit(rng, 64)
        loss = nn.CrossEntropyLoss()(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    x, y = _first_bit(rng, 500)
    with gn.no_grad():
        return float((model(x)._array.argmax(1) == y).mean())


@pytest.mark.slow
def test_lstm_remembers_the_first_bit_of_50_where_a_plain_rnn_fails():
    assert _train_first_bit("LSTM") > 0.95
    assert _train_first_bit("RNN") < 0.65


@pytest.mark.slow
def test_lstm_char_language_model_learns_bundled_text():
    text = (DATA / "tiny_text.txt").read_text()
    chars = sorted(set(text))
    ids = np.array([chars.index(c) for c in text])
    split = int(len(ids) * 0.9)
    train, val = ids[:split], ids[split:]
    counts = np.bincount(train, minlength=len(chars)) + 1.0
    unigram = float(-np.log(counts / counts.sum())[val].mean())  # knows only letter frequencies

    class CharLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = nn.Embedding(len(chars), 16)
            self.lstm = nn.LSTM(16, 64, batch_first=True)
            self.fc = nn.Linear(64, len(chars))

        def forward(self, x):
            return self.fc(self.lstm(self.emb(x))[0])

    model = CharLM()
    opt = gn.optim.Adam(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    seq, batch = 32, 32
    for _ in range(120):  # early stop: 2.7 kB of text is overfitted after ~200 steps
        starts = rng.integers(0, split - seq - 1, batch)
        x = np.stack([train[s : s + seq] for s in starts])
        y = np.stack([train[s + 1 : s + seq + 1] for s in starts])
        logits = model(x)
        loss = nn.CrossEntropyLoss()(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        gn.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    model.eval()
    with gn.no_grad():
        logits = model(val[None, :-1])
        val_loss = nn.CrossEntropyLoss()(logits.reshape(-1, len(chars)), val[1:]).item()
    # stated bound: below 2.3 nats per character, and well below the unigram model
    assert val_loss < 2.3, (val_loss, unigram)
    assert val_loss < unigram - 0.5, (val_loss, unigram)


# ----- LeNet-5 on real Fashion-MNIST ------------------------------------------------------
@pytest.mark.slow
def test_lenet5_on_fashion_mnist_matches_pytorch():
    """All 60,000 training images, 10 epochs of Adam, both frameworks from the same weights and
    batches (benchmarks/lenet_fashion_mnist.py): >= 0.90 test accuracy, within 0.5 points."""
    require("torch")
    from benchmarks.lenet_fashion_mnist import load, train_both

    (xtr, ytr), (xte, yte) = load("train"), load("test")
    r = train_both(xtr, ytr, xte, yte, epochs=10, log=False)
    assert r["glassnet"] >= 0.90, r
    assert abs(r["glassnet"] - r["torch"]) <= 0.005, r
