"""Functional forms of layers and losses, with fused ops for the hot paths.

`linear` and `cross_entropy` are single Functions (one node each, no intermediate tensors):
they are most of an MLP's training step. The other losses are composed from autograd ops,
which keeps them short and checks them against the same engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Function, Tensor, get_array_module
from ..autograd import functional as F_ops
from ..autograd.backend import default_generator
from ..autograd.functional import (  # noqa: F401 - re-exported as nn.functional.*
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    softmax,
    step,
    tanh,
)


# ----- fused linear -----------------------------------------------------------------------
class Linear(Function):
    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        y = x @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    def backward(ctx, g):  # y = x Wᵀ + b  ->  gx = g W, gW = gᵀ x, gb = Σ g
        x, w = ctx.saved_tensors
        need = ctx.needs_grad
        gx = g @ w if need[0] else None
        g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        gw = g2.T @ x2 if need[1] else None
        gb = g2.sum(axis=0) if ctx.has_bias and need[2] else None
        return gx, gw, gb


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, one fused op."""
    return Linear.apply(x, weight, bias)


# ----- fused softmax + cross-entropy ------------------------------------------------------
class CrossEntropy(Function):
    """Log-softmax and negative log-likelihood in one op: backward is (softmax − target) / N."""

    @staticmethod
    def forward(ctx, logits, target, weight=None, reduction="mean", ignore_index=-100,
                label_smoothing=0.0):
        xp = get_array_module(logits)
        n, c = logits.shape
        z = logits - logits.max(axis=1, keepdims=True)
        e = xp.exp(z)
        s = e.sum(axis=1, keepdims=True)
        logp = z - xp.log(s)
        if target.ndim == 2:  # class probabilities
            q = target.astype(logits.dtype, copy=False)
            if label_smoothing:
                q = q * (1 - label_smoothing) + label_smoothing / c
            wq = q if weight is None else q * weight
            loss = -(wq * logp).sum(axis=1)
            denom = n
        else:
            valid = target != ignore_index
            t = xp.where(valid, target, 0)
            wt = (xp.ones(n, logits.dtype) if weight is None else weight[t]) * valid
            q = xp.zeros_like(logp)
            q[xp.arange(n), t] = 1 - label_smoothing
            if label_smoothing:
                q += label_smoothing / c
            wq = q * valid[:, None]  # class weights act on every class's term (PyTorch's rule)
            if weight is not None:
                wq *= weight
            loss = -(wq * logp).sum(axis=1)
            denom = wt.sum()
        ctx.save_for_backward(e / s, wq)
        ctx.reduction, ctx.denom = reduction, denom
        if reduction == "mean":
            return np.asarray(loss.sum() / denom, logits.dtype)
        if reduction == "sum":
            return np.asarray(loss.sum(), logits.dtype)
        return loss

    @staticmethod
    def backward(ctx, g):  # d/dz −Σ w q log softmax(z) = softmax(z) Σ w q − w q
        p, wq = ctx.saved_tensors
        grad = p * wq.sum(axis=1, keepdims=True) - wq
        if ctx.reduction == "mean":
            grad *= g / ctx.denom
        elif ctx.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return grad, None


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_batch(name: str, input: Tensor, target: Any) -> None:
    tn = np.shape(target.data if isinstance(target, Tensor) else target)
    if not tn or input.shape[0] != tn[0]:
        raise ValueError(f"{name}: input batch size {input.shape[0]} (shape {input.shape}) "
                         f"does not match target batch size {tn[0] if tn else 'none'} "
                         f"(shape {tn})")


def cross_entropy(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices or probabilities."""
    _check_reduction("cross_entropy", reduction)
    _check_batch("cross_entropy", input, target)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim < 2:
        raise ValueError(f"cross_entropy: input must be (N, C) logits, got shape {input.shape}")
    c = input.shape[1]
    if input.ndim > 2:  # (N, C, d...) -> (N*d..., C)
        spatial = input.shape[2:]
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c)
        t = np.moveaxis(t, 1, -1).reshape(-1, c) if t.ndim == len(spatial) + 2 else t.reshape(-1)
    else:
        spatial = ()
    if t.ndim == 1:
        if t.dtype.kind not in "iu":
            raise TypeError(f"cross_entropy: class-index targets must be integers, got {t.dtype}")
        bad = (t != ignore_index) & ((t < 0) | (t >= c))
        if bad.any():
            raise IndexError(f"cross_entropy: target {int(t[bad][0])} is out of range for "
                             f"{c} classes")
    elif t.shape != input.shape:
        raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                         f"{input.shape}, got {t.shape}")
    w = None if weight is None else (weight.data if isinstance(weight, Tensor) else
                                     np.asarray(weight, input.dtype))
    out = CrossEntropy.apply(input, t, weight=w, reduction=reduction, ignore_index=ignore_index,
                             label_smoothing=label_smoothing)
    if reduction == "none" and spatial:
        out = out.reshape(-1, *spatial)
    return out


def nll_loss(input: Tensor, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) at class indices."""
    _check_reduction("nll_loss", reduction)
    _check_batch("nll_loss", input, target)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    valid = t != ignore_index
    ts = np.where(valid, t, 0)
    w = np.ones(input.shape[1], input.dtype) if weight is None else np.asarray(
        weight.data if isinstance(weight, Tensor) else weight, input.dtype)
    wt = w[ts] * valid
    picked = input[np.arange(len(ts)), ts] * wt
    if reduction == "none":
        return -picked
    return -picked.sum() / (wt.sum() if reduction == "mean" else 1)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _pair(name: str, input: Tensor, target: Any) -> Tensor:
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target, input.dtype))
    if input.shape != target.shape:
        raise ValueError(f"{name}: input shape {input.shape} and target shape {target.shape} "
                         "differ (batch sizes "
                         f"{input.shape[:1]} vs {target.shape[:1]})")
    return target


def mse_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean squared error: mean((input − target)²)."""
    _check_reduction("mse_loss", reduction)
    d = input - _pair("mse_loss", input, target)
    return _reduce(d * d, reduction)


def l1_loss(input: Tensor, target: Any, reduction: str = "mean") -> Tensor:
    """Mean absolute error: mean(|input − target|)."""
    _check_reduction("l1_loss", reduction)
    return _reduce((input - _pair("l1_loss", input, target)).abs(), reduction)


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0
               ) -> Tensor:
    """Quadratic below delta, linear above: robust to outliers."""
    _check_reduction("huber_loss", reduction)
    d = (input - _pair("huber_loss", input, target)).abs()
    loss = F_ops.where(d.data < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss, reduction)


def binary_cross_entropy(input: Tensor, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Tensor:
    """BCE of probabilities; log is clamped at −100 as in PyTorch, so 0 and 1 are safe."""
    _check_reduction("binary_cross_entropy", reduction)
    y = _pair("binary_cross_entropy", input, target)
    if (input.data < 0).any() or (input.data > 1).any():
        raise ValueError("binary_cross_entropy: input must be probabilities in [0, 1]; "
                         "use BCEWithLogitsLoss for logits")
    loss = -(y * input.log().clamp(min=-100) + (1 - y) * (1 - input).log().clamp(min=-100))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Tensor:
    """Sigmoid + BCE in a stable form: max(x,0) − x·y + log(1 + e^−|x|)."""
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    y = _pair("binary_cross_entropy_with_logits", input, target)
    softplus_neg = (-input.abs()).exp().__add__(1).log() + F_ops.relu(-input)  # log(1+e^-x)
    if pos_weight is None:
        loss = (1 - y) * input + softplus_neg
    else:
        lw = (pos_weight - 1) * y + 1
        loss = (1 - y) * input + lw * softplus_neg
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Inverted dropout: zero each element with probability p, scale the rest by 1/(1−p)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0
    keep = default_generator().random(x.shape) >= p
    return x * (keep * (1.0 / (1 - p))).astype(x.dtype)


# The deep layers' functional forms live beside their Functions.
from .conv import conv1d, conv2d, conv_transpose2d  # noqa: E402, F401
from .normalization import batch_norm, embedding, layer_norm  # noqa: E402, F401
from .pooling import adaptive_avg_pool2d, avg_pool2d, interpolate, max_pool2d  # noqa: E402, F401
