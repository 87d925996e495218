"""Each fused kernel and its readable twin composed from autograd primitives agree (float64).

For every pair: outputs and the gradients of inputs and parameters agree to 1e-10, the
`glassnet.set_fused(False)` switch (and a module's ``fused=``) really routes through the twin
(its graph holds only `autograd.ops` Functions), and the twin passes the numeric gradcheck.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, serialization
from glassnet.autograd import Op, gradcheck, ops
from glassnet.nn import conv, rnn
from glassnet.nn import functional as F

PRIMITIVES = {c for c in vars(ops).values() if inspect.isclass(c) and issubclass(c, Op)}
TOL = 1e-10


def t(rng, *shape):
    """A float64 leaf that requires grad."""
    return gn.tensor(rng.standard_normal(shape), dtype=np.float64, requires_grad=True)


def graph_ops(out) -> set:
    """The Function classes of every node in out's graph."""
    seen, stack = set(), [out.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(i.grad_fn for i in node.inputs if isinstance(i, gn.Tensor))
    return {type(n) for n in seen}


def run(fn, leaves, fused: bool, seed: int = 0):
    """fn's outputs (a tuple) and the leaves' gradients under the given switch position."""
    for x in leaves:
        x.grad = None
    gn.manual_seed(seed)  # the same dropout masks on both paths
    with gn.fused(fused):
        outs = fn()
    outs = outs if isinstance(outs, tuple) else (outs,)
    weights = np.random.default_rng(1)
    total = sum((o * gn.tensor(weights.standard_normal(o.shape))).sum() for o in outs)
    total.backward()
    return outs, [None if x.grad is None else x.grad._array.copy() for x in leaves]


def assert_twins_agree(fn, leaves, fused_op: type) -> None:
    """Fused and composed runs of fn agree; the fused graph has `fused_op`, the composed one
    only primitives."""
    (fo, fg), (so, sg) = run(fn, leaves, True), run(fn, leaves, False)
    assert fused_op in set().union(*(graph_ops(o) for o in fo))
    composed = set().union(*(graph_ops(o) for o in so))
    assert composed <= PRIMITIVES, f"not primitive: {composed - PRIMITIVES}"
    for a, b in zip(fo, so, strict=True):
        assert a.shape == b.shape
        np.testing.assert_allclose(a._array, b._array, rtol=0, atol=TOL)
    for i, (a, b) in enumerate(zip(fg, sg, strict=True)):
        assert a is not None and b is not None, f"leaf {i} got no gradient"
        np.testing.assert_allclose(a, b, rtol=0, atol=TOL, err_msg=f"gradient of leaf {i}")


# ----- the switch -------------------------------------------------------------------------
def test_switch_defaults_to_fused_and_the_context_manager_restores_it():
    assert gn.is_fused()
    with gn.fused(False):
        assert not gn.is_fused()
        with gn.fused(True):
            assert gn.is_fused()
        assert not gn.is_fused()
    assert gn.is_fused()
    with pytest.raises(RuntimeError), gn.fused(False):
        raise RuntimeError("inside")
    assert gn.is_fused()
    gn.set_fused(False)
    try:
        assert not gn.is_fused()
    finally:
        gn.set_fused(True)
    assert gn.is_fused()


def test_a_module_argument_overrides_the_global_switch():
    x = gn.tensor(np.ones((3, 2, 4)), dtype=np.float64, requires_grad=True)
    own = nn.LSTM(4, 3, fused=False, dtype=np.float64)
    assert rnn.Recurrence not in graph_ops(own(x)[0])
    forced = nn.GRU(4, 3, fused=True, dtype=np.float64)
    with gn.fused(False):
        assert rnn.Recurrence in graph_ops(forced(x)[0])
    img = gn.tensor(np.ones((1, 2, 5, 5)), dtype=np.float64, requires_grad=True)
    assert conv.Conv2dFn not in graph_ops(nn.Conv2d(2, 3, 3, fused=False, dtype=np.float64)(img))
    lin = nn.Linear(4, 2, fused=False, dtype=np.float64)
    assert F.Linear not in graph_ops(lin(x))
    loss = nn.CrossEntropyLoss(fused=False)(lin(x[0]), np.array([0, 1]))
    assert F.CrossEntropy not in graph_ops(loss)


def test_the_module_argument_is_not_saved_with_the_architecture(tmp_path):
    m = nn.LSTM(2, 3, fused=False, dtype=np.float64)
    assert "fused" not in serialization.architecture(m)["config"]
    gn.save(m, tmp_path / "lstm.safetensors")
    back = gn.load(tmp_path / "lstm.safetensors")
    assert back.fused is None  # follows glassnet.is_fused() again
    x = gn.tensor(np.ones((2, 1, 2)))
    np.testing.assert_allclose(back(x)[0]._array, m(x)[0]._array, rtol=0, atol=TOL)


def test_a_whole_model_runs_composed_under_set_fused_false():
    rng = np.random.default_rng(3)
    model = nn.Sequential(
        nn.Conv2d(1, 2, 3, padding=1, dtype=np.float64),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(2 * 4 * 4, 3, dtype=np.float64),
    )
    x, y = gn.tensor(rng.standard_normal((2, 1, 4, 4)), dtype=np.float64), np.array([0, 2])
    with gn.fused(False):
        composed = graph_ops(nn.CrossEntropyLoss()(model(x), y))
    assert composed <= PRIMITIVES and ops.MatMul in composed and ops.Exp in composed
    fused = graph_ops(nn.CrossEntropyLoss()(model(x), y))
    assert {conv.Conv2dFn, F.Linear, F.CrossEntropy} <= fused


# ----- linear and softmax + cross-entropy -------------------------------------------------
def test_linear_twin():
    rng = np.random.default_rng(0)
    for shape, bias in (((3, 4), True), ((2, 3, 4), False)):
        x, w, b = t(rng, *shape), t(rng, 5, 4), t(rng, 5)
        leaves = [x, w, b] if bias else [x, w]
        assert_twins_agree(
            lambda x=x, w=w, b=b, bias=bias: F.linear(x, w, b if bias else None), leaves, F.Linear
        )


CE_CASES = {
    "plain": dict(),
    "weights, smoothing": dict(weight=np.array([0.5, 2.0, 1.0, 0.3]), label_smoothing=0.2),
    "ignore_index, sum": dict(ignore_index=1, reduction="sum"),
    "ignore_index, weights, none": dict(
        ignore_index=2, reduction="none", weight=np.array([1.0, 3.0, 0.5, 2.0])
    ),
    "smoothing, none": dict(label_smoothing=0.1, reduction="none"),
}


@pytest.mark.parametrize("name", list(CE_CASES))
def test_cross_entropy_twin_index_targets(name):
    rng = np.random.default_rng(len(name))
    x, target = t(rng, 6, 4), rng.integers(0, 4, 6)
    target[:2] = [1, 2]  # so that ignore_index 1 or 2 ignores some but not all
    assert_twins_agree(lambda: F.cross_entropy(x, target, **CE_CASES[name]), [x], F.CrossEntropy)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(reduction="sum", label_smoothing=0.3),
        dict(weight=np.array([2.0, 1.0, 0.5]), reduction="none"),
    ],
)
def test_cross_entropy_twin_probability_targets(kw):
    rng = np.random.default_rng(1)
    x, probs = t(rng, 5, 3), rng.dirichlet(np.ones(3), 5)
    assert_twins_agree(lambda: F.cross_entropy(x, probs, **kw), [x], F.CrossEntropy)


def test_cross_entropy_twin_spatial_and_loss_module():
    rng = np.random.default_rng(2)
    x, target = t(rng, 2, 3, 4, 5), rng.integers(0, 3, (2, 4, 5))
    loss = nn.CrossEntropyLoss(weight=np.array([1.0, 0.2, 3.0]), label_smoothing=0.05)
    assert_twins_agree(lambda: loss(x, target), [x], F.CrossEntropy)
    assert_twins_agree(lambda: F.cross_entropy(x, target, reduction="none"), [x], F.CrossEntropy)


def test_cross_entropy_twin_all_ignored_gives_nan_and_zero_gradient():
    x = gn.tensor(np.ones((3, 2)), dtype=np.float64, requires_grad=True)
    for fused in (True, False):
        x.grad = None
        with gn.fused(fused):
            loss = F.cross_entropy(x, np.array([-100, -100, -100]))
        assert np.isnan(loss.item())
        loss.backward()
        np.testing.assert_array_equal(x.grad._array, 0)


def test_cross_entropy_twin_is_float32_for_float32_logits():
    x = gn.tensor(np.ones((3, 2), np.float32), requires_grad=True)
    with gn.fused(False):
        loss = F.cross_entropy(
            x, np.array([0, 1, 0]), weight=np.array([1.0, 2.0]), label_smoothing=0.1
        )
    assert loss.dtype == np.float32
    loss.backward()
    assert x.grad.dtype == np.float32


# ----- convolutions -----------------------------------------------------------------------
def conv2d_configs(count: int = 10):
    """Random conv2d geometries (seeded): groups, stride, padding, dilation, bias."""
    rng = np.random.default_rng(11)
    for i in range(count):
        groups = int(rng.integers(1, 4))
        k = tuple(int(v) for v in rng.integers(1, 4, 2))
        d = tuple(int(v) for v in rng.integers(1, 3, 2))
        s = tuple(int(v) for v in rng.integers(1, 4, 2))
        p = tuple(int(v) for v in rng.integers(0, 3, 2))
        size = tuple(int(d[j] * (k[j] - 1) + 1 + rng.integers(0, 5)) for j in range(2))
        yield pytest.param(
            dict(
                n=int(rng.integers(1, 3)),
                c=groups * int(rng.integers(1, 3)),
                o=groups * int(rng.integers(1, 3)),
                size=size,
                k=k,
                kw=dict(stride=s, padding=p, dilation=d, groups=groups),
                bias=bool(i % 3),
            ),
            id=f"cfg{i}",
        )


@pytest.mark.parametrize("cfg", list(conv2d_configs()))
def test_conv2d_twin(cfg):
    rng = np.random.default_rng(0)
    groups = cfg["kw"]["groups"]
    x = t(rng, cfg["n"], cfg["c"], *cfg["size"])
    w, b = t(rng, cfg["o"], cfg["c"] // groups, *cfg["k"]), t(rng, cfg["o"])
    leaves = [x, w, b] if cfg["bias"] else [x, w]
    assert_twins_agree(
        lambda: F.conv2d(x, w, b if cfg["bias"] else None, **cfg["kw"]), leaves, conv.Conv2dFn
    )


@pytest.mark.parametrize("padding", ["same", "valid", (2, 1)])
def test_conv2d_twin_string_padding_and_module(padding):
    rng = np.random.default_rng(4)
    m = nn.Conv2d(4, 6, (3, 2), padding=padding, groups=2, dtype=np.float64)
    x = t(rng, 2, 4, 6, 5)
    assert_twins_agree(lambda: m(x), [x, *m.parameters()], conv.Conv2dFn)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=1),
        dict(dilation=2, groups=3),
        dict(padding="same", dilation=2),
    ],
)
def test_conv1d_twin(kw):
    rng = np.random.default_rng(5)
    m = nn.Conv1d(3, 6, 3, dtype=np.float64, **kw)
    x = t(rng, 2, 3, 9)
    assert_twins_agree(lambda: m(x), [x, *m.parameters()], conv.Conv2dFn)


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2),
        dict(stride=(2, 3), padding=(1, 2), output_padding=(1, 2)),
        dict(stride=2, padding=3, dilation=2, output_padding=1),
        dict(kernel_size=2, padding=2, bias=False),
    ],
)
def test_conv_transpose2d_twin(kw):
    rng = np.random.default_rng(6)
    kw = {"kernel_size": 3, **kw}
    m = nn.ConvTranspose2d(3, 2, dtype=np.float64, **kw)
    x = t(rng, 2, 3, 4, 5)
    assert_twins_agree(lambda: m(x), [x, *m.parameters()], conv.ConvTranspose2dFn)


# ----- recurrences ------------------------------------------------------------------------
RNN_CASES = [
    (nn.LSTM, dict()),
    (nn.LSTM, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (nn.LSTM, dict(num_layers=3, bias=False, dropout=0.4)),
    (nn.GRU, dict(num_layers=2, bidirectional=True)),
    (nn.GRU, dict(batch_first=True, bias=False)),
    (nn.RNN, dict(num_layers=2, nonlinearity="relu", batch_first=True)),
    (nn.RNN, dict(bidirectional=True, dropout=0.3, num_layers=2)),
]


@pytest.mark.parametrize(
    "cls, kw", RNN_CASES, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(RNN_CASES)]
)
@pytest.mark.parametrize("initial_state", [False, True])
def test_recurrent_layer_twin(cls, kw, initial_state):
    rng = np.random.default_rng(7)
    m = cls(3, 4, dtype=np.float64, **kw)
    seq, batch = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    x = t(rng, batch, seq, 3) if kw.get("batch_first") else t(rng, seq, batch, 3)
    states = m.num_layers * (2 if m.bidirectional else 1)
    h0, c0 = t(rng, states, batch, 4), t(rng, states, batch, 4)
    lstm = cls is nn.LSTM
    hx = ((h0, c0) if lstm else h0) if initial_state else None
    leaves = [x, *m.parameters()] + ([h0] + [c0] * lstm if initial_state else [])

    def fn():
        out, hn = m(x, hx)
        return (out, *hn) if lstm else (out, hn)

    assert_twins_agree(fn, leaves, rnn.Recurrence)


def test_recurrent_layer_twin_unbatched():
    rng = np.random.default_rng(8)
    m = nn.LSTM(3, 2, num_layers=2, bidirectional=True, dtype=np.float64)
    x, h0, c0 = t(rng, 4, 3), t(rng, 4, 2), t(rng, 4, 2)
    assert_twins_agree(
        lambda: (m(x, (h0, c0))[0], *m(x, (h0, c0))[1]),
        [x, h0, c0, *m.parameters()],
        rnn.Recurrence,
    )


@pytest.mark.parametrize(
    "cls, kw",
    [
        (nn.LSTMCell, {}),
        (nn.GRUCell, {}),
        (nn.RNNCell, {}),
        (nn.RNNCell, dict(nonlinearity="relu", bias=False)),
        (nn.LSTMCell, dict(bias=False)),
    ],
)
@pytest.mark.parametrize("batched", [True, False])
def test_cell_twin(cls, kw, batched):
    rng = np.random.default_rng(9)
    m = cls(3, 4, dtype=np.float64, **kw)
    shape = (2,) if batched else ()
    x, h, c = t(rng, *shape, 3), t(rng, *shape, 4), t(rng, *shape, 4)
    lstm = cls is nn.LSTMCell
    leaves = [x, h, *([c] if lstm else []), *m.parameters()]
    assert_twins_agree(lambda: m(x, (h, c) if lstm else h), leaves, rnn.Recurrence)
    assert_twins_agree(lambda: m(x), [x, *m.parameters()], rnn.Recurrence)  # zero state


# ----- the twins pass the numeric gradient check ------------------------------------------
def _cell_inputs(rng, gates: int):
    """x (2, 3), h and c (2, 2), and the four weights of a cell with hidden size 2."""
    return [
        t(rng, 2, 3),
        t(rng, 2, 2),
        t(rng, 2, 2),
        t(rng, gates * 2, 3),
        t(rng, gates * 2, 2),
        t(rng, gates * 2),
        t(rng, gates * 2),
    ]


def test_gradcheck_composed_twins():
    rng = np.random.default_rng(10)
    x, w, b = t(rng, 3, 4), t(rng, 2, 4), t(rng, 2)
    assert gradcheck(F.linear_simple, [x, w, b])
    logits = t(rng, 4, 3)
    assert gradcheck(
        lambda z: F.cross_entropy_simple(
            z, np.array([0, 2, -100, 1]), np.array([0.5, 2.0, 1.0]), label_smoothing=0.1
        ),
        [logits],
    )
    probs = rng.dirichlet(np.ones(3), 4)
    assert gradcheck(lambda z: F.cross_entropy_simple(z, probs, reduction="sum"), [logits])
    img, k, kb = t(rng, 2, 4, 5, 4), t(rng, 4, 2, 2, 3), t(rng, 4)
    assert gradcheck(
        lambda a, k, kb: conv.conv2d_simple(a, k, kb, (2, 1), (1, 0, 2, 1), (1, 2), 2), [img, k, kb]
    )
    tk = t(rng, 4, 3, 3, 2)
    assert gradcheck(
        lambda a, k, kb: conv.conv_transpose2d_simple(a, k, kb, (2, 2), (1, 2), (1, 0), (1, 2)),
        [img, tk, t(rng, 3)],
    )


def test_gradcheck_composed_recurrent_twins():
    rng = np.random.default_rng(12)
    x, h, c, *w = _cell_inputs(rng, 4)
    assert gradcheck(lambda *a: gn.cat(list(rnn.lstm_cell_simple(*a)), 1), [x, h, c, *w])
    x, h, c, *w = _cell_inputs(rng, 3)
    assert gradcheck(rnn.gru_cell_simple, [x, h, *w])
    x, h, c, *w = _cell_inputs(rng, 1)
    assert gradcheck(rnn.rnn_cell_simple, [x, h, *w])
    seq, h0, c0 = t(rng, 3, 2, 3), t(rng, 2, 2), t(rng, 2, 2)
    for mode, gates in (("LSTM", 4), ("GRU", 3), ("RNN_TANH", 1)):
        ws = [t(rng, gates * 2, 3), t(rng, gates * 2, 2), t(rng, gates * 2), t(rng, gates * 2)]
        lstm = mode == "LSTM"

        def fn(*a, mode=mode, lstm=lstm):
            ys, hn, cn = rnn.recurrence_simple(
                mode, a[0], a[1], a[2] if lstm else None, list(a[2 + lstm :]), reverse=True
            )
            return gn.cat([ys.reshape(-1), hn.reshape(-1)] + ([cn.reshape(-1)] if lstm else []))

        assert gradcheck(fn, [seq, h0, *([c0] if lstm else []), *ws])


def test_penalty_twin():
    from glassnet.nn.regularization import Penalty

    net = gn.models.MLP([3, 4, 5, 2]).to(gn.float64)
    ws = nn.weight_matrices(net)
    assert len(ws) == 3
    assert_twins_agree(lambda: nn.penalty(net, l1=0.03, l2=0.2), ws, Penalty)
