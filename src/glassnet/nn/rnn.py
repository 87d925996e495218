"""Recurrent layers: `RNN`, `LSTM`, `GRU` and their cells, with PyTorch's weights and names.

One layer direction over a whole sequence is one Function (`Recurrence`): the input
projection for all steps is one GEMM, each step is one GEMM with W_hh plus a few in-place
ufuncs, and the backward runs back through time inside the same node. Weights use PyTorch's
layout (gates stacked i|f|g|o for LSTM, r|z|n for GRU) and names (``weight_ih_l0``,
``bias_hh_l1_reverse``), so a torch state_dict loads as is.

The readable twins sit beside it: `rnn_cell_simple`, `lstm_cell_simple` and `gru_cell_simple`
compose one step from matmul, slicing, sigmoid, tanh, mul and add, and `recurrence_simple`
loops them over time. `glassnet.set_fused(False)` (or ``fused=False`` on a layer) runs them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Op, Tensor, cat, get_array_module, get_default_dtype, stack, zeros
from ..autograd import function as _fn
from ..autograd.blas import blas_threads
from . import functional as F
from . import init
from .module import Module, Parameter

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}
# LSTM gates run internally as o|i|f|g (PyTorch stores i|f|g|o): the forward's sigmoids cover
# one block and the backward's three c-gradient gates i|f|g are one block too.
_TO_OIFG, _FROM_OIFG = [3, 0, 1, 2], [1, 2, 3, 0]


def _sigmoid_(a: Any) -> Any:
    """σ(a) = 1 / (1 + e^−a) in place (exp is SIMD-fast; e^−a = inf gives the right 0).

    Call under np.errstate(over="ignore"): that overflow is expected.
    """
    xp = get_array_module(a)
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)
    return a


def _gates(w: Any, hidden: int, order: list[int]) -> Any:
    """Reorder the four LSTM gate blocks of a weight, bias or gradient (None passes through)."""
    return None if w is None else w.reshape(4, hidden, *w.shape[1:])[order].reshape(w.shape)


class Recurrence(Op):
    """One direction of one recurrent layer over a sequence: (T, B, I) -> (T + 1 [+ 1], B, H).

    The output stacks y_0..y_{T-1}, then h_T (and c_T for LSTM), so that every state is one
    differentiable array.
    """

    @staticmethod
    @blas_threads
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih=None, b_hh=None, mode="LSTM", reverse=False):
        xp = get_array_module(x)
        t_len, batch, _ = x.shape
        hid = w_hh.shape[1]
        lstm, gru = mode == "LSTM", mode == "GRU"
        if lstm:
            w_ih, w_hh, b_ih, b_hh = (_gates(a, hid, _TO_OIFG) for a in (w_ih, w_hh, b_ih, b_hh))
        proj = (x.reshape(t_len * batch, -1) @ w_ih.T).reshape(t_len, batch, -1)
        if b_ih is not None:
            proj += b_ih if gru else b_ih + b_hh
        w_hh_t = xp.ascontiguousarray(w_hh.T)  # a contiguous right operand is a faster GEMM
        if lstm:  # scaled so that one exp over all gates gives e^−z for o, i, f and e^−2z for g
            scale = xp.repeat(xp.asarray([-1, -1, -1, -2], x.dtype), hid)
            proj *= scale
            w_hh_t *= scale
        hs = xp.empty((t_len + 1, batch, hid), x.dtype)  # by step, not time
        hs[0] = h0
        acts = xp.empty_like(proj)
        if lstm:
            cs, tcs = xp.empty_like(hs), xp.empty((t_len, batch, hid), x.dtype)
            cs[0] = c0
        if gru:
            hhn = xp.empty((t_len, batch, hid), x.dtype)
        times = range(t_len - 1, -1, -1) if reverse else range(t_len)
        with np.errstate(over="ignore"):
            Recurrence._steps(
                xp,
                mode,
                times,
                proj,
                w_hh_t,
                b_hh,
                hs,
                acts,
                cs if lstm else None,
                tcs if lstm else None,
                hhn if gru else None,
                hid,
            )
        ys = hs[:0:-1] if reverse else hs[1:]
        parts = [ys, hs[-1:]] + ([cs[-1:]] if lstm else [])
        ctx.save_for_backward(
            x, w_ih, w_hh, hs, acts, *((cs, tcs) if lstm else ()), *((hhn,) if gru else ())
        )
        ctx.mode, ctx.reverse, ctx.has_bias = mode, reverse, b_ih is not None
        return xp.concatenate(parts, axis=0)

    @staticmethod
    def _steps(xp, mode, times, proj, w_hh_t, b_hh, hs, acts, cs, tcs, hhn, hid):
        """The forward recurrence, writing states and gate activations into the buffers."""
        lstm, gru = mode == "LSTM", mode == "GRU"
        for s, t in enumerate(times):
            a, h = acts[s], hs[s]
            if gru:
                hh = h @ w_hh_t
                if b_hh is not None:
                    hh += b_hh
                xp.add(proj[t, :, : 2 * hid], hh[:, : 2 * hid], out=a[:, : 2 * hid])
                _sigmoid_(a[:, : 2 * hid])
                n = a[:, 2 * hid :]
                xp.multiply(a[:, :hid], hh[:, 2 * hid :], out=n)
                n += proj[t, :, 2 * hid :]
                xp.tanh(n, out=n)
                hhn[s] = hh[:, 2 * hid :]
                xp.subtract(h, n, out=hs[s + 1])  # h' = n + z (h − n)
                hs[s + 1] *= a[:, hid : 2 * hid]
                hs[s + 1] += n
                continue
            xp.matmul(h, w_hh_t, out=a)
            a += proj[t]
            if lstm:  # gates o|i|f|g; a holds −z (o, i, f) and −2z (g)
                xp.exp(a, out=a)
                a += 1
                xp.reciprocal(a, out=a)  # σ(z) for o, i, f and σ(2z) for g
                g = a[:, 3 * hid :]
                g *= 2
                g -= 1  # tanh z = 2σ(2z) − 1
                xp.multiply(a[:, 2 * hid : 3 * hid], cs[s], out=cs[s + 1])  # c' = f c + i g
                cs[s + 1] += a[:, hid : 2 * hid] * g
                xp.tanh(cs[s + 1], out=tcs[s])
                xp.multiply(a[:, :hid], tcs[s], out=hs[s + 1])  # h' = o tanh(c')
            elif mode == "RNN_TANH":
                xp.tanh(a, out=hs[s + 1])
            else:
                xp.maximum(a, 0, out=hs[s + 1])

    @staticmethod
    @blas_threads
    def backward(ctx, g):  # BPTT: gz_t = (g_t + gz_t+1 W_hh) ∂h_t/∂z_t, gW_hh = Σ gz_tᵀ h_t−1
        x, w_ih, w_hh, hs, acts, *extra = ctx.saved_tensors
        xp = get_array_module(g)
        mode, t_len = ctx.mode, x.shape[0]
        hid = w_hh.shape[1]
        lstm, gru = mode == "LSTM", mode == "GRU"
        gy = g[t_len - 1 :: -1] if ctx.reverse else g[:t_len]  # by step
        gh = g[t_len].copy()
        dz = xp.empty_like(acts)  # d(pre-activation) per step
        if lstm:  # gates o|i|f|g; every factor that does not depend on the carried gradients
            cs, tcs = extra  # is computed for all steps at once
            gc = g[t_len + 1].copy()
            a4, d4 = acts.reshape(t_len, -1, 4, hid), dz.reshape(t_len, -1, 4, hid)
            dsig = a4[:, :, :3] * (1 - a4[:, :, :3])  # σ' of o, i, f
            q = tcs * dsig[:, :, 0]  # dz_o = gh tanh(c') σ'(o)
            p = xp.empty_like(a4[:, :, 1:])  # dz_i, dz_f, dz_g = gc (g σ'(i), c σ'(f), i tanh'(g))
            xp.multiply(a4[:, :, 3], dsig[:, :, 1], out=p[:, :, 0])
            xp.multiply(cs[:-1], dsig[:, :, 2], out=p[:, :, 1])
            xp.multiply(a4[:, :, 1], 1 - a4[:, :, 3] ** 2, out=p[:, :, 2])
            o_dtc = a4[:, :, 0] * (1 - tcs * tcs)  # dh'/dc' = o tanh'(c')
        elif gru:
            (hhn,) = extra
            dhh = xp.empty_like(acts)
            rz = acts[:, :, : 2 * hid]
            drz = rz * (1 - rz)
            dtn = 1 - acts[:, :, 2 * hid :] ** 2
        else:
            dact = 1 - hs[1:] ** 2 if mode == "RNN_TANH" else (hs[1:] > 0).astype(g.dtype)
        for s in range(t_len - 1, -1, -1):
            gh += gy[s]
            d, a = dz[s], acts[s]
            if lstm:  # c' = f c + i g, h' = o tanh(c')
                gc += gh * o_dtc[s]
                xp.multiply(gh, q[s], out=d[:, :hid])
                xp.multiply(gc[:, None], p[s], out=d4[s, :, 1:])
                gc *= a[:, 2 * hid : 3 * hid]
                xp.matmul(d, w_hh, out=gh)
            elif gru:  # h' = n + z (h − n), n = tanh(a_n + r hh_n)
                dn = gh * (1 - a[:, hid : 2 * hid]) * dtn[s]
                d[:, 2 * hid :] = dn
                xp.multiply(dn, hhn[s], out=d[:, :hid])
                xp.multiply(gh, hs[s] - a[:, 2 * hid :], out=d[:, hid : 2 * hid])
                d[:, : 2 * hid] *= drz[s]
                dhh[s, :, : 2 * hid] = d[:, : 2 * hid]
                xp.multiply(dn, a[:, :hid], out=dhh[s, :, 2 * hid :])
                gh = gh * a[:, hid : 2 * hid] + dhh[s] @ w_hh
            else:
                xp.multiply(gh, dact[s], out=d)
                gh = d @ w_hh
        dzt = dz[::-1] if ctx.reverse else dz  # by time, to meet x
        dhh_all = dhh if gru else dz
        g2 = dzt.reshape(-1, dz.shape[2])
        gx = (g2 @ w_ih).reshape(x.shape)
        gw_ih = g2.T @ x.reshape(-1, x.shape[2])
        gw_hh = dhh_all.reshape(-1, dz.shape[2]).T @ hs[:-1].reshape(-1, hid)
        gb_ih = gb_hh = None
        if ctx.has_bias:
            gb_ih, gb_hh = g2.sum(axis=0), dhh_all.reshape(-1, dz.shape[2]).sum(axis=0)
        if lstm:
            gw_ih, gw_hh, gb_ih, gb_hh = (
                _gates(a, hid, _FROM_OIFG) for a in (gw_ih, gw_hh, gb_ih, gb_hh)
            )
        return gx, gh, gc if lstm else None, gw_ih, gw_hh, gb_ih, gb_hh


# ----- the readable twins: one step composed from autograd primitives ---------------------
def _affine(x: Any, w: Tensor, b: Tensor | None) -> Tensor:
    """x Wᵀ + b (b may be None), from a transpose, a matmul and an add."""
    y = (x if isinstance(x, Tensor) else Tensor(x)) @ w.T
    return y if b is None else y + b


def rnn_cell_simple(
    x: Tensor,
    h: Any,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
    nonlinearity: str = "tanh",
) -> Tensor:
    """One Elman step: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or ReLU)."""
    a = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)
    return a.tanh() if nonlinearity == "tanh" else a.relu()


def lstm_cell_simple(
    x: Tensor,
    h: Any,
    c: Any,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> tuple[Tensor, Tensor]:
    """One LSTM step: gates i, f, g, o from one sum of two affine maps; returns (h', c')."""
    z = _affine(x, w_ih, b_ih) + _affine(h, w_hh, b_hh)  # (B, 4H), stacked i|f|g|o
    n = w_hh.shape[1]
    i, f, o = z[:, :n].sigmoid(), z[:, n : 2 * n].sigmoid(), z[:, 3 * n :].sigmoid()
    g = z[:, 2 * n : 3 * n].tanh()
    c = f * c + i * g  # forget some of the old cell, write some of the new candidate
    return o * c.tanh(), c


def gru_cell_simple(
    x: Tensor,
    h: Any,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None = None,
    b_hh: Tensor | None = None,
) -> Tensor:
    """One GRU step: reset r and update z gates, candidate n = tanh(a_n + r (W_hn h + b_hn))."""
    a, b = _affine(x, w_ih, b_ih), _affine(h, w_hh, b_hh)  # (B, 3H) each, stacked r|z|n
    n = w_hh.shape[1]
    r = (a[:, :n] + b[:, :n]).sigmoid()
    z = (a[:, n : 2 * n] + b[:, n : 2 * n]).sigmoid()
    cand = (a[:, 2 * n :] + r * b[:, 2 * n :]).tanh()
    return (1 - z) * cand + z * h  # keep z of the old state, take 1 − z of the candidate


def recurrence_simple(
    mode: str, x: Tensor, h: Any, c: Any, params: list, reverse: bool = False
) -> tuple:
    """The twin of `Recurrence`: a Python loop of composed cells over (T, B, I); returns
    (outputs (T, B, H), h_T, c_T or None)."""
    ys = []
    for t in range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0]):
        if mode == "LSTM":
            h, c = lstm_cell_simple(x[t], h, c, *params)
        elif mode == "GRU":
            h = gru_cell_simple(x[t], h, *params)
        else:
            h = rnn_cell_simple(
                x[t], h, *params, nonlinearity="tanh" if mode == "RNN_TANH" else "relu"
            )
        ys.append(h)
    return stack(ys[::-1] if reverse else ys), h, c


def _run(
    mode: str, x: Any, h0: Any, c0: Any, params: list, reverse: bool = False, fused: bool = True
) -> tuple:
    """Run one direction: (outputs (T, B, H), h_T, c_T or None)."""
    if not fused:
        return recurrence_simple(mode, x, h0, c0, params, reverse)
    out = Recurrence.apply(x, h0, c0, *params, mode=mode, reverse=reverse)
    t = x.shape[0]
    return out[:t], out[t], out[t + 1] if mode == "LSTM" else None


def _init_uniform(module: Module, hidden_size: int) -> None:
    """PyTorch's recurrent init: every weight and bias U(±1/√hidden_size)."""
    k = 1 / math.sqrt(hidden_size)
    for p in module.parameters():
        init.uniform_(p, -k, k)


class RNNBase(Module):
    """Multi-layer, optionally bidirectional recurrence; subclasses set the mode."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__()
        self.fused = fused  # False: the composed twin; None: follow glassnet.is_fused()
        name = type(self).__name__
        if input_size <= 0 or hidden_size <= 0 or num_layers <= 0:
            raise ValueError(
                f"{name}: input_size, hidden_size and num_layers must be positive, "
                f"got {input_size}, {hidden_size}, {num_layers}"
            )
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, dropout
        self.bidirectional = bidirectional
        dirs = 2 if bidirectional else 1
        gh = _GATES[self.mode] * hidden_size
        dtype = dtype or get_default_dtype()
        for layer in range(num_layers):
            size_in = input_size if layer == 0 else hidden_size * dirs
            for suffix in ("", "_reverse")[:dirs]:
                setattr(
                    self, f"weight_ih_l{layer}{suffix}", Parameter(zeros(gh, size_in, dtype=dtype))
                )
                setattr(
                    self,
                    f"weight_hh_l{layer}{suffix}",
                    Parameter(zeros(gh, hidden_size, dtype=dtype)),
                )
                if bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", Parameter(zeros(gh, dtype=dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", Parameter(zeros(gh, dtype=dtype)))
        _init_uniform(self, hidden_size)

    def _params(self, layer: int, suffix: str) -> list:
        names = ["weight_ih", "weight_hh"] + (["bias_ih", "bias_hh"] if self.bias else [])
        return [getattr(self, f"{n}_l{layer}{suffix}") for n in names]

    def flatten_parameters(self) -> None:
        """A no-op, as PyTorch's on the CPU (cuDNN wants one weight buffer; NumPy does not)."""

    def forward(self, input: Tensor, hx: Any = None) -> tuple:
        name = type(self).__name__
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input (seq, batch, {self.input_size}) (or "
                f"batch_first / unbatched), got {input.shape}"
            )
        unbatched = input.ndim == 2
        x = (
            input.unsqueeze(1)
            if unbatched
            else input.transpose(0, 1)
            if self.batch_first
            else input
        )
        lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * dirs, x.shape[1], self.hidden_size)
        h0: Any
        c0: Any
        h0, c0 = (hx if lstm else (hx, None)) if hx is not None else (None, None)
        if h0 is None:
            h0 = np.zeros(state_shape, x.dtype)
            c0 = np.zeros(state_shape, x.dtype) if lstm else None
        elif unbatched:
            h0, c0 = h0.unsqueeze(1), c0.unsqueeze(1) if lstm else None
        for s in (h0, c0) if lstm else (h0,):
            if tuple(s.shape) != state_shape:
                raise ValueError(
                    f"{name}: expected initial state of shape {state_shape}, got {tuple(s.shape)}"
                )
        hn, cn = [], []
        fused = _fn._fused if self.fused is None else self.fused
        for layer in range(self.num_layers):
            if layer and self.dropout and self.training:
                x = F.dropout(x, self.dropout, True)
            outs = []
            for d, suffix in enumerate(("", "_reverse")[:dirs]):
                i = layer * dirs + d
                y, h, c = _run(
                    self.mode,
                    x,
                    h0[i],
                    c0[i] if lstm else None,
                    self._params(layer, suffix),
                    d == 1,
                    fused,
                )
                outs.append(y)
                hn.append(h)
                cn.append(c)
            x = outs[0] if dirs == 1 else cat(outs, dim=2)
        h_n = stack(hn)
        out = x.squeeze(1) if unbatched else x.transpose(0, 1) if self.batch_first else x
        if unbatched:
            h_n = h_n.squeeze(1)
        if not lstm:
            return out, h_n
        c_n = stack(cn)
        return out, (h_n, c_n.squeeze(1) if unbatched else c_n)

    def extra_repr(self) -> str:
        return (
            f"{self.input_size}, {self.hidden_size}, num_layers={self.num_layers}, "
            f"batch_first={self.batch_first}, bidirectional={self.bidirectional}"
        )


def _elman_mode(layer: str, nonlinearity: str) -> str:
    """The recurrence mode of an Elman RNN/RNNCell: "RNN_TANH" or "RNN_RELU"."""
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{layer}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


class RNN(RNNBase):
    """Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or ReLU)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        dtype: Any = None,
    ) -> None:
        mode = _elman_mode("RNN", nonlinearity)  # PyTorch's argument order
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype
        )  # tanh and relu have the same weight shapes
        self.mode, self.nonlinearity = mode, nonlinearity


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o keep a cell state that carries gradients far."""

    mode = "LSTM"


class GRU(RNNBase):
    """Gated recurrent unit: reset and update gates r, z, candidate n."""

    mode = "GRU"


class RNNCellBase(Module):
    """One step of a recurrence; parameters weight_ih, weight_hh, bias_ih, bias_hh."""

    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype: Any = None,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__()
        self.fused = fused  # False: the composed twin; None: follow glassnet.is_fused()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gh = _GATES[self.mode] * hidden_size
        dtype = dtype or get_default_dtype()
        self.weight_ih = Parameter(zeros(gh, input_size, dtype=dtype))
        self.weight_hh = Parameter(zeros(gh, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(zeros(gh, dtype=dtype))
            self.bias_hh = Parameter(zeros(gh, dtype=dtype))
        _init_uniform(self, hidden_size)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        name = type(self).__name__
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected input (batch, {self.input_size}), got {input.shape}"
            )
        unbatched = input.ndim == 1
        x = input.reshape(1, 1, -1) if unbatched else input.unsqueeze(0)
        lstm = self.mode == "LSTM"
        shape = (x.shape[1], self.hidden_size)
        h: Any
        c: Any
        h, c = (hx if lstm else (hx, None)) if hx is not None else (None, None)
        if h is None:
            h = np.zeros(shape, x.dtype)
            c = np.zeros(shape, x.dtype) if lstm else None
        elif unbatched:
            h, c = h.reshape(shape), c.reshape(shape) if lstm else None
        params = [self.weight_ih, self.weight_hh] + (
            [self.bias_ih, self.bias_hh] if self.bias else []
        )
        _, h1, c1 = _run(
            self.mode, x, h, c, params, False, _fn._fused if self.fused is None else self.fused
        )
        if unbatched:
            h1, c1 = h1.reshape(-1), c1.reshape(-1) if lstm else None
        return (h1, c1) if lstm else h1

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class RNNCell(RNNCellBase):
    """One Elman step (tanh or ReLU)."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype: Any = None,
        *,
        fused: bool | None = None,
    ) -> None:
        mode = _elman_mode("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, dtype, fused=fused)
        self.mode, self.nonlinearity = mode, nonlinearity


class LSTMCell(RNNCellBase):
    """One LSTM step: returns (h', c')."""

    mode = "LSTM"


class GRUCell(RNNCellBase):
    """One GRU step."""

    mode = "GRU"
