"""`MultiheadAttention`, `TransformerEncoderLayer` and `TransformerEncoder`, as PyTorch's.

Composed from the autograd primitives (linear, matmul, softmax, dropout, layer norm), so every
gradient is the engine's and the graph can be looked at; parameter names, initialisation,
layouts (``batch_first``), masks and defaults follow PyTorch's, so its state dicts load.

    attention(Q, K, V) = softmax(Q Kᵀ / √d + mask) V, per head, then the output projection
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ..autograd import Tensor, get_default_dtype, zeros
from . import functional as F
from . import init
from .activation import get_activation
from .container import ModuleList
from .layers import Dropout, Linear
from .module import Module, Parameter
from .normalization import LayerNorm


def _additive(mask: Any, dtype: Any, where: str) -> np.ndarray | None:
    """A mask as the array added to the scores: bool True (not allowed) becomes -inf."""
    if mask is None:
        return None
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        return np.where(m, -np.inf, 0.0).astype(dtype)
    if m.dtype.kind != "f":
        raise TypeError(f"{where}: expected a bool or float mask, got dtype {m.dtype}")
    return m.astype(dtype, copy=False)


def generate_square_subsequent_mask(sz: int, dtype: Any = None) -> Tensor:
    """The causal mask of PyTorch's Transformer: 0 on and below the diagonal, -inf above."""
    m = np.triu(np.full((sz, sz), -np.inf), k=1)
    return Tensor(m.astype(dtype or get_default_dtype()))


class MultiheadAttention(Module):
    """Scaled dot-product attention over `num_heads` heads (PyTorch's; kdim = vdim =
    embed_dim). ``forward(query, key, value)`` gives (output, weights averaged over heads)."""

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by num_heads "
                f"({num_heads}), both positive"
            )
        if (
            add_bias_kv
            or add_zero_attn
            or kdim not in (None, embed_dim)
            or vdim
            not in (
                None,
                embed_dim,
            )
        ):
            raise NotImplementedError(
                "MultiheadAttention: add_bias_kv, add_zero_attn and kdim/vdim other than "
                "embed_dim are not supported"
            )
        self.embed_dim, self.num_heads, self.head_dim = embed_dim, num_heads, embed_dim // num_heads
        self.dropout, self.batch_first = dropout, batch_first
        dtype = dtype or get_default_dtype()
        self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim, dtype=dtype))
        self.in_proj_bias = Parameter(zeros(3 * embed_dim, dtype=dtype)) if bias else None
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        init.xavier_uniform_(self.in_proj_weight)  # as PyTorch's _reset_parameters
        if bias:
            self.out_proj.bias.data.zero_()

    def _heads(self, x: Tensor, i: int) -> Tensor:
        """Projection i (0 query, 1 key, 2 value) of batch-first x, as (N, heads, len, d)."""
        e = self.embed_dim
        w = self.in_proj_weight[i * e : (i + 1) * e]
        b = None if self.in_proj_bias is None else self.in_proj_bias[i * e : (i + 1) * e]
        n, length = x.shape[0], x.shape[1]
        return F.linear(x, w, b).reshape(n, length, self.num_heads, self.head_dim).transpose(1, 2)

    def _mask(self, attn_mask: Any, key_padding_mask: Any, n: int, lq: int, s: int) -> Any:
        """The additive mask broadcastable to (N, heads, L, S), or None."""
        dt, h, name = self.in_proj_weight.dtype, self.num_heads, "MultiheadAttention"
        add = _additive(attn_mask, dt, f"{name}: attn_mask")
        if add is not None:
            if add.shape == (lq, s):
                add = add.reshape(1, 1, lq, s)
            elif add.shape == (n * h, lq, s):
                add = add.reshape(n, h, lq, s)
            else:
                raise RuntimeError(
                    f"{name}: attn_mask has shape {add.shape}; expected ({lq}, {s}) or "
                    f"({n * h}, {lq}, {s})"
                )
        pad = _additive(key_padding_mask, dt, f"{name}: key_padding_mask")
        if pad is not None:
            if pad.shape != (n, s):
                raise RuntimeError(
                    f"{name}: key_padding_mask has shape {pad.shape}; expected ({n}, {s})"
                )
            pad = pad.reshape(n, 1, 1, s)
            add = pad if add is None else add + pad
        return add

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """(output, weights): output like query; weights (N, L, S), per head (N, heads, L, S)
        when not averaged, None unless need_weights."""
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: need attn_mask if specifying is_causal")
        if query.ndim not in (2, 3) or query.shape[-1] != self.embed_dim:
            raise ValueError(
                f"MultiheadAttention: query must be (L, {self.embed_dim}) or 3-D with "
                f"{self.embed_dim} features last, got {query.shape}"
            )
        unbatched = query.ndim == 2
        q, k, v = query, key, value
        if unbatched:
            q, k, v = q.unsqueeze(0), k.unsqueeze(0), v.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = np.asarray(key_padding_mask)[None]
        elif not self.batch_first:
            q, k, v = q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1)
        n, lq, s = q.shape[0], q.shape[1], k.shape[1]
        qh, kh, vh = self._heads(q, 0), self._heads(k, 1), self._heads(v, 2)
        scores = (qh * (1.0 / math.sqrt(self.head_dim))) @ kh.transpose(-2, -1)
        add = self._mask(attn_mask, key_padding_mask, n, lq, s)
        if add is not None:
            scores = scores + add
        weights = F.dropout(scores.softmax(-1), self.dropout, self.training)
        out = (weights @ vh).transpose(1, 2).reshape(n, lq, self.embed_dim)
        out = self.out_proj(out)
        if unbatched:
            out = out.squeeze(0)
        elif not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, weights.squeeze(0) if unbatched else weights


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and layer
    norm (after it, or before it with ``norm_first``), as PyTorch's."""

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.self_attn = MultiheadAttention(
            d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype
        )
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        self.activation = (
            get_activation(activation, "TransformerEncoderLayer: activation")()
            if isinstance(activation, str)
            else activation
        )

    def _sa(self, x: Tensor, mask: Any, padding: Any) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False)
        return self.dropout1(out[0])

    def _ff(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(
        self,
        src: Tensor,
        src_mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool = False,
    ) -> Tensor:
        """The layer on src ((S, N, E), or (N, S, E) with batch_first)."""
        x = src
        if self.norm_first:
            x = x + self._sa(self.norm1(x), src_mask, src_key_padding_mask)
            return x + self._ff(self.norm2(x))
        x = self.norm1(x + self._sa(x, src_mask, src_key_padding_mask))
        return self.norm2(x + self._ff(x))


class TransformerEncoder(Module):
    """`num_layers` copies of `encoder_layer` applied in turn, then `norm` if given."""

    def __init__(
        self,
        encoder_layer: TransformerEncoderLayer,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
    ) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm

    def forward(
        self,
        src: Tensor,
        mask: Any = None,
        src_key_padding_mask: Any = None,
        is_causal: bool | None = None,
    ) -> Tensor:
        """src through every layer (each with the same masks), then the final norm."""
        out = src
        for layer in self.layers.children():
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return out if self.norm is None else self.norm(out)
