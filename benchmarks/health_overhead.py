"""The cost of `glassnet.inspect.HealthMonitor` on a Fashion-MNIST epoch of the seed's DNN.

Epochs of `Model.fit` (784-300-100-10 ReLU, Adam at 1e-3, batch 50, 55,000 images) without
and with the monitor sampling every 50 steps, in alternation (ROUNDS=2 pairs by default).
The last line is the overhead: monitored time / plain time - 1 (the target is <= 15 %), in
CPU time of this process (robust on a shared machine, where wall time swings with the load)
and in wall time.
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


def epoch(x: np.ndarray, y: np.ndarray, monitor: HealthMonitor | None) -> tuple[float, float]:
    """(CPU, wall) seconds for one epoch of fit, with or without the monitor."""
    gn.manual_seed(0)
    model = Model(gn.models.MLP([784, 300, 100, 10], "relu"))
    model.compile("adam", "cross_entropy", ["accuracy"], lr=1e-3)
    c, t = time.process_time(), time.perf_counter()
    model.fit(x, y, batch_size=50, epochs=1, verbose=0, callbacks=[monitor] if monitor else [])
    return time.process_time() - c, time.perf_counter() - t


def main() -> None:
    """Time the pairs and print the overhead."""
    setup_threads()
    x, y = fashion_mnist("train")
    x, y = x.reshape(len(x), -1).astype(np.float32)[5000:] / 255, y[5000:]
    cpu, wall = [], []
    for r in range(ROUNDS):
        plain = epoch(x, y, None)
        mon = HealthMonitor(every=EVERY, verbose=False)
        watched = epoch(x, y, mon)
        cpu.append(watched[0] / plain[0])
        wall.append(watched[1] / plain[1])
        print(f"round {r}: plain {plain[0]:.2f} s CPU ({plain[1]:.2f} s wall), monitored "
              f"{watched[0]:.2f} s CPU ({watched[1]:.2f} s wall), "
              f"{len({row['step'] for row in mon.rows})} sampled steps")  # fmt: skip
    c, w = statistics.median(cpu) - 1, statistics.median(wall) - 1
    print(f"health monitor overhead (every {EVERY} steps): {c:+.1%} CPU time, {w:+.1%} wall")


if __name__ == "__main__":
    main()
