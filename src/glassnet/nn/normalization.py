"""Normalisation layers: `BatchNorm1d`, `BatchNorm2d`, `LayerNorm`, `GroupNorm`; `Embedding`.

Batch norm keeps every layer's inputs at zero mean and unit variance during training, which
keeps gradients from vanishing in deep stacks; at eval time it uses the running statistics.
Both norms are composed from autograd ops (mean, var, sqrt), so their gradients are the
engine's own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Op, Tensor, get_array_module, get_default_dtype, ones, tensor, zeros
from .module import Module, Parameter


def _normalize(x: Tensor, axes: tuple, eps: float) -> Tensor:
    """(x − mean) / √(var + eps) over `axes` with the biased variance."""
    xc = x - x.mean(axes, keepdim=True)
    return xc / ((xc * xc).mean(axes, keepdim=True) + eps).sqrt()


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float | None = 0.1,
    eps: float = 1e-5,
    num_batches_tracked: Tensor | None = None,
) -> Tensor:
    """Normalise each channel (dim 1) by batch statistics (training) or running ones (eval)."""
    axes = (0, *range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        n = input.numel() // input.shape[1]
        if n <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when "
                f"training, got input of shape {input.shape}"
            )
        y = _normalize(input, axes, eps)
        if training and running_mean is not None:
            assert running_var is not None, "batch_norm: running_mean needs running_var"
            x = input._array
            mean, var = x.mean(axis=axes), x.var(axis=axes, ddof=1)
            if num_batches_tracked is not None:
                num_batches_tracked._array += 1
            if momentum is None:  # a cumulative average over the batches seen
                assert num_batches_tracked is not None, (
                    "batch_norm: momentum=None needs num_batches_tracked"
                )
                momentum = 1.0 / float(num_batches_tracked._array)
            m = momentum
            running_mean._array[...] = (1 - m) * running_mean._array + m * mean
            running_var._array[...] = (1 - m) * running_var._array + m * var
    else:
        assert running_var is not None, "batch_norm: running_mean needs running_var"
        y = (input - running_mean._array.reshape(shape)) / np.sqrt(
            running_var._array.reshape(shape) + eps
        )
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def layer_norm(
    input: Tensor,
    normalized_shape: tuple,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample over its last len(normalized_shape) dims."""
    k = len(normalized_shape)
    if tuple(input.shape[-k:]) != tuple(normalized_shape):
        raise ValueError(
            f"layer_norm: expected input (..., {tuple(normalized_shape)}), got {input.shape}"
        )
    y = _normalize(input, tuple(range(input.ndim - k, input.ndim)), eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


class _BatchNorm(Module):
    """Shared by BatchNorm1d/2d: affine weight/bias and the running-statistics buffers."""

    ranks: tuple = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = dtype or get_default_dtype()
        if affine:
            self.weight = Parameter(ones(num_features, dtype=dtype))
            self.bias = Parameter(zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", tensor(np.int64(0)))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean._array[...] = 0
            self.running_var._array[...] = 1
            self.num_batches_tracked._array[...] = 0

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim not in self.ranks or x.shape[1] != self.num_features:
            dims = " or ".join(str(r) + "-D" for r in self.ranks)
            raise ValueError(
                f"{self}: expected {dims} input with {self.num_features} channels "
                f"in dim 1, got shape {x.shape}"
            )
        use_batch = self.training or not self.track_running_stats
        return batch_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            use_batch,
            self.momentum,
            self.eps,
            self.num_batches_tracked,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) or (N, C, L) inputs."""

    ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images, per channel."""

    ranks = (4,)


class LayerNorm(Module):
    """Normalise each sample over its trailing `normalized_shape` dims (no batch statistics)."""

    def __init__(
        self,
        normalized_shape: Any,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        self.normalized_shape, self.eps = shape, eps
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(ones(*shape, dtype=dtype)) if elementwise_affine else None
        self.bias = Parameter(zeros(*shape, dtype=dtype)) if elementwise_affine and bias else None
        for name in ("weight", "bias"):
            if getattr(self, name) is None:
                self.register_parameter(name, None)

    def forward(self, x: Tensor) -> Tensor:
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}"


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalise each sample's channels (dim 1) in `num_groups` groups, over the group's
    channels and all spatial positions (no batch statistics)."""
    if input.ndim < 2 or input.shape[1] % num_groups:
        raise ValueError(
            f"group_norm: expected input (N, C, *) with C divisible by num_groups={num_groups}, "
            f"got {input.shape}"
        )
    n = input.shape[0]
    y = _normalize(input.reshape(n, num_groups, -1), (2,), eps).reshape(*input.shape)
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


class GroupNorm(Module):
    """Group normalisation (Wu & He): batch-size-independent, for small-batch conv nets."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if num_groups < 1 or num_channels % num_groups:
            raise ValueError(
                f"GroupNorm: num_channels={num_channels} must be divisible by "
                f"num_groups={num_groups} (>= 1)"
            )
        self.num_groups, self.num_channels, self.eps = num_groups, num_channels, eps
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(ones(num_channels, dtype=dtype)) if affine else None
        self.bias = Parameter(zeros(num_channels, dtype=dtype)) if affine else None
        for name in ("weight", "bias"):
            if getattr(self, name) is None:
                self.register_parameter(name, None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm: expected input (N, {self.num_channels}, *), got {x.shape}"
            )
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}"


# ----- embedding --------------------------------------------------------------------------
class EmbeddingFn(Op):
    """Row lookup as an autograd Function: forward gathers `weight[indices]`; backward
    scatter-adds each output row's gradient to its row (repeats add up; `padding_idx` gets 0).
    """

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        ctx.indices, ctx.shape, ctx.padding_idx = indices, weight.shape, padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, g):  # gW[i] = Σ g over the lookups of row i (0 for padding_idx)
        xp = get_array_module(g)
        gw = xp.zeros(ctx.shape, g.dtype)
        xp.add.at(gw, ctx.indices.reshape(-1), g.reshape(-1, ctx.shape[1]))
        if ctx.padding_idx is not None:
            gw[ctx.padding_idx] = 0
        return gw, None


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of `weight` at integer `input` indices."""
    idx = input._array if isinstance(input, Tensor) else np.asarray(input)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(
            f"embedding: index {int(idx.max() if idx.max() >= n else idx.min())} "
            f"is out of range for {n} embeddings"
        )
    return EmbeddingFn.apply(weight, idx, padding_idx=padding_idx)


class Embedding(Module):
    """A lookup table of `num_embeddings` vectors of size `embedding_dim`, initialised N(0, 1)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        if padding_idx is not None and padding_idx < 0:
            padding_idx += num_embeddings
        self.padding_idx = padding_idx
        self.weight = Parameter(
            zeros(num_embeddings, embedding_dim, dtype=dtype or get_default_dtype())
        )
        from . import init

        init.normal_(self.weight)
        if padding_idx is not None:
            self.weight._array[padding_idx] = 0

    def forward(self, x: Any) -> Tensor:
        return embedding(x, self.weight, self.padding_idx)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"
