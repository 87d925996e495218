"""Free-function forms of the ops (`glassnet.exp(x)`, `glassnet.cat([...])`, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import function as _fn
from . import ops
from .tensor import Tensor

__all__ = [
    "abs",
    "add",
    "argmax",
    "argmin",
    "bmm",
    "cat",
    "chunk",
    "clamp",
    "concat",
    "cos",
    "div",
    "eq",
    "exp",
    "flatten",
    "ge",
    "gt",
    "le",
    "leaky_relu",
    "log",
    "log_softmax",
    "logsigmoid",
    "lt",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "mm",
    "mul",
    "narrow",
    "ne",
    "permute",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "split",
    "sqrt",
    "stack",
    "step",
    "sub",
    "sum",
    "t",
    "tanh",
    "transpose",
    "where",
]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Tensor) -> Tensor:
    """eˣ elementwise."""
    return ops.Exp.apply(x)


def log(x: Tensor) -> Tensor:
    """The natural log elementwise."""
    return ops.Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    """√x elementwise."""
    return ops.Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """|x| elementwise."""
    return ops.Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    """sin x elementwise (radians)."""
    return ops.Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    """cos x elementwise (radians)."""
    return ops.Cos.apply(x)


def matmul(x: Tensor, y: Tensor) -> Tensor:
    """x @ y, with matmul's rules for vectors and batch dims."""
    return ops.MatMul.apply(x, y)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join tensors along an existing dim."""
    return ops.Cat.apply(*tensors, dim=dim)


concat = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """Join same-shaped tensors along a new dim."""
    return ops.Stack.apply(*tensors, dim=dim)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Elementwise choice: x where condition holds, else y."""
    cond = condition._array if isinstance(condition, Tensor) else np.asarray(condition, bool)
    return ops.Where.apply(cond, x, y)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    """x clipped to [min, max], either bound None for none, as torch.clamp."""
    return ops.Clamp.apply(x, lo=min, hi=max)


def maximum(x: Tensor, y: Tensor) -> Tensor:
    """Elementwise max (broadcasting); ties share the gradient, as torch.maximum."""
    return ops.Maximum.apply(x, y)


def minimum(x: Tensor, y: Tensor) -> Tensor:
    """Elementwise min (broadcasting); ties share the gradient, as torch.minimum."""
    return ops.Minimum.apply(x, y)


def relu(x: Tensor) -> Tensor:
    """max(x, 0) elementwise."""
    return ops.ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else negative_slope·x."""
    return ops.LeakyReLU.apply(x, negative_slope=negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + e⁻ˣ) elementwise, without overflow."""
    return ops.Sigmoid.apply(x)


def logsigmoid(x: Tensor) -> Tensor:
    """log σ(x), computed without overflow (the core of BCEWithLogitsLoss)."""
    return ops.LogSigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    """tanh x elementwise."""
    return ops.Tanh.apply(x)


def step(x: Tensor) -> Tensor:
    """Heaviside step (1 where x >= 0); its gradient is zero, see `ops.Step`."""
    return ops.Step.apply(x)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """eˣ / Σ eˣ along `dim` (default the last)."""
    return ops.Softmax.apply(x, dim=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """log softmax along `dim` (default the last), computed stably."""
    return ops.LogSoftmax.apply(x, dim=dim)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """The sum over `dim` (an int, a tuple, None for all), as `Tensor.sum`; x may be an array."""
    return _t(x).sum(dim, keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """The mean over `dim` (an int, a tuple, None for all), as `Tensor.mean`; x may be an array."""
    return _t(x).mean(dim, keepdim)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    """x's elements in `shape` (one -1 inferred), as `Tensor.reshape`."""
    return _t(x).reshape(tuple(shape))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dims `start_dim`..`end_dim` (inclusive) merged into one, as `Tensor.flatten`."""
    return _t(x).flatten(start_dim, end_dim)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dims `dim0` and `dim1` swapped."""
    return _t(x).transpose(dim0, dim1)


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    """The dims reordered: dim i of the result is dim dims[i] of x."""
    return _t(x).permute(tuple(dims))


def argmax(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest value along `dim` (of the flattened tensor when None)."""
    return _t(x).argmax(dim, keepdim)


def argmin(x: Any, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest value along `dim` (of the flattened tensor when None)."""
    return _t(x).argmin(dim, keepdim)


def _out(name: str, out: Tensor | None, fn: Any, *args: Any) -> Tensor:
    """fn(*args), written into `out` when given as torch's out= does (resized to the result's
    shape if it differs, the result cast to out's dtype when the cast is safe)."""
    if out is None:
        return fn(*args)
    if _fn.is_grad_enabled() and any(
        isinstance(a, Tensor) and a.requires_grad for a in (*args, out)
    ):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    r = fn(*args)
    if not np.can_cast(r.dtype, out.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}(): result type {r.dtype} can't be cast to the desired output type {out.dtype}"
        )
    if out.shape != r.shape:
        out._array = np.empty(r.shape, out.dtype)
    out._array[...] = r._array
    out._version += 1
    return out


def add(x: Any, other: Any, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """x + alpha·other (broadcasting), as torch.add; written into `out` if given."""
    return _out("add", out, lambda a, b: _t(a).add(b, alpha=alpha), x, other)


def sub(x: Any, other: Any, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """x - alpha·other (broadcasting), as torch.sub; written into `out` if given."""
    return _out("sub", out, lambda a, b: _t(a).sub(b, alpha=alpha), x, other)


def mul(x: Any, other: Any, out: Tensor | None = None) -> Tensor:
    """x · other elementwise (broadcasting), as torch.mul; written into `out` if given."""
    return _out("mul", out, lambda a, b: _t(a) * b, x, other)


def div(x: Any, other: Any, rounding_mode: str | None = None, out: Tensor | None = None) -> Tensor:
    """x / other elementwise (broadcasting), as torch.div: true division, or rounded with
    rounding_mode "trunc" (toward zero) or "floor" (down); written into `out` if given."""
    return _out("div", out, lambda a, b: _t(a).div(b, rounding_mode=rounding_mode), x, other)


def mm(x: Any, mat2: Any) -> Tensor:
    """The matrix product of two 2-D tensors (no broadcasting), as torch.mm."""
    return _t(x).mm(mat2)


def bmm(x: Any, mat2: Any) -> Tensor:
    """The batched matrix product of two 3-D tensors (b,n,m)·(b,m,p), as torch.bmm."""
    return _t(x).bmm(mat2)


def t(x: Any) -> Tensor:
    """A 2-D tensor transposed; a 0-D or 1-D tensor as it is, as torch.t."""
    return _t(x).t()


def eq(x: Any, other: Any) -> Tensor:
    """x == other elementwise, a bool tensor."""
    return _t(x).eq(other)


def ne(x: Any, other: Any) -> Tensor:
    """x != other elementwise, a bool tensor."""
    return _t(x).ne(other)


def lt(x: Any, other: Any) -> Tensor:
    """x < other elementwise, a bool tensor."""
    return _t(x).lt(other)


def le(x: Any, other: Any) -> Tensor:
    """x <= other elementwise, a bool tensor."""
    return _t(x).le(other)


def gt(x: Any, other: Any) -> Tensor:
    """x > other elementwise, a bool tensor."""
    return _t(x).gt(other)


def ge(x: Any, other: Any) -> Tensor:
    """x >= other elementwise, a bool tensor."""
    return _t(x).ge(other)


def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Pieces of x along `dim`, of one size (the last smaller) or of listed sizes."""
    return _t(x).split(split_size_or_sections, dim)


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple:
    """At most `chunks` pieces of x of size ceil(n / chunks) along `dim`."""
    return _t(x).chunk(chunks, dim)


def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """Elements start..start+length-1 of x along `dim`."""
    return _t(x).narrow(dim, start, length)
