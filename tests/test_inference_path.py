"""An op's `compute` (what runs when there is no graph to record) equals its `forward`."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import ops
from glassnet.autograd.function import Op


def _ops_with_compute() -> list[type]:
    found, todo = [], list(Op.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__dict__.get("compute") is not None:
            found.append(cls)
    return sorted(found, key=lambda c: c.__name__)


rng = np.random.default_rng(0)
INPUTS = [
    rng.uniform(0.5, 2, (3, 4)).astype(np.float32),
    rng.uniform(0.5, 2, (4,)).astype(np.float64),
    rng.integers(1, 5, (3, 4)),
    2.5,
    3,
    np.float32(1.5),
]


def test_the_fast_ops_are_the_hot_elementwise_ones():
    names = {c.__name__ for c in _ops_with_compute()}
    assert {"Add", "Sub", "Mul", "Div", "Neg", "Exp", "Log", "Tanh", "ReLU"} <= names


@pytest.mark.parametrize("cls", _ops_with_compute(), ids=lambda c: c.__name__)
def test_compute_equals_forward(cls, monkeypatch):
    arity = 2 if cls in (ops.Add, ops.Sub, ops.Mul, ops.Div) else 1
    cases = [(a, b) for a in INPUTS for b in INPUTS] if arity == 2 else [(a,) for a in INPUTS]
    cases = [c for c in cases if any(isinstance(a, np.ndarray) for a in c)]
    for case in cases:
        args = [gn.tensor(a) if isinstance(a, np.ndarray) else a for a in case]
        with gn.no_grad():
            fast = cls.apply(*args)
            with monkeypatch.context() as m:
                m.setattr(cls, "compute", None)  # the same call through forward
                slow = cls.apply(*args)
        assert fast.dtype == slow.dtype, (cls.__name__, case)
        np.testing.assert_array_equal(fast.numpy(), slow.numpy())
    assert len(cases) >= 3


def test_a_call_that_needs_the_graph_records_it():
    x = gn.tensor([1.0, 2.0], requires_grad=True)
    y = ops.Mul.apply(x, 3.0)
    assert y.grad_fn is not None and y.requires_grad
    with gn.no_grad():
        z = ops.Mul.apply(x, 3.0)
    assert z.grad_fn is None and not z.requires_grad
    np.testing.assert_array_equal(y.detach().numpy(), z.numpy())


def test_the_no_graph_path_builds_a_complete_tensor():
    # `Op.apply` makes its no-graph result with object.__new__ and fills every slot itself.
    from glassnet.autograd.tensor import Tensor

    assert Tensor.__new__ is object.__new__
    a = gn.tensor(np.ones((2, 2), np.float32))
    with gn.no_grad():
        y = a + a
    assert type(y) is Tensor and y.grad is None and y.grad_fn is None and not y.requires_grad
    assert y._version == 0 and y.dtype == np.float32 and y.is_leaf
    y.add_(1.0)  # a full tensor: in-place ops and a version counter work on it
    assert y._version == 1 and float(y.sum()) == 12.0
