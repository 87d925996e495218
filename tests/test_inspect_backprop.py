"""`glassnet.inspect.backprop` and `graph` on every Function of the engine (the gradcheck
CASES) and on the seed's DNN: the replay's gradients equal autograd's `.grad` bit for bit, and
each step's outgoing gradients equal central differences of the op as it ran (float64)."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import Function, Tensor
from glassnet.autograd.function import Op
from test_gradcheck import CASES

EPS, TOL, PER_EDGE = 1e-6, 1e-6, 8  # central-difference step, tolerance, elements per edge
# The engine's ops (Op) and user Functions on Tensors (Function) each have their own apply.
_APPLY = {Op: Op.apply.__func__, Function: Function.apply.__func__}  # type: ignore[attr-defined]


def _patch(monkeypatch, around):
    """Route every apply through around(original, cls, *args); returns the undo."""
    for base, original in _APPLY.items():
        monkeypatch.setattr(
            base, "apply", classmethod(lambda cls, *a, _o=original, **k: around(_o, cls, *a, **k))
        )

    def undo():
        for base, original in _APPLY.items():
            monkeypatch.setattr(base, "apply", classmethod(original))

    return undo


def _weighted(fn, inputs, v):
    out = fn(*inputs)
    out = out[0] if isinstance(out, (tuple, list)) else out
    return (out * Tensor(v)).sum()


def _calls(monkeypatch, fn, inputs, v):
    """The loss, and the nodes in the order their ops were applied."""
    made = []

    calls = [0]

    def recording(original, cls, *args, **kwargs):
        me = calls[0]  # numbered when called, as `_nudged` counts (a Function's inner ops after)
        calls[0] += 1
        out = original(cls, *args, **kwargs)
        for o in out if isinstance(out, tuple) else (out,):
            made.append((o._ctx, me))
            if type(o._ctx).__name__ == "FunctionOutput":  # one output of a several-output
                made.append((o._ctx.inputs[0]._ctx, me))  # Function: its node too
        return out

    undo = _patch(monkeypatch, recording)
    try:
        loss = _weighted(fn, inputs, v)
    finally:
        undo()
    return loss, made


def _nudged(monkeypatch, fn, inputs, v, call, arg, delta):
    """The loss with `delta` added to argument `arg` of the `call`-th op only."""
    count = [0]

    def nudging(original, cls, *args, **kwargs):
        if count[0] == call:
            args = list(args)
            args[arg] = Tensor(args[arg]._array + delta)
        count[0] += 1
        return original(cls, *args, **kwargs)

    undo = _patch(monkeypatch, nudging)
    try:
        return float(_weighted(fn, inputs, v)._array)
    finally:
        undo()


def _check_steps_numerically(monkeypatch, fn, inputs, v, loss, made, replay, rng):
    checked = 0
    for step in replay:
        call = next(i for n, i in made if n is step.node)
        positions = [j for j, a in enumerate(step.node.inputs) if isinstance(a, Tensor)]
        for j, sent in zip(positions, step.grad_inputs):
            if sent is None:
                continue
            x = step.node.inputs[j]
            sent = np.broadcast_to(sent, x.shape)
            for k in rng.choice(x.numel(), min(PER_EDGE, x.numel()), replace=False):
                delta = np.zeros(x.shape)
                delta.reshape(-1)[k] = EPS
                plus = _nudged(monkeypatch, fn, inputs, v, call, j, delta)
                minus = _nudged(monkeypatch, fn, inputs, v, call, j, -delta)
                numeric, analytic = (plus - minus) / (2 * EPS), sent.reshape(-1)[k]
                assert abs(numeric - analytic) <= TOL * max(1.0, abs(numeric)), (
                    f"step {step.index} {step.op} input {j} element {k}: replay {analytic}, "
                    f"central differences {numeric}"
                )
                checked += 1
    return checked


@pytest.mark.parametrize("name", list(CASES))
def test_graph_and_replay_on_every_function(name, monkeypatch):
    fn, inputs = CASES[name]
    rng = np.random.default_rng(0)
    out = fn(*inputs)
    v = rng.standard_normal((out[0] if isinstance(out, (tuple, list)) else out).shape)
    loss, made = _calls(monkeypatch, fn, inputs, v)
    replay = gn.inspect.backprop(loss)
    g = gn.inspect.graph(loss)
    assert name in {n.label for n in g.nodes if n.kind == "op"}
    assert name in {s.op for s in replay}
    assert all(s.rule != "?" for s in replay)
    leaves = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    for t in leaves:
        t.grad = None
    loss.backward(retain_graph=True)
    for t in leaves:
        mine = replay.grad(t)
        assert (mine is None) == (t.grad is None)
        if mine is not None:
            assert mine.dtype == t.grad.dtype and np.array_equal(mine, t.grad._array)
    assert _check_steps_numerically(monkeypatch, fn, inputs, v, loss, made, replay, rng) > 0


def test_replay_of_the_seeds_dnn_equals_autograd_and_central_differences(monkeypatch):
    net = gn.models.MLP([64, 300, 100, 10]).double()  # the seed's DNN, on digits' 64 pixels
    rng = np.random.default_rng(1)
    x = gn.tensor(rng.uniform(0, 16, (5, 64)), dtype=np.float64)
    y = np.array([0, 3, 9, 3, 7])
    ce = gn.nn.CrossEntropyLoss()

    def fn(*_):
        return ce(net(x), y)

    loss, made = _calls(monkeypatch, fn, [], np.ones(()))
    with gn.inspect.trace(net) as tr:
        traced = _weighted(fn, [], np.ones(()))
    replay = gn.inspect.backprop(loss, model=net)
    ops = ["Sum", "Mul", "CrossEntropy", "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [s.op for s in replay] == ops
    net.zero_grad()
    loss.backward(retain_graph=True)
    for _, p in net.named_parameters():
        assert np.array_equal(replay.grad(p), p.grad._array)
    assert _check_steps_numerically(monkeypatch, fn, [], np.ones(()), loss, made, replay, rng)
    g = gn.inspect.graph(traced, tr)
    linear = [n for n in g.nodes if n.label == "Linear"]
    assert [n.module for n in linear] == ["4", "2", "0"]  # output first
    assert {n.module_type for n in linear} == {"Linear"}
    assert {n.module for n in g.nodes if n.label == "ReLU"} == {"1", "3"}
    weight = next(n for n in g.nodes if n.label == "0.weight")
    assert weight.module == "0" and weight.grad["std"] > 0
    assert "0.weight" in str(replay) and "gx = g W" in str(replay)


def test_the_step_table_reads_for_a_2_2_1_network():
    net = gn.models.MLP([2, 2, 1], activation="tanh").double()
    loss = gn.nn.MSELoss()(net(gn.tensor([[0.5, -1.0]], dtype=np.float64)), np.array([[1.0]]))
    table = gn.inspect.backprop(loss, model=net).table().splitlines()
    assert table[0].split() == ["step", "op", "local", "derivative", "incoming", "grad",
                                "outgoing", "grads"]  # fmt: skip
    assert [ln.split()[1] for ln in table[2:]] == ["Mean", "Mul", "Sub", "Linear", "Tanh", "Linear"]
    assert "d tanh x = (1 − tanh² x) dx" in table[6] and "0.weight: [[" in table[7]


def test_no_graph_and_a_freed_graph_say_so_and_how_to_keep_it():
    w = gn.tensor([1.0, 2.0], requires_grad=True)
    with gn.no_grad():
        y = (w * 3).sum()
    for f in (gn.inspect.backprop, gn.inspect.graph):
        with pytest.raises(RuntimeError, match=r"has no graph: it was made under no_grad\(\)"):
            f(y)
        with pytest.raises(RuntimeError, match="has no graph: it is a leaf"):
            f(w)
    loss = (w * w).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match=r"freed by an earlier backward.*retain_graph=True"):
        gn.inspect.backprop(loss)
    g = gn.inspect.graph(loss)  # the structure survives: values and leaf .grad still shown
    assert g.freed and [n.grad for n in g.nodes if n.kind == "op"] == [None, None]
    assert next(n for n in g.nodes if n.kind == "leaf").grad["mean"] == pytest.approx(3.0)
    with pytest.raises(RuntimeError, match="pass gradient= of that shape"):
        gn.inspect.backprop(w * 2)


def test_the_numeric_check_catches_a_wrong_rule(monkeypatch):
    from test_gradcheck import _WrongExp

    def fn(a):
        return _WrongExp.apply(a)  # looked up at each call, so the patched apply counts it

    x = gn.tensor([0.5, 1.0, 2.0], dtype=np.float64, requires_grad=True)
    loss, made = _calls(monkeypatch, fn, [x], np.ones(3))
    replay = gn.inspect.backprop(loss)
    with pytest.raises(AssertionError, match="WrongExp input 0"):
        _check_steps_numerically(
            monkeypatch, fn, [x], np.ones(3), loss, made, replay,
            np.random.default_rng(0),
        )  # fmt: skip
