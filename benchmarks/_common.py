"""Shared benchmark plumbing: one thread count for both frameworks, timing, BLAS report."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

import torch
from threadpoolctl import threadpool_info, threadpool_limits


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


def compare(
    ours: Callable[[], object],
    ref: Callable[[], object],
    items: int,
    repeats: int = 7,
    min_time: float = 0.25,
) -> tuple[float, float, float]:
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


_limits = []


def setup_threads() -> int:
    """Give NumPy's BLAS and torch one thread count ($BENCH_THREADS, else BLAS's default) and
    print the BLAS kernel and OPENBLAS_* variables the run sees."""
    info = threadpool_info()
    n = int(os.environ.get("BENCH_THREADS", 0)) or max(
        (i["num_threads"] for i in info if i.get("user_api") == "blas"), default=1
    )
    _limits.append(threadpool_limits(n))
    torch.set_num_threads(n)
    for i in threadpool_info():
        print(
            f"threadpool: {i.get('internal_api')} {i.get('version')} "
            f"kernel={i.get('architecture')} threads={i.get('num_threads')} "
            f"({os.path.basename(i['filepath'])})"
        )
    env = {k: v for k, v in sorted(os.environ.items()) if k.startswith("OPENBLAS")}
    print(
        f"OPENBLAS_* env: {env or 'none set'}; torch {torch.__version__} "
        f"threads={torch.get_num_threads()}"
    )
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


def report(name: str, t_gn: float, t_torch: float) -> None:
    """Print both timings, and the ratio last (torch time / glassnet time)."""
    print(f"glassnet: {t_gn * 1e3:.3f} ms/step   torch: {t_torch * 1e3:.3f} ms/step")
    print(f"ratio {name} (torch time / glassnet time, higher is better)={t_torch / t_gn:.3f}")
