"""`load`: an ONNX file as a glassnet module that runs its graph with glassnet ops.

Each operator is one small function in `OPS` (glassnet's own ops underneath, so the loaded
model is differentiable and its float initializers are Parameters). The file is parsed as
an ONNX protobuf and nothing else: no code, no custom operator, no external data file.
"""

from __future__ import annotations

import math
import os
import re
import stat
from collections.abc import Callable
from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .. import nn
from ..autograd import Tensor, cat, is_fused, ops, stack
from ..nn.conv import Conv2dFn, conv_transpose2d
from ..nn.normalization import layer_norm
from ..nn.pooling import avg_pool1d, avg_pool2d, interpolate, max_pool1d, max_pool2d
from ..nn.rnn import _run

MAX_BYTES = 2 << 30  # protobuf's own limit on one message
MAX_CONSTANT = 1 << 28  # elements a ConstantOfShape may create (1 GiB of float32)
MIN_OPSET = 13  # Softmax, Squeeze, Unsqueeze, Slice and Split take their current form


class OnnxError(ValueError):
    """An ONNX file that cannot be loaded: says which file (or node) and what is wrong."""


# ----- values: Tensors for data, NumPy arrays for constants and shapes --------------------
def _const(*vs: Any) -> bool:
    return all(not isinstance(v, Tensor) for v in vs if v is not None)


def _t(v: Any) -> Tensor:
    return v if isinstance(v, Tensor) else Tensor(np.asarray(v))


def _np(v: Any) -> np.ndarray:
    return np.asarray(v._array if isinstance(v, Tensor) else v)


def _ints(v: Any) -> list[int]:
    return [int(i) for i in _np(v).reshape(-1)]


def _binary(np_fn: Callable, t_fn: Callable) -> Callable:
    def op(a: dict, x: Any, y: Any) -> Any:
        return np_fn(_np(x), _np(y)) if _const(x, y) else t_fn(_t(x), _t(y))

    return op


def _div(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x // y) if x.dtype.kind in "iu" else x / y


def _compare(np_fn: Callable) -> Callable:
    return lambda a, x, y: np_fn(_np(x), _np(y))  # not differentiable: a constant


# ----- operators --------------------------------------------------------------------------
def _gemm(a: dict, x: Any, w: Any, c: Any = None) -> Tensor:
    x, w = _t(x), _t(w)
    if a.get("transA", 0):
        x = x.transpose(0, 1)
    alpha, beta = a.get("alpha", 1.0), a.get("beta", 1.0)
    if a.get("transB", 0) and alpha == 1 and beta == 1:
        return nn.functional.linear(x, w, None if c is None else _t(c))
    y = x @ (w.transpose(0, 1) if a.get("transB", 0) else w)
    y = y if alpha == 1 else y * alpha
    return y if c is None else y + (_t(c) if beta == 1 else _t(c) * beta)


def _spatial(a: dict, n: int, where: str) -> tuple[list, list, list, list]:
    """kernel_shape, strides, dilations and symmetric per-dim pads of a conv or pool node."""
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise OnnxError(f"{where}: auto_pad={a['auto_pad']!r} is not supported (explicit pads)")
    pads = a.get("pads", [0] * 2 * n)
    k = a.get("kernel_shape", [])
    s, d = a.get("strides", [1] * n), a.get("dilations", [1] * n)
    return list(k), list(s), list(d), list(pads)


def _conv(a: dict, x: Any, w: Any, b: Any = None, where: str = "Conv") -> Tensor:
    x, w = _t(x), _t(w)
    n = x.ndim - 2
    _, s, d, p = _spatial(a, n, where)
    b = None if b is None else _t(b)
    if n == 1:
        w2 = w.reshape(w.shape[0], w.shape[1], 1, w.shape[2])
        y = Conv2dFn.apply(
            x.unsqueeze(2), w2, b, stride=(1, s[0]), padding=(0, 0, p[0], p[1]),
            dilation=(1, d[0]), groups=a.get("group", 1),
        )  # fmt: skip
        return y.squeeze(2)
    if n != 2:
        raise OnnxError(f"{where}: {n}-D convolution is not supported (1-D and 2-D are)")
    pad = (p[0], p[2], p[1], p[3])
    return Conv2dFn.apply(
        x, w, b, stride=tuple(s), padding=pad, dilation=tuple(d), groups=a.get("group", 1)
    )


def _symmetric(p: list, where: str) -> list:
    n = len(p) // 2
    if p[:n] != p[n:]:
        raise OnnxError(f"{where}: asymmetric pads {p} are not supported")
    return p[:n]


def _conv_transpose(a: dict, x: Any, w: Any, b: Any = None, where: str = "") -> Tensor:
    if a.get("group", 1) != 1 or "output_shape" in a:
        raise OnnxError(f"{where}: group > 1 and output_shape are not supported")
    _, s, d, p = _spatial(a, 2, where)
    op = a.get("output_padding", [0, 0])
    p = _symmetric(p, where)
    return conv_transpose2d(_t(x), _t(w), None if b is None else _t(b), s, p, op, d)


def _pool(kind: str) -> Callable:
    def op(a: dict, x: Any, where: str = kind) -> Tensor:
        x = _t(x)
        n = x.ndim - 2
        k, s, d, p = _spatial(a, n, where)
        p = _symmetric(p, where)
        ceil = bool(a.get("ceil_mode", 0))
        if kind == "MaxPool":
            pool = max_pool1d if n == 1 else max_pool2d
            return pool(x, tuple(k), tuple(s), tuple(p), tuple(d), ceil)
        pool = avg_pool1d if n == 1 else avg_pool2d
        return pool(x, tuple(k), tuple(s), tuple(p), ceil, bool(a.get("count_include_pad", 0)))

    return op


def _reduce_mean(a: dict, x: Any, axes: Any = None) -> Any:
    """Mean over `axes` (an input from opset 18, an attribute before); none: all, or none at
    all with noop_with_empty_axes."""
    x = _t(x)
    ax = _ints(axes) if axes is not None else list(a.get("axes", []))
    if not ax and a.get("noop_with_empty_axes", 0):
        return x
    return x.mean(tuple(ax) if ax else None, keepdim=bool(a.get("keepdims", 1)))


def _batch_norm(a: dict, x: Any, scale: Any, b: Any, mean: Any, var: Any) -> Tensor:
    x = _t(x)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    inv = (_t(var).reshape(shape) + a.get("epsilon", 1e-5)).sqrt()
    y = (x - _t(mean).reshape(shape)) / inv
    return y * _t(scale).reshape(shape) + _t(b).reshape(shape)


def _layer_norm(a: dict, x: Any, scale: Any, b: Any = None) -> Tensor:
    x = _t(x)
    axis = a.get("axis", -1) % x.ndim
    return layer_norm(
        x, x.shape[axis:], _t(scale), None if b is None else _t(b), a.get("epsilon", 1e-5)
    )


def _gather(a: dict, data: Any, idx: Any) -> Any:
    axis = a.get("axis", 0)
    if _const(data):
        return np.take(_np(data), _np(idx), axis=axis)
    return data[(slice(None),) * (axis % data.ndim) + (_np(idx).astype(np.int64),)]


def _reshape(a: dict, x: Any, shape: Any) -> Any:
    target = _ints(shape)
    if not a.get("allowzero", 0):
        target = [x.shape[i] if s == 0 else s for i, s in enumerate(target)]
    return np.reshape(_np(x), target) if _const(x) else x.reshape(*target)


def _transpose(a: dict, x: Any) -> Any:
    perm = a.get("perm", list(range(np.ndim(_np(x)) if _const(x) else x.ndim))[::-1])
    return np.transpose(_np(x), perm) if _const(x) else x.permute(*perm)


def _flatten(a: dict, x: Any) -> Any:
    shape = x.shape
    axis = a.get("axis", 1) % max(len(shape), 1)
    return _reshape({}, x, [math.prod(shape[:axis]), -1])


def _squeeze(a: dict, x: Any, axes: Any = None) -> Any:
    shape = list(np.shape(_np(x)) if _const(x) else x.shape)
    ax = [i % len(shape) for i in _ints(axes)] if axes is not None else None
    new = [n for i, n in enumerate(shape) if not (n == 1 and (ax is None or i in ax))]
    return _reshape({"allowzero": 1}, x, new)


def _unsqueeze(a: dict, x: Any, axes: Any) -> Any:
    shape = np.shape(_np(x)) if _const(x) else x.shape
    new = np.expand_dims(np.broadcast_to(0, shape), tuple(_ints(axes))).shape
    return _reshape({"allowzero": 1}, x, list(new))


def _concat(a: dict, *xs: Any) -> Any:
    if _const(*xs):
        return np.concatenate([_np(x) for x in xs], axis=a["axis"])
    return cat([_t(x) for x in xs], dim=a["axis"])


def _slice(a: dict, x: Any, starts: Any, ends: Any, axes: Any = None, steps: Any = None) -> Any:
    st, en = _ints(starts), _ints(ends)
    ndim = np.ndim(_np(x)) if _const(x) else x.ndim
    ax = _ints(axes) if axes is not None else list(range(len(st)))
    sp = _ints(steps) if steps is not None else [1] * len(st)
    index: list[Any] = [slice(None)] * ndim
    for s, e, i, k in zip(st, en, ax, sp):
        index[i % ndim] = slice(s, e, k)
    return _np(x)[tuple(index)] if _const(x) else x[tuple(index)]


def _shape(a: dict, x: Any) -> np.ndarray:
    shape = np.asarray(np.shape(_np(x)) if _const(x) else x.shape, np.int64)
    return shape[a.get("start", 0) : a.get("end", len(shape))]


def _expand(a: dict, x: Any, shape: Any) -> Any:
    target = np.broadcast_shapes(np.shape(_np(x)) if _const(x) else x.shape, tuple(_ints(shape)))
    return np.broadcast_to(_np(x), target).copy() if _const(x) else x.expand(*target)


def _constant_of_shape(a: dict, shape: Any) -> np.ndarray:
    dims = _ints(shape)
    if math.prod(dims) > MAX_CONSTANT or min(dims, default=0) < 0:
        raise OnnxError(
            f"ConstantOfShape: shape {dims} is over the {MAX_CONSTANT} elements allowed"
        )
    value = a.get("value")
    v = numpy_helper.to_array(value) if value is not None else np.zeros(1, np.float32)
    return np.full(dims, v.reshape(-1)[0], v.dtype)


def _cast(a: dict, x: Any) -> Any:
    dtype = helper.tensor_dtype_to_np_dtype(a["to"])
    return _np(x).astype(dtype) if _const(x) else x.to(dtype)


def _resize(a: dict, x: Any, roi: Any = None, scales: Any = None, sizes: Any = None) -> Tensor:
    def text(k: str, default: str) -> str:
        v = a.get(k, default)
        return v.decode() if isinstance(v, bytes) else v

    mode, ct = text("mode", "nearest"), text("coordinate_transformation_mode", "half_pixel")
    if mode == "nearest" and ct == "asymmetric" and text("nearest_mode", "") == "floor":
        kw: dict[str, Any] = {"mode": "nearest"}
    elif mode == "linear" and ct in ("half_pixel", "pytorch_half_pixel", "align_corners"):
        kw = {"mode": "bilinear", "align_corners": ct == "align_corners"}
    else:
        raise OnnxError(f"Resize: mode {mode!r} with {ct!r} is not supported")
    if sizes is not None and _np(sizes).size:
        return interpolate(_t(x), size=tuple(_ints(sizes)[2:]), **kw)
    sf = [float(v) for v in _np(scales).reshape(-1)]
    return interpolate(_t(x), scale_factor=tuple(sf[2:]), **kw)


# ONNX's gate blocks to PyTorch's (and glassnet's): LSTM i|o|f|c -> i|f|g|o, GRU z|r|h -> r|z|n.
_TORCH_GATES = {"LSTM": [0, 2, 3, 1], "GRU": [1, 0, 2], "RNN": [0]}


def _gates(p: Tensor, order: list[int]) -> Tensor:
    return p.reshape(len(order), -1, *p.shape[1:])[order].reshape(*p.shape)


def _recurrent(kind: str) -> Callable:
    def op(a: dict, x: Any, w: Any, r: Any, b: Any = None, lens: Any = None, h0: Any = None,
           c0: Any = None, peep: Any = None, where: str = kind) -> tuple:  # fmt: skip
        acts = [v.decode() if isinstance(v, bytes) else v for v in a.get("activations", [])]
        mode = {"LSTM": "LSTM", "GRU": "GRU", "RNN": "RNN_TANH"}[kind]
        if kind == "RNN" and acts and acts[0] == "Relu":
            mode = "RNN_RELU"
        default = {"LSTM": ["Sigmoid", "Tanh", "Tanh"], "GRU": ["Sigmoid", "Tanh"]}.get(kind)
        plain = acts == [] or (default and acts == default * (len(acts) // len(default)))
        if not (plain or kind == "RNN" and set(acts) <= {"Tanh"} or mode == "RNN_RELU"):
            raise OnnxError(f"{where}: activations {acts} are not supported")
        if a.get("layout", 0) or "clip" in a or peep is not None or lens is not None:
            raise OnnxError(
                f"{where}: layout=1, clip, peepholes and sequence_lens are not supported"
            )
        if kind == "GRU" and not a.get("linear_before_reset", 0):
            raise OnnxError(f"{where}: linear_before_reset=0 is not supported (PyTorch's GRU is 1)")
        direction = a.get("direction", b"forward")
        direction = direction.decode() if isinstance(direction, bytes) else direction
        x, order, hid = _t(x), _TORCH_GATES[kind], a["hidden_size"]
        ys, hs, cs = [], [], []
        for d in range(w.shape[0]):
            params = [_gates(_t(w)[d], order), _gates(_t(r)[d], order)]
            if b is not None:
                bd = _t(b)[d]
                params += [
                    _gates(bd[: bd.shape[0] // 2], order),
                    _gates(bd[bd.shape[0] // 2 :], order),
                ]
            zeros = np.zeros((x.shape[1], hid), x.dtype)
            h = zeros if h0 is None else _t(h0)[d]
            c = zeros if c0 is None else _t(c0)[d]
            reverse = d == 1 or direction == "reverse"
            y, hn, cn = _run(mode, x, h, c if kind == "LSTM" else None, params, reverse, is_fused())
            ys.append(y)
            hs.append(hn)
            cs.append(cn)
        out = (stack(ys, dim=1), stack(hs))
        return (*out, stack(cs)) if kind == "LSTM" else out

    return op


OPS: dict[str, Callable[..., Any]] = {
    "Add": _binary(np.add, lambda x, y: x + y),
    "Sub": _binary(np.subtract, lambda x, y: x - y),
    "Mul": _binary(np.multiply, lambda x, y: x * y),
    "Div": _binary(_div, lambda x, y: x / y),
    "MatMul": lambda a, x, y: _t(x) @ _t(y),
    "Gemm": _gemm,
    "Relu": lambda a, x: _t(x).relu(),
    "LeakyRelu": lambda a, x: nn.functional.leaky_relu(_t(x), a.get("alpha", 0.01)),
    "Sigmoid": lambda a, x: _t(x).sigmoid(),
    "Tanh": lambda a, x: _t(x).tanh(),
    "Elu": lambda a, x: nn.functional.elu(_t(x), a.get("alpha", 1.0)),
    "Softplus": lambda a, x: nn.functional.softplus(_t(x)),
    "Erf": lambda a, x: ops.Erf.apply(_t(x)),
    "Softmax": lambda a, x: _t(x).softmax(a.get("axis", -1)),
    "LogSoftmax": lambda a, x: _t(x).log_softmax(a.get("axis", -1)),
    "Greater": _compare(np.greater),
    "GreaterOrEqual": _compare(np.greater_equal),
    "Less": _compare(np.less),
    "Equal": _compare(np.equal),
    "Identity": lambda a, x: x,
    "Dropout": lambda a, x, *rest: x,  # inference: the identity
    "Cast": _cast,
    "Conv": _conv,
    "ConvTranspose": _conv_transpose,
    "MaxPool": _pool("MaxPool"),
    "AveragePool": _pool("AveragePool"),
    "ReduceMean": _reduce_mean,
    "GlobalAveragePool": lambda a, x: _t(x).mean(tuple(range(2, x.ndim)), keepdim=True),
    "BatchNormalization": _batch_norm,
    "LayerNormalization": _layer_norm,
    "Gather": _gather,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Transpose": _transpose,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Concat": _concat,
    "Slice": _slice,
    "Shape": _shape,
    "Expand": _expand,
    "ConstantOfShape": _constant_of_shape,
    "Resize": _resize,
    "LSTM": _recurrent("LSTM"),
    "GRU": _recurrent("GRU"),
    "RNN": _recurrent("RNN"),
}
_WHERE = {"Conv", "ConvTranspose", "MaxPool", "AveragePool", "LSTM", "GRU", "RNN"}
_OUTPUTS = {"LSTM": 3, "GRU": 2, "RNN": 2}  # outputs a node may use (the others: one)
_STATS = {"BatchNormalization": (3, 4)}  # inputs that are running statistics, not weights


def _constant(node: onnx.NodeProto) -> np.ndarray:
    """The value of a Constant node."""
    a = node.attribute[0]
    v = helper.get_attribute_value(a)
    if a.name in ("value", "sparse_value"):
        return numpy_helper.to_array(v)
    dtype = np.float32 if a.name.startswith("value_float") else np.int64
    return np.asarray(v, dtype)


class ONNXModule(nn.Module):
    """A loaded ONNX graph run with glassnet ops; float initializers are its Parameters
    (BatchNormalization's running statistics are buffers)."""

    def __init__(self, graph: onnx.GraphProto, where: str = "<onnx>") -> None:
        super().__init__()
        self.where, self.graph_name = where, graph.name
        stats = {
            n.input[i] for n in graph.node for i in _STATS.get(n.op_type, ()) if i < len(n.input)
        }
        self._names: dict[str, str] = {}
        self._consts: dict[str, np.ndarray] = {}
        for init in graph.initializer:
            self._add_initializer(init.name, numpy_helper.to_array(init), init.name in stats)
        self._steps: list[tuple[str, list[str], list[str], dict, str]] = []
        for i, node in enumerate(graph.node):
            at = f"{where}: node {i} ({node.op_type} {node.name or node.output[0]!r})"
            if node.op_type == "Constant":
                self._consts[node.output[0]] = _constant(node)
                continue
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            extra = [o for o in node.output[_OUTPUTS.get(node.op_type, 1) :] if o]
            if extra:
                raise OnnxError(f"{at}: its extra outputs {extra} are not supported")
            self._steps.append((node.op_type, list(node.input), list(node.output), attrs, at))
        known = set(self._names) | set(self._consts)
        self.input_names = [v.name for v in graph.input if v.name not in known]
        self._input_shapes = [_dims(v) for v in graph.input if v.name not in known]
        self.output_names = [v.name for v in graph.output]

    def _add_initializer(self, name: str, a: np.ndarray, is_stat: bool) -> None:
        if a.dtype.kind != "f":
            self._consts[name] = a
            return
        attr = re.sub(r"\W", "_", name)
        attr = attr if attr[:1].isalpha() else f"p_{attr}"
        while attr in self._names.values() or hasattr(self, attr):  # e.g. "training"
            attr += "_"
        self._names[name] = attr
        t = Tensor(np.ascontiguousarray(a))
        if is_stat:
            self.register_buffer(attr, t)
        else:
            self.register_parameter(attr, nn.Parameter(t))

    def forward(self, *inputs: Any) -> Any:
        """Run the graph on the inputs (in the graph's input order); one output or a tuple."""
        if len(inputs) != len(self.input_names):
            raise ValueError(
                f"{self.where}: the graph takes {len(self.input_names)} inputs "
                f"{self.input_names}, got {len(inputs)}"
            )
        env: dict[str, Any] = dict(self._consts)
        env.update({k: getattr(self, attr) for k, attr in self._names.items()})
        for name, x, dims in zip(self.input_names, inputs, self._input_shapes):
            env[name] = _input(name, x, dims, self.where)
        for op_type, ins, outs, attrs, where in self._steps:
            args = [env[i] if i else None for i in ins]
            while args and args[-1] is None:
                args.pop()
            try:
                extra = {"where": where} if op_type in _WHERE else {}
                res = OPS[op_type](attrs, *args, **extra)
            except OnnxError:
                raise
            except (ValueError, TypeError, IndexError, KeyError) as e:
                raise OnnxError(f"{where}: {e}") from e
            for o, v in zip(outs, res if isinstance(res, tuple) else (res,)):
                env[o] = v
        out = [_t(env[o]) for o in self.output_names]
        return out[0] if len(out) == 1 else tuple(out)

    def extra_repr(self) -> str:
        ops = sorted({s[0] for s in self._steps})
        return f"{self.graph_name!r}, {len(self._steps)} nodes: {', '.join(ops)}"


def _dims(v: onnx.ValueInfoProto) -> list[int | None] | None:
    """A graph input's shape, None for symbolic dims (or None when it gives no shape)."""
    t = v.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim]


def _input(name: str, x: Any, dims: list | None, where: str) -> Any:
    """An input as a Tensor (floats) or an array (integers), its shape checked."""
    a = _np(x)
    if dims is not None and (
        a.ndim != len(dims) or any(d is not None and d != n for d, n in zip(dims, a.shape))
    ):
        want = tuple("?" if d is None else d for d in dims)
        raise ValueError(f"{where}: input {name!r} must have shape {want}, got {a.shape}")
    if a.dtype.kind == "f":
        return x if isinstance(x, Tensor) else Tensor(a)
    return a


def _read(path: str | os.PathLike) -> bytes:
    """The bytes of a regular file of at most MAX_BYTES."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise OnnxError(f"{path}: not a regular file (a device, pipe or socket)")
            if st.st_size > MAX_BYTES:
                raise OnnxError(
                    f"{path}: {st.st_size} bytes, over the {MAX_BYTES} an ONNX model may have"
                )
            return f.read(MAX_BYTES + 1)
    except OSError as e:
        raise OnnxError(f"{path}: cannot read ({e.strerror or e})") from None


def loads(raw: bytes, where: str = "<bytes>") -> ONNXModule:
    """An ONNX model from its serialized bytes (see `load`)."""
    try:
        proto = onnx.load_model_from_string(raw)
    except Exception as e:  # protobuf's DecodeError and friends
        raise OnnxError(f"{where}: not an ONNX model (cannot be parsed: {e})") from None
    if not proto.HasField("graph") or not proto.graph.node:
        raise OnnxError(f"{where}: not an ONNX model (no graph with nodes in it)")
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0]
        raise OnnxError(
            f"{where}: not a valid ONNX model (truncated or damaged?): {first}"
        ) from None
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in proto.graph.initializer):
        raise OnnxError(f"{where}: tensors in external data files are not read")
    versions = {o.domain or "ai.onnx": o.version for o in proto.opset_import}
    opset = versions.get("ai.onnx", 0)
    top = onnx.defs.onnx_opset_version()
    if not MIN_OPSET <= opset <= top:
        raise OnnxError(f"{where}: opset {opset}; glassnet reads opsets {MIN_OPSET}..{top}")
    missing = sorted(
        {
            n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}::{n.op_type}"
            for n in proto.graph.node
            if n.domain not in ("", "ai.onnx") or (n.op_type not in OPS and n.op_type != "Constant")
        }
    )
    if missing:
        raise OnnxError(
            f"{where}: unsupported ONNX operators: {', '.join(missing)} "
            f"(glassnet reads {', '.join(sorted([*OPS, 'Constant']))})"
        )
    try:
        return ONNXModule(proto.graph, where)
    except OnnxError:
        raise
    except (ValueError, TypeError, KeyError, IndexError) as e:  # e.g. data that misfits dims
        raise OnnxError(f"{where}: not a usable ONNX model ({type(e).__name__}: {e})") from None


def load(path: str | os.PathLike) -> ONNXModule:
    """An ONNX file as a glassnet module (`ONNXModule`); one `OnnxError` for a file that is
    not a model, is truncated, or uses operators glassnet does not read (all named)."""
    return loads(_read(path), str(path))
