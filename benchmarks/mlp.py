"""Training-step throughput of the seed's MLP 784-300-100-10 (ReLU, cross-entropy, SGD lr 0.1).

glassnet and PyTorch run the same float32 network on the same random data with the same thread
count; prints samples/s for each and the ratio glassnet/PyTorch. Last line:
``ratio_b50=… ratio_b128=…``.
"""

from __future__ import annotations

import numpy as np
import torch

import glassnet as gn
from _common import compare, setup_threads

SIZES = (784, 300, 100, 10)


def make_step(lib, batch: int, rng: np.random.Generator):
    """One training step as a closure over fixed random data; `lib` is glassnet or torch."""
    layers = []
    for i, (a, b) in enumerate(zip(SIZES, SIZES[1:])):
        layers += [lib.nn.Linear(a, b)] + ([lib.nn.ReLU()] if i < len(SIZES) - 2 else [])
    model = lib.nn.Sequential(*layers)
    opt = lib.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = lib.nn.CrossEntropyLoss()
    x = lib.tensor(rng.standard_normal((batch, SIZES[0]), dtype=np.float32))
    y = lib.tensor(rng.integers(0, SIZES[-1], batch))

    def step() -> None:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()

    return step, model


def numpy_step(batch: int, rng: np.random.Generator):
    """The same step written by hand in NumPy: the floor for any NumPy framework's overhead."""
    ws = [
        (rng.uniform(-1, 1, (b, a)) / np.sqrt(a)).astype(np.float32)
        for a, b in zip(SIZES, SIZES[1:])
    ]
    bs = [np.zeros(b, np.float32) for b in SIZES[1:]]
    x = rng.standard_normal((batch, SIZES[0]), dtype=np.float32)
    y = rng.integers(0, SIZES[-1], batch)
    lr = np.float32(0.1)

    def step() -> None:
        hs = [x]
        for i, (w, b) in enumerate(zip(ws, bs)):
            z = hs[-1] @ w.T + b
            hs.append(np.maximum(z, 0) if i < len(ws) - 1 else z)
        e = np.exp(hs[-1] - hs[-1].max(1, keepdims=True))
        g = e / e.sum(1, keepdims=True)
        g[np.arange(batch), y] -= 1
        g /= batch
        for i in reversed(range(len(ws))):
            gw, gb = g.T @ hs[i], g.sum(0)
            if i:
                g = (g @ ws[i]) * (hs[i] > 0)
            ws[i] -= lr * gw
            bs[i] -= lr * gb

    return step


def main() -> None:
    setup_threads()
    ratios = {}
    for batch in (50, 128):
        rng = np.random.default_rng(0)
        ours, model = make_step(gn, batch, rng)
        ref, _ = make_step(torch, batch, np.random.default_rng(0))
        g, t, r = compare(ours, ref, batch)
        assert all(p.dtype == np.float32 for p in model.parameters()), "weights left float32"
        n, _, rn = compare(numpy_step(batch, np.random.default_rng(0)), ref, batch, repeats=3)
        print(
            f"batch {batch}: glassnet {g:,.0f} samples/s, torch {t:,.0f} samples/s, "
            f"ratio {r:.3f} (hand-written NumPy: {n:,.0f} samples/s, ratio {rn:.3f})"
        )
        ratios[batch] = r
    print(f"ratio_b50={ratios[50]:.3f} ratio_b128={ratios[128]:.3f}")


if __name__ == "__main__":
    main()
