"""How many BLAS threads glassnet's matrix products use: no more than there are idle cores.

A threaded BLAS product splits its work between threads and waits for all of them. On a
busy machine (a browser, a second notebook, twenty students on one server) one of those
threads is often not running, and the product waits a whole scheduler time slice for it —
tens of milliseconds for a product that takes fifty microseconds. A training step issues
dozens of products, so on two shared cores a LeNet step went from 5 ms to 1.6 s.

glassnet's ops that multiply matrices (matmul, linear, convolution, recurrences) therefore run
under `blas_threads`: while one runs, the BLAS that NumPy uses gets
``min(its own setting, idle cores)`` threads, and its own setting is put back afterwards.
Idle cores = the CPUs this process may use minus the runnable threads of other processes,
read from the kernel's run queue (``/proc/loadavg``, less this process's own runnable threads
from ``/proc/self/task``) at most every 50 ms. On a quiet machine
that is the BLAS's own setting, so nothing changes; on a busy one the products run on the
cores that are free. The BLAS's setting itself ($OPENBLAS_NUM_THREADS, $OMP_NUM_THREADS,
`threadpoolctl` limits) is only ever an upper bound and is never changed outside the ops.

Override with ``GLASSNET_BLAS_THREADS`` or `set_thread_policy`: ``"idle-cores"`` (the default),
``"blas"`` (leave every product to the BLAS's own setting) or a number (that many threads,
still at most the BLAS's setting).
"""

from __future__ import annotations

import contextlib
import functools
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])
_PERIOD = 0.05  # seconds between two looks at the run queue


class _Control:
    """Get and set one BLAS library's thread count."""

    def __init__(self, controller: Any) -> None:
        self.get: Callable[[], int] = controller.get_num_threads
        self.set: Callable[[int], Any] = controller.set_num_threads
        # OpenBLAS's own functions, called directly: threadpoolctl looks the symbol up on
        # every call (about 1.5 µs), which a product of a few microseconds should not pay.
        lookup = getattr(controller, "_get_symbol", None)
        if controller.internal_api == "openblas" and lookup is not None:
            get, put = lookup("openblas_get_num_threads"), lookup("openblas_set_num_threads")
            if get is not None and put is not None and controller.threading_layer != "openmp":
                self.get, self.set = get, put
        self.seen, self.seen_at = 0, -1e9  # the setting last read, and when

    def setting(self, now: float) -> int:
        """The library's own setting, re-read at most every _PERIOD (a quiet machine then
        costs no call into the library per op; a change is always made from a fresh read)."""
        if now - self.seen_at >= _PERIOD:
            self.seen, self.seen_at = self.get(), now
        return self.seen


class _Blas:
    """The loaded thread pools (one threadpoolctl controller, made on first use) and the
    thread controls of the BLAS that NumPy itself links."""

    def __init__(self) -> None:
        self.pools: Any = None
        self.libs: list[_Control] | None = None

    def controller(self) -> Any:
        if self.pools is None:
            import numpy  # noqa: F401  (loaded first, so that its BLAS is visible)
            from threadpoolctl import ThreadpoolController

            self.pools = ThreadpoolController()
        return self.pools

    def controls(self) -> list[_Control]:
        if self.libs is None:
            blas = [c for c in self.controller().lib_controllers if c.user_api == "blas"]
            own = [c for c in blas if "numpy" in c.filepath]
            self.libs = [_Control(c) for c in own or [c for c in blas if "torch" not in c.filepath]]
        return self.libs


def _runnable_threads() -> int | None:
    """Runnable threads on the machine right now (the reader included), or None if unknown."""
    try:
        with open("/proc/loadavg", "rb") as f:
            return int(f.read().split()[3].split(b"/")[0])
    except (OSError, IndexError, ValueError):
        return None


def _own_runnable() -> int:
    """This process's runnable threads (its BLAS workers and any other pool, such as torch's,
    spin for a while after each use): these are not neighbours. At least 1 (the caller)."""
    n = 0
    try:
        for tid in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{tid}/stat", "rb") as f:
                    n += f.read().rsplit(b")", 1)[1].split()[0] == b"R"
            except (OSError, IndexError):  # the thread ended meanwhile
                continue
    except OSError:
        return 1
    return max(1, n)


def _usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask; all CPUs where that is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


class _IdleCores:
    """Idle cores, from the median of the last three run-queue samples (a blip is ignored)."""

    def __init__(self) -> None:
        self.cpus = _usable_cpus()
        self.samples: list[int] = []
        self.next_look = 0.0
        self.value = self.cpus

    def get(self) -> int:
        now = time.monotonic()
        if now < self.next_look:
            return self.value
        self.next_look = now + _PERIOD
        runnable = _runnable_threads()
        if runnable is None:
            return self.value
        self.samples = [*self.samples[-2:], max(0, runnable - _own_runnable())]
        others = sorted(self.samples)[(len(self.samples) - 1) // 2]  # lower median
        self.value = max(1, self.cpus - others)
        return self.value


_blas = _Blas()
_idle = _IdleCores()
_lock = threading.Lock()
_active = 0  # ops inside blas_threads right now (threads, nesting)
_saved: list[tuple[Any, int]] = []  # the BLAS settings to put back when the last one leaves
_policy: str | int = "idle-cores"


def _parse(value: str | int) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("idle-cores", "blas"):
            return v
        if v.isdigit() and int(v) >= 1:
            return int(v)
    raise ValueError(
        f"BLAS thread policy: expected 'idle-cores', 'blas' or a positive number of threads, "
        f"got {value!r}"
    )


def set_thread_policy(policy: str | int) -> None:
    """Choose how many BLAS threads glassnet's matrix products use: ``"idle-cores"``
    (default), ``"blas"`` (the BLAS's own setting, untouched) or a fixed number."""
    global _policy
    _policy = _parse(policy)


def get_thread_policy() -> str | int:
    """The current BLAS thread policy (see `set_thread_policy`)."""
    return _policy


def _wanted(current: int) -> int:
    """Threads for the next product, given the BLAS's current setting (its upper bound)."""
    if _policy == "blas" or current <= 1:
        return current
    if isinstance(_policy, int):
        return min(_policy, current)
    return min(current, _idle.get())


def _enter() -> None:
    global _active
    with _lock:
        _active += 1
        if _active > 1 or _policy == "blas":
            return
        now = time.monotonic()
        for lib in _blas.controls():
            if _wanted(lib.setting(now)) == lib.seen:
                continue  # nothing to change
            current = lib.get()  # what to put back: the setting as it is right now
            want = _wanted(current)
            if want != current:
                _saved.append((lib, current))
                lib.set(want)


def _leave() -> None:
    global _active
    with _lock:
        _active -= 1
        if _active == 0:
            while _saved:
                lib, n = _saved.pop()
                lib.set(n)


def blas_threads(fn: _F) -> _F:
    """Run `fn` (an op's forward or backward that multiplies matrices) on the BLAS threads
    the policy allows, restoring the BLAS's own setting afterwards."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        _enter()
        try:
            return fn(*args, **kwargs)
        finally:
            _leave()

    return run  # type: ignore[return-value]


def one_thread() -> contextlib.AbstractContextManager:
    """Hold every BLAS to one thread (a threadpoolctl limit) for code whose products are all
    tiny — the playground, the lessons, a DQN — where a second thread mostly waits."""
    return _blas.controller().limit(limits=1, user_api="blas")


def current_threads() -> int:
    """Threads the NumPy BLAS would use for a product right now (1 if there is no BLAS)."""
    return max((lib.get() for lib in _blas.controls()), default=1)


_env = os.environ.get("GLASSNET_BLAS_THREADS")
if _env:
    _policy = _parse(_env)
