"""The cost of `glassnet.inspect.HealthMonitor` on a Fashion-MNIST epoch of the seed's DNN.

Epochs of `Model.fit` (784-300-100-10 ReLU, Adam at 1e-3, batch 50, 55,000 images) without
and with the monitor sampling every 50 steps, in alternation (ROUNDS=2 pairs by default).
The last line is the overhead: monitored time / plain time - 1 (the target is <= 15 %).
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402

import glassnet as gn  # noqa: E402
from _common import setup_threads  # noqa: E402
from glassnet.datasets import fashion_mnist  # noqa: E402
from glassnet.inspect import HealthMonitor  # noqa: E402
from glassnet.train import Model  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "2"))
EVERY = int(os.environ.get("EVERY", "50"))


def epoch(x: np.ndarray, y: np.ndarray, monitor: HealthMonitor | None) -> float:
    """Seconds for one epoch of fit, with or without the monitor."""
    gn.manual_seed(0)
    model = Model(gn.models.MLP([784, 300, 100, 10], "relu"))
    model.compile("adam", "cross_entropy", ["accuracy"], lr=1e-3)
    t = time.perf_counter()
    model.fit(x, y, batch_size=50, epochs=1, verbose=0, callbacks=[monitor] if monitor else [])
    return time.perf_counter() - t


def main() -> None:
    """Time the pairs and print the overhead."""
    setup_threads()
    x, y = fashion_mnist("train")
    x, y = x.reshape(len(x), -1).astype(np.float32)[5000:] / 255, y[5000:]
    ratios = []
    for r in range(ROUNDS):
        plain = epoch(x, y, None)
        mon = HealthMonitor(every=EVERY, verbose=False)
        watched = epoch(x, y, mon)
        ratios.append(watched / plain)
        print(f"round {r}: plain {plain:.2f} s, monitored {watched:.2f} s "
              f"({len({row['step'] for row in mon.rows})} sampled steps)")  # fmt: skip
    print(f"health monitor overhead (every {EVERY} steps): "
          f"{statistics.median(ratios) - 1:+.1%}")  # fmt: skip


if __name__ == "__main__":
    main()
