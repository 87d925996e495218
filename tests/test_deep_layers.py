"""Conformance of the deep layers with PyTorch: outputs, input grads, weight grads, buffers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import glassnet as gn
from conftest import require
from glassnet import nn
from glassnet.nn import conv, normalization, pooling, rnn

torch = require("torch")

DTYPES = [np.float32, np.float64]
TOL = {np.float32: 1e-4, np.float64: 1e-6}
SETTINGS = settings(max_examples=12, deadline=None, derandomize=True)


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in _flat(o)]
    return [out]


def _close(a, b, tol, what):
    b = b.detach().numpy() if hasattr(b, "detach") else np.asarray(b)
    a = a._array if isinstance(a, gn.Tensor) else np.asarray(a)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs torch {b.shape}"
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=what)


def check_module(gm, tm, inputs, dtype, steps=1, grad_inputs=True):
    """Same weights, same inputs: outputs, input/param grads and buffers must agree."""
    tm.to(torch.float64 if dtype == np.float64 else torch.float32)
    gm.to(dtype)
    gm.load_state_dict(tm.state_dict())
    tol = TOL[dtype]
    rng = np.random.default_rng(1)
    for _ in range(steps):
        gin = [
            gn.tensor(x.astype(dtype), requires_grad=grad_inputs) if x.dtype.kind == "f" else x
            for x in inputs
        ]
        tin = [
            torch.tensor(x.astype(dtype), requires_grad=grad_inputs)
            if x.dtype.kind == "f"
            else torch.tensor(x)
            for x in inputs
        ]
        gout, tout = _flat(gm(*gin)), _flat(tm(*tin))
        assert len(gout) == len(tout)
        gm.zero_grad()
        tm.zero_grad()
        gl, tl = 0, 0
        for i, (a, b) in enumerate(zip(gout, tout)):
            _close(a, b, tol, f"output {i}")
            u = rng.standard_normal(b.shape).astype(dtype)
            gl = gl + (a * gn.tensor(u)).sum()
            tl = tl + (b * torch.tensor(u)).sum()
        gl.backward()
        tl.backward()
        for i, (a, b) in enumerate(zip(gin, tin)):
            if isinstance(a, gn.Tensor) and grad_inputs:
                _close(a.grad, b.grad, tol, f"input {i} grad")
        tparams = dict(tm.named_parameters())
        for name, p in gm.named_parameters():
            _close(p.grad, tparams[name].grad, tol, f"grad of {name}")
    tbufs = dict(tm.named_buffers())
    for name, b in gm.named_buffers():
        _close(b, tbufs[name], tol, f"buffer {name}")
    assert set(gm.state_dict()) == set(tm.state_dict())


def _x(*shape):
    return np.random.default_rng(sum(shape)).standard_normal(shape)


# ----- convolution ------------------------------------------------------------------------
@SETTINGS
@given(
    n=st.integers(1, 3),
    g=st.sampled_from([1, 2]),
    cin=st.integers(1, 3),
    cout=st.integers(1, 3),
    h=st.integers(5, 9),
    w=st.integers(5, 9),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    pad=st.sampled_from([0, 1, 2, "same", "valid"]),
    dil=st.integers(1, 2),
    bias=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_conv2d_matches_torch(n, g, cin, cout, h, w, k, stride, pad, dil, bias, dtype):
    if pad == "same":
        stride = 1
    args = (cin * g, cout * g, k)
    kw = dict(stride=stride, padding=pad, dilation=dil, groups=g, bias=bias)
    check_module(
        nn.Conv2d(*args, **kw), torch.nn.Conv2d(*args, **kw), [_x(n, cin * g, h, w)], dtype
    )


def test_conv2d_rectangular_kernel_and_asymmetric_options():
    kw = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    check_module(
        nn.Conv2d(3, 4, (3, 2), **kw),
        torch.nn.Conv2d(3, 4, (3, 2), **kw),
        [_x(2, 3, 7, 8)],
        np.float64,
    )


@SETTINGS
@given(
    n=st.integers(1, 3),
    g=st.sampled_from([1, 3]),
    cin=st.integers(1, 2),
    cout=st.integers(1, 2),
    length=st.integers(6, 12),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.sampled_from([0, 1, "same"]),
    dil=st.integers(1, 2),
    bias=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_conv1d_matches_torch(n, g, cin, cout, length, k, stride, pad, dil, bias, dtype):
    if pad == "same":
        stride = 1
    args = (cin * g, cout * g, k)
    kw = dict(stride=stride, padding=pad, dilation=dil, groups=g, bias=bias)
    check_module(
        nn.Conv1d(*args, **kw), torch.nn.Conv1d(*args, **kw), [_x(n, cin * g, length)], dtype
    )


@SETTINGS
@given(
    n=st.integers(1, 2),
    cin=st.integers(1, 3),
    cout=st.integers(1, 3),
    h=st.integers(2, 5),
    w=st.integers(2, 5),
    k=st.integers(1, 4),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    opad=st.integers(0, 1),
    dil=st.integers(1, 2),
    bias=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_conv_transpose2d_matches_torch(n, cin, cout, h, w, k, stride, pad, opad, dil, bias, dtype):
    if opad >= max(stride, dil) or pad * 2 >= (k - 1) * dil + 1 + (h - 1) * stride:
        opad, pad = 0, 0
    kw = dict(stride=stride, padding=pad, output_padding=opad, dilation=dil, bias=bias)
    check_module(
        nn.ConvTranspose2d(cin, cout, k, **kw),
        torch.nn.ConvTranspose2d(cin, cout, k, **kw),
        [_x(n, cin, h, w)],
        dtype,
    )


# ----- pooling ----------------------------------------------------------------------------
@SETTINGS
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(4, 9),
    w=st.integers(4, 9),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    dil=st.integers(1, 2),
    ceil=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_max_pool2d_matches_torch(n, c, h, w, k, stride, pad, dil, ceil, dtype):
    pad = min(pad, k // 2)
    kw = dict(stride=stride, padding=pad, dilation=dil, ceil_mode=ceil)
    check_module(nn.MaxPool2d(k, **kw), torch.nn.MaxPool2d(k, **kw), [_x(n, c, h, w)], dtype)


@SETTINGS
@given(
    h=st.integers(5, 9),
    w=st.integers(5, 9),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    dil=st.integers(1, 2),
    ceil=st.booleans(),
    ties=st.booleans(),
)
def test_max_pool2d_return_indices_match_torch(h, w, k, stride, pad, dil, ceil, ties):
    pad = min(pad, k // 2)
    x = _x(2, 3, h, w)
    if ties:  # equal values: both must pick the first maximum of each window
        x = np.round(x)
    kw = dict(
        kernel_size=k, stride=stride, padding=pad, dilation=dil, ceil_mode=ceil, return_indices=True
    )
    y, idx = nn.MaxPool2d(**kw)(gn.tensor(x))
    ty, tidx = torch.nn.MaxPool2d(**kw)(torch.tensor(x))
    _close(y, ty, 1e-12, "output")
    np.testing.assert_array_equal(idx._array, tidx.numpy())


@SETTINGS
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    h=st.integers(4, 9),
    w=st.integers(4, 9),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    include=st.booleans(),
    ceil=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_avg_pool2d_matches_torch(n, c, h, w, k, stride, pad, include, ceil, dtype):
    pad = min(pad, k // 2)
    kw = dict(stride=stride, padding=pad, count_include_pad=include, ceil_mode=ceil)
    check_module(nn.AvgPool2d(k, **kw), torch.nn.AvgPool2d(k, **kw), [_x(n, c, h, w)], dtype)


@SETTINGS
@given(
    length=st.integers(5, 12),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    pad=st.integers(0, 1),
    dil=st.integers(1, 2),
    ceil=st.booleans(),
    include=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_pool1d_matches_torch(length, k, stride, pad, dil, ceil, include, dtype):
    pad = min(pad, k // 2)
    x = [_x(2, 3, length)]
    kw = dict(stride=stride, padding=pad, ceil_mode=ceil)
    check_module(
        nn.MaxPool1d(k, dilation=dil, **kw), torch.nn.MaxPool1d(k, dilation=dil, **kw), x, dtype
    )
    check_module(
        nn.AvgPool1d(k, count_include_pad=include, **kw),
        torch.nn.AvgPool1d(k, count_include_pad=include, **kw),
        x,
        dtype,
    )
    y, idx = nn.MaxPool1d(k, dilation=dil, return_indices=True, **kw)(gn.tensor(x[0]))
    ty, tidx = torch.nn.MaxPool1d(k, dilation=dil, return_indices=True, **kw)(torch.tensor(x[0]))
    np.testing.assert_array_equal(idx._array, tidx.numpy())
    with pytest.raises(ValueError, match=r"max_pool1d: expected input \(N, C, L\), got \(2, 3\)"):
        nn.MaxPool1d(k)(gn.zeros(2, 3))


@SETTINGS
@given(
    h=st.integers(1, 9),
    w=st.integers(1, 9),
    oh=st.integers(1, 5),
    ow=st.integers(1, 5),
    dtype=st.sampled_from(DTYPES),
)
def test_adaptive_avg_pool2d_matches_torch(h, w, oh, ow, dtype):
    check_module(
        nn.AdaptiveAvgPool2d((oh, ow)),
        torch.nn.AdaptiveAvgPool2d((oh, ow)),
        [_x(2, 3, h, w)],
        dtype,
    )


@SETTINGS
@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    size=st.integers(1, 11),
    scale=st.sampled_from([None, 1, 2, 3]),
    dtype=st.sampled_from(DTYPES),
)
def test_upsample_nearest_matches_torch(h, w, size, scale, dtype):
    kw = dict(scale_factor=scale) if scale else dict(size=(size, size + 1))
    check_module(nn.Upsample(**kw), torch.nn.Upsample(**kw), [_x(2, 2, h, w)], dtype)


@SETTINGS
@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    size=st.integers(1, 11),
    scale=st.sampled_from([None, 0.5, 1.5, 2, 3]),
    align=st.sampled_from([None, False, True]),
    dtype=st.sampled_from(DTYPES),
)
def test_upsample_bilinear_matches_torch(h, w, size, scale, align, dtype):
    kw = dict(scale_factor=scale) if scale else dict(size=(size, size + 1))
    if min(int(h * (scale or 1)), int(w * (scale or 1))) < 1:
        return  # an empty output: both refuse it (tested below)
    kw.update(mode="bilinear", align_corners=align)
    check_module(nn.Upsample(**kw), torch.nn.Upsample(**kw), [_x(2, 2, h, w)], dtype)


def test_interpolate_refuses_what_torch_refuses():
    x = gn.tensor(_x(1, 1, 2, 2))
    with pytest.raises(ValueError, match="output size"):
        nn.functional.interpolate(x, scale_factor=0.4, mode="bilinear")
    with pytest.raises(ValueError, match="align_corners only applies"):
        nn.functional.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="'bicubic'"):
        nn.Upsample(scale_factor=2, mode="bicubic")


# ----- normalisation and embedding --------------------------------------------------------
@SETTINGS
@given(
    n=st.integers(2, 5),
    c=st.integers(1, 4),
    length=st.sampled_from([None, 3]),
    momentum=st.sampled_from([0.1, 0.5, None]),
    affine=st.booleans(),
    track=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_batch_norm1d_matches_torch_over_steps(n, c, length, momentum, affine, track, dtype):
    shape = (n, c) if length is None else (n, c, length)
    kw = dict(momentum=momentum, affine=affine, track_running_stats=track)
    gm, tm = nn.BatchNorm1d(c, **kw), torch.nn.BatchNorm1d(c, **kw)
    check_module(gm, tm, [_x(*shape) * 3 + 1], dtype, steps=3)
    gm.eval()
    tm.eval()
    check_module(gm, tm, [_x(*shape)], dtype)


@SETTINGS
@given(
    n=st.integers(1, 3),
    c=st.integers(1, 4),
    h=st.integers(1, 4),
    w=st.integers(2, 4),
    momentum=st.sampled_from([0.1, None]),
    dtype=st.sampled_from(DTYPES),
)
def test_batch_norm2d_train_then_eval_matches_torch(n, c, h, w, momentum, dtype):
    gm, tm = nn.BatchNorm2d(c, momentum=momentum), torch.nn.BatchNorm2d(c, momentum=momentum)
    with torch.no_grad():
        tm.weight.uniform_(0.5, 1.5)
        tm.bias.uniform_(-1, 1)
    check_module(gm, tm, [_x(n, c, h, w) * 2 - 1], dtype, steps=2)
    assert int(gm.num_batches_tracked.item()) == 2
    gm.eval()
    tm.eval()
    check_module(gm, tm, [_x(n, c, h, w)], dtype)


def test_batch_norm_state_dict_keys_match_torch_and_load():
    tm = torch.nn.BatchNorm2d(3)
    tm(torch.randn(4, 3, 2, 2))
    gm = nn.BatchNorm2d(3)
    assert list(gm.state_dict()) == list(tm.state_dict())
    gm.load_state_dict(tm.state_dict())
    _close(gm.running_var, tm.running_var, 1e-6, "running_var")
    assert int(gm.num_batches_tracked.item()) == 1


@SETTINGS
@given(
    shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
    k=st.integers(1, 2),
    affine=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_layer_norm_matches_torch(shape, k, affine, dtype):
    norm = tuple(shape[-k:])
    gm, tm = (
        nn.LayerNorm(norm, elementwise_affine=affine),
        torch.nn.LayerNorm(norm, elementwise_affine=affine),
    )
    if affine:
        with torch.no_grad():
            tm.weight.uniform_(0.5, 1.5)
            tm.bias.uniform_(-1, 1)
    check_module(gm, tm, [_x(*shape)], dtype)


@SETTINGS
@given(
    num=st.integers(2, 9),
    dim=st.integers(1, 5),
    pad=st.sampled_from([None, 0, 1]),
    dtype=st.sampled_from(DTYPES),
)
def test_embedding_matches_torch(num, dim, pad, dtype):
    idx = np.random.default_rng(num).integers(0, num, (3, 4))
    check_module(
        nn.Embedding(num, dim, padding_idx=pad),
        torch.nn.Embedding(num, dim, padding_idx=pad),
        [idx],
        dtype,
    )


# ----- recurrent --------------------------------------------------------------------------
@SETTINGS
@given(
    kind=st.sampled_from(["RNN", "LSTM", "GRU"]),
    layers=st.integers(1, 2),
    bidir=st.booleans(),
    batch_first=st.booleans(),
    bias=st.booleans(),
    with_state=st.booleans(),
    t=st.integers(1, 5),
    b=st.integers(1, 3),
    relu=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_recurrent_layers_match_torch(
    kind, layers, bidir, batch_first, bias, with_state, t, b, relu, dtype
):
    kw = dict(num_layers=layers, bidirectional=bidir, batch_first=batch_first, bias=bias)
    if kind == "RNN" and relu:
        kw["nonlinearity"] = "relu"
    gm, tm = getattr(nn, kind)(3, 4, **kw), getattr(torch.nn, kind)(3, 4, **kw)
    x = _x(b, t, 3) if batch_first else _x(t, b, 3)
    inputs = [x]
    state = (layers * (2 if bidir else 1), b, 4)
    if with_state:
        inputs += [_x(*state) * 0.5] + ([_x(*state)[::-1].copy()] if kind == "LSTM" else [])

    class Wrap:  # LSTM takes its state as one (h, c) tuple
        def __init__(self, m):
            self.m = m

        def __getattr__(self, name):
            return getattr(self.m, name)

        def __call__(self, x, *state):
            if not state:
                return self.m(x)
            return self.m(x, tuple(state) if len(state) == 2 else state[0])

    check_module(Wrap(gm), Wrap(tm), inputs, dtype)


@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_recurrent_cells_match_torch(kind, dtype):
    gm, tm = getattr(nn, kind)(3, 5), getattr(torch.nn, kind)(3, 5)
    x, h = _x(2, 3), _x(2, 5)

    def gcall(m):
        def f(x, h):
            return m(x, (h, h * 0.5) if kind == "LSTMCell" else h)

        f.named_parameters, f.named_buffers = m.named_parameters, m.named_buffers
        f.zero_grad, f.load_state_dict, f.state_dict = m.zero_grad, m.load_state_dict, m.state_dict
        f.to = lambda d: (m.to(d), f)[1]
        return f

    check_module(gcall(gm), gcall(tm), [x, h], dtype)
    assert [n for n, _ in gm.named_parameters()] == [n for n, _ in tm.named_parameters()]


def test_lstm_loads_torch_state_dict_names():
    tm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    gm = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    assert list(gm.state_dict()) == list(tm.state_dict())


def test_recurrent_dropout_only_in_training():
    m = nn.GRU(3, 8, num_layers=2, dropout=0.5)
    x = gn.randn(5, 2, 3)
    out_a, out_b = m(x)[0], m(x)[0]
    assert not np.allclose(out_a._array, out_b._array)
    m.eval()
    np.testing.assert_array_equal(m(x)[0]._array, m(x)[0]._array)


# ----- gradient checks of every new Function, float64 -------------------------------------
def _t(*shape):
    return gn.tensor(_x(*shape), requires_grad=True)


@pytest.mark.parametrize(
    "kw",
    [
        dict(stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1),
        dict(stride=(2, 1), padding=(1, 0, 2, 1), dilation=(1, 2), groups=2),
    ],
)
def test_gradcheck_conv2d(kw):
    x, w, b = _t(2, 4, 6, 5), _t(2, 4 // kw["groups"], 3, 2), _t(2)
    assert gn.gradcheck(lambda x, w, b: conv.Conv2dFn.apply(x, w, b, **kw), [x, w, b])


def test_gradcheck_conv_transpose2d():
    x, w, b = _t(2, 3, 3, 4), _t(3, 2, 3, 2), _t(2)
    kw = dict(stride=(2, 1), padding=(1, 0), output_padding=(1, 0), dilation=(1, 2))
    assert gn.gradcheck(lambda x, w, b: conv.ConvTranspose2dFn.apply(x, w, b, **kw), [x, w, b])


def test_gradcheck_pools():
    x = _t(2, 2, 6, 5)
    kw = dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1))
    assert gn.gradcheck(lambda x: pooling.MaxPool2dFn.apply(x, dilation=(1, 2), **kw), [x])
    assert gn.gradcheck(lambda x: pooling.AvgPool2dFn.apply(x, count_include_pad=False, **kw), [x])
    for include in (True, False):  # ceil_mode's partial last windows
        assert gn.gradcheck(
            lambda x, include=include: pooling.AvgPool2dFn.apply(
                x,
                kernel_size=(3, 3),
                stride=(2, 2),
                padding=(1, 0),
                ceil_mode=True,
                count_include_pad=include,
            ),
            [x],
        )
    assert gn.gradcheck(
        lambda x: pooling.MaxPool2dFn.apply(x, kernel_size=(2, 3), stride=(2, 2), ceil_mode=True),
        [x],
    )
    assert gn.gradcheck(lambda x: pooling.interpolate(x, size=(4, 7), mode="bilinear"), [x])


def test_gradcheck_embedding():
    w = _t(5, 3)
    idx = np.array([[0, 2, 2], [4, 1, 0]])
    assert gn.gradcheck(lambda w: normalization.EmbeddingFn.apply(w, idx), [w])


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH", "RNN_RELU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_recurrence(mode, reverse):
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    x, h0, c0 = _t(3, 2, 2), _t(2, 3), _t(2, 3) if mode == "LSTM" else None
    ws = [_t(gates * 3, 2), _t(gates * 3, 3), _t(gates * 3), _t(gates * 3)]
    inputs = [x, h0, c0, *ws]
    assert gn.gradcheck(lambda *a: rnn.Recurrence.apply(*a, mode=mode, reverse=reverse), inputs)


def test_gradcheck_batch_and_layer_norm_composites():
    x, w, b = _t(4, 3, 2), _t(3), _t(3)
    assert gn.gradcheck(
        lambda x, w, b: normalization.batch_norm(x, None, None, w, b, training=True), [x, w, b]
    )
    w2, b2 = _t(3, 2), _t(3, 2)
    assert gn.gradcheck(lambda x, w, b: normalization.layer_norm(x, (3, 2), w, b), [x, w2, b2])


# ----- errors -----------------------------------------------------------------------------
def test_conv_errors_name_layer_and_shapes():
    m = nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError, match=r"Conv2d.*\(N, 3, H, W\).*\(2, 5, 8, 8\)"):
        m(gn.zeros(2, 5, 8, 8))
    with pytest.raises(ValueError, match=r"Conv2d.*\(3, 8, 8\)"):
        m(gn.zeros(3, 8, 8))
    with pytest.raises(ValueError, match=r"kernel size \(3, 3\).*larger than the padded input"):
        m(gn.zeros(1, 3, 2, 8))
    with pytest.raises(ValueError, match=r"Conv1d.*\(N, 2, L\)"):
        nn.Conv1d(2, 2, 3)(gn.zeros(1, 3, 9))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.MaxPool2d(3)(gn.zeros(1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"kernel size \(3, 3\) at dilation \(2, 2\) is larger"):
        nn.MaxPool2d(3, dilation=2)(gn.zeros(1, 1, 4, 4))
    with pytest.raises(ValueError, match=r"LSTM: expected input \(seq, batch, 3\)"):
        nn.LSTM(3, 4)(gn.zeros(5, 2, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d.*4 channels.*\(2, 3, 5, 5\)"):
        nn.BatchNorm2d(4)(gn.zeros(2, 3, 5, 5))
    for layer in (nn.RNN, nn.RNNCell):
        with pytest.raises(ValueError, match=rf"{layer.__name__}: nonlinearity .* got 'gelu'"):
            layer(3, 4, nonlinearity="gelu")
