"""DataParallel on a local Ray: the seed's DNN epoch (784-300-100-10, Adagrad 0.05, batch 50,
Fashion-MNIST) in one process, on 1 worker and on 2 workers; the speed-up of 2 workers over 1
and the time per step in gradient exchange (weights into the object store, shards out,
gradients back), apart from the workers' computation and the driver's mean and optimizer step.

SAMPLES=11000 times a fifth of the epoch (default: all 55,000); BATCH=1000 a larger global
batch (default the seed's 50), to see where the exchange stops dominating. Every process uses
one BLAS thread (a Ray worker gets one CPU), so the comparison is one core against two.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import numpy as np  # noqa: E402
import ray  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

import glassnet as gn  # noqa: E402
from glassnet.datasets import fashion_mnist  # noqa: E402
from glassnet.distributed import DataParallel  # noqa: E402
from glassnet.train import Model  # noqa: E402

SAMPLES = int(os.environ.get("SAMPLES", 55_000))
BATCH = int(os.environ.get("BATCH", 50))


def data() -> tuple[np.ndarray, np.ndarray]:
    x, y = fashion_mnist("train")
    x = x.reshape(len(x), -1).astype(np.float32) / 255
    return x[5000 : 5000 + SAMPLES], y[5000 : 5000 + SAMPLES]


def epoch(x: np.ndarray, y: np.ndarray, strategy: DataParallel | None) -> float:
    gn.manual_seed(0)
    model = Model(gn.models.MLP([784, 300, 100, 10], "relu"))
    model.compile("adagrad", "cross_entropy", ["accuracy"], lr=0.05)
    t = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, strategy=strategy)
    return time.perf_counter() - t


def main() -> None:
    x, y = data()
    steps = -(-len(x) // BATCH)
    params = 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10
    print(f"seed DNN: {params:,} parameters = {params * 4 / 1e6:.2f} MB of float32 gradients")
    print(f"{len(x):,} samples, batch {BATCH}: {steps} steps")
    with threadpool_limits(1):
        local = epoch(x, y, None)
    print(f"one process (1 thread): {local:.2f} s, {local / steps * 1e3:.2f} ms/step")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="ERROR")
    times = {}
    try:
        for n in (1, 2):
            with DataParallel(num_workers=n) as dp:
                epoch(x[:500], y[:500], dp)  # start the workers outside the timing
                s0 = dict(dp.stats)
                times[n] = epoch(x, y, dp)
                st = {k: dp.stats[k] - s0[k] for k in s0}
            ms = {k: st[k] / st["steps"] * 1e3 for k in ("compute_s", "exchange_s", "driver_s")}
            print(
                f"{n} worker{'s' if n > 1 else ''}: {times[n]:.2f} s, "
                f"{times[n] / steps * 1e3:.2f} ms/step: gradients {ms['compute_s']:.2f} ms "
                f"(slowest worker), gradient exchange {ms['exchange_s']:.2f} ms, driver "
                f"(mean, optimizer step, metrics) {ms['driver_s']:.2f} ms"
            )
    finally:
        ray.shutdown()
    print(f"speed-up of 2 workers over 1: {times[1] / times[2]:.2f}x")
    print(f"speed-up of 2 workers over one process: {local / times[2]:.2f}x")


if __name__ == "__main__":
    main()
