"""Functional forms of layers and losses, with fused ops for the hot paths.

`linear` and `cross_entropy` are single Functions (one node each, no intermediate tensors):
they are most of an MLP's training step. Each has a readable twin beside it (`linear_simple`,
`cross_entropy_simple`) composed from autograd primitives, which runs instead under
`glassnet.set_fused(False)` or with ``fused=False``. The other losses are composed from
autograd ops, which keeps them short and checks them against the same engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd import Op, Tensor, get_array_module
from ..autograd import function as _fn
from ..autograd import functional as F_ops
from ..autograd import ops as _ops
from ..autograd.backend import default_generator
from ..autograd.blas import blas_threads
from ..autograd.functional import (  # noqa: F401 - re-exported as nn.functional.*
    leaky_relu,
    log_softmax,
    logsigmoid,
    relu,
    sigmoid,
    softmax,
    step,
    tanh,
)


# ----- smooth activations (Functions in autograd.ops) ------------------------------------------
def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) (Gaussian error linear unit); approximate="tanh" is PyTorch's tanh formula."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _ops.GELU.apply(x, approximate=approximate)


def silu(x: Tensor) -> Tensor:
    """x·σ(x) (swish)."""
    return _ops.SiLU.apply(x)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, α(eˣ − 1) otherwise."""
    return _ops.ELU.apply(x, alpha=alpha)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx)) / β, a smooth ReLU (linear where βx > threshold)."""
    if beta <= 0:
        raise ValueError(f"softplus: beta must be > 0, got {beta}")
    return _ops.Softplus.apply(x, beta=beta, threshold=threshold)


# ----- fused linear -----------------------------------------------------------------------
class Linear(Op):
    """y = x Wᵀ + b in one node, as torch's linear: x (..., in), W (out, in), b (out,) or None."""

    @staticmethod
    @blas_threads
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        ctx.has_bias = b is not None
        y = x @ w.T
        if b is not None:
            y += b
        return y

    @staticmethod
    @blas_threads
    def backward(ctx, g):  # y = x Wᵀ + b  ->  gx = g W, gW = gᵀ x, gb = Σ g
        x, w = ctx.saved_tensors
        need = ctx.needs_grad
        gx = g @ w if need[0] else None
        g2, x2 = g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1])
        gw = g2.T @ x2 if need[1] else None
        gb = g2.sum(axis=0) if ctx.has_bias and need[2] else None
        return gx, gw, gb


def linear_simple(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The twin of `Linear`: y = x Wᵀ + b as a transpose, a matmul and an add."""
    y = x @ weight.T
    return y if bias is None else y + bias


def linear(
    x: Tensor, weight: Tensor, bias: Tensor | None = None, *, fused: bool | None = None
) -> Tensor:
    """y = x Wᵀ + b, one fused op (`linear_simple` when fused is False, or by default when
    `glassnet.is_fused()` is False)."""
    if _fn._fused if fused is None else fused:
        return Linear.apply(x, weight, bias)
    return linear_simple(x, weight, bias)


# ----- fused softmax + cross-entropy ------------------------------------------------------
class CrossEntropy(Op):
    """Log-softmax and negative log-likelihood in one op: backward is (softmax − target) / N.

    With class weights w and smoothing ε the target of sample i is q = (1 − ε)·onehot(tᵢ) + ε/C
    and its loss −Σₖ wₖ qₖ log pₖ; ignored samples count zero. Index targets stay sparse.
    """

    @staticmethod
    def forward(
        ctx, logits, target, weight=None, reduction="mean", ignore_index=-100, label_smoothing=0.0
    ):
        xp = get_array_module(logits)
        n, c = logits.shape
        eps = label_smoothing
        w = xp.ones(c, logits.dtype) if weight is None else weight
        logp = logits - logits.max(axis=1, keepdims=True)
        p = xp.exp(logp)
        s = p.sum(axis=1, keepdims=True)
        logp -= xp.log(s)
        p /= s  # softmax, kept for backward
        if target.ndim == 2:  # class probabilities
            wq = (target * (1 - eps) + eps / c) * w if eps else target * w
            loss, denom, sparse = -(wq * logp).sum(axis=1), n, None
            ctx.save_for_backward(p, wq)
        else:
            valid = target != ignore_index
            t = xp.where(valid, target, 0)
            rows = xp.arange(n)
            a = w[t] * valid if weight is not None or not valid.all() else w[t]
            hot = (1 - eps) * a if eps else a  # weight of the target class in Σ w q log p
            loss = -hot * logp[rows, t]
            spread = (eps / c) * valid if eps else None  # weight of every class from smoothing
            if eps:
                loss -= spread * (logp @ w)
            denom, sparse = a.sum(), (rows, t, hot, spread)
            ctx.save_for_backward(p, w)
        ctx.reduction, ctx.denom, ctx.sparse = reduction, denom, sparse
        if reduction == "mean":  # NaN when every target is ignored, as in PyTorch
            return np.asarray(loss.sum() / denom if denom else np.nan, logits.dtype)
        if reduction == "sum":
            return np.asarray(loss.sum(), logits.dtype)
        return loss

    @staticmethod
    def backward(ctx, g):  # d/dz −Σ w q log softmax(z) = softmax(z) Σ w q − w q
        if ctx.sparse is None:
            p, wq = ctx.saved_tensors
            grad = p * wq.sum(axis=1, keepdims=True) - wq
        else:
            (p, w), (rows, t, hot, spread) = ctx.saved_tensors, ctx.sparse
            grad = p * (hot if spread is None else hot + spread * w.sum())[:, None]
            grad[rows, t] -= hot
            if spread is not None:
                grad -= spread[:, None] * w
        if ctx.reduction == "mean":
            grad *= g / ctx.denom if ctx.denom else 0  # all ignored: no gradient
        elif ctx.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return grad, None


def cross_entropy_simple(
    logits: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """The twin of `CrossEntropy` on (N, C) logits: log-softmax from exp, sum and log, then
    −Σ w q log p with the (smoothed, weighted) target distribution q as a constant."""
    n, c = logits.shape
    w = np.ones(c, logits.dtype) if weight is None else weight
    z = logits - logits._array.max(axis=1, keepdims=True)  # shift by a constant: no overflow
    logp = z - z.exp().sum(1, keepdim=True).log()  # log softmax
    if target.ndim == 2:  # class probabilities
        q, denom = target * (1 - label_smoothing) + label_smoothing / c, n
    else:  # class indices: one-hot rows, zero rows where ignored
        valid = (target != ignore_index)[:, None]
        hot = np.eye(c, dtype=logits.dtype)[np.where(valid[:, 0], target, 0)]
        q = (hot * (1 - label_smoothing) + label_smoothing / c) * valid
        denom = (hot * valid * w).sum()
    loss = -(logp * (q * w).astype(logits.dtype)).sum(1)
    if reduction != "mean":
        return loss.sum() if reduction == "sum" else loss
    return loss.sum() / denom if denom else loss.sum() + np.nan  # all ignored: NaN, zero grad


def _check_reduction(name: str, reduction: str) -> None:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_batch(name: str, input: Tensor, target: Any) -> None:
    tn = np.shape(target._array if isinstance(target, Tensor) else target)
    if not tn or input.shape[0] != tn[0]:
        raise ValueError(
            f"{name}: input batch size {input.shape[0]} (shape {input.shape}) "
            f"does not match target batch size {tn[0] if tn else 'none'} "
            f"(shape {tn})"
        )


def _classes_last(
    name: str, input: Tensor, target: Any, ignore_index: int
) -> tuple[Tensor, Any, tuple]:
    """Check class targets and flatten (N, C, d...) inputs to (N·d..., C) rows.

    Returns the 2-D input, the targets (indices (M,) or probabilities (M, C)) and the d... shape.
    """
    _check_batch(name, input, target)
    t = target._array if isinstance(target, Tensor) else np.asarray(target)
    if input.ndim < 2:
        raise ValueError(f"{name}: input must be (N, C) scores, got shape {input.shape}")
    c, spatial = input.shape[1], input.shape[2:]
    if spatial:  # (N, C, d...) -> (N*d..., C)
        input = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c)
        t = np.moveaxis(t, 1, -1).reshape(-1, c) if t.ndim == len(spatial) + 2 else t.reshape(-1)
    if t.ndim == 1:
        if t.dtype.kind not in "iu":
            raise TypeError(f"{name}: class-index targets must be integers, got {t.dtype}")
        if t.size and (t.min() < 0 or t.max() >= c):  # two reductions in the common case
            bad = t[(t != ignore_index) & ((t < 0) | (t >= c))]
            if bad.size:
                raise IndexError(f"{name}: target {int(bad[0])} is out of range for {c} classes")
    elif t.shape != input.shape:
        raise ValueError(
            f"{name}: probability targets must have the input's shape {input.shape}, got {t.shape}"
        )
    return input, t, spatial


def _weight(weight: Any, input: Tensor) -> Any:
    """A loss's constant weights as an array of the input's dtype (no float64 upcast)."""
    return (
        None
        if weight is None
        else np.asarray(weight._array if isinstance(weight, Tensor) else weight, input.dtype)
    )


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    *,
    fused: bool | None = None,
) -> Tensor:
    """Cross-entropy of logits (N, C) or (N, C, d1, ...) against class indices or probabilities
    (the fused op; `cross_entropy_simple` when fused is False or `glassnet.is_fused()` is)."""
    _check_reduction("cross_entropy", reduction)
    x, t, spatial = _classes_last("cross_entropy", input, target, ignore_index)
    if _fn._fused if fused is None else fused:
        out = CrossEntropy.apply(
            x,
            t,
            weight=_weight(weight, x),
            reduction=reduction,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing,
        )
    else:
        out = cross_entropy_simple(
            x, t, _weight(weight, x), ignore_index, reduction, label_smoothing
        )
    return out.reshape(-1, *spatial) if reduction == "none" and spatial else out


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities (N, C) or (N, C, d...) at class indices."""
    _check_reduction("nll_loss", reduction)
    x, t, spatial = _classes_last("nll_loss", input, target, ignore_index)
    if t.ndim != 1:
        raise ValueError(f"nll_loss: targets must be class indices, got shape {t.shape}")
    valid = t != ignore_index
    ts = np.where(valid, t, 0)
    w = _weight(weight, x)
    wt = valid.astype(x.dtype) if w is None else w[ts] * valid
    picked = x[np.arange(len(ts)), ts] * wt
    if reduction == "none":
        return -(picked.reshape(-1, *spatial) if spatial else picked)
    if reduction == "sum":
        return -picked.sum()
    denom = wt.sum()  # all targets ignored: a NaN loss with zero gradient, as in PyTorch
    return -picked.sum() / denom if denom else -picked.sum() + np.nan


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def _pair(name: str, input: Tensor, target: Any) -> Tensor:
    target = target if isinstance(target, Tensor) else Tensor(np.asarray(target, input.dtype))
    if input.shape != target.shape:
        raise ValueError(
            f"{name}: input shape {input.shape} and target shape {target.shape} "
            "differ (batch sizes "
            f"{input.shape[:1]} vs {target.shape[:1]})"
        )
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


def huber_loss(input: Tensor, target: Any, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Quadratic below delta, linear above: robust to outliers."""
    _check_reduction("huber_loss", reduction)
    d = (input - _pair("huber_loss", input, target)).abs()
    loss = F_ops.where(d._array < delta, 0.5 * d * d, delta * (d - 0.5 * delta))
    return _reduce(loss, reduction)


def smooth_l1_loss(
    input: Tensor, target: Any, reduction: str = "mean", beta: float = 1.0
) -> Tensor:
    """0.5·d²/beta where |d| < beta, |d| − 0.5·beta beyond (d = input − target), as PyTorch's;
    it is huber_loss divided by beta, and l1_loss at beta = 0."""
    _check_reduction("smooth_l1_loss", reduction)
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = (input - _pair("smooth_l1_loss", input, target)).abs()
    if beta == 0:
        return _reduce(d, reduction)
    loss = F_ops.where(d._array < beta, (0.5 / beta) * d * d, d - 0.5 * beta)
    return _reduce(loss, reduction)


class BinaryCrossEntropy(Op):
    """Elementwise −[y log p + (1 − y) log(1 − p)], logs clamped at −100 as in PyTorch."""

    @staticmethod
    def forward(ctx, p, y):
        xp = get_array_module(p)
        with np.errstate(divide="ignore"):
            log_p, log_q = xp.maximum(xp.log(p), -100), xp.maximum(xp.log1p(-p), -100)
        ctx.save_for_backward(p, y, log_p, log_q)
        return -(y * log_p + (1 - y) * log_q)

    @staticmethod
    def backward(ctx, g):  # dp: (p − y) / (p(1 − p)), floored at 1e-12 as PyTorch; dy: log(q/p)
        p, y, log_p, log_q = ctx.saved_tensors
        gp = g * (p - y) / get_array_module(p).maximum(p * (1 - p), 1e-12)
        gy = g * (log_q - log_p) if ctx.needs_grad[1] else None
        return gp, gy


def binary_cross_entropy(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean"
) -> Tensor:
    """BCE of probabilities; log is clamped at −100 as in PyTorch, so 0 and 1 are safe."""
    _check_reduction("binary_cross_entropy", reduction)
    y = _pair("binary_cross_entropy", input, target)
    if (input._array < 0).any() or (input._array > 1).any():
        raise ValueError(
            "binary_cross_entropy: input must be probabilities in [0, 1]; "
            "use BCEWithLogitsLoss for logits"
        )
    loss = BinaryCrossEntropy.apply(input, y)
    if weight is not None:
        loss = loss * _weight(weight, input)
    return _reduce(loss, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Any, weight: Any = None, reduction: str = "mean", pos_weight: Any = None
) -> Tensor:
    """Sigmoid + BCE in a stable form: −[p·y·log σ(x) + (1 − y)·log σ(−x)], p = pos_weight.

    Written as (1 − y)·x − (1 + (p − 1)·y)·log σ(x), using log σ(−x) = log σ(x) − x.
    """
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    y = _pair("binary_cross_entropy_with_logits", input, target)
    log_sig = F_ops.logsigmoid(input)
    if pos_weight is None:
        loss = (1 - y) * input - log_sig
    else:
        loss = (1 - y) * input - ((_weight(pos_weight, input) - 1) * y + 1) * log_sig
    if weight is not None:
        loss = loss * _weight(weight, input)
    return _reduce(loss, reduction)


def kl_div(input: Tensor, target: Any, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """KL(target ‖ input) pointwise: target·(log target − input), input being log-probabilities
    (0 where target = 0); reduction "batchmean" divides the sum by the batch size."""
    if reduction not in ("mean", "sum", "none", "batchmean"):
        raise ValueError(
            f"kl_div: reduction must be 'mean', 'sum', 'none' or 'batchmean', got {reduction!r}"
        )
    t = _pair("kl_div", input, target)
    if log_target:
        loss = t.exp() * (t - input)
    else:  # 0·log 0 = 0 (PyTorch's xlogy): log is taken of 1 where the target is 0
        loss = t * (F_ops.where(t.data > 0, t, 1.0).log() - input)
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
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
from .normalization import batch_norm, embedding, group_norm, layer_norm  # noqa: E402, F401
from .pooling import (  # noqa: E402, F401
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    interpolate,
    max_pool1d,
    max_pool2d,
)
