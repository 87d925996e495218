"""Free-function forms of the ops (`glassnet.exp(x)`, `glassnet.cat([...])`, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .tensor import Tensor

__all__ = [
    "abs",
    "cat",
    "clamp",
    "concat",
    "cos",
    "exp",
    "flatten",
    "leaky_relu",
    "log",
    "log_softmax",
    "logsigmoid",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "permute",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "stack",
    "step",
    "sum",
    "tanh",
    "transpose",
    "where",
]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Tensor) -> Tensor:
    return ops.Exp.apply(x)


def log(x: Tensor) -> Tensor:
    return ops.Log.apply(x)


def sqrt(x: Tensor) -> Tensor:
    return ops.Sqrt.apply(x)


def abs(x: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return ops.Abs.apply(x)


def sin(x: Tensor) -> Tensor:
    return ops.Sin.apply(x)


def cos(x: Tensor) -> Tensor:
    return ops.Cos.apply(x)


def matmul(x: Tensor, y: Tensor) -> Tensor:
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
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition, bool)
    return ops.Where.apply(cond, x, y)


def clamp(x: Tensor, min: float | None = None, max: float | None = None) -> Tensor:
    return ops.Clamp.apply(x, lo=min, hi=max)


def maximum(x: Tensor, y: Tensor) -> Tensor:
    return ops.Maximum.apply(x, y)


def minimum(x: Tensor, y: Tensor) -> Tensor:
    return ops.Minimum.apply(x, y)


def relu(x: Tensor) -> Tensor:
    return ops.ReLU.apply(x)


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    return ops.LeakyReLU.apply(x, negative_slope=negative_slope)


def sigmoid(x: Tensor) -> Tensor:
    return ops.Sigmoid.apply(x)


def logsigmoid(x: Tensor) -> Tensor:
    """log σ(x), computed without overflow (the core of BCEWithLogitsLoss)."""
    return ops.LogSigmoid.apply(x)


def tanh(x: Tensor) -> Tensor:
    return ops.Tanh.apply(x)


def step(x: Tensor) -> Tensor:
    """Heaviside step (1 where x >= 0); its gradient is zero, see `ops.Step`."""
    return ops.Step.apply(x)


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.Softmax.apply(x, dim=dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    return ops.LogSoftmax.apply(x, dim=dim)


def sum(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A001
    return _t(x).sum(dim, keepdim)


def mean(x: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    return _t(x).mean(dim, keepdim)


def reshape(x: Tensor, shape: Sequence[int]) -> Tensor:
    return _t(x).reshape(tuple(shape))


def flatten(x: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    return _t(x).flatten(start_dim, end_dim)


def transpose(x: Tensor, dim0: int, dim1: int) -> Tensor:
    return _t(x).transpose(dim0, dim1)


def permute(x: Tensor, dims: Sequence[int]) -> Tensor:
    return _t(x).permute(tuple(dims))
