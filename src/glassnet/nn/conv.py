"""Convolutions: `Conv1d`, `Conv2d`, `ConvTranspose2d`, each one fused Function.

Images are copied once into a padded channel-first (C, N, H, W) array; its kernel windows are a
strided view (no copy) that flattens to the im2col matrix (C·kh·kw, N·Ho·Wo) in contiguous runs
of a whole output row, and one GEMM with the weight (O, C·kh·kw) gives the output, again in
(O, N, Ho, Wo) memory, which the next layer reads without a transpose. The backward adds the
window gradients back with one strided add per kernel offset (kh·kw adds, never a loop over
output positions).

Beside each Function is its readable twin composed from autograd primitives (`conv2d_simple`:
im2col by slicing, one matmul per group; `conv_transpose2d_simple`: zero-stuffing, then
`conv2d_simple` with the flipped kernel). `glassnet.set_fused(False)`, or ``fused=False`` on a
layer or a functional call, runs the twin, whose graph shows every step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Op, Tensor, cat, get_array_module, get_default_dtype, stack, zeros
from ..autograd import function as _fn
from ..autograd.blas import blas_threads
from . import init
from .module import Module, Parameter


def _tuple(v: Any, n: int, name: str) -> tuple:
    t = tuple(v) if isinstance(v, (tuple, list)) else (v,) * n
    if len(t) != n or any(not isinstance(i, (int, np.integer)) for i in t):
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {v!r}")
    return tuple(int(i) for i in t)


def _windows(xpad: Any, k: tuple, s: tuple, d: tuple, out: tuple) -> Any:
    """View (C, kh, kw, N, Ho, Wo) of the kernel windows of a (C, N, H, W) array; no copy."""
    sc, sn, sh, sw = xpad.strides
    return np.lib.stride_tricks.as_strided(
        xpad,
        (xpad.shape[0], *k, xpad.shape[1], *out),
        (sc, sh * d[0], sw * d[1], sn, sh * s[0], sw * s[1]),
        writeable=False,
    )


def _col2im(gcols: Any, shape: tuple, k: tuple, s: tuple, d: tuple) -> Any:
    """Sum window gradients (C, kh, kw, N, Ho, Wo) back into a (C, N, H, W) array of `shape`."""
    out = get_array_module(gcols).zeros(shape, gcols.dtype)
    ho, wo = gcols.shape[4:]
    for i in range(k[0]):
        for j in range(k[1]):
            h0, w0 = i * d[0], j * d[1]
            out[
                :, :, h0 : h0 + s[0] * (ho - 1) + 1 : s[0], w0 : w0 + s[1] * (wo - 1) + 1 : s[1]
            ] += gcols[:, i, j]
    return out


def _grouped_mm(a: Any, b: Any, groups: int, out: tuple) -> Any:
    """Block-diagonal product: group g of a's rows times group g of b's rows."""
    if groups == 1:
        return a @ b
    res = get_array_module(a).empty(out, a.dtype)
    ra, rb, ro = a.shape[0] // groups, b.shape[0] // groups, out[0] // groups
    for g in range(groups):
        res[g * ro : (g + 1) * ro] = a[g * ra : (g + 1) * ra] @ b[g * rb : (g + 1) * rb]
    return res


def _grouped_mm_t(a: Any, b: Any, groups: int) -> Any:
    """Per group a_g · b_gᵀ, stacked by rows (the weight gradient)."""
    if groups == 1:
        return a @ b.T
    ra, rb = a.shape[0] // groups, b.shape[0] // groups
    return get_array_module(a).concatenate(
        [a[g * ra : (g + 1) * ra] @ b[g * rb : (g + 1) * rb].T for g in range(groups)]
    )


def _grouped_tm(a: Any, b: Any, groups: int) -> Any:
    """Per group a_gᵀ · b_g, stacked by rows (the input-column gradient)."""
    if groups == 1:
        return a.T @ b
    ra, rb = a.shape[0] // groups, b.shape[0] // groups
    return get_array_module(a).concatenate(
        [a[g * ra : (g + 1) * ra].T @ b[g * rb : (g + 1) * rb] for g in range(groups)]
    )


def _check_out(name: str, size: tuple, padded: tuple, k: tuple, d: tuple) -> None:
    if min(size) < 1:
        raise ValueError(
            f"{name}: kernel size {k} (dilation {d}) is larger than the padded input {padded}"
        )


def _channels_first(x: Any) -> Any:
    """(N, C, H, W) -> its (C, N, H, W) transpose (free when x came from a conv)."""
    return x.transpose(1, 0, 2, 3)


class Conv2dFn(Op):
    """y = conv2d(x, W) + b, PyTorch's cross-correlation, by im2col and one matrix product per
    group: x (N, C, H, W), W (O, C/groups, kh, kw), padding (top, bottom, left, right)."""

    @staticmethod
    @blas_threads
    def forward(ctx, x, w, b=None, stride=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
        xp = get_array_module(x)
        n, c, h, wd = x.shape
        o, cg, kh, kw = w.shape
        pt, pb, pl, pr = padding
        hp, wp = h + pt + pb, wd + pl + pr
        k, s, d = (kh, kw), stride, dilation
        out = ((hp - d[0] * (kh - 1) - 1) // s[0] + 1, (wp - d[1] * (kw - 1) - 1) // s[1] + 1)
        _check_out("conv2d", out, (hp, wp), k, d)
        if padding == (0, 0, 0, 0):
            xpad = xp.ascontiguousarray(_channels_first(x))
        else:
            xpad = xp.zeros((c, n, hp, wp), x.dtype)
            xpad[:, :, pt : pt + h, pl : pl + wd] = _channels_first(x)
        cols = _windows(xpad, k, s, d, out).reshape(c * kh * kw, -1)
        wm = w.reshape(o, -1)
        y = _grouped_mm(wm, cols, groups, (o, cols.shape[1]))
        if b is not None:
            y += b[:, None]
        ctx.save_for_backward(cols, wm)
        ctx.geom = x.shape, (hp, wp), k, s, d, padding, groups
        return _channels_first(y.reshape(o, n, *out))

    @staticmethod
    @blas_threads
    def backward(ctx, g):  # y = W·cols  ->  gW = g·colsᵀ, gcols = Wᵀ·g, gx = col2im(gcols)
        cols, wm = ctx.saved_tensors
        (n, c, h, wd), (hp, wp), k, s, d, (pt, _, pl, _), groups = ctx.geom
        o, ho, wo = g.shape[1:]
        gm = _channels_first(g).reshape(o, -1)
        gx = gw = gb = None
        if ctx.needs_grad[0]:
            gcols = _grouped_tm(wm, gm, groups).reshape(c, *k, n, ho, wo)
            gpad = _col2im(gcols, (c, n, hp, wp), k, s, d)
            gx = _channels_first(gpad[:, :, pt : pt + h, pl : pl + wd])
        if ctx.needs_grad[1]:
            gw = _grouped_mm_t(gm, cols, groups).reshape(o, -1, *k)
        if len(ctx.needs_grad) > 2 and ctx.needs_grad[2]:
            gb = gm.sum(axis=1)
        return gx, gw, gb


class ConvTranspose2dFn(Op):
    """y = conv_transpose2d(x, W) + b, the adjoint of conv2d (each input pixel scatters W into
    the output), as PyTorch's: W (Cin, Cout, kh, kw); output_padding adds rows/cols at the end."""

    @staticmethod
    @blas_threads
    def forward(
        ctx, x, w, b=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), dilation=(1, 1)
    ):
        n, cin, h, wd = x.shape
        _, cout, kh, kw = w.shape
        k, s, d, p = (kh, kw), stride, dilation, padding
        full = tuple(
            (size - 1) * s[i] + d[i] * (k[i] - 1) + 1 + output_padding[i]
            for i, size in enumerate((h, wd))
        )
        out = (full[0] - 2 * p[0], full[1] - 2 * p[1])
        _check_out("conv_transpose2d", out, full, k, d)
        xm = _channels_first(x).reshape(cin, -1)
        wm = w.reshape(cin, -1)  # (Cin, Cout·kh·kw)
        cols = (wm.T @ xm).reshape(cout, kh, kw, n, h, wd)
        ypad = _col2im(cols, (cout, n, *full), k, s, d)
        y = ypad[:, :, p[0] : p[0] + out[0], p[1] : p[1] + out[1]]
        if b is not None:
            y = y + b[:, None, None, None]
        ctx.save_for_backward(xm, wm)
        ctx.geom = x.shape, full, out, k, s, d, p
        return _channels_first(y)

    @staticmethod
    @blas_threads
    def backward(ctx, g):  # the adjoint of conv2d: gx = W·im2col(g), gW = x·im2col(g)ᵀ
        xm, wm = ctx.saved_tensors
        (n, cin, h, wd), full, out, k, s, d, p = ctx.geom
        cout = g.shape[1]
        gpad = get_array_module(g).zeros((cout, n, *full), g.dtype)
        gpad[:, :, p[0] : p[0] + out[0], p[1] : p[1] + out[1]] = _channels_first(g)
        gcols = _windows(gpad, k, s, d, (h, wd)).reshape(cout * k[0] * k[1], -1)
        gx = _channels_first((wm @ gcols).reshape(cin, n, h, wd)) if ctx.needs_grad[0] else None
        gw = (xm @ gcols.T).reshape(cin, cout, *k) if ctx.needs_grad[1] else None
        gb = g.sum(axis=(0, 2, 3)) if len(ctx.needs_grad) > 2 and ctx.needs_grad[2] else None
        return gx, gw, gb


# ----- the readable twins, composed from autograd primitives ------------------------------
def _pad_simple(x: Tensor, pad: tuple) -> Tensor:
    """Zero-pad H and W by (top, bottom, left, right) with cat; negative amounts crop."""
    h, w = x.shape[2:]
    if min(pad) < 0:
        t, b, l, r = (max(-p, 0) for p in pad)
        x = x[:, :, t : h - b, l : w - r]
    t, b, l, r = (max(p, 0) for p in pad)
    n, c, h, w = x.shape
    if t or b:
        x = cat(
            [Tensor(np.zeros((n, c, t, w), x.dtype)), x, Tensor(np.zeros((n, c, b, w), x.dtype))],
            dim=2,
        )
    if l or r:
        x = cat(
            [
                Tensor(np.zeros((n, c, h + t + b, l), x.dtype)),
                x,
                Tensor(np.zeros((n, c, h + t + b, r), x.dtype)),
            ],
            dim=3,
        )
    return x


def conv2d_simple(
    x: Tensor,
    w: Tensor,
    b: Tensor | None = None,
    stride: tuple = (1, 1),
    padding: tuple = (0, 0, 0, 0),
    dilation: tuple = (1, 1),
    groups: int = 1,
) -> Tensor:
    """The twin of `Conv2dFn`: pad, cut one strided slice per kernel offset, stack them into
    the im2col matrix (N, C·kh·kw, Ho·Wo), and multiply each group by its weight rows."""
    n, c = x.shape[:2]
    o, cg, kh, kw = w.shape
    (sh, sw), (dh, dw) = stride, dilation
    x = _pad_simple(x, padding)
    ho = (x.shape[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (x.shape[3] - dw * (kw - 1) - 1) // sw + 1
    _check_out("conv2d", (ho, wo), x.shape[2:], (kh, kw), dilation)
    patches = [
        x[:, :, i * dh : i * dh + sh * ho : sh, j * dw : j * dw + sw * wo : sw]  # (N, C, Ho, Wo)
        for i in range(kh)
        for j in range(kw)
    ]
    cols = stack(patches, dim=2).reshape(n, c * kh * kw, ho * wo)
    wm, k, og = w.reshape(o, cg * kh * kw), cg * kh * kw, o // groups
    ys = [wm[g * og : (g + 1) * og] @ cols[:, g * k : (g + 1) * k] for g in range(groups)]
    y = (ys[0] if groups == 1 else cat(ys, dim=1)).reshape(n, o, ho, wo)
    return y if b is None else y + b.reshape(1, o, 1, 1)


def _spread(x: Tensor, stride: tuple) -> Tensor:
    """Put stride − 1 zeros between neighbouring pixels of (N, C, H, W), by stack and reshape."""
    for axis, s in ((2, stride[0]), (3, stride[1])):
        if s > 1:
            size, zero = x.shape[axis], Tensor(np.zeros(x.shape, x.dtype))
            shape = list(x.shape)
            shape[axis] *= s
            x = stack([x] + [zero] * (s - 1), dim=axis + 1).reshape(*shape)
            x = x[(slice(None),) * axis + (slice(0, (size - 1) * s + 1),)]
    return x


def conv_transpose2d_simple(
    x: Tensor,
    w: Tensor,
    b: Tensor | None = None,
    stride: tuple = (1, 1),
    padding: tuple = (0, 0),
    output_padding: tuple = (0, 0),
    dilation: tuple = (1, 1),
) -> Tensor:
    """The twin of `ConvTranspose2dFn`: spread x out by the stride, pad by d·(k − 1) − padding
    (plus output_padding at the end), and run `conv2d_simple` with the flipped kernel."""
    k = w.shape[2:]
    lo = [dilation[i] * (k[i] - 1) - padding[i] for i in range(2)]
    x = _pad_simple(
        _spread(x, stride), (lo[0], lo[0] + output_padding[0], lo[1], lo[1] + output_padding[1])
    )
    flipped = w[:, :, ::-1, ::-1].transpose(0, 1)  # (Cout, Cin, kh, kw)
    return conv2d_simple(x, flipped, b, (1, 1), (0, 0, 0, 0), dilation)


# ----- functional forms -------------------------------------------------------------------
def _padding2d(padding: Any, k: tuple, d: tuple, stride: tuple, name: str) -> tuple:
    """Padding as (top, bottom, left, right); 'same' splits odd totals like PyTorch."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        if stride != (1, 1):
            raise ValueError(f"{name}: padding='same' needs stride 1, got stride {stride}")
        tot = [d[i] * (k[i] - 1) for i in range(2)]
        return (tot[0] // 2, tot[0] - tot[0] // 2, tot[1] // 2, tot[1] - tot[1] // 2)
    if isinstance(padding, str):
        raise ValueError(
            f"{name}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}"
        )
    ph, pw = _tuple(padding, 2, f"{name}: padding")
    return (ph, ph, pw, pw)


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    fused: bool | None = None,
) -> Tensor:
    """2-D cross-correlation of (N, C, H, W) with weight (O, C/groups, kh, kw); fused=False
    (or `glassnet.set_fused(False)`) runs `conv2d_simple`."""
    s, d = _tuple(stride, 2, "conv2d: stride"), _tuple(dilation, 2, "conv2d: dilation")
    pad = _padding2d(padding, weight.shape[2:], d, s, "conv2d")
    if input.ndim != 4 or input.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv2d: expected input (N, {weight.shape[1] * groups}, H, W), got {input.shape}"
        )
    if _fn._fused if fused is None else fused:
        return Conv2dFn.apply(input, weight, bias, stride=s, padding=pad, dilation=d, groups=groups)
    return conv2d_simple(input, weight, bias, s, pad, d, groups)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
    *,
    fused: bool | None = None,
) -> Tensor:
    """1-D cross-correlation of (N, C, L): conv2d over a height-1 image."""
    if input.ndim != 3 or input.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv1d: expected input (N, {weight.shape[1] * groups}, L), got {input.shape}"
        )
    s, d = _tuple(stride, 1, "conv1d: stride")[0], _tuple(dilation, 1, "conv1d: dilation")[0]
    if isinstance(padding, str):
        pad = _padding2d(padding, (1, weight.shape[2]), (1, d), (1, s), "conv1d")
    else:
        p = _tuple(padding, 1, "conv1d: padding")[0]
        pad = (0, 0, p, p)
    w2 = weight.reshape(weight.shape[0], weight.shape[1], 1, weight.shape[2])
    if _fn._fused if fused is None else fused:
        y = Conv2dFn.apply(
            input.unsqueeze(2), w2, bias, stride=(1, s), padding=pad, dilation=(1, d), groups=groups
        )
    else:
        y = conv2d_simple(input.unsqueeze(2), w2, bias, (1, s), pad, (1, d), groups)
    return y.squeeze(2)


def conv_transpose2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    dilation: Any = 1,
    *,
    fused: bool | None = None,
) -> Tensor:
    """The adjoint (gradient) of conv2d: upsamples (N, Cin, H, W) with weight (Cin, Cout, k);
    fused=False (or `glassnet.set_fused(False)`) runs `conv_transpose2d_simple`."""
    if input.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise ValueError(
            f"conv_transpose2d: expected input (N, {weight.shape[0]}, H, W), got {input.shape}"
        )
    geom = (
        _tuple(stride, 2, "stride"),
        _tuple(padding, 2, "padding"),
        _tuple(output_padding, 2, "output_padding"),
        _tuple(dilation, 2, "dilation"),
    )
    if _fn._fused if fused is None else fused:
        s, p, op, d = geom
        return ConvTranspose2dFn.apply(
            input, weight, bias, stride=s, padding=p, output_padding=op, dilation=d
        )
    return conv_transpose2d_simple(input, weight, bias, *geom)


# ----- modules ----------------------------------------------------------------------------
class _ConvNd(Module):
    """Shared set-up: weight/bias shapes and PyTorch's default initialisation."""

    n = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        dtype: Any = None,
        transposed: bool = False,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__()
        self.fused = fused  # False: the composed twin; None: follow glassnet.is_fused()
        name = type(self).__name__
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"{name}: in_channels {in_channels} and out_channels "
                f"{out_channels} must be divisible by groups {groups}"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _tuple(kernel_size, self.n, f"{name}: kernel_size")
        self.stride = _tuple(stride, self.n, f"{name}: stride")
        self.dilation = _tuple(dilation, self.n, f"{name}: dilation")
        if padding == "same" and any(s != 1 for s in self.stride):
            raise ValueError(f"{name}: padding='same' needs stride 1, got {self.stride}")
        self.padding = (
            padding if isinstance(padding, str) else _tuple(padding, self.n, f"{name}: padding")
        )
        shape = (
            (in_channels, out_channels // groups)
            if transposed
            else (out_channels, in_channels // groups)
        )
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(zeros(*shape, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(zeros(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        # PyTorch: kaiming_uniform_(a=√5) -> U(±1/√fan_in); bias U(±1/√fan_in)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if bias:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            init.uniform_(self.bias, -1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))

    def _check(self, x: Tensor) -> None:
        want = 2 + self.n
        if x.ndim != want or x.shape[1] != self.in_channels:
            dims = "L" if self.n == 1 else "H, W"
            raise ValueError(
                f"{self}: expected input of shape (N, {self.in_channels}, {dims}), got {x.shape}"
            )

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}"
        )


class Conv2d(_ConvNd):
    """2-D convolution over (N, C, H, W) images, PyTorch's `Conv2d`."""

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return conv2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            fused=self.fused,
        )


class Conv1d(_ConvNd):
    """1-D convolution over (N, C, L) sequences, PyTorch's `Conv1d`."""

    n = 1

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        pad = self.padding if isinstance(self.padding, str) else self.padding[0]
        return conv1d(
            x,
            self.weight,
            self.bias,
            self.stride[0],
            pad,
            self.dilation[0],
            self.groups,
            fused=self.fused,
        )


class ConvTranspose2d(_ConvNd):
    """Transposed 2-D convolution (learned upsampling), PyTorch's `ConvTranspose2d`."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        output_padding: Any = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: Any = 1,
        dtype: Any = None,
        *,
        fused: bool | None = None,
    ) -> None:
        if groups != 1:
            raise NotImplementedError("ConvTranspose2d: groups > 1 is not supported yet")
        if isinstance(padding, str):
            raise ValueError(f"ConvTranspose2d: padding must be an int or tuple, got {padding!r}")
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            bias,
            dtype,
            transposed=True,
            fused=fused,
        )
        self.output_padding = _tuple(output_padding, 2, "ConvTranspose2d: output_padding")

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return conv_transpose2d(
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.dilation,
            fused=self.fused,
        )
