"""`export`: a glassnet model as an ONNX graph, one rule per layer class in `RULES`.

The model runs once on the example input while the graph is written, so every rule knows
the shapes it meets; the batch dim stays symbolic (``dynamic_batch``). The graph is built
with the `onnx` package's helper API and checked with `onnx.checker.check_model(full_check=True)`.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import models, nn
from ..autograd import Tensor, no_grad
from ..io import atomic_write_bytes
from ..nn.conv import _padding2d, _tuple
from ..nn.pooling import _bins

# Opsets whose operator signatures this exporter writes (17: LayerNormalization appears).
# onnxruntime 1.32 loads all of them; the IR version is the lowest that opset needs.
OPSETS = range(17, 22)
DEFAULT_OPSET = 17


class ExportError(ValueError):
    """A model that cannot be exported: names the layer, its position and the reason."""


class _Graph:
    """The nodes and initializers being written, with unique names."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.names: set[str] = set()

    def name(self, hint: str) -> str:
        """`hint`, or hint_1, hint_2, ... when it is taken."""
        base, i = hint or "t", 0
        while hint in self.names:
            i += 1
            hint = f"{base}_{i}"
        self.names.add(hint)
        return hint

    def const(self, array: Any, hint: str) -> str:
        """An initializer holding `array` (a Tensor, ndarray or list)."""
        a = np.asarray(array._array if isinstance(array, Tensor) else array)
        name = self.name(hint)
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(a), name))
        return name

    def op(self, op_type: str, inputs: list[str], hint: str, outputs: int = 1, **attrs) -> Any:
        """Add one node; returns its output name (or the list of them)."""
        outs = [self.name(f"{hint}/{op_type}" + (f"_{i}" if i else "")) for i in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0], **attrs))
        return outs[0] if outputs == 1 else outs

    def ints(self, values: Any, hint: str) -> str:
        """An int64 initializer (shapes, axes, slice bounds)."""
        return self.const(np.asarray(values, np.int64), hint)


class _V:
    """A value in the graph: its ONNX name and the glassnet tensor traced beside it."""

    def __init__(self, name: str, t: Any) -> None:
        self.name, self.t = name, t


Rule = Callable[..., Any]
RULES: dict[type, Rule] = {}


def rule(*classes: type) -> Callable[[Rule], Rule]:
    """Register an export rule for layer classes (exact classes: a subclass with its own
    forward needs its own rule)."""

    def deco(f: Rule) -> Rule:
        for c in classes:
            RULES[c] = f
        return f

    return deco


def emit(g: _Graph, m: nn.Module, path: str, *args: Any) -> Any:
    """Write module `m` (at `path`) applied to the values `args`; returns its output value(s)."""
    f = RULES.get(type(m))
    if f is None:
        known = sorted({c.__name__ for c in RULES})
        raise ExportError(
            f"export: {type(m).__name__} at {path or '<model>'} has no ONNX export rule; "
            f"exportable layers: {', '.join(known)}"
        )
    return f(g, m, path, *args)


def _leaf(op: Callable[[_Graph, Any, str, _V, Any], str]) -> Rule:
    """A rule for one layer: runs the layer on the traced tensor, then writes its nodes."""

    def run(g: _Graph, m: Any, path: str, v: _V) -> _V:
        y = m(v.t)
        return _V(op(g, m, path, v, y), y)

    run.__doc__ = op.__doc__
    return run


def _unary(g: _Graph, op_type: str, v: _V, fn: Callable, hint: str, **attrs) -> _V:
    """One element-wise node, traced with `fn`."""
    return _V(g.op(op_type, [v.name], hint, **attrs), fn(v.t))


# ----- element-wise and shape layers ------------------------------------------------------
_SIMPLE = {nn.ReLU: "Relu", nn.Sigmoid: "Sigmoid", nn.Tanh: "Tanh", nn.Identity: "Identity"}


@rule(*_SIMPLE, nn.Dropout)
@_leaf
def _simple(g, m, path, v, y):
    """ReLU, Sigmoid, Tanh, Identity; Dropout is the identity at inference."""
    return g.op(_SIMPLE.get(type(m), "Identity"), [v.name], path)


@rule(nn.LeakyReLU)
@_leaf
def _leaky(g, m, path, v, y):
    """LeakyRelu with alpha = negative_slope."""
    return g.op("LeakyRelu", [v.name], path, alpha=float(m.negative_slope))


@rule(nn.ELU)
@_leaf
def _elu(g, m, path, v, y):
    """Elu with alpha."""
    return g.op("Elu", [v.name], path, alpha=float(m.alpha))


@rule(nn.SiLU)
@_leaf
def _silu(g, m, path, v, y):
    """x·σ(x): Sigmoid then Mul."""
    return g.op("Mul", [v.name, g.op("Sigmoid", [v.name], path)], path)


@rule(nn.Softplus)
@_leaf
def _softplus(g, m, path, v, y):
    """Softplus(βx)/β (ONNX's has no threshold: above it the two differ by < e^−threshold)."""
    if m.beta == 1:
        return g.op("Softplus", [v.name], path)
    beta = g.const(np.asarray(m.beta, v.t.dtype), f"{path}.beta")
    return g.op("Div", [g.op("Softplus", [g.op("Mul", [v.name, beta], path)], path), beta], path)


@rule(nn.GELU)
@_leaf
def _gelu(g, m, path, v, y):
    """½x(1 + erf(x/√2)), or ½x(1 + tanh(√(2/π)(x + 0.044715x³))): composed (opset < 20)."""
    dt = v.t.dtype

    def c(value: float, name: str) -> str:
        return g.const(np.asarray(value, dt), f"{path}.{name}")

    if m.approximate == "tanh":
        cube = g.op("Mul", [g.op("Mul", [v.name, v.name], path), v.name], path)
        inner = g.op("Add", [v.name, g.op("Mul", [cube, c(0.044715, "k")], path)], path)
        t = g.op("Tanh", [g.op("Mul", [inner, c(math.sqrt(2 / math.pi), "c")], path)], path)
    else:
        t = g.op("Erf", [g.op("Div", [v.name, c(math.sqrt(2), "sqrt2")], path)], path)
    half_x = g.op("Mul", [v.name, c(0.5, "half")], path)
    return g.op("Mul", [half_x, g.op("Add", [t, c(1.0, "one")], path)], path)


@rule(nn.Step)
@_leaf
def _step(g, m, path, v, y):
    """1 where x >= 0, else 0: GreaterOrEqual then Cast."""
    zero = g.const(np.zeros((), v.t.dtype), f"{path}.zero")
    ge = g.op("GreaterOrEqual", [v.name, zero], path)
    return g.op("Cast", [ge], path, to=helper.np_dtype_to_tensor_dtype(np.dtype(v.t.dtype)))


@rule(nn.Softmax, nn.LogSoftmax)
@_leaf
def _softmax(g, m, path, v, y):
    """Softmax / LogSoftmax along `dim` (opset 13+ semantics are torch's)."""
    return g.op(type(m).__name__, [v.name], path, axis=int(m.dim))


@rule(nn.Flatten)
@_leaf
def _flatten(g, m, path, v, y):
    """Flatten (axis 1 to the end) or a Reshape that keeps the dims before start_dim."""
    start, end = m.start_dim % v.t.ndim, m.end_dim % v.t.ndim
    if start == 1 and end == v.t.ndim - 1:
        return g.op("Flatten", [v.name], path, axis=1)
    shape = [0] * start + [-1] + list(v.t.shape[end + 1 :])
    return g.op("Reshape", [v.name, g.ints(shape, f"{path}.shape")], path)


@rule(nn.Unflatten)
@_leaf
def _unflatten(g, m, path, v, y):
    """Reshape: dims before `dim` copied (0), the split sizes, then the dims after."""
    d = m.dim % v.t.ndim
    shape = [0] * d + list(y.shape[d:])
    return g.op("Reshape", [v.name, g.ints(shape, f"{path}.shape")], path)


@rule(nn.Standardize)
@_leaf
def _standardize(g, m, path, v, y):
    """(x − shift) / scale with the buffers as initializers."""
    dt = v.t.dtype
    sub = g.op("Sub", [v.name, g.const(m.shift._array.astype(dt), f"{path}.shift")], path)
    return g.op("Div", [sub, g.const(m.scale._array.astype(dt), f"{path}.scale")], path)


# ----- layers with weights ----------------------------------------------------------------
@rule(nn.Linear)
@_leaf
def _linear(g, m, path, v, y):
    """Gemm (transB) for (N, in) inputs; MatMul with Wᵀ (+ Add b) for more dims."""
    b = [g.const(m.bias, f"{path}.bias")] if m.bias is not None else []
    if v.t.ndim == 2:
        return g.op("Gemm", [v.name, g.const(m.weight, f"{path}.weight"), *b], path, transB=1)
    out = g.op("MatMul", [v.name, g.const(m.weight._array.T, f"{path}.weight_t")], path)
    return g.op("Add", [out, b[0]], path) if b else out


def _conv_pads(m: Any) -> list[int]:
    """ONNX pads (begins, then ends) of a Conv1d/Conv2d's padding."""
    if m.n == 1:
        k, d = (1, m.kernel_size[0]), (1, m.dilation[0])
        pad = m.padding if isinstance(m.padding, str) else (0, m.padding[0])
        _, _, lo, hi = _padding2d(pad, k, d, (1, m.stride[0]), type(m).__name__)
        return [lo, hi]
    t, b, l, r = _padding2d(m.padding, m.kernel_size, m.dilation, m.stride, type(m).__name__)
    return [t, l, b, r]


def _conv_inputs(g: _Graph, m: Any, path: str, v: _V) -> list[str]:
    """A (transposed) convolution's inputs: x, its weight as is, then its bias if any."""
    ins = [v.name, g.const(m.weight, f"{path}.weight")]
    return ins + ([g.const(m.bias, f"{path}.bias")] if m.bias is not None else [])


@rule(nn.Conv1d, nn.Conv2d)
@_leaf
def _conv(g, m, path, v, y):
    """Conv with strides, pads, dilations and group; weight (O, C/groups, k...) as is."""
    return g.op(
        "Conv",
        _conv_inputs(g, m, path, v),
        path,
        kernel_shape=list(m.kernel_size),
        strides=list(m.stride),
        pads=_conv_pads(m),
        dilations=list(m.dilation),
        group=int(m.groups),
    )


@rule(nn.ConvTranspose2d)
@_leaf
def _conv_t(g, m, path, v, y):
    """ConvTranspose; weight (Cin, Cout, kh, kw) is ONNX's layout too."""
    return g.op(
        "ConvTranspose",
        _conv_inputs(g, m, path, v),
        path,
        kernel_shape=list(m.kernel_size),
        strides=list(m.stride),
        pads=list(m.padding) * 2,
        output_padding=list(m.output_padding),
        dilations=list(m.dilation),
    )


def _pool_geometry(m: Any, n: int) -> dict[str, Any]:
    """kernel_shape, strides and pads of a pooling layer with n spatial dims."""
    name = type(m).__name__
    k, s = _tuple(m.kernel_size, n, f"{name}: kernel_size"), _tuple(m.stride, n, "stride")
    p = list(_tuple(m.padding, n, f"{name}: padding"))
    return {"kernel_shape": list(k), "strides": list(s), "pads": p * 2}


@rule(nn.MaxPool1d, nn.MaxPool2d)
@_leaf
def _max_pool(g, m, path, v, y):
    """MaxPool with dilations and ceil_mode (the indices output is not exported)."""
    if m.return_indices:
        raise ExportError(f"export: {type(m).__name__} at {path or '<model>'}: return_indices=True")
    n = v.t.ndim - 2
    d = list(_tuple(m.dilation, n, "dilation"))
    geom = _pool_geometry(m, n)
    return g.op("MaxPool", [v.name], path, dilations=d, ceil_mode=int(m.ceil_mode), **geom)


@rule(nn.AvgPool1d, nn.AvgPool2d)
@_leaf
def _avg_pool(g, m, path, v, y):
    """AveragePool with count_include_pad and ceil_mode."""
    if getattr(m, "divisor_override", None):
        raise ExportError(
            f"export: {type(m).__name__} at {path or '<model>'}: divisor_override has no ONNX op"
        )
    return g.op(
        "AveragePool",
        [v.name],
        path,
        ceil_mode=int(m.ceil_mode),
        count_include_pad=int(m.count_include_pad),
        **_pool_geometry(m, v.t.ndim - 2),
    )


@rule(nn.AdaptiveAvgPool2d)
@_leaf
def _adaptive_pool(g, m, path, v, y):
    """A_h · x · A_wᵀ with glassnet's (and PyTorch's) bin matrices, as two MatMuls."""
    (h, w), (oh, ow) = v.t.shape[2:], y.shape[2:]
    ah = g.const(_bins(h, oh, v.t.dtype), f"{path}.rows")
    aw = g.const(_bins(w, ow, v.t.dtype).T, f"{path}.cols")
    return g.op("MatMul", [g.op("MatMul", [ah, v.name], path), aw], path)


@rule(nn.Upsample)
@_leaf
def _upsample(g, m, path, v, y):
    """Resize: nearest (asymmetric, floor) or linear (pytorch_half_pixel / align_corners)."""
    if m.mode == "nearest":
        mode = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric"}
        mode["nearest_mode"] = "floor"
    else:
        ct = "align_corners" if m.align_corners else "pytorch_half_pixel"
        mode = {"mode": "linear", "coordinate_transformation_mode": ct}
    if m.scale_factor is not None:
        sf = m.scale_factor if isinstance(m.scale_factor, (tuple, list)) else (m.scale_factor,) * 2
        scales = g.const(np.asarray([1, 1, *sf], np.float32), f"{path}.scales")
        return g.op("Resize", [v.name, "", scales], path, **mode)
    shape = g.op("Shape", [v.name], path, start=0, end=2)
    sizes = g.op("Concat", [shape, g.ints(y.shape[2:], f"{path}.size")], path, axis=0)
    return g.op("Resize", [v.name, "", "", sizes], path, **mode)


@rule(nn.BatchNorm1d, nn.BatchNorm2d)
@_leaf
def _batch_norm(g, m, path, v, y):
    """BatchNormalization with the running statistics (inference)."""
    if not m.track_running_stats:
        raise ExportError(
            f"export: {type(m).__name__} at {path or '<model>'}: track_running_stats=False "
            "normalises with batch statistics at inference; ONNX's BatchNormalization does not"
        )
    c, dt = m.num_features, v.t.dtype
    scale = m.weight if m.weight is not None else np.ones(c, dt)
    bias = m.bias if m.bias is not None else np.zeros(c, dt)
    ins = [
        v.name,
        g.const(scale, f"{path}.weight"),
        g.const(bias, f"{path}.bias"),
        g.const(m.running_mean, f"{path}.running_mean"),
        g.const(m.running_var, f"{path}.running_var"),
    ]
    return g.op("BatchNormalization", ins, path, epsilon=float(m.eps))


@rule(nn.LayerNorm)
@_leaf
def _layer_norm(g, m, path, v, y):
    """LayerNormalization over the trailing normalized_shape dims."""
    shape, dt = m.normalized_shape, v.t.dtype
    scale = m.weight if m.weight is not None else np.ones(shape, dt)
    ins = [v.name, g.const(scale, f"{path}.weight")]
    if m.bias is not None:
        ins.append(g.const(m.bias, f"{path}.bias"))
    return g.op("LayerNormalization", ins, path, axis=-len(shape), epsilon=float(m.eps))


@rule(nn.Embedding)
@_leaf
def _embedding(g, m, path, v, y):
    """Gather rows of the weight at the integer indices."""
    return g.op("Gather", [g.const(m.weight, f"{path}.weight"), v.name], path, axis=0)


# ----- recurrent layers -------------------------------------------------------------------
# ONNX's gate blocks from PyTorch's: LSTM i|f|g|o -> i|o|f|c, GRU r|z|n -> z|r|h.
_ONNX_GATES = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2]}


def _onnx_weights(m: Any, names: tuple[str, ...], dirs: int) -> list[np.ndarray]:
    """W (D, G·H, I), R (D, G·H, H) and B (D, 2·G·H) of one layer in ONNX's gate order, from
    the parameters `names` (weight_ih, weight_hh, bias_ih, bias_hh; "_reverse" for D = 2)."""
    order = _ONNX_GATES.get(m.mode, [0])
    hid, out = m.hidden_size, []
    for kind in names:
        per_dir = []
        for suffix in ("", "_reverse")[:dirs]:
            p = getattr(m, f"{kind}{suffix}", None)
            if p is None:  # bias=False
                p = Tensor(np.zeros(len(order) * hid, getattr(m, names[0]).dtype))
            a = p._array.reshape(len(order), hid, *p.shape[1:])[order]
            per_dir.append(a.reshape(p.shape))
        out.append(np.stack(per_dir))
    w, r, bi, bh = out
    return [w, r, np.concatenate([bi, bh], axis=1)]


def _layer_states(g: _Graph, state: _V | None, layer: int, dirs: int, hint: str) -> str:
    """Rows layer·D .. layer·D + D of an initial state (L·D, B, H), or '' for zeros."""
    if state is None:
        return ""
    lo, hi = g.ints([layer * dirs], f"{hint}.start"), g.ints([(layer + 1) * dirs], f"{hint}.end")
    return g.op("Slice", [state.name, lo, hi, g.ints([0], f"{hint}.axes")], hint)


@rule(nn.RNN, nn.LSTM, nn.GRU)
def _recurrent(g: _Graph, m: Any, path: str, v: _V, hx: Any = None) -> tuple:
    """One ONNX RNN/LSTM/GRU node per layer (both directions in it), layers chained by
    Transpose + Reshape; batch_first by a Transpose at each end. Returns out, h_n (, c_n)."""
    state = None if hx is None else tuple(s.t for s in hx) if m.mode == "LSTM" else hx.t
    traced = m(v.t, state)
    if v.t.ndim != 3:
        raise ExportError(
            f"export: {type(m).__name__} at {path or '<model>'}: unbatched input {v.t.shape}"
        )
    lstm = m.mode == "LSTM"
    h0, c0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)
    dirs = 2 if m.bidirectional else 1
    op_type = "RNN" if m.mode.startswith("RNN") else m.mode
    attrs: dict[str, Any] = {"hidden_size": m.hidden_size}
    attrs["direction"] = "bidirectional" if dirs == 2 else "forward"
    if op_type == "RNN":
        attrs["activations"] = ["Tanh" if m.mode == "RNN_TANH" else "Relu"] * dirs
    if op_type == "GRU":
        attrs["linear_before_reset"] = 1  # PyTorch's n = tanh(W_in x + r (W_hn h + b_hn))
    x = g.op("Transpose", [v.name], path, perm=[1, 0, 2]) if m.batch_first else v.name
    hs, cs = [], []
    for layer in range(m.num_layers):
        hint = f"{path}.l{layer}"
        names = tuple(f"{k}_l{layer}" for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
        w, r, b = (g.const(a, f"{hint}.{k}") for k, a in zip("WRB", _onnx_weights(m, names, dirs)))
        ins = [x, w, r, b, "", _layer_states(g, h0, layer, dirs, f"{hint}.h0")]
        if lstm:
            ins.append(_layer_states(g, c0, layer, dirs, f"{hint}.c0"))
        y, *states = g.op(op_type, ins, hint, outputs=3 if lstm else 2, **attrs)
        hs.append(states[0])
        cs.extend(states[1:])
        y = g.op("Transpose", [y], hint, perm=[0, 2, 1, 3])  # (T, D, B, H) -> (T, B, D, H)
        x = g.op("Reshape", [y, g.ints([0, 0, -1], f"{hint}.shape")], hint)
    if m.batch_first:
        x = g.op("Transpose", [x], path, perm=[1, 0, 2])
    h_n = g.op("Concat", hs, f"{path}.h_n", axis=0) if len(hs) > 1 else hs[0]
    out, states = traced
    if not lstm:
        return _V(x, out), _V(h_n, states)
    c_n = g.op("Concat", cs, f"{path}.c_n", axis=0) if len(cs) > 1 else cs[0]
    return _V(x, out), (_V(h_n, states[0]), _V(c_n, states[1]))


@rule(nn.RNNCell, nn.LSTMCell, nn.GRUCell)
def _cell(g: _Graph, m: Any, path: str, v: _V, hx: Any = None) -> Any:
    """One step: the sequence op over a length-1 sequence (Unsqueeze, then Squeeze of Y_h)."""
    lstm = m.mode == "LSTM"
    state = None if hx is None else tuple(s.t for s in hx) if lstm else hx.t
    traced = m(v.t, state)
    if v.t.ndim != 2:
        raise ExportError(
            f"export: {type(m).__name__} at {path or '<model>'}: unbatched input {v.t.shape}"
        )
    op_type = "RNN" if m.mode.startswith("RNN") else m.mode
    attrs: dict[str, Any] = {"hidden_size": m.hidden_size}
    if op_type == "RNN":
        attrs["activations"] = ["Tanh" if m.mode == "RNN_TANH" else "Relu"]
    if op_type == "GRU":
        attrs["linear_before_reset"] = 1
    axis0 = g.ints([0], f"{path}.axis0")
    names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    w, r, b = _onnx_weights(m, names, 1)
    ins = [g.op("Unsqueeze", [v.name, axis0], path)]
    ins += [g.const(a, f"{path}.{k}") for k, a in zip("WRB", (w, r, b))] + [""]
    states = (hx if lstm else (hx,)) if hx is not None else ()
    ins += [g.op("Unsqueeze", [s.name, axis0], path) for s in states]
    outs = g.op(op_type, ins, path, outputs=3 if lstm else 2, **attrs)
    h, *c = (g.op("Squeeze", [o, axis0], path) for o in outs[1:])
    if lstm:
        return _V(h, traced[0]), _V(c[0], traced[1])
    return _V(h, traced)


# ----- containers and the models in glassnet.models ---------------------------------------
def _chain(g: _Graph, mods: Any, path: str, v: Any) -> Any:
    """Children one after another (Sequential's forward)."""
    for name, child in mods:
        v = emit(g, child, f"{path}.{name}" if path else name, v)
    return v


@rule(nn.Sequential, models.MLP)
def _sequential(g: _Graph, m: Any, path: str, v: _V) -> Any:
    """Each child in order."""
    return _chain(g, m._modules.items(), path, v)


@rule(models.LeNet5)
def _lenet(g: _Graph, m: Any, path: str, v: _V) -> Any:
    """features, then classifier."""
    return _chain(g, [("features", m.features), ("classifier", m.classifier)], path, v)


def _sub(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


@rule(models.BasicBlock)
def _basic_block(g: _Graph, m: Any, path: str, v: _V) -> _V:
    """relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))."""
    y = _chain(g, [("conv1", m.conv1), ("bn1", m.bn1)], path, v)
    y = _unary(g, "Relu", y, nn.functional.relu, _sub(path, "relu1"))
    y = _chain(g, [("conv2", m.conv2), ("bn2", m.bn2)], path, y)
    s = emit(g, m.shortcut, _sub(path, "shortcut"), v)
    total = _V(g.op("Add", [y.name, s.name], _sub(path, "add")), y.t + s.t)
    return _unary(g, "Relu", total, nn.functional.relu, _sub(path, "relu2"))


@rule(models.ResNet)
def _resnet(g: _Graph, m: Any, path: str, v: _V) -> _V:
    """stem, layers, pool, flatten(1), fc."""
    y = _chain(g, [("stem", m.stem), ("layers", m.layers), ("pool", m.pool)], path, v)
    y = _unary(g, "Flatten", y, lambda t: t.flatten(1), _sub(path, "flatten"), axis=1)
    return emit(g, m.fc, _sub(path, "fc"), y)


# ----- the graph --------------------------------------------------------------------------
def _flat(v: Any) -> list:
    """The leaves of nested tuples/lists."""
    return [x for item in v for x in _flat(item)] if isinstance(v, (tuple, list)) else [v]


def _inputs(model: nn.Module, example_input: Any) -> list[Any]:
    """The example input(s) as arrays: one array, or a tuple (x, hx) for a recurrent layer."""
    args = example_input if isinstance(example_input, tuple) else (example_input,)

    def arr(a: Any) -> Any:
        if isinstance(a, (tuple, list)):
            return tuple(arr(x) for x in a)
        return np.asarray(a._array if isinstance(a, Tensor) else a)

    return [arr(a) for a in args]


def _batch_dims(model: nn.Module, n_inputs: int) -> list[dict[int, str]]:
    """Symbolic dims per graph input: the batch (dim 0; dim 1 for a sequence-first recurrent
    layer and its states) and, for a recurrent layer, the sequence length."""
    if isinstance(model, nn.rnn.RNNCellBase):
        return [{0: "batch"}] * n_inputs
    if isinstance(model, nn.rnn.RNNBase):
        x = {0: "batch", 1: "sequence"} if model.batch_first else {0: "sequence", 1: "batch"}
        return [x] + [{1: "batch"}] * (n_inputs - 1)
    return [{0: "batch"}] * n_inputs


def _graph_input(name: str, a: np.ndarray, dims: dict[int, str]) -> onnx.ValueInfoProto:
    shape = [dims.get(i, n) for i, n in enumerate(a.shape)]
    return helper.make_tensor_value_info(name, helper.np_dtype_to_tensor_dtype(a.dtype), shape)


def to_model(
    model: nn.Module, example_input: Any, opset: int = DEFAULT_OPSET, dynamic_batch: bool = True
) -> onnx.ModelProto:
    """The checked ONNX ModelProto of `model` (in eval mode) traced on `example_input`."""
    if opset not in OPSETS:
        raise ExportError(f"export: opset {opset} is not one of {list(OPSETS)}")
    args = _inputs(model, example_input)
    leaves = _flat(args)
    names = ["input"] if len(leaves) == 1 else [f"input_{i}" for i in range(len(leaves))]
    g = _Graph()
    g.names.update(names)
    it = iter(zip(names, leaves))

    def values(a: Any) -> Any:
        if isinstance(a, tuple):
            return tuple(values(x) for x in a)
        name, arr = next(it)
        return _V(name, Tensor(arr))

    vals = [values(a) for a in args]
    modes = [(m, m.training, getattr(m, "_warned", None)) for m in model.modules()]
    model.eval()
    try:  # the example input is no real data: Standardize's range check stays as it was
        with no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore", nn.InputRangeWarning)
            outs = _flat(emit(g, model, "", *vals))
    finally:
        for m, training, warned in modes:
            m.train(training)
            if warned is not None:
                m._warned = warned
    dims = _batch_dims(model, len(leaves)) if dynamic_batch else [{}] * len(leaves)
    inputs = [_graph_input(n, a, d) for n, a, d in zip(names, leaves, dims)]
    outputs = []
    for i, o in enumerate(outs):
        name = "output" if len(outs) == 1 else f"output_{i}"
        g.nodes.append(helper.make_node("Identity", [o.name], [name], name=name))
        dt = helper.np_dtype_to_tensor_dtype(np.dtype(o.t.dtype))
        outputs.append(helper.make_tensor_value_info(name, dt, [None] * o.t.ndim))
    graph = helper.make_graph(g.nodes, type(model).__name__, inputs, outputs, g.inits)
    opsets = [helper.make_opsetid("", opset)]
    proto = helper.make_model(
        graph,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="glassnet",
    )
    onnx.checker.check_model(proto, full_check=True)
    return _with_output_shapes(proto)


def _with_output_shapes(proto: onnx.ModelProto) -> onnx.ModelProto:
    """The outputs' shapes (symbolic batch included) as onnx's shape inference finds them."""
    inferred = onnx.shape_inference.infer_shapes(proto, strict_mode=True)
    known = {v.name: v.type for v in inferred.graph.value_info}
    for node, out in zip(proto.graph.node[-len(proto.graph.output) :], proto.graph.output):
        if node.input[0] in known:
            out.type.CopyFrom(known[node.input[0]])
    return proto


def export(
    model: nn.Module,
    example_input: Any,
    path: str | os.PathLike,
    opset: int = DEFAULT_OPSET,
    dynamic_batch: bool = True,
) -> onnx.ModelProto:
    """Write `model` as an ONNX file at `path` (atomically), checked by onnx's checker.

    `example_input` is one array (or a tuple (x, hx) for a recurrent layer with initial
    states); with `dynamic_batch` its batch dim is symbolic. Returns the ModelProto.
    """
    proto = to_model(model, example_input, opset, dynamic_batch)
    atomic_write_bytes(path, proto.SerializeToString())
    return proto
