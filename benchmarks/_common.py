"""Shared set-up for the benchmarks: one thread count for both frameworks, and a report of it."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import threadpoolctl
import torch


def match_threads() -> int:
    """Give PyTorch the BLAS thread count NumPy runs with; print the BLAS kernel and env."""
    blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
    threads = blas[0]["num_threads"] if blas else 1
    torch.set_num_threads(threads)
    for i in blas:
        print(f"BLAS: {i['internal_api']} {i.get('version')} kernel={i.get('architecture')} "
              f"threads={i['num_threads']} ({os.path.basename(i['filepath'])})")
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS")}
    print(f"OPENBLAS_* env: {env or 'none set'}")
    print(f"torch {torch.__version__} threads={torch.get_num_threads()}")
    return threads


def _calibrate(fn: Callable[[], object], min_time: float) -> int:
    """How many calls of fn take at least min_time seconds."""
    n = 1
    while True:
        t = time.perf_counter()
        for _ in range(n):
            fn()
        if time.perf_counter() - t >= min_time:
            return n
        n *= 2


def _rate(fn: Callable[[], object], n: int, items: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return n * items / (time.perf_counter() - t)


def compare(ours: Callable[[], object], ref: Callable[[], object], items: int,
            repeats: int = 7, min_time: float = 0.25) -> tuple[float, float, float]:
    """Items/s of ours and of ref and the median of their ratio, timed in alternation.

    Alternating short runs means a noisy neighbour slows both sides alike.
    """
    n_ours, n_ref = _calibrate(ours, min_time), _calibrate(ref, min_time)
    a, b = [], []
    for _ in range(repeats):
        a.append(_rate(ours, n_ours, items))
        b.append(_rate(ref, n_ref, items))
    ratio = statistics.median(x / y for x, y in zip(a, b))
    return statistics.median(a), statistics.median(b), ratio
