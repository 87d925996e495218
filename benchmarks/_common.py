"""Shared benchmark plumbing: same thread count for both libraries, best-of timing, BLAS info."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import torch
from threadpoolctl import threadpool_info, threadpool_limits

_limits = []


def setup_threads() -> int:
    """Give NumPy's BLAS and torch the same thread count: $BENCH_THREADS, else BLAS's default."""
    info = threadpool_info()
    n = int(os.environ.get("BENCH_THREADS", 0)) or max(
        (i["num_threads"] for i in info if i.get("user_api") == "blas"), default=1)
    _limits.append(threadpool_limits(n))
    torch.set_num_threads(n)
    return n


def best_time(fn: Callable[[], object], repeat: int = 5, number: int = 20) -> float:
    """Best mean seconds per call over `repeat` rounds of `number` calls (after a warm-up)."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def report(name: str, t_gn: float, t_torch: float, threads: int) -> None:
    """Print the environment, both timings, and the ratio last (torch time / glassnet time)."""
    for i in threadpool_info():
        print(f"threadpool: {i.get('internal_api')} {i.get('version')} "
              f"kernel={i.get('architecture')} threads={i.get('num_threads')}")
    env = {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}
    print(f"OPENBLAS env: {env or 'none set'}; torch threads={torch.get_num_threads()} "
          f"(numpy BLAS threads={threads})")
    print(f"glassnet: {t_gn * 1e3:.3f} ms/step   torch: {t_torch * 1e3:.3f} ms/step")
    print(f"ratio {name} (torch time / glassnet time, higher is better)={t_torch / t_gn:.3f}")
