"""The BLAS thread rule (glassnet.autograd.blas): products run on idle cores only, the BLAS's
own setting is an upper bound and is put back, and the LSTM and conv ops stay under it.

These are not timing tests: the run queue is replaced by a fake one, and what is checked is
the thread count the BLAS sees inside the ops.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import glassnet as gn
from glassnet.autograd import blas
from glassnet.nn import conv, rnn


def _numpy_blas_threads() -> list[int]:
    return [i["num_threads"] for i in threadpool_info() if "numpy" in i["filepath"]]


@pytest.fixture
def run_queue(monkeypatch):
    """Set the number of runnable threads the rule reads (and forget its earlier samples)."""
    state = {"runnable": 1}
    monkeypatch.setattr(blas, "_runnable_threads", lambda: state["runnable"])
    monkeypatch.setattr(blas, "_own_runnable", lambda: 1)
    monkeypatch.setattr(blas._idle, "cpus", 2)

    def set_runnable(n: int) -> None:
        state["runnable"] = n
        blas._idle.samples, blas._idle.next_look = [], 0.0
        for lib in blas._blas.controls():  # read the BLAS's setting afresh
            lib.seen_at = -1e9

    set_runnable(1)
    yield set_runnable
    set_runnable(1)


@pytest.fixture
def seen(monkeypatch):
    """Record the BLAS thread count inside the LSTM's time loop and the conv products."""
    counts: list[int] = []
    steps = rnn.Recurrence._steps
    mm, mm_t, tm = conv._grouped_mm, conv._grouped_mm_t, conv._grouped_tm

    def spy(fn):
        def run(*a, **k):
            counts.append(blas.current_threads())
            return fn(*a, **k)

        return run

    monkeypatch.setattr(rnn.Recurrence, "_steps", staticmethod(spy(steps)))
    for name, fn in (("_grouped_mm", mm), ("_grouped_mm_t", mm_t), ("_grouped_tm", tm)):
        monkeypatch.setattr(conv, name, spy(fn))
    return counts


def _lstm_and_conv_step() -> None:
    lstm, net = gn.nn.LSTM(8, 16), gn.nn.Conv2d(1, 4, 3)
    out, _ = lstm(gn.randn(5, 3, 8))
    (out.sum() + net(gn.randn(2, 1, 8, 8)).sum()).backward()


def test_busy_machine_runs_the_lstm_and_conv_products_on_one_thread(run_queue, seen):
    with threadpool_limits(2, user_api="blas"):
        run_queue(4)  # two neighbours beside us on two cores: no idle core left
        _lstm_and_conv_step()
        assert seen and set(seen) == {1}, seen
        assert set(_numpy_blas_threads()) == {2}, "the BLAS's own setting was not put back"


def test_quiet_machine_leaves_the_blas_setting_alone(run_queue, seen):
    with threadpool_limits(2, user_api="blas"):
        run_queue(1)
        _lstm_and_conv_step()
        assert seen and set(seen) == {2}, seen


def test_the_users_limit_is_an_upper_bound(run_queue, seen):
    with threadpool_limits(1, user_api="blas"):
        run_queue(4)
        _lstm_and_conv_step()
        assert set(seen) == {1}
        assert set(_numpy_blas_threads()) == {1}


def test_blas_policy_and_a_fixed_count_override_the_rule(run_queue, seen):
    try:
        with threadpool_limits(2, user_api="blas"):
            run_queue(8)
            blas.set_thread_policy("blas")
            _lstm_and_conv_step()
            assert set(seen) == {2}
            seen.clear()
            blas.set_thread_policy(1)
            run_queue(1)
            _lstm_and_conv_step()
            assert set(seen) == {1}
    finally:
        blas.set_thread_policy("idle-cores")


def test_one_blas_switch_per_op_call(run_queue, monkeypatch):
    """The rule is entered once per forward and once per backward of an op that multiplies
    matrices: an LSTM layer costs 2 switches per step, not one per time step."""
    calls = []
    enter = blas._enter
    monkeypatch.setattr(blas, "_enter", lambda: (calls.append(1), enter())[1])
    lstm = gn.nn.LSTM(8, 16)
    out, _ = lstm(gn.randn(30, 3, 8))
    out.sum().backward()
    assert len(calls) == 2


def test_a_blip_in_the_run_queue_is_ignored(run_queue, monkeypatch):
    samples = iter([1, 9, 1, 1])
    monkeypatch.setattr(blas, "_runnable_threads", lambda: next(samples))
    got = []
    for _ in range(4):
        blas._idle.next_look = 0.0
        got.append(blas._idle.get())
    assert got == [2, 2, 2, 2]  # the median of the last three samples: one 9 is outvoted


def test_our_own_spinning_threads_are_not_neighbours(run_queue, monkeypatch):
    run_queue(3)  # us, our BLAS worker and a torch pool thread, all still spinning
    monkeypatch.setattr(blas, "_own_runnable", lambda: 3)
    assert blas._idle.get() == 2


def test_own_runnable_reads_this_process_threads():
    n = blas._own_runnable()  # the real /proc: this (running) thread at least
    assert 1 <= n <= len(os.listdir("/proc/self/task"))


def test_a_change_of_the_users_limit_is_seen_at_once_when_it_matters(run_queue, seen):
    """The setting is cached for 50 ms on a quiet machine, but whatever is changed or put back
    comes from a fresh read, so a user's new limit is never overwritten."""
    with threadpool_limits(2, user_api="blas"):
        run_queue(1)
        _lstm_and_conv_step()  # caches "2"
        with threadpool_limits(1, user_api="blas"):
            run_queue(4)
            for lib in blas._blas.controls():
                lib.seen_at = blas.time.monotonic()  # the stale "2" still cached
            _lstm_and_conv_step()
            assert set(_numpy_blas_threads()) == {1}
        assert set(_numpy_blas_threads()) == {2}


def test_policy_errors_name_the_setting():
    for bad in ("fast", 0, -1, "0", True):
        with pytest.raises(ValueError, match="BLAS thread policy"):
            blas.set_thread_policy(bad)
    assert blas.get_thread_policy() == "idle-cores"


def test_results_do_not_depend_on_the_thread_rule(run_queue):
    x = np.random.default_rng(0).standard_normal((64, 300)).astype(np.float32)
    w = np.random.default_rng(1).standard_normal((300, 200)).astype(np.float32)
    run_queue(1)
    quiet = (gn.tensor(x) @ gn.tensor(w)).numpy()
    run_queue(9)
    busy = (gn.tensor(x) @ gn.tensor(w)).numpy()
    np.testing.assert_allclose(busy, x @ w, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(quiet, x @ w, rtol=1e-5, atol=1e-4)
