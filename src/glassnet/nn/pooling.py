"""Pooling and resizing: `MaxPool1d/2d`, `AvgPool1d/2d`, `AdaptiveAvgPool2d`, `Upsample`.

Max and average pooling combine kh·kw strided slices of the input with one ufunc each
(a 2×2 max-pool is three `np.maximum` calls), which is far cheaper than reshaping windows.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..autograd import Op, Tensor, get_array_module
from .conv import _tuple
from .module import Module


def _geometry(
    name: str, x: Any, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool = False
) -> tuple:
    """Output size, and the extra bottom/right padding that ceil_mode's last windows need."""
    if x.ndim != 4:
        raise ValueError(f"{name}: expected input (N, C, H, W), got {x.shape}")
    if any(p[i] > k[i] // 2 for i in range(2)):
        raise ValueError(f"{name}: padding {p} must be at most half the kernel size {k}")
    out, extra = [], []
    for i, size in enumerate(x.shape[2:]):
        span = size + 2 * p[i] - d[i] * (k[i] - 1) - 1  # room for window starts
        n = (span + (s[i] - 1 if ceil_mode else 0)) // s[i] + 1
        if ceil_mode and (n - 1) * s[i] >= size + p[i]:  # a window must start inside the input
            n -= 1
        out.append(n)
        extra.append(max(0, -span + (n - 1) * s[i]))
    if min(out) < 1:
        padded = (x.shape[2] + 2 * p[0], x.shape[3] + 2 * p[1])
        size = f"kernel size {k}" + (f" at dilation {d}" if d != (1, 1) else "")
        raise ValueError(f"{name}: {size} is larger than the padded input {padded}")
    return tuple(out), tuple(extra)


def _pad(x: Any, p: tuple, value: float, extra: tuple = (0, 0)) -> Any:
    """Pad H and W by p on both sides, and by `extra` more at the bottom and right."""
    if p == (0, 0) and extra == (0, 0):
        return x
    xp = get_array_module(x)
    out = xp.full(
        (*x.shape[:2], x.shape[2] + 2 * p[0] + extra[0], x.shape[3] + 2 * p[1] + extra[1]),
        value,
        x.dtype,
    )
    out[:, :, p[0] : p[0] + x.shape[2], p[1] : p[1] + x.shape[3]] = x
    return out


def _offsets(k: tuple, s: tuple, d: tuple, out: tuple) -> Iterator[tuple]:
    """For each kernel offset, the index that picks its element of every window."""
    for i in range(k[0]):
        for j in range(k[1]):
            yield (
                slice(None),
                slice(None),
                slice(i * d[0], i * d[0] + s[0] * (out[0] - 1) + 1, s[0]),
                slice(j * d[1], j * d[1] + s[1] * (out[1] - 1) + 1, s[1]),
            )


def _padded_windows(
    name: str, x: Any, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool, fill: float
) -> tuple:
    """The input padded with `fill`, each kernel offset's index into every window, and the
    extra bottom/right padding that ceil_mode added."""
    out, extra = _geometry(name, x, k, s, p, d, ceil_mode)
    return _pad(x, p, fill, extra), list(_offsets(k, s, d, out)), extra


class MaxPool2dFn(Op):
    """y = the max of each (dilated, strided) kh×kw window of x (N, C, H, W), padding as −∞,
    as torch's max_pool2d (ceil_mode included)."""

    @staticmethod
    def forward(
        ctx, x, kernel_size=(2, 2), stride=(2, 2), padding=(0, 0), dilation=(1, 1), ceil_mode=False
    ):
        k, s, p, d = kernel_size, stride, padding, dilation
        xpad, idx, _ = _padded_windows("max_pool2d", x, k, s, p, d, ceil_mode, -np.inf)
        y = xpad[idx[0]].copy(order="K")  # keep the memory layout of a conv output
        for ix in idx[1:]:
            get_array_module(x).maximum(y, xpad[ix], out=y)
        ctx.save_for_backward(xpad, y)
        ctx.geom = x.shape, idx, p
        return y

    @staticmethod
    def backward(ctx, g):  # gx = g at each window's first maximum (PyTorch's tie rule)
        xpad, y = ctx.saved_tensors
        shape, idx, p = ctx.geom
        xp = get_array_module(g)
        gx = xp.zeros(xpad.shape, g.dtype)
        taken = xp.zeros(y.shape, bool)
        for ix in idx:
            hit = (xpad[ix] == y) & ~taken
            gx[ix] += g * hit
            taken |= hit
        return gx[:, :, p[0] : p[0] + shape[2], p[1] : p[1] + shape[3]]


class AvgPool2dFn(Op):
    """y = the mean of each strided kh×kw window of x (N, C, H, W), as torch's avg_pool2d:
    zero padding counts unless count_include_pad=False; divisor_override replaces the count."""

    @staticmethod
    def forward(
        ctx,
        x,
        kernel_size=(2, 2),
        stride=(2, 2),
        padding=(0, 0),
        count_include_pad=True,
        divisor_override=None,
        ceil_mode=False,
    ):
        k, s, p, d = kernel_size, stride, padding, (1, 1)
        xpad, idx, extra = _padded_windows("avg_pool2d", x, k, s, p, d, ceil_mode, 0.0)
        y = xpad[idx[0]].copy(order="K")  # keep the memory layout of a conv output
        for ix in idx[1:]:
            y += xpad[ix]
        if divisor_override:
            div = divisor_override
        elif (count_include_pad or p == (0, 0)) and extra == (0, 0):
            div = k[0] * k[1]
        else:  # count each window's elements: real ones, and padding if count_include_pad
            lo = (0, 0) if count_include_pad else p  # ceil_mode's extra cells never count
            ones = get_array_module(x).zeros((1, 1, *xpad.shape[2:]), x.dtype)
            ones[
                :,
                :,
                lo[0] : ones.shape[2] - extra[0] - lo[0],
                lo[1] : ones.shape[3] - extra[1] - lo[1],
            ] = 1
            div = sum(ones[ix] for ix in idx)
        y /= div
        ctx.geom = x.shape, xpad.shape, idx, p, div
        return y

    @staticmethod
    def backward(ctx, g):  # gx = Σ over the windows that hold x of g / divisor
        shape, pshape, idx, p, div = ctx.geom
        gx = get_array_module(g).zeros(pshape, g.dtype)
        gd = g / div
        for ix in idx:
            gx[ix] += gd
        return gx[:, :, p[0] : p[0] + shape[2], p[1] : p[1] + shape[3]]


def max_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each kernel window (stride defaults to the kernel size; ceil_mode keeps a
    last, partial window as long as it starts inside the input). With return_indices, also
    the flat index h·W + w of each maximum in its input plane, as PyTorch gives it."""
    k = _tuple(kernel_size, 2, "max_pool2d: kernel_size")
    s = k if stride is None else _tuple(stride, 2, "max_pool2d: stride")
    p = _tuple(padding, 2, "max_pool2d: padding")
    d = _tuple(dilation, 2, "max_pool2d: dilation")
    y = MaxPool2dFn.apply(
        input, kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil_mode
    )
    if not return_indices:
        return y
    return y, _argmax_indices(input._array, y._array, k, s, p, d, ceil_mode)


def _argmax_indices(
    x: Any, y: Any, k: tuple, s: tuple, p: tuple, d: tuple, ceil_mode: bool
) -> Tensor:
    """Flat input index of the first maximum of every window (not differentiable)."""
    xp = get_array_module(x)
    xpad, idx, _ = _padded_windows("max_pool2d", x, k, s, p, d, ceil_mode, -np.inf)
    rows, cols = xp.arange(y.shape[2]) * s[0] - p[0], xp.arange(y.shape[3]) * s[1] - p[1]
    found = xp.full(y.shape, -1, np.int64)
    for n, ix in enumerate(idx):
        i, j = divmod(n, k[1])
        flat = (rows[:, None] + i * d[0]) * x.shape[3] + cols[None, :] + j * d[1]
        xp.copyto(found, flat, where=(found < 0) & (xpad[ix] == y))
    return Tensor(found)


def avg_pool2d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over each kernel window (stride defaults to the kernel size). A ceil_mode window
    that overhangs the padding divides by the cells it covers, as in PyTorch."""
    k = _tuple(kernel_size, 2, "avg_pool2d: kernel_size")
    s = k if stride is None else _tuple(stride, 2, "avg_pool2d: stride")
    return AvgPool2dFn.apply(
        input,
        kernel_size=k,
        stride=s,
        padding=_tuple(padding, 2, "avg_pool2d: padding"),
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
        ceil_mode=ceil_mode,
    )


def _as_2d(name: str, input: Tensor) -> Tensor:
    """(N, C, L) as a height-1 image (N, C, 1, L), so 1-D pooling is 2-D pooling."""
    if input.ndim != 3:
        raise ValueError(f"{name}: expected input (N, C, L), got {input.shape}")
    return input.unsqueeze(2)


def _row(name: str, v: Any, height: int = 1) -> tuple | None:
    """A 1-D kernel/stride/padding/dilation as the 2-D one of a height-1 image."""
    return None if v is None else (height, _tuple(v, 1, name)[0])


def max_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """Maximum over each window of (N, C, L): max_pool2d over a height-1 image."""
    n = "max_pool1d"
    out = max_pool2d(
        _as_2d(n, input),
        _row(f"{n}: kernel_size", kernel_size),
        _row(f"{n}: stride", stride),
        _row(f"{n}: padding", padding, 0),
        _row(f"{n}: dilation", dilation),
        ceil_mode,
        return_indices,
    )
    return (out[0].squeeze(2), out[1].squeeze(2)) if isinstance(out, tuple) else out.squeeze(2)


def avg_pool1d(
    input: Tensor,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over each window of (N, C, L): avg_pool2d over a height-1 image."""
    n = "avg_pool1d"
    return avg_pool2d(
        _as_2d(n, input),
        _row(f"{n}: kernel_size", kernel_size),
        _row(f"{n}: stride", stride),
        _row(f"{n}: padding", padding, 0),
        ceil_mode,
        count_include_pad,
    ).squeeze(2)


def _bins(n_in: int, n_out: int, dtype: Any) -> np.ndarray:
    """(n_out, n_in) averaging matrix over PyTorch's adaptive bins [⌊i·n/m⌋, ⌈(i+1)·n/m⌉)."""
    a = np.zeros((n_out, n_in), dtype)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
        a[i, lo:hi] = 1.0 / (hi - lo)
    return a


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average over bins that tile the image into output_size: A_h · x · A_wᵀ (two matmuls)."""
    if input.ndim != 4:
        raise ValueError(f"adaptive_avg_pool2d: expected input (N, C, H, W), got {input.shape}")
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * 2
    h, w = input.shape[2:]
    oh, ow = oh or h, ow or w
    ah, aw = _bins(h, oh, input.dtype), _bins(w, ow, input.dtype)
    return Tensor(ah) @ input @ Tensor(aw.T)


def _linear_weights(
    n_in: int, n_out: int, scale: float, align_corners: bool, dtype: Any
) -> np.ndarray:
    """(n_out, n_in) matrix of PyTorch's linear-interpolation weights along one axis."""
    dst = np.arange(n_out, dtype=np.float64)
    if align_corners:  # corners map to corners
        src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
    else:  # pixel centres map to pixel centres, clamped at the first one
        src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(src.astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    a = np.zeros((n_out, n_in), dtype)
    np.add.at(a, (np.arange(n_out), lo), 1 - frac)
    np.add.at(a, (np.arange(n_out), hi), frac)
    return a


def interpolate(
    input: Tensor,
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
) -> Tensor:
    """Resize (N, C, H, W) as PyTorch does: 'nearest' takes source index ⌊dst · in/out⌋;
    'bilinear' mixes the two nearest rows, then columns (A_h · x · A_wᵀ, two matmuls)."""
    if mode not in ("nearest", "bilinear"):
        raise NotImplementedError(
            f"interpolate: mode {mode!r}; 'nearest' and 'bilinear' are supported"
        )
    if align_corners is not None and mode == "nearest":
        raise ValueError("interpolate: align_corners only applies to mode 'bilinear'")
    if input.ndim != 4:
        raise ValueError(f"interpolate: expected input (N, C, H, W), got {input.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    h, w = input.shape[2:]
    if size is not None:
        oh, ow = size if isinstance(size, (tuple, list)) else (size, size)
        scale = (h / oh, w / ow)
    else:
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * 2
        oh, ow = int(h * sf[0]), int(w * sf[1])
        scale = (1 / sf[0], 1 / sf[1])
    if min(oh, ow) < 1:
        raise ValueError(f"interpolate: output size {(oh, ow)} of input {input.shape} is empty")
    if mode == "bilinear":
        ah = _linear_weights(h, oh, scale[0], bool(align_corners), input.dtype)
        aw = _linear_weights(w, ow, scale[1], bool(align_corners), input.dtype)
        return Tensor(ah) @ input @ Tensor(aw.T)
    ih, iw = (
        np.minimum((np.arange(o, dtype=np.float32) * np.float32(sc)).astype(np.int64), n - 1)
        for o, sc, n in ((oh, scale[0], h), (ow, scale[1], w))
    )
    return input[:, :, ih[:, None], iw[None, :]]


# ----- modules ----------------------------------------------------------------------------
class MaxPool2d(Module):
    """Max over kernel windows, PyTorch's `MaxPool2d`."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class AvgPool2d(Module):
    """Mean over kernel windows, PyTorch's `AvgPool2d`."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode = ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool2d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(MaxPool2d):
    """Max over windows of (N, C, L) sequences, PyTorch's `MaxPool1d`."""

    def forward(self, x: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        return max_pool1d(
            x,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            self.ceil_mode,
            self.return_indices,
        )


class AvgPool1d(Module):
    """Mean over windows of (N, C, L) sequences, PyTorch's `AvgPool1d`."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x: Tensor) -> Tensor:
        return avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average-pool to a fixed output size whatever the input size."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, x: Tensor) -> Tensor:
        return adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class Upsample(Module):
    """Nearest-neighbour or bilinear upsampling by `size` or `scale_factor`."""

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
    ) -> None:
        super().__init__()
        if mode not in ("nearest", "bilinear"):
            raise NotImplementedError(
                f"Upsample: mode {mode!r}; 'nearest' and 'bilinear' are supported"
            )
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners = align_corners

    def forward(self, x: Tensor) -> Tensor:
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self) -> str:
        extra = f", align_corners={self.align_corners}" if self.mode == "bilinear" else ""
        return f"size={self.size}, scale_factor={self.scale_factor}, mode={self.mode!r}{extra}"
