"""Shared benchmark plumbing: one thread count for both frameworks, timing, BLAS report, and
the neighbours of the contention modes.

``BENCH_CONTEND=busy|numpy|heavy`` (or ``--contend MODE``) starts other processes beside the
benchmark for as long as it runs, so that the ratio against PyTorch is measured under the same
load for both frameworks:

- ``busy``: a pure-Python busy loop (one core taken, as by an editor or a browser tab);
- ``numpy``: a NumPy job multiplying small matrices on its default BLAS threads (a second
  learner's notebook on the same server);
- ``heavy``: three at once, the busy loop, a glassnet training job and a PyTorch training job,
  each on two threads (an oversubscribed classroom server).

Each neighbour is a bounded subprocess: it exits when the benchmark stops it, when its parent
dies, or after ``BENCH_CONTEND_MAX_S`` seconds (default 900), whichever comes first.
"""

from __future__ import annotations

import atexit
import os
import statistics
import subprocess
import sys
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


# Seconds of quiet before each timed round. Both frameworks live in one process here, which
# no user's program does: OpenBLAS's worker threads spin for about 0.1 s after a product and
# torch's pool wakes its threads, so a round that starts right after the other framework's
# shares the cores with that framework's spinning threads (the LSTM step measured 4.1 ms for
# torch alternated call by call, 2.2 ms on its own). The pause lets them park first.
_SETTLE = float(os.environ.get("BENCH_SETTLE", "0.2"))


def _rate(fn: Callable[[], object], n: int, items: int) -> float:
    """Items/s over n calls of fn, after a pause for the other side's threads and a warm call."""
    time.sleep(_SETTLE)
    fn()
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

# Each neighbour runs `_BOUNDED` first: it stops when the benchmark (its parent) is gone or the
# time limit passes, so a killed benchmark never leaves a busy process behind.
_BOUNDED = """
import os, sys, threading, time
parent, deadline = os.getppid(), time.monotonic() + float(sys.argv[1])
def watch():
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.2)
    os._exit(0)
threading.Thread(target=watch, daemon=True).start()
"""
NEIGHBOURS = {
    "busy": "while True:\n    pass\n",
    "numpy": (
        "import numpy as np\n"
        "a = np.random.default_rng(1).standard_normal((96, 256), dtype=np.float32)\n"
        "b = np.random.default_rng(2).standard_normal((256, 256), dtype=np.float32)\n"
        "while True:\n"
        "    for _ in range(20):\n"
        "        c = a @ b\n"
        "    np.tanh(c, out=c)\n"
    ),
    "glassnet": (
        "import numpy as np, glassnet as gn\n"
        "rng = np.random.default_rng(3)\n"
        "x = gn.tensor(rng.standard_normal((64, 784), dtype=np.float32))\n"
        "y = rng.integers(0, 10, 64)\n"
        "m = gn.models.MLP([784, 300, 100, 10])\n"
        "opt = gn.optim.Adam(m.parameters(), 1e-3)\n"
        "while True:\n"
        "    opt.zero_grad()\n"
        "    gn.nn.functional.cross_entropy(m(x), y).backward()\n"
        "    opt.step()\n"
    ),
    "torch": (
        "import torch\n"
        "torch.set_num_threads(2)\n"
        "m = torch.nn.LSTM(32, 128)\n"
        "x = torch.randn(35, 32, 32)\n"
        "opt = torch.optim.Adam(m.parameters(), 1e-3)\n"
        "while True:\n"
        "    opt.zero_grad()\n"
        "    out, _ = m(x)\n"
        "    out.sum().backward()\n"
        "    opt.step()\n"
    ),
}
MODES = {"busy": ["busy"], "numpy": ["numpy"], "heavy": ["busy", "glassnet", "torch"]}
_procs: list[subprocess.Popen] = []


def contend_mode() -> str:
    """The contention mode asked for: ``--contend MODE`` or $BENCH_CONTEND ('' when quiet)."""
    if "--contend" in sys.argv:
        i = sys.argv.index("--contend")
        mode = sys.argv[i + 1] if i + 1 < len(sys.argv) else ""
        del sys.argv[i : i + 2]
    else:
        mode = os.environ.get("BENCH_CONTEND", "")
    if mode not in ("", *MODES):
        raise SystemExit(f"BENCH_CONTEND / --contend: unknown mode {mode!r}; use {list(MODES)}")
    return mode


def start_neighbours(mode: str) -> None:
    """Start the neighbour processes of `mode` and wait until they are busy (about 2 s)."""
    limit = os.environ.get("BENCH_CONTEND_MAX_S", "900")
    env = dict(os.environ)
    env.pop("BENCH_CONTEND", None)
    for kind in MODES[mode]:
        code = _BOUNDED + NEIGHBOURS[kind]
        _procs.append(
            subprocess.Popen(
                [sys.executable, "-c", code, limit], env=env, stdout=subprocess.DEVNULL
            )
        )
    atexit.register(stop_neighbours)
    time.sleep(2.0 if mode != "heavy" else 4.0)  # imports done, loops running
    for p, kind in zip(_procs, MODES[mode]):
        if p.poll() is not None:
            raise SystemExit(f"contention neighbour {kind!r} exited early (code {p.returncode})")
    print(f"contention: {mode} ({', '.join(MODES[mode])}: pids {[p.pid for p in _procs]})")


def stop_neighbours() -> None:
    """Stop every neighbour this process started."""
    while _procs:
        p = _procs.pop()
        p.kill()
        p.wait()


def setup_threads() -> int:
    """Give NumPy's BLAS and torch one thread count ($BENCH_THREADS, else BLAS's default) and
    print the BLAS kernel and OPENBLAS_* variables the run sees."""
    mode = contend_mode()
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
    if mode:
        start_neighbours(mode)
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


def paired_times(ours: Callable[[], object], ref: Callable[[], object]) -> tuple[float, float]:
    """Median seconds per call of ours and of ref, timed in alternating rounds (`compare`),
    so a neighbour that comes and goes slows both alike."""
    rate_ours, rate_ref, _ = compare(ours, ref, items=1)
    return 1 / rate_ours, 1 / rate_ref


def report(name: str, t_gn: float, t_torch: float) -> None:
    """Print both timings, and the ratio last (torch time / glassnet time)."""
    print(f"glassnet: {t_gn * 1e3:.3f} ms/step   torch: {t_torch * 1e3:.3f} ms/step")
    print(f"ratio {name} (torch time / glassnet time, higher is better)={t_torch / t_gn:.3f}")
