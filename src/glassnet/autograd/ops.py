"""Every differentiable primitive: one class each, forward and backward side by side.

Arrays in, arrays out. Binary ops broadcast like NumPy; their backward sums the gradient back
to each input's shape (`unbroadcast`). A backward never changes its incoming gradient in place.
Shape errors raised by NumPy reach the user with the op's name and input shapes added by
`Function.apply`.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from .backend import get_array_module
from .blas import blas_threads
from .function import Op

try:  # the exact normal CDF for GELU; math.erf elementwise where SciPy is not installed
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - SciPy comes with scikit-learn
    _erf = np.frompyfunc(math.erf, 1, 1)
_GELU_C = math.sqrt(2 / math.pi)


def unbroadcast(g: Any, shape: tuple) -> Any:
    """Sum g over the axes that broadcasting stretched, giving an array of `shape`."""
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


_ZEROS: dict = {}


def _zero(x: Any) -> Any:
    """A zero of x's own dtype (a Python 0 makes NumPy resolve the scalar's type every call)."""
    try:
        return _ZEROS[x.dtype]
    except KeyError:
        return _ZEROS.setdefault(x.dtype, x.dtype.type(0))


def _relu(x: Any) -> Any:
    """max(x, 0) in x's dtype (a ufunc: a CuPy array dispatches to CuPy)."""
    return np.maximum(x, _zero(x))


def _shape(x: Any) -> tuple:
    return getattr(x, "shape", ())  # arrays and NumPy scalars have one; Python numbers are ()


def _axes(dim: Any, ndim: int) -> tuple:
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    return tuple(sorted(d % ndim for d in dims)) if ndim else ()


# ----- arithmetic -------------------------------------------------------------------------
class Add(Op):
    """z = x + y elementwise (broadcasting)."""

    compute = staticmethod(operator.add)

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = _shape(x), _shape(y)
        return x + y

    @staticmethod
    def backward(ctx, g):  # d(x+y) = dx + dy
        return unbroadcast(g, ctx.shapes[0]), unbroadcast(g, ctx.shapes[1])


class Sub(Op):
    """z = x − y elementwise (broadcasting)."""

    compute = staticmethod(operator.sub)

    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = _shape(x), _shape(y)
        return x - y

    @staticmethod
    def backward(ctx, g):  # d(x-y) = dx - dy
        return unbroadcast(g, ctx.shapes[0]), unbroadcast(-g, ctx.shapes[1])


class Mul(Op):
    """z = x·y elementwise (broadcasting)."""

    compute = staticmethod(operator.mul)

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):  # d(xy) = y dx + x dy
        x, y = ctx.saved_tensors
        gx = unbroadcast(g * y, _shape(x)) if ctx.needs_grad[0] else None
        gy = unbroadcast(g * x, _shape(y)) if ctx.needs_grad[1] else None
        return gx, gy


class Div(Op):
    """z = x / y elementwise (broadcasting, true division)."""

    compute = staticmethod(operator.truediv)

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, g):  # d(x/y) = dx/y - x dy/y²
        x, y = ctx.saved_tensors
        gx = g / y
        gy = unbroadcast(-gx * x / y, _shape(y)) if ctx.needs_grad[1] else None
        return unbroadcast(gx, _shape(x)), gy


class Neg(Op):
    """y = −x."""

    compute = staticmethod(operator.neg)

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):  # d(-x) = -dx
        return -g


class Pow(Op):
    """z = x ** y elementwise (broadcasting); y's gradient takes ln x as 0 where x <= 0."""

    @staticmethod
    def forward(ctx, x, y):
        out = x**y
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, g):  # d(x^y) = y x^(y-1) dx + x^y ln(x) dy
        x, y, out = ctx.saved_tensors
        gx = unbroadcast(g * y * x ** (y - 1), _shape(x)) if ctx.needs_grad[0] else None
        gy = None
        if ctx.needs_grad[1]:
            xp = get_array_module(out)
            logx = xp.log(xp.where(x > 0, x, 1))
            gy = unbroadcast(g * out * logx, _shape(y))
        return gx, gy


class MatMul(Op):
    """z = x @ y with NumPy's matmul rules (1-d vectors, broadcast batch dims); mismatched
    inner dims are refused with both shapes."""

    @staticmethod
    @blas_threads
    def forward(ctx, x, y):
        xs, ys = _shape(x), _shape(y)
        if not xs or not ys or xs[-1] != ys[-2 if len(ys) > 1 else 0]:
            raise ValueError(
                f"matmul: shapes {xs} and {ys} cannot be multiplied "
                f"(inner dimensions {xs[-1:]} vs {ys[-2:-1] or ys[:1]})"
            )
        ctx.save_for_backward(x, y)
        return x @ y

    @staticmethod
    @blas_threads
    def backward(ctx, g):  # d(XY) = dX Y + X dY  ->  gX = G Yᵀ, gY = Xᵀ G
        x, y = ctx.saved_tensors
        xp = get_array_module(g)
        xe = x[None, :] if x.ndim == 1 else x  # vectors as 1×n and n×1 matrices
        ye = y[:, None] if y.ndim == 1 else y
        ge = xp.expand_dims(g, -1) if y.ndim == 1 else g  # (a 0-d g for vector · vector)
        ge = xp.expand_dims(ge, -2) if x.ndim == 1 else ge
        gx = gy = None
        if ctx.needs_grad[0]:
            gx = unbroadcast(ge @ ye.swapaxes(-1, -2), xe.shape).reshape(x.shape)
        if ctx.needs_grad[1]:
            gy = unbroadcast(xe.swapaxes(-1, -2) @ ge, ye.shape).reshape(y.shape)
        return gx, gy


# ----- elementwise functions --------------------------------------------------------------
class Exp(Op):
    """y = eˣ elementwise."""

    compute = staticmethod(np.exp)

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):  # d eˣ = eˣ dx
        return g * ctx.saved_tensors[0]


class Log(Op):
    """y = ln x elementwise (the natural log)."""

    compute = staticmethod(np.log)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).log(x)

    @staticmethod
    def backward(ctx, g):  # d ln x = dx / x
        return g / ctx.saved_tensors[0]


class Sqrt(Op):
    """y = √x elementwise."""

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):  # d √x = dx / (2√x)
        return g / (2 * ctx.saved_tensors[0])


class Abs(Op):
    """y = |x| elementwise."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return abs(x)

    @staticmethod
    def backward(ctx, g):  # d|x| = sign(x) dx   (0 at x = 0, as in PyTorch)
        return g * get_array_module(g).sign(ctx.saved_tensors[0])


class Sin(Op):
    """y = sin x elementwise (radians)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).sin(x)

    @staticmethod
    def backward(ctx, g):  # d sin x = cos x dx
        return g * get_array_module(g).cos(ctx.saved_tensors[0])


class Cos(Op):
    """y = cos x elementwise (radians)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return get_array_module(x).cos(x)

    @staticmethod
    def backward(ctx, g):  # d cos x = -sin x dx
        return -g * get_array_module(g).sin(ctx.saved_tensors[0])


class Clamp(Op):
    """y = x clipped to [lo, hi], as torch.clamp: either bound may be None, not both."""

    @staticmethod
    def forward(ctx, x, lo=None, hi=None):
        if lo is None and hi is None:
            raise ValueError("clamp: give at least one of min and max")
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return get_array_module(x).clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):  # gx = g where lo <= x <= hi, else 0
        (x,) = ctx.saved_tensors
        inside = np.ones(x.shape, bool) if ctx.lo is None else x >= ctx.lo
        if ctx.hi is not None:
            inside &= x <= ctx.hi
        return g * inside


class Maximum(Op):
    """z = max(x, y) elementwise (broadcasting), as torch.maximum."""

    pick, wins = staticmethod(np.maximum), staticmethod(np.greater)

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return type(ctx).pick(x, y)

    @staticmethod
    def backward(ctx, g):  # gx = g·[x wins], gy = g·[y wins]; a tie gives each g/2 (PyTorch)
        x, y = ctx.saved_tensors
        share = type(ctx).wins(x, y) + 0.5 * (x == y)
        return unbroadcast(g * share, _shape(x)), unbroadcast(g * (1 - share), _shape(y))


class Minimum(Maximum):
    """z = min(x, y) elementwise (broadcasting), as torch.minimum: `Maximum` with min."""

    pick, wins = staticmethod(np.minimum), staticmethod(np.less)


class Where(Op):
    """z = x where cond, else y (broadcasting); cond is a boolean array outside the graph."""

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.cond, ctx.shapes = cond, (_shape(x), _shape(y))
        return get_array_module(cond).where(cond, x, y)

    @staticmethod
    def backward(ctx, g):  # gx = g·cond, gy = g·(1 − cond); the condition gets none
        c, (xs, ys) = ctx.cond, ctx.shapes
        return None, unbroadcast(g * c, xs), unbroadcast(g * ~c, ys)


class Cast(Op):
    """y = x converted to `dtype`; the gradient returns in x's dtype (none to a non-float x)."""

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):  # gx = g, cast back to x's dtype
        return g.astype(ctx.dtype) if ctx.dtype.kind == "f" else None


class Clone(Op):
    """y = a copy of x in its own memory; the gradient passes straight through."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):  # gx = g
        return g


# ----- reductions -------------------------------------------------------------------------
def _expand_back(g: Any, shape: tuple, axes: tuple, keepdim: bool) -> Any:
    """Undo a reduction's shape change so g broadcasts against the input."""
    if not keepdim:
        g = get_array_module(g).expand_dims(g, axes)
    return get_array_module(g).broadcast_to(g, shape)


class Sum(Op):
    """y = Σ x over `dim` (an int, a tuple, or None for all), kept as size 1 if `keepdim`."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, _axes(dim, x.ndim), keepdim
        return x.sum(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):  # gx = g, broadcast back over the summed axes
        return _expand_back(g, ctx.shape, ctx.axes, ctx.keepdim)


class Mean(Op):
    """y = the mean of x over `dim` (an int, a tuple, or None for all), size 1 if `keepdim`."""

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, _axes(dim, x.ndim), keepdim
        ctx.count = int(np.prod([x.shape[a] for a in ctx.axes]))
        return x.mean(axis=ctx.axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):  # gx = g / n, broadcast back over the n averaged elements
        return _expand_back(g / ctx.count, ctx.shape, ctx.axes, ctx.keepdim)


class Max(Op):
    """y = the max of x over `dim` (None for all), as torch.amax: tied maxima share the gradient."""

    reduce = staticmethod(np.max)

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        axes = _axes(dim, x.ndim)
        if x.size == 0:
            raise ValueError(f"{type(ctx).__name__.lower()}: empty tensor of shape {x.shape}")
        y = type(ctx).reduce(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdim = axes, keepdim
        return y if keepdim else y.squeeze(axis=axes)

    @staticmethod
    def backward(ctx, g):  # gx = g·[x = y] / #ties, y the max (min): ties share g evenly
        x, y = ctx.saved_tensors
        mask = x == y
        g = g if ctx.keepdim else get_array_module(g).expand_dims(g, ctx.axes)
        return mask * (g / mask.sum(axis=ctx.axes, keepdims=True))


class Min(Max):
    """y = the min of x over `dim` (None for all), as torch.amin: `Max` with np.min."""

    reduce = staticmethod(np.min)


# ----- shape ------------------------------------------------------------------------------
class Reshape(Op):
    """y = x's elements, in the same order, in `shape` (one -1 allowed)."""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot view shape {x.shape} ({x.size} elements) as {shape}"
            ) from None

    @staticmethod
    def backward(ctx, g):  # gx = g reshaped to x's shape
        return g.reshape(ctx.shape)


class Permute(Op):
    """y = x with its axes reordered by `dims` (a view, as np.transpose)."""

    @staticmethod
    def forward(ctx, x, dims=()):
        if sorted(d % max(x.ndim, 1) for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: dims {dims} are not a permutation of {x.ndim} axes")
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):  # gx = g permuted by the inverse permutation
        return g.transpose(np.argsort([d % g.ndim for d in ctx.dims]))


class Expand(Op):
    """y = x broadcast to `shape` without copying (a read-only view)."""

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.shape = x.shape
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):  # gx = g summed over the broadcast copies
        return unbroadcast(g, ctx.shape)


class GetItem(Op):
    """y = x[index] with NumPy's indexing: ints, slices, masks, integer arrays (repeats add)."""

    @staticmethod
    def forward(ctx, x, index=None):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} into shape {x.shape}: {e}") from None

    @staticmethod
    def backward(ctx, g):  # gx = zeros with g added back at the index (repeats add up)
        xp = get_array_module(g)
        gx = xp.zeros(ctx.shape, ctx.dtype)
        idx = ctx.index if isinstance(ctx.index, tuple) else (ctx.index,)
        if any(isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype.kind in "iu" for i in idx):
            xp.add.at(gx, ctx.index, g)
        else:
            gx[ctx.index] = g
        return gx


class Cat(Op):
    """y = the inputs joined along an existing `dim` (torch.cat)."""

    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim, ctx.sizes = dim, [x.shape[dim] for x in xs]
        try:
            return get_array_module(*xs).concatenate(xs, axis=dim)
        except ValueError:
            raise ValueError(
                f"cat(dim={dim}): shapes {[x.shape for x in xs]} differ outside that dim"
            ) from None

    @staticmethod
    def backward(ctx, g):  # gx_i = the slice of g along dim that x_i filled
        return tuple(get_array_module(g).split(g, np.cumsum(ctx.sizes)[:-1], axis=ctx.dim))


class Stack(Op):
    """y = same-shaped inputs stacked along a new `dim` (torch.stack)."""

    @staticmethod
    def forward(ctx, *xs, dim=0):
        ctx.dim = dim
        if len({x.shape for x in xs}) > 1:
            raise ValueError(f"stack: all tensors need the same shape, got {[x.shape for x in xs]}")
        return get_array_module(*xs).stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):  # gx_i = g[i] along the new dim
        return tuple(get_array_module(g).moveaxis(g, ctx.dim, 0))


# ----- activations ------------------------------------------------------------------------
class ReLU(Op):
    """y = max(x, 0) elementwise."""

    compute = staticmethod(_relu)

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).maximum(x, _zero(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):  # gx = g·[x > 0]
        return g * (ctx.saved_tensors[0] > 0)


class LeakyReLU(Op):
    """y = x where x > 0, else negative_slope·x (default 0.01)."""

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        ctx.save_for_backward(x)
        ctx.slope = negative_slope
        return get_array_module(x).where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):  # gx = g where x > 0, else slope·g
        return get_array_module(g).where(ctx.saved_tensors[0] > 0, g, g * ctx.slope)


class Sigmoid(Op):
    """y = σ(x) = 1 / (1 + e⁻ˣ), computed from e^−|x| so it never overflows."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        e = xp.exp(-abs(x))  # never overflows
        r = 1 / (1 + e)
        y = xp.where(x >= 0, r, e * r)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):  # d σ(x) = σ(x)(1 − σ(x)) dx
        (y,) = ctx.saved_tensors
        return g * y * (1 - y)


class LogSigmoid(Op):
    """y = log σ(x) = min(x, 0) − log(1 + e^−|x|), finite for any x."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-abs(x)))  # log σ(x), never overflows

    @staticmethod
    def backward(ctx, g):  # d log σ(x) = (1 − σ(x)) dx = σ(−x) dx
        (x,) = ctx.saved_tensors
        xp = get_array_module(x)
        e = xp.exp(-abs(x))
        return g * xp.where(x >= 0, e, 1) / (1 + e)


class Tanh(Op):
    """y = tanh x elementwise."""

    compute = staticmethod(np.tanh)

    @staticmethod
    def forward(ctx, x):
        y = get_array_module(x).tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):  # d tanh x = (1 − tanh² x) dx
        (y,) = ctx.saved_tensors
        return g * (1 - y * y)


class Step(Op):
    """Heaviside step: 1 where x >= 0, else 0.

    Its derivative is 0 almost everywhere, so no gradient reaches the weights below it: this is
    why a perceptron with a step is trained by the perceptron rule, not by backpropagation.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.shape, ctx.dtype = x.shape, x.dtype
        return (x >= 0).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):  # d step(x)/dx = 0 (almost everywhere)
        return get_array_module(g).zeros(ctx.shape, ctx.dtype)


class Erf(Op):
    """y = erf(x) = 2/√π ∫₀ˣ e^(−t²) dt elementwise (ONNX's Erf; GELU's exact form uses it)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_erf(x), x.dtype)

    @staticmethod
    def backward(ctx, g):  # d erf(x) = 2/√π · e^(−x²) dx
        (x,) = ctx.saved_tensors
        return g * (2 / math.sqrt(math.pi)) * get_array_module(x).exp(-x * x)


class GELU(Op):
    """y = x·Φ(x), Φ the standard normal CDF; approximate="tanh" uses PyTorch's tanh formula."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        xp = get_array_module(x)
        if approximate == "tanh":
            u = _GELU_C * (x + 0.044715 * x**3)
            t = xp.tanh(u)
            ctx.save_for_backward(x, t)
            ctx.tanh = True
            return 0.5 * x * (1 + t)
        cdf = np.asarray(0.5 * (1 + _erf(x / math.sqrt(2))), x.dtype)
        ctx.save_for_backward(x, cdf)
        ctx.tanh = False
        return x * cdf

    @staticmethod
    def backward(ctx, g):  # d xΦ(x) = (Φ(x) + x·φ(x)) dx (tanh form: its own chain rule)
        x, c = ctx.saved_tensors
        xp = get_array_module(x)
        if ctx.tanh:
            du = _GELU_C * (1 + 3 * 0.044715 * x * x)
            return g * (0.5 * (1 + c) + 0.5 * x * (1 - c * c) * du)
        return g * (c + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))


class SiLU(Op):
    """y = x·σ(x) (swish)."""

    @staticmethod
    def forward(ctx, x):
        xp = get_array_module(x)
        e = xp.exp(-abs(x))  # σ(x) from e^−|x|, as Sigmoid
        s = xp.where(x >= 0, 1, e) / (1 + e)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, g):  # d xσ(x) = σ(x)(1 + x(1 − σ(x))) dx
        x, s = ctx.saved_tensors
        return g * s * (1 + x * (1 - s))


class ELU(Op):
    """y = x where x > 0, else α(eˣ − 1)."""

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        xp = get_array_module(x)
        y = xp.where(x > 0, x, alpha * xp.expm1(xp.minimum(x, 0)))
        ctx.save_for_backward(x, y)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, g):  # gx = g where x > 0, else g·(y + α)
        x, y = ctx.saved_tensors
        return get_array_module(g).where(x > 0, g, g * (y + ctx.alpha))


class Softplus(Op):
    """y = log(1 + e^(βx)) / β, and y = x where βx > threshold (PyTorch's rule)."""

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        bx = beta * x
        ctx.save_for_backward(bx)
        ctx.threshold = threshold
        soft = (xp.maximum(bx, 0) + xp.log1p(xp.exp(-abs(bx)))) / beta
        return xp.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):  # gx = g·σ(βx), and g where βx > threshold
        (bx,) = ctx.saved_tensors
        xp = get_array_module(bx)
        e = xp.exp(-abs(bx))
        s = xp.where(bx >= 0, 1, e) / (1 + e)
        return g * xp.where(bx > ctx.threshold, 1, s).astype(g.dtype, copy=False)


class Softmax(Op):
    """y = eˣ / Σ eˣ along `dim` (default -1), the max subtracted first: it never overflows."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        e = xp.exp(x - x.max(axis=dim, keepdims=True))
        y = e / e.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):  # J = diag(y) − y yᵀ  ->  gx = y ⊙ (g − Σ g y)
        (y,) = ctx.saved_tensors
        return y * (g - (g * y).sum(axis=ctx.dim, keepdims=True))


class LogSoftmax(Op):
    """y = x − log Σ eˣ along `dim` (default -1), the max subtracted first (stable)."""

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = get_array_module(x)
        z = x - x.max(axis=dim, keepdims=True)
        y = z - xp.log(xp.exp(z).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(y)
        ctx.dim = dim
        return y

    @staticmethod
    def backward(ctx, g):  # y = log softmax(x)  ->  gx = g − softmax(x) Σ g
        (y,) = ctx.saved_tensors
        return g - get_array_module(y).exp(y) * g.sum(axis=ctx.dim, keepdims=True)
