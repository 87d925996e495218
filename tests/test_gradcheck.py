"""Every differentiable Function in glassnet passes `glassnet.autograd.gradcheck` in float64.

`test_every_function_has_a_gradcheck_case` walks every glassnet module, so a new Function
anywhere in the package fails it until it has a case in CASES.
"""

from __future__ import annotations

import sys
from types import ModuleType

import numpy as np
import pytest

import glassnet as gn
from glassnet.autograd import GradcheckError, Op, gradcheck, ops, rules
from glassnet.nn import conv, normalization, pooling, regularization, rnn
from glassnet.nn import functional as F

rng = np.random.default_rng(0)


def t(*shape, low=None, high=None):
    """A float64 leaf that requires grad: normal, or uniform in [low, high]."""
    x = rng.standard_normal(shape) if low is None else rng.uniform(low, high, shape)
    return gn.tensor(x, dtype=np.float64, requires_grad=True)


def away(*shape):
    """Values at least 0.2 away from 0 (for kinks at 0)."""
    return gn.tensor(
        rng.uniform(0.2, 2, shape) * rng.choice([-1, 1], shape),
        dtype=np.float64,
        requires_grad=True,
    )


TARGETS = np.array([0, 2, 1, 2])
PROBS = np.random.default_rng(1).dirichlet(np.ones(3), 4)


class _SinAndSquare(gn.autograd.Function):
    """A user Function with two outputs (their nodes are FunctionOutput)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x * x

    @staticmethod
    def backward(ctx, gs, gq):
        (x,) = ctx.saved_tensors
        return gs * x.cos() + gq * 2 * x


# name of the Function -> (function of the inputs, inputs)
CASES = {
    "FunctionOutput": (lambda a: sum(o.sum() for o in _SinAndSquare.apply(a)), [t(4)]),
    "Add": (lambda a, b: a + b, [t(3, 1), t(4)]),
    "Sub": (lambda a, b: a - b, [t(3, 4), t(4)]),
    "Mul": (lambda a, b: a * b, [t(2, 3), t(3)]),
    "Div": (lambda a, b: a / b, [t(2, 3), away(2, 1)]),
    "Neg": (lambda a: -a, [t(3)]),
    "Pow": (lambda a, b: a**b, [t(2, 3, low=0.5, high=2), t(3)]),
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
    "Erf": (lambda a: ops.Erf.apply(a), [t(4, 3)]),
    "GELU": (F.gelu, [t(4, 3)]),
    "SiLU": (F.silu, [t(4, 3)]),
    "ELU": (lambda a: F.elu(a, 0.7), [away(4, 3)]),
    "Softplus": (lambda a: F.softplus(a, 2.0, 3.0), [away(4, 3)]),
    "Softmax": (lambda a: gn.softmax(a, 0), [t(4, 3)]),
    "LogSoftmax": (lambda a: gn.log_softmax(a, 1), [t(4, 3)]),
    "Linear": (F.linear, [t(2, 4, 3), t(5, 3), t(5)]),
    "CrossEntropy": (
        lambda a: F.cross_entropy(
            a, TARGETS, weight=np.array([0.5, 2.0, 1.0]), label_smoothing=0.1
        ),
        [t(4, 3)],
    ),
    "BinaryCrossEntropy": (
        F.binary_cross_entropy,
        [t(3, 2, low=0.1, high=0.9), t(3, 2, low=0, high=1)],
    ),
    "Conv2dFn": (
        lambda x, w, b: conv.Conv2dFn.apply(
            x, w, b, stride=(2, 1), padding=(1, 0, 2, 1), dilation=(1, 2), groups=2
        ),
        [t(2, 4, 5, 4), t(4, 2, 2, 3), t(4)],
    ),
    "ConvTranspose2dFn": (
        lambda x, w, b: conv.ConvTranspose2dFn.apply(
            x, w, b, stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2)
        ),
        [t(2, 3, 3, 4), t(3, 2, 3, 2), t(2)],
    ),
    "MaxPool2dFn": (
        lambda x: pooling.MaxPool2dFn.apply(
            x, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2)
        ),
        [t(2, 2, 6, 5)],
    ),
    "AvgPool2dFn": (
        lambda x: pooling.AvgPool2dFn.apply(
            x, kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), count_include_pad=False
        ),
        [t(2, 2, 6, 5)],
    ),
    "EmbeddingFn": (
        lambda w: normalization.EmbeddingFn.apply(
            w, np.array([[0, 2, 2], [4, 1, 0]]), padding_idx=3
        ),
        [t(5, 3)],
    ),  # row 3 unused
    "Penalty": (
        lambda a, b: regularization.Penalty.apply(a, b, l1=0.3, l2=0.7),
        [away(3, 4), away(2, 2, 3)],
    ),
    "Recurrence": (
        lambda *a: rnn.Recurrence.apply(*a, mode="LSTM"),
        [t(3, 2, 2), t(2, 3), t(2, 3), t(12, 2), t(12, 3), t(12), t(12)],
    ),
}
EXTRA = {  # other paths through the same Functions
    "cross_entropy probabilities, sum": (
        lambda a: F.cross_entropy(a, PROBS, reduction="sum", label_smoothing=0.2),
        [t(4, 3)],
    ),
    "cross_entropy ignore_index, none": (
        lambda a: F.cross_entropy(a, TARGETS, ignore_index=2, reduction="none"),
        [t(4, 3)],
    ),
    "bce with logits, pos_weight": (
        lambda a, y: F.binary_cross_entropy_with_logits(a, y, pos_weight=gn.tensor([2.0, 0.5])),
        [t(3, 2), t(3, 2, low=0, high=1)],
    ),
    "gelu tanh": (lambda a: F.gelu(a, "tanh"), [t(4, 3)]),
    "group_norm": (
        lambda x, w, b: F.group_norm(x, 2, w, b),
        [t(3, 4, 2, 3), t(4), t(4)],
    ),
    "kl_div batchmean, zero targets": (
        lambda a: F.kl_div(a, np.array([[0.2, 0.0, 0.8], [0.5, 0.5, 0.0]]), "batchmean"),
        [t(2, 3)],
    ),
    "kl_div log_target": (lambda a, b: F.kl_div(a, b, "sum", log_target=True), [t(2, 3), t(2, 3)]),
    "max(dim) values": (lambda a: a.max(1).values, [t(3, 4)]),
    "matmul vector·vector": (lambda a, b: a @ b, [t(4), t(4)]),
    "huber": (lambda a, b: F.huber_loss(a, b, delta=0.5), [t(5), t(5)]),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.7), [t(5), t(5)]),
    "Recurrence GRU reverse, no c0": (
        lambda *a: rnn.Recurrence.apply(*a, mode="GRU", reverse=True),
        [t(3, 2, 2), t(2, 3), None, t(9, 2), t(9, 3), t(9), t(9)],
    ),
    "Recurrence RNN_RELU without bias": (
        lambda *a: rnn.Recurrence.apply(*a, mode="RNN_RELU"),
        [t(3, 2, 2), t(2, 3), None, t(3, 2), t(3, 3)],
    ),
}


def _functions(package: ModuleType = gn) -> dict[str, type]:
    """Every Function subclass defined in any module of `package` (all imported by
    `rules.functions`, which walks the package; an import error fails the test), by name."""
    found: dict[str, type] = {}
    for cls in rules.functions(package):
        other = found.setdefault(cls.__name__, cls)
        assert other is cls, (
            f"two Functions named {cls.__name__}: in {other.__module__} "
            f"and {cls.__module__}; rename one"
        )
    return found


def _uncovered(package: ModuleType = gn) -> list[str]:
    """Functions of `package` without a gradcheck case, as 'module.Name'."""
    return sorted(
        f"{cls.__module__}.{name}" for name, cls in _functions(package).items() if name not in CASES
    )


def test_every_function_has_a_gradcheck_case():
    missing = _uncovered()
    assert not missing, (
        f"Functions without a gradcheck case in tests/test_gradcheck.py CASES: {missing}"
    )
    stale = set(CASES) - set(_functions())
    assert not stale, f"CASES names no Function of glassnet: {sorted(stale)}"


def test_the_walk_finds_every_module_with_a_function():
    modules = {cls.__module__ for cls in _functions().values()}
    assert {
        "glassnet.autograd.ops",
        "glassnet.nn.functional",
        "glassnet.nn.conv",
        "glassnet.nn.rnn",
        "glassnet.nn.pooling",
        "glassnet.nn.normalization",
    } <= modules
    assert "glassnet.playground.server" in {m.__name__ for m in rules.modules(gn)}


class _Probe(Op):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, g):  # identity
        return g


def test_a_new_function_without_a_case_is_reported(tmp_path, monkeypatch):
    # a Function added to an existing module ...
    monkeypatch.setattr(_Probe, "__module__", "glassnet.nn.rnn")
    monkeypatch.setattr(rnn, "_Probe", _Probe, raising=False)
    assert _uncovered() == ["glassnet.nn.rnn._Probe"]
    monkeypatch.delattr(rnn, "_Probe")
    # ... and one in a new module of the package
    (tmp_path / "probe_ops.py").write_text(
        "from glassnet.autograd import Op\n\n\n"
        "class ProbeOp(Op):\n"
        "    @staticmethod\n"
        "    def forward(ctx, x):\n"
        "        return x\n"
    )
    monkeypatch.setattr(gn, "__path__", [*gn.__path__, str(tmp_path)])
    monkeypatch.delitem(sys.modules, "glassnet.probe_ops", raising=False)
    try:
        assert _uncovered() == ["glassnet.probe_ops.ProbeOp"]
    finally:
        sys.modules.pop("glassnet.probe_ops", None)


@pytest.mark.parametrize("name", list(CASES) + list(EXTRA))
def test_gradcheck(name):
    fn, inputs = CASES.get(name) or EXTRA[name]
    assert gradcheck(fn, inputs)


class _WrongExp(Op):
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
