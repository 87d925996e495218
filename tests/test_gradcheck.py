"""Every differentiable Function in the core passes `glassnet.autograd.gradcheck` in float64."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import Function, GradcheckError, gradcheck, ops
from glassnet.nn import functional as F

rng = np.random.default_rng(0)


def t(*shape, low=None, high=None):
    """A float64 leaf that requires grad: normal, or uniform in [low, high]."""
    x = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return gn.tensor(x, dtype=np.float64, requires_grad=True)


def away(*shape):
    """Values at least 0.2 away from 0 (for kinks at 0)."""
    return gn.tensor(rng.uniform(0.2, 2, shape) * rng.choice([-1, 1], shape),
                     dtype=np.float64, requires_grad=True)


TARGETS = np.array([0, 2, 1, 2])
PROBS = np.random.default_rng(1).dirichlet(np.ones(3), 4)

# name of the Function -> (function of the inputs, inputs)
CASES = {
    "Add": (lambda a, b: a + b, [t(3, 1), t(4)]),
    "Sub": (lambda a, b: a - b, [t(3, 4), t(4)]),
    "Mul": (lambda a, b: a * b, [t(2, 3), t(3)]),
    "Div": (lambda a, b: a / b, [t(2, 3), away(2, 1)]),
    "Neg": (lambda a: -a, [t(3)]),
    "Pow": (lambda a, b: a ** b, [t(2, 3, low=0.5, high=2), t(3)]),
    "MatMul": (lambda a, b, c: (a @ b) @ c, [t(2, 3, 4), t(4, 5), t(5)]),
    "Exp": (gn.exp, [t(3, 2)]),
    "Log": (gn.log, [t(3, 2, low=0.5, high=3)]),
    "Sqrt": (gn.sqrt, [t(3, 2, low=0.5, high=3)]),
    "Abs": (gn.abs, [away(3, 2)]),
    "Sin": (gn.sin, [t(4)]),
    "Cos": (gn.cos, [t(4)]),
    "Clamp": (lambda a: a.clamp(-0.5, 0.5), [away(5, 3)]),
    "Maximum": (gn.maximum, [t(3, 4), t(4)]),
    "Minimum": (gn.minimum, [t(3, 4), t(3, 1)]),
    "Where": (lambda a, b: gn.where(np.array([True, False, True]), a, b), [t(2, 3), t(3)]),
    "Cast": (lambda a: ops.Cast.apply(a, dtype=np.float64) * 2, [t(3)]),
    "Clone": (lambda a: a.clone() * a, [t(3)]),
    "Sum": (lambda a: a.sum((0, 2), keepdim=True), [t(2, 3, 4)]),
    "Mean": (lambda a: a.mean(1), [t(2, 3, 4)]),
    "Max": (lambda a: a.amax(1), [t(3, 5)]),
    "Min": (lambda a: a.amin(0, keepdim=True), [t(3, 5)]),
    "Reshape": (lambda a: a.reshape(6, -1), [t(2, 3, 4)]),
    "Permute": (lambda a: a.permute(2, 0, 1), [t(2, 3, 4)]),
    "Expand": (lambda a: a.expand(2, 3, 4), [t(3, 1)]),
    "GetItem": (lambda a: a[np.array([0, 2, 0, 0]), 1:], [t(3, 4)]),
    "Cat": (lambda a, b: gn.cat([a, b, a], 1), [t(2, 3), t(2, 1)]),
    "Stack": (lambda a, b: gn.stack([a, b], 2), [t(2, 3), t(2, 3)]),
    "ReLU": (gn.relu, [away(4, 3)]),
    "LeakyReLU": (lambda a: gn.leaky_relu(a, 0.1), [away(4, 3)]),
    "Sigmoid": (gn.sigmoid, [t(4, 3)]),
    "LogSigmoid": (gn.logsigmoid, [t(4, 3, low=-8, high=8)]),
    "Tanh": (gn.tanh, [t(4, 3)]),
    "Step": (gn.step, [away(4, 3)]),
    "Softmax": (lambda a: gn.softmax(a, 0), [t(4, 3)]),
    "LogSoftmax": (lambda a: gn.log_softmax(a, 1), [t(4, 3)]),
    "Linear": (F.linear, [t(2, 4, 3), t(5, 3), t(5)]),
    "CrossEntropy": (lambda a: F.cross_entropy(a, TARGETS, weight=np.array([0.5, 2.0, 1.0]),
                                               label_smoothing=0.1), [t(4, 3)]),
    "BinaryCrossEntropy": (F.binary_cross_entropy, [t(3, 2, low=0.1, high=0.9),
                                                    t(3, 2, low=0, high=1)]),
}
EXTRA = {  # other paths through the same Functions
    "cross_entropy probabilities, sum": (
        lambda a: F.cross_entropy(a, PROBS, reduction="sum", label_smoothing=0.2), [t(4, 3)]),
    "cross_entropy ignore_index, none": (
        lambda a: F.cross_entropy(a, TARGETS, ignore_index=2, reduction="none"), [t(4, 3)]),
    "bce with logits, pos_weight": (
        lambda a, y: F.binary_cross_entropy_with_logits(a, y, pos_weight=gn.tensor([2.0, 0.5])),
        [t(3, 2), t(3, 2, low=0, high=1)]),
    "max(dim) values": (lambda a: a.max(1).values, [t(3, 4)]),
    "matmul vector·vector": (lambda a, b: a @ b, [t(4), t(4)]),
    "huber": (lambda a, b: F.huber_loss(a, b, delta=0.5), [t(5), t(5)]),
}


def _functions():
    for module in (ops, F):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Function) and obj.__module__ == \
                    module.__name__:
                yield name


def test_every_function_has_a_gradcheck_case():
    assert set(_functions()) == set(CASES)


@pytest.mark.parametrize("name", list(CASES) + list(EXTRA))
def test_gradcheck(name):
    fn, inputs = CASES.get(name) or EXTRA[name]
    assert gradcheck(fn, inputs)


class _WrongExp(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.exp(x)

    @staticmethod
    def backward(ctx, g):  # deliberately wrong: d eˣ is not x dx
        return g * ctx.saved_tensors[0]


def test_gradcheck_reports_the_worst_mismatch():
    x = gn.tensor([0.5, 1.0, 2.0], dtype=np.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 element \(\d,\): backprop gives"):
        gradcheck(_WrongExp.apply, [x])


def test_gradcheck_wants_float64():
    with pytest.raises(TypeError, match="float32.*float64"):
        gradcheck(gn.exp, [gn.tensor([1.0], requires_grad=True)])
