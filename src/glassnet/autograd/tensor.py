"""`Tensor`: an array that remembers how it was made, so it can send gradients back.

The graph is implicit: a tensor made by an op holds that op's node (`_ctx`), and the node
holds its inputs. `backward()` walks the nodes in reverse topological order (iteratively, so a
100,000-op chain is fine) and accumulates gradients with ``+`` (a tensor used twice gets both).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from . import function as _fn
from . import ops
from .backend import default_generator, get_array_module, get_default_dtype
from .device import CPU, check_device, parse_to

MinMax = namedtuple("MinMax", ["values", "indices"])
MinMax.__doc__ = "The (values, indices) pair of `Tensor.max(dim)`/`min(dim)`, as PyTorch's."


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn Python/NumPy data into an array with PyTorch's dtype rules."""
    if isinstance(data, Tensor):
        data = data._array
    xp = get_array_module(data)
    if dtype is not None:
        return xp.asarray(data, dtype=dtype)
    if isinstance(data, (np.ndarray, np.generic)) or xp is not np:
        return xp.asarray(data)
    arr = np.asarray(data)
    if arr.dtype.kind == "f":  # Python floats -> the default dtype, as in PyTorch
        arr = arr.astype(get_default_dtype(), copy=False)
    return arr


class Tensor:
    """An n-dimensional array with an optional gradient; the PyTorch `Tensor` API."""

    __slots__ = ("_array", "requires_grad", "grad", "_ctx", "_version", "__weakref__")
    __array_priority__ = 1000  # so `ndarray + Tensor` calls Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self._array = _as_array(data, dtype)
        if requires_grad and self._array.dtype.kind not in "fc":
            raise RuntimeError(
                f"only floating point tensors can require gradients, got dtype {self._array.dtype}"
            )
        self.requires_grad = requires_grad
        self.grad: Tensor | None = None
        self._ctx = None
        self._version = 0  # bumped by every in-place op; backward checks it (Function.apply)

    @classmethod
    def _wrap(cls, data: Any, requires_grad: bool, ctx: Any = None) -> Tensor:
        """Fast constructor used by ops: no dtype conversion."""
        t = cls.__new__(cls)
        if not isinstance(data, np.ndarray) and get_array_module(data) is np:
            data = np.asarray(data)
        t._array, t.requires_grad, t.grad, t._ctx, t._version = data, requires_grad, None, ctx, 0
        return t

    # ----- properties -------------------------------------------------------------------
    @property
    def data(self) -> Tensor:
        """This tensor's storage as a new tensor cut from the graph, as PyTorch's: in-place
        changes through it (``p.data.add_(...)``) change self and are not seen by autograd."""
        return Tensor._wrap(self._array, False)

    @data.setter
    def data(self, value: Any) -> None:
        """``p.data = t`` gives self t's storage (shape and dtype too), outside the graph."""
        self._array = value._array if isinstance(value, Tensor) else _as_array(value)

    shape = property(lambda self: self._array.shape, doc="Tuple of dimension sizes.")
    dtype = property(lambda self: self._array.dtype, doc="NumPy dtype of the elements.")
    device = property(lambda self: CPU, doc="Where the data lives: the CPU (NumPy) for now.")
    ndim = property(lambda self: self._array.ndim, doc="Number of dimensions.")
    is_leaf = property(lambda self: self._ctx is None, doc="True unless made by a recorded op.")
    grad_fn = property(lambda self: self._ctx, doc="The op node that made this tensor.")
    T = property(lambda self: self.permute(*reversed(range(self.ndim))), doc="All dims reversed.")

    def size(self, dim: int | None = None) -> Any:
        """The shape as a tuple, or the size of dimension `dim`."""
        return self._array.shape if dim is None else self._array.shape[dim]

    def dim(self) -> int:
        """The number of dimensions (as `ndim`)."""
        return self._array.ndim

    def numel(self) -> int:
        """The number of elements."""
        return int(self._array.size)

    def __len__(self) -> int:
        return len(self._array)

    def item(self) -> Any:
        """The single value of a one-element tensor as a Python number."""
        if self._array.size != 1:
            raise ValueError(f"item(): only one-element tensors convert, got shape {self.shape}")
        return self._array.item()

    def numpy(self) -> np.ndarray:
        """The underlying array (shares memory; detach first if it requires grad)."""
        if self.requires_grad:
            raise RuntimeError("numpy(): tensor requires grad; use tensor.detach().numpy()")
        return self._array

    def tolist(self) -> Any:
        """The data as nested Python lists (a plain number for a 0-d tensor)."""
        return self._array.tolist()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._array if dtype is None else self._array.astype(dtype)

    def detach(self) -> Tensor:
        """The same data, cut from the graph."""
        return Tensor._wrap(self._array, False)

    def clone(self) -> Tensor:
        """A copy in its own memory that stays in the graph (its gradient flows back to self)."""
        return ops.Clone.apply(self)

    def requires_grad_(self, mode: bool = True) -> Tensor:
        """Turn gradient tracking of this tensor on or off in place (floats only); returns self."""
        if mode and self._array.dtype.kind not in "fc":
            raise RuntimeError(
                f"only floating point tensors can require gradients, got {self.dtype}"
            )
        self.requires_grad = mode
        return self

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward."""
        if self._ctx is not None:
            self._ctx.retained = self

    def __repr__(self) -> str:
        body = np.array2string(self._array, separator=", ", precision=4, prefix="tensor(")
        extra = (
            ""
            if self.dtype == get_default_dtype() or self.dtype.kind in "ib"
            else f", dtype={self.dtype}"
        )
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    __hash__ = object.__hash__

    # ----- backward ---------------------------------------------------------------------
    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, accumulating into .grad."""
        if not self.requires_grad:
            raise RuntimeError("backward(): tensor does not require grad and has no grad_fn")
        if gradient is None:
            if self._array.size != 1:
                raise RuntimeError(
                    f"backward(): grad can be implicitly created only for scalar outputs, "
                    f"got shape {self.shape}; pass gradient= of that shape"
                )
            gradient = get_array_module(self._array).ones(self.shape, self.dtype)
        else:
            gradient = _as_array(gradient, self.dtype)
            if gradient.shape != self.shape:
                raise RuntimeError(
                    f"backward(): gradient has shape {gradient.shape}, "
                    f"tensor has shape {self.shape}"
                )
        if self._ctx is None:
            _accumulate(self, gradient, gradient)
            return
        grads = {self._ctx: gradient}
        for node in _topological_order(self._ctx):
            g = grads.pop(node, None)
            if g is None:  # its consumers sent no gradient back (backward returned None)
                continue
            if node.saved_tensors is None or node.saved_versions is not None:
                _check_saved(node)
            if node.retained is not None:
                _accumulate(node.retained, g, g)
            in_grads = node.backward(node, g)
            if not isinstance(in_grads, tuple):
                in_grads = (in_grads,)
            for inp, need, ig in zip(node.inputs, node.needs_grad, in_grads):
                if not need or ig is None:
                    continue
                if inp._ctx is None:
                    _accumulate(inp, ig, g)
                else:
                    prev = grads.get(inp._ctx)
                    grads[inp._ctx] = ig if prev is None else prev + ig
            if not retain_graph:
                node.saved_tensors = None

    # ----- operators (one line each: every one is a single op) ----------------------------
    def __add__(self, o: Any) -> Tensor:
        return ops.Add.apply(self, o)

    def __radd__(self, o: Any) -> Tensor:
        return ops.Add.apply(o, self)

    def __sub__(self, o: Any) -> Tensor:
        return ops.Sub.apply(self, o)

    def __rsub__(self, o: Any) -> Tensor:
        return ops.Sub.apply(o, self)

    def __mul__(self, o: Any) -> Tensor:
        return ops.Mul.apply(self, o)

    def __rmul__(self, o: Any) -> Tensor:
        return ops.Mul.apply(o, self)

    def __truediv__(self, o: Any) -> Tensor:
        return ops.Div.apply(self, o)

    def __rtruediv__(self, o: Any) -> Tensor:
        return ops.Div.apply(o, self)

    def __pow__(self, o: Any) -> Tensor:
        return ops.Pow.apply(self, o)

    def __rpow__(self, o: Any) -> Tensor:
        return ops.Pow.apply(o, self)

    def __matmul__(self, o: Any) -> Tensor:
        return ops.MatMul.apply(self, o)

    def __rmatmul__(self, o: Any) -> Tensor:
        return ops.MatMul.apply(o, self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __abs__(self) -> Tensor:
        return ops.Abs.apply(self)

    # comparisons give boolean tensors outside the graph
    def _compare(self, o: Any, op: Any) -> Tensor:
        return Tensor._wrap(op(self._array, o._array if isinstance(o, Tensor) else o), False)

    def __lt__(self, o: Any) -> Tensor:
        return self._compare(o, np.less)

    def __le__(self, o: Any) -> Tensor:
        return self._compare(o, np.less_equal)

    def __gt__(self, o: Any) -> Tensor:
        return self._compare(o, np.greater)

    def __ge__(self, o: Any) -> Tensor:
        return self._compare(o, np.greater_equal)

    def __eq__(self, o: Any) -> Tensor:
        return self._compare(o, np.equal)  # type: ignore

    def __ne__(self, o: Any) -> Tensor:
        return self._compare(o, np.not_equal)  # type: ignore

    def __getitem__(self, index: Any) -> Tensor:
        return ops.GetItem.apply(self, index=_raw_index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        self._check_inplace("__setitem__", value)
        self._array[_raw_index(index)] = value._array if isinstance(value, Tensor) else value
        self._version += 1

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    def __bool__(self) -> bool:
        return bool(self._array)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        """A one-element integer (or bool) tensor as an index: ``range(n)``, ``lst[i]``."""
        if self._array.size != 1 or self._array.dtype.kind not in "iub":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._array.item())

    def __format__(self, spec: str) -> str:
        """A 0-d tensor formats as its number (``f"{loss:.4f}"``), others as their repr."""
        if self.ndim == 0:
            return self._array.item().__format__(spec)
        return object.__format__(self, spec)

    # ----- math methods ---------------------------------------------------------------------
    def exp(self) -> Tensor:
        """eˣ elementwise."""
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        """The natural log elementwise."""
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        """√x elementwise."""
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        """|x| elementwise."""
        return ops.Abs.apply(self)

    def sin(self) -> Tensor:
        """sin x elementwise (radians)."""
        return ops.Sin.apply(self)

    def cos(self) -> Tensor:
        """cos x elementwise (radians)."""
        return ops.Cos.apply(self)

    def pow(self, e: Any) -> Tensor:
        """self ** e elementwise; e a number or a tensor (broadcasting)."""
        return ops.Pow.apply(self, e)

    def matmul(self, o: Any) -> Tensor:
        """self @ o, with matmul's rules for vectors and batch dims."""
        return ops.MatMul.apply(self, o)

    def relu(self) -> Tensor:
        """max(x, 0) elementwise."""
        return ops.ReLU.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e⁻ˣ) elementwise."""
        return ops.Sigmoid.apply(self)

    def tanh(self) -> Tensor:
        """tanh x elementwise."""
        return ops.Tanh.apply(self)

    def softmax(self, dim: int = -1) -> Tensor:
        """eˣ / Σ eˣ along `dim` (default the last)."""
        return ops.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim: int = -1) -> Tensor:
        """log softmax along `dim` (default the last), computed stably."""
        return ops.LogSoftmax.apply(self, dim=dim)

    def clamp(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values clipped to [min, max], either bound None for none (`clip` is the same)."""
        return ops.Clamp.apply(self, lo=min, hi=max)

    clip = clamp

    def maximum(self, o: Any) -> Tensor:
        """Elementwise max with o (broadcasting); ties share the gradient, as torch.maximum."""
        return ops.Maximum.apply(self, o)

    def minimum(self, o: Any) -> Tensor:
        """Elementwise min with o (broadcasting); ties share the gradient, as torch.minimum."""
        return ops.Minimum.apply(self, o)

    def sum(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The sum over `dim` (an int, a tuple, None for all); `keepdim` keeps them as size 1."""
        return ops.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The mean over `dim` (an int, a tuple, None for all); `keepdim` keeps them as size 1."""
        return ops.Mean.apply(self, dim=dim, keepdim=keepdim)

    def var(
        self,
        dim: Any = None,
        keepdim: bool = False,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        """The variance over `dim`, divided by n - correction (1: Bessel's, as PyTorch);
        unbiased=True/False is the older spelling of correction=1/0."""
        if unbiased is not None:
            correction = int(unbiased)
        d = self - self.mean(dim, keepdim=True)
        n = self.numel() if dim is None else int(np.prod([self.shape[a] for a in _dims(dim)]))
        return (d * d).sum(dim, keepdim=keepdim) / max(n - correction, 0)

    def std(
        self,
        dim: Any = None,
        keepdim: bool = False,
        correction: int = 1,
        unbiased: bool | None = None,
    ) -> Tensor:
        """The standard deviation: the square root of `var` with the same arguments."""
        return self.var(dim, keepdim, correction, unbiased).sqrt()

    def _minmax(self, fn: Any, arg: Any, dim: Any, keepdim: bool) -> Any:
        if dim is None:
            return fn.apply(self, dim=None, keepdim=keepdim)
        idx = np.expand_dims(arg(self._array, axis=dim), dim)
        # values = self at the indices, so the gradient goes to that one element (PyTorch's
        # rule for max(dim)); amax/amin share it among ties instead.
        where = list(np.indices(idx.shape, sparse=True))
        where[dim] = idx
        values = self[tuple(where)]
        if not keepdim:
            values, idx = values.squeeze(dim), np.squeeze(idx, dim)
        return MinMax(values, Tensor._wrap(idx, False))

    def max(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Largest value; with `dim`, a (values, indices) pair as in PyTorch."""
        return self._minmax(ops.Max, np.argmax, dim, keepdim)

    def min(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """Smallest value; with `dim`, a (values, indices) pair as in PyTorch."""
        return self._minmax(ops.Min, np.argmin, dim, keepdim)

    def amax(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The largest value over `dim` (int, tuple, None for all); ties share the gradient."""
        return ops.Max.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """The smallest value over `dim` (int, tuple, None for all); ties share the gradient."""
        return ops.Min.apply(self, dim=dim, keepdim=keepdim)

    def logsumexp(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        """log Σ eˣ over `dim` (None for all), the max subtracted first so it never overflows."""
        m = self._array.max(axis=dim, keepdims=True)
        out = (self - m).exp().sum(dim, keepdim=True).log() + m
        return out if keepdim else out.reshape(np.squeeze(out._array, axis=dim).shape)

    def all(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether every element (along `dim`) is nonzero, a bool tensor outside the graph."""
        return Tensor._wrap(np.asarray(np.all(self._array, axis=dim, keepdims=keepdim)), False)

    def any(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """Whether any element (along `dim`) is nonzero, a bool tensor outside the graph."""
        return Tensor._wrap(np.asarray(np.any(self._array, axis=dim, keepdims=keepdim)), False)

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the largest value along `dim` (of the flattened tensor when None), outside
        the graph."""
        idx = np.argmax(self._array, axis=dim, keepdims=keepdim)
        return Tensor._wrap(np.asarray(idx), False)

    def argmin(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        """The index of the smallest value along `dim` (of the flattened tensor when None), outside
        the graph."""
        idx = np.argmin(self._array, axis=dim, keepdims=keepdim)
        return Tensor._wrap(np.asarray(idx), False)

    def add(self, other: Any, alpha: float = 1) -> Tensor:
        """self + alpha·other (broadcasting), as torch.add."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        """self - alpha·other (broadcasting), as torch.sub."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """self · other elementwise (broadcasting), as torch.mul."""
        return self * other

    def div(self, other: Any, rounding_mode: str | None = None) -> Tensor:
        """self / other elementwise (broadcasting), as torch.div: true division, or rounded
        with rounding_mode "trunc" (toward zero) or "floor" (down); a rounded quotient is a
        step function, so it leaves the graph (PyTorch's gradient there is zero)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode not in ("trunc", "floor"):
            raise ValueError(
                f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                f"{rounding_mode!r}"
            )
        a, b = self._array, other._array if isinstance(other, Tensor) else other
        if rounding_mode == "floor":
            return Tensor._wrap(np.floor_divide(a, b), False)
        q = np.true_divide(a, b)
        res = np.result_type(a, b) if np.result_type(a, b).kind in "iub" else q.dtype
        return Tensor._wrap(np.trunc(q).astype(res, copy=False), False)

    def eq(self, other: Any) -> Tensor:
        """self == other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.equal)

    def ne(self, other: Any) -> Tensor:
        """self != other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.not_equal)

    def lt(self, other: Any) -> Tensor:
        """self < other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.less)

    def le(self, other: Any) -> Tensor:
        """self <= other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.less_equal)

    def gt(self, other: Any) -> Tensor:
        """self > other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.greater)

    def ge(self, other: Any) -> Tensor:
        """self >= other elementwise, a bool tensor outside the graph."""
        return self._compare(other, np.greater_equal)

    def mm(self, mat2: Any) -> Tensor:
        """The matrix product of two 2-D tensors (no broadcasting), as torch.mm."""
        if self.ndim != 2 or _ndim(mat2) != 2:
            raise RuntimeError(
                f"mm: expected two 2-D tensors, got {self.ndim}-D and {_ndim(mat2)}-D"
            )
        return self @ mat2

    def bmm(self, mat2: Any) -> Tensor:
        """The batched matrix product of two 3-D tensors (b,n,m)·(b,m,p), as torch.bmm."""
        if self.ndim != 3 or _ndim(mat2) != 3:
            raise RuntimeError(
                f"bmm: expected two 3-D tensors, got {self.ndim}-D and {_ndim(mat2)}-D"
            )
        if self.shape[0] != np.shape(mat2)[0]:
            raise RuntimeError(f"bmm: batch sizes differ: {self.shape[0]} and {np.shape(mat2)[0]}")
        return self @ mat2

    def t(self) -> Tensor:
        """A 2-D tensor transposed; a 0-D or 1-D tensor as it is, as torch.t."""
        if self.ndim > 2:
            raise RuntimeError(
                f"t() expects a tensor with <= 2 dimensions, but self is {self.ndim}D"
            )
        return self if self.ndim < 2 else self.transpose(0, 1)

    def view_as(self, other: Any) -> Tensor:
        """This tensor in other's shape."""
        return self.reshape(tuple(np.shape(other)))

    def expand_as(self, other: Any) -> Tensor:
        """This tensor broadcast to other's shape."""
        return self.expand(tuple(np.shape(other)))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """Elements start..start+length-1 along `dim` (a negative start counts from the end)."""
        n = self.shape[dim]
        if start < 0:
            start += n
        if not 0 <= start <= n or length < 0 or start + length > n:
            raise RuntimeError(
                f"narrow: start ({start}) + length ({length}) exceeds dimension size ({n})"
            )
        return self[(slice(None),) * (dim % self.ndim) + (slice(start, start + length),)]

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        """A tuple of pieces along `dim`: of size `split_size` each (the last smaller), or of
        the sizes in a list (which must add up to the dim's size), as torch.split."""
        n = self.shape[dim]
        if isinstance(split_size_or_sections, (list, tuple)):
            sizes = [int(s) for s in split_size_or_sections]
            if sum(sizes) != n or any(s < 0 for s in sizes):
                raise RuntimeError(
                    f"split: split_sizes {sizes} must add up to the size of dim {dim} ({n})"
                )
        else:
            size = int(split_size_or_sections)
            if size <= 0:
                raise RuntimeError(f"split: split_size must be positive, got {size}")
            sizes = [min(size, n - i) for i in range(0, n, size)] or [0]
        starts = np.cumsum([0, *sizes[:-1]])
        return tuple(self.narrow(dim, int(s), k) for s, k in zip(starts, sizes))

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        """At most `chunks` pieces of size ceil(n / chunks) along `dim`, as torch.chunk."""
        if chunks <= 0:
            raise RuntimeError(f"chunk: chunks must be positive, got {chunks}")
        return self.split(max(-(-self.shape[dim] // chunks), 1), dim)

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Zeros of `size`, in this tensor's dtype unless `dtype`."""
        return zeros(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """Ones of `size`, in this tensor's dtype unless `dtype`."""
        return ones(*size, dtype=dtype or self.dtype, device=device, requires_grad=requires_grad)

    def new_tensor(
        self, data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
    ) -> Tensor:
        """A new tensor (a copy) of `data`, in this tensor's dtype unless `dtype`."""
        if device is not None:
            check_device(device, "new_tensor")
        arr = np.array(data._array if isinstance(data, Tensor) else data, dtype=dtype or self.dtype)
        return Tensor(arr, requires_grad)

    # ----- shape methods ----------------------------------------------------------------
    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape, one -1 inferred: reshape(2, 3) or reshape((2, 3));
        `view` is the same."""
        return ops.Reshape.apply(self, shape=_shape(shape))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Dims `start_dim`..`end_dim` (inclusive) merged into one; a 0-d tensor becomes 1-d."""
        s = self.shape
        if not s:
            return self.reshape(1)
        start, end = start_dim % len(s), end_dim % len(s)
        return self.reshape(*s[:start], -1, *s[end + 1 :])

    def unsqueeze(self, dim: int) -> Tensor:
        """A new dimension of size 1 inserted at `dim`."""
        return self.reshape(np.expand_dims(self._array, dim).shape)

    def squeeze(self, dim: int | None = None) -> Tensor:
        """Every size-1 dim removed, or only `dim` (self unchanged when that dim is not size 1)."""
        if dim is not None and self.shape[dim] != 1:
            return self
        return self.reshape(np.squeeze(self._array, axis=dim).shape)

    def permute(self, *dims: Any) -> Tensor:
        """The dims reordered: dim i of the result is dim dims[i] of self; permute(1, 0) or
        permute((1, 0))."""
        return ops.Permute.apply(self, dims=_shape(dims))

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        """Dims `dim0` and `dim1` swapped."""
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to `shape` without copying; -1 keeps a dim's size, new dims go in front."""
        shape = _shape(shape)
        shape = tuple(
            s if n == -1 else n for n, s in zip(shape, (1,) * (len(shape) - self.ndim) + self.shape)
        )
        return ops.Expand.apply(self, shape=shape)

    def to(
        self,
        *args: Any,
        device: Any = None,
        dtype: Any = None,
        non_blocking: bool = False,
        copy: bool = False,
    ) -> Tensor:
        """This tensor on a device and/or in a dtype, as PyTorch's: to(gn.float64), to("cpu"),
        to("cpu", gn.float64), to(device=..., dtype=...), to(other). Casts to integers or
        bools leave the graph; with nothing to change it is `self` (a copy if `copy`)."""
        _, d = parse_to("Tensor.to", args, device, dtype)
        if d is None or d == self.dtype:
            return self.clone() if copy else self
        return (
            ops.Cast.apply(self, dtype=d)
            if d.kind == "f"
            else Tensor._wrap(self._array.astype(d), False)
        )

    def cpu(self) -> Tensor:
        """This tensor on the CPU: itself, since glassnet computes there."""
        return self

    def cuda(self, device: Any = None, non_blocking: bool = False) -> Tensor:
        """Refused with a clear error until a GPU backend (CuPy) is added."""
        check_device("cuda" if device is None else device, "Tensor.cuda")
        return self

    type = astype = to

    def float(self) -> Tensor:
        """This tensor as float32 (self when it already is)."""
        return self.to(np.float32)

    def double(self) -> Tensor:
        """This tensor as float64 (self when it already is)."""
        return self.to(np.float64)

    def long(self) -> Tensor:
        """This tensor as int64, outside the graph (integers carry no gradient)."""
        return self.to(np.int64)

    def contiguous(self) -> Tensor:
        """Self: every glassnet op takes any memory layout, so there is nothing to copy."""
        return self

    # ----- in-place (for init and optimizers; refused on graph tensors while recording) ---
    # Every in-place op bumps `_version`, so a backward that needs the old values raises.
    # `+=` `-=` `*=` `/=` on a non-leaf that requires grad (or with an operand that does) are
    # recorded as PyTorch does: the tensor keeps its array, and its node becomes the op applied
    # to a copy of its old value. The named methods (add_, mul_, zero_, ...) are refused there.
    def _check_inplace(self, name: str, other: Any = None) -> None:
        if not _fn._grad_enabled:
            return
        if self.requires_grad:
            if self._ctx is None:
                raise RuntimeError(
                    "a leaf Variable that requires grad is being used in an in-place operation. "
                    f"({name}: wrap the update in glassnet.no_grad())"
                )
            raise RuntimeError(
                f"{name}: in-place operation on a tensor that is part of a graph (made by "
                f"{type(self._ctx).__name__}, requires grad) is not supported while a graph is "
                "recorded; use the out-of-place form (y = y + x) or glassnet.no_grad()"
            )
        if isinstance(other, Tensor) and other.requires_grad:
            raise RuntimeError(
                f"{name}: in-place operation with an operand that requires grad on a tensor "
                "that does not is not supported while a graph is recorded (the result would "
                "carry no gradient); use the out-of-place form (y = y + x)"
            )

    def _inplace(self, other: Any, ufunc: Any, op: Any, name: str) -> Tensor:
        """self = ufunc(self, other) in the same array (other broadcast to self's shape)."""
        if _fn._grad_enabled and (
            (self.requires_grad and self._ctx is not None)
            or (isinstance(other, Tensor) and other.requires_grad)
        ):
            if self.requires_grad and self._ctx is None:
                self._check_inplace(name)  # a leaf that requires grad: PyTorch's error
            return self._inplace_recorded(other, op, name)
        self._check_inplace(name)  # a leaf that requires grad while recording
        if isinstance(other, Tensor):
            o = other._array
        elif isinstance(other, np.generic):
            o = other.item()  # a NumPy scalar acts like a Python number, as in Function.apply
        else:
            o = other
        try:
            ufunc(self._array, o, out=self._array)
        except TypeError:  # NumPy's cast error (UFuncTypeError); PyTorch's wording
            od = o.dtype if hasattr(o, "dtype") else type(o)
            try:
                res = ufunc.resolve_dtypes((self.dtype, od, None))[-1]
            except Exception:
                res = np.result_type(self._array, o)
            raise RuntimeError(
                f"{name}: result type {res} can't be cast to the desired output type {self.dtype}"
            ) from None
        except ValueError as e:  # shapes that do not broadcast to self's, read-only arrays
            shape = np.shape(o)
            raise RuntimeError(
                f"{name}: output with shape {self.shape} doesn't fit the operand of shape "
                f"{shape}: {e}"
            ) from None
        self._version += 1
        return self

    def _inplace_recorded(self, other: Any, op: Any, name: str) -> Tensor:
        """The graph form: self's node becomes op(old self, other); its array is overwritten."""
        old = Tensor._wrap(self._array.copy(), self.requires_grad, self._ctx)
        new = op.apply(old, other)
        if new.shape != self.shape:
            raise RuntimeError(
                f"{name}: output with shape {self.shape} doesn't match the broadcast shape "
                f"{new.shape}"
            )
        if not np.can_cast(new.dtype, self.dtype, "same_kind"):
            raise RuntimeError(
                f"{name}: result type {new.dtype} can't be cast to the desired output type "
                f"{self.dtype}"
            )
        self._array[...] = new._array
        self._ctx, self.requires_grad = new._ctx, True
        self._version += 1
        return self

    def __iadd__(self, o: Any) -> Tensor:
        """self += o in place, as PyTorch's (a leaf that requires grad only under no_grad)."""
        return self._inplace(o, np.add, ops.Add, "__iadd__")

    def __isub__(self, o: Any) -> Tensor:
        """self -= o in place: ``p -= lr * p.grad`` under no_grad updates the parameter itself."""
        return self._inplace(o, np.subtract, ops.Sub, "__isub__")

    def __imul__(self, o: Any) -> Tensor:
        """self *= o in place, as PyTorch's (a leaf that requires grad only under no_grad)."""
        return self._inplace(o, np.multiply, ops.Mul, "__imul__")

    def __itruediv__(self, o: Any) -> Tensor:
        """self /= o in place; refused on integer tensors (the quotient is a float)."""
        return self._inplace(o, np.true_divide, ops.Div, "__itruediv__")

    def zero_(self) -> Tensor:
        """Fill with 0 in place; returns self (under no_grad if it requires grad)."""
        self._check_inplace("zero_")
        self._array[...] = 0
        self._version += 1
        return self

    def fill_(self, value: float) -> Tensor:
        """Fill with `value` in place; returns self (under no_grad if it requires grad)."""
        self._check_inplace("fill_", value)
        self._array[...] = value._array if isinstance(value, Tensor) else value
        self._version += 1
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy `src` (a tensor or array, broadcast to self's shape) into self in place; returns
        self (under no_grad if it requires grad)."""
        self._check_inplace("copy_", src)
        src = src._array if isinstance(src, Tensor) else np.asarray(src)
        if src.shape != self.shape and np.broadcast_shapes(src.shape, self.shape) != self.shape:
            raise RuntimeError(f"copy_: source shape {src.shape} does not fit {self.shape}")
        self._array[...] = src
        self._version += 1
        return self

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        """Fill in place with U[a, b) samples from the seeded generator; returns self."""
        self._check_inplace("uniform_")
        self._array[...] = default_generator().uniform(a, b, self.shape)
        self._version += 1
        return self

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        """Fill in place with N(mean, std²) samples from the seeded generator; returns self."""
        self._check_inplace("normal_")
        self._array[...] = default_generator().normal(mean, std, self.shape)
        self._version += 1
        return self

    def add_(self, other: Any, alpha: float = 1.0) -> Tensor:
        """self += alpha·other in place (broadcasting other); returns self."""
        self._check_inplace("add_", other)
        o = other._array if isinstance(other, Tensor) else other
        self._array += o if alpha == 1.0 else alpha * o
        self._version += 1
        return self

    def mul_(self, other: Any) -> Tensor:
        """self *= other in place (broadcasting other); returns self."""
        self._check_inplace("mul_", other)
        self._array *= other._array if isinstance(other, Tensor) else other
        self._version += 1
        return self

    def sub_(self, other: Any, alpha: float = 1.0) -> Tensor:
        """self -= alpha·other in place (broadcasting other); returns self."""
        return self.add_(other, -alpha)

    def div_(self, other: Any) -> Tensor:
        """self /= other in place (broadcasting other); returns self."""
        self._check_inplace("div_", other)
        self._array /= other._array if isinstance(other, Tensor) else other
        self._version += 1
        return self

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:
        """Values clipped to [min, max] in place (either bound None for none); returns self."""
        self._check_inplace("clamp_")
        if min is not None or max is not None:
            np.clip(self._array, min, max, out=self._array)
        self._version += 1
        return self

    clip_ = clamp_


_fn.Tensor = Tensor  # Function.apply wraps its results in Tensors


def _ndim(x: Any) -> int:
    return x.ndim if isinstance(x, Tensor) else np.ndim(x)


def _dims(dim: Any) -> tuple:
    return tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)


def _raw_index(index: Any) -> Any:
    if isinstance(index, Tensor):
        return index._array
    if isinstance(index, tuple):
        return tuple(i._array if isinstance(i, Tensor) else i for i in index)
    return index


def _accumulate(t: Tensor, g: Any, upstream: Any) -> None:
    """Add g into t.grad; copy views and pass-through arrays so no two grads share memory."""
    if g.shape != t.shape:
        g = get_array_module(g).broadcast_to(g, t.shape)
    if g.dtype != t.dtype:
        g = g.astype(t.dtype)
    if t.grad is None:
        if g is upstream or g.base is not None or not g.flags.writeable:
            g = g.copy()
        t.grad = Tensor._wrap(g, False)
    else:
        t.grad._array += g  # t.grad owns its array (copied above when it was first set)


def _check_saved(node: Any) -> None:
    """Refuse a node whose saved arrays were freed, or changed in place since they were saved."""
    if node.saved_tensors is None:
        raise RuntimeError(
            f"backward(): trying to backward through {type(node).__name__} a second time "
            "after its graph was freed; pass retain_graph=True to the first backward"
        )
    _fn.check_versions(node)


def _topological_order(root: Any) -> list:
    """Nodes from the output back to the leaves, each after every node that consumes it."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for inp in node.inputs:
            if isinstance(inp, Tensor) and inp._ctx is not None and inp._ctx not in visited:
                stack.append((inp._ctx, False))
    order.reverse()
    return order


# ----- creation ---------------------------------------------------------------------------
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Make a tensor from data; Python floats become float32 (the default dtype)."""
    if device is not None:
        check_device(device, "tensor")
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def _shape(shape: tuple) -> tuple:
    """Accept both f(2, 3) and f((2, 3))."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(
    *shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros, zeros(2, 3) or zeros((2, 3)), in the default dtype unless `dtype`."""
    if device is not None:
        check_device(device, "zeros")
    return Tensor(np.zeros(_shape(shape), dtype or get_default_dtype()), requires_grad)


def ones(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones, ones(2, 3) or ones((2, 3)), in the default dtype unless `dtype`."""
    if device is not None:
        check_device(device, "ones")
    return Tensor(np.ones(_shape(shape), dtype or get_default_dtype()), requires_grad)


def full(
    shape: Any,
    fill_value: float,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of `shape` filled with `fill_value`, in the default dtype unless `dtype` (an int
    fill gives floats too, where PyTorch would give int64)."""
    if device is not None:
        check_device(device, "full")
    return Tensor(
        np.full(_shape((shape,)), fill_value, dtype or get_default_dtype()), requires_grad
    )


def zeros_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Zeros of t's shape, in t's dtype unless `dtype`."""
    if device is not None:
        check_device(device, "zeros_like")
    return Tensor(np.zeros(t.shape, dtype or t.dtype), requires_grad)


def ones_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Ones of t's shape, in t's dtype unless `dtype`."""
    if device is not None:
        check_device(device, "ones_like")
    return Tensor(np.ones(t.shape, dtype or t.dtype), requires_grad)


def randn(
    *shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples from glassnet's seeded generator."""
    if device is not None:
        check_device(device, "randn")
    arr = default_generator().standard_normal(_shape(shape), dtype=np.float64)
    return Tensor(arr.astype(dtype or get_default_dtype()), requires_grad)


def rand(*shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform [0, 1) samples from glassnet's seeded generator."""
    if device is not None:
        check_device(device, "rand")
    arr = default_generator().random(_shape(shape))
    return Tensor(arr.astype(dtype or get_default_dtype()), requires_grad)


def randint(low: int, high: int, size: Any, dtype: Any = np.int64, device: Any = None) -> Tensor:
    """Integers drawn uniformly from [low, high) by the seeded generator (int64 unless `dtype`)."""
    if device is not None:
        check_device(device, "randint")
    return Tensor(default_generator().integers(low, high, size).astype(dtype))


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from `start` up to, not including, `end` by `step` (arange(n) is 0..n-1); floats
    in the default dtype, integer arguments give int64."""
    if device is not None:
        check_device(device, "arange")
    if end is None:
        start, end = 0, start
    arr = np.arange(start, end, step)
    if dtype is None and arr.dtype.kind == "f":
        dtype = get_default_dtype()
    return Tensor(arr if dtype is None else arr.astype(dtype), requires_grad)


def from_numpy(a: np.ndarray) -> Tensor:
    """Wrap an array without copying, keeping its dtype."""
    return Tensor._wrap(a, False)


def _factory(arr: Any, dtype: Any, device: Any, requires_grad: bool, where: str) -> Tensor:
    """`arr` as a new tensor on `device` (the CPU only for now), cast to `dtype` if given."""
    if device is not None:
        check_device(device, where)
    return Tensor(arr if dtype is None else np.asarray(arr).astype(dtype), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`steps` values evenly spaced from `start` to `end` inclusive, in the default dtype."""
    arr = np.linspace(start, end, steps, dtype=np.float64)
    return _factory(arr, dtype or get_default_dtype(), device, requires_grad, "linspace")


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """`steps` values base**x for x evenly spaced from `start` to `end`, in the default dtype."""
    arr = np.logspace(start, end, steps, base=base, dtype=np.float64)
    return _factory(arr, dtype or get_default_dtype(), device, requires_grad, "logspace")


def eye(
    n: int,
    m: int | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """The n×m (n×n when m is None) identity matrix, in the default dtype unless `dtype`."""
    return _factory(
        np.eye(n, m, dtype=dtype or get_default_dtype()), None, device, requires_grad, "eye"
    )


def empty(
    *shape: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialised-by-contract tensor of `shape` (glassnet fills it with zeros)."""
    arr = np.zeros(_shape(shape), dtype or get_default_dtype())
    return _factory(arr, None, device, requires_grad, "empty")


def full_like(
    t: Tensor,
    fill_value: float,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of t's shape filled with `fill_value`, in t's dtype unless `dtype`."""
    arr = np.full(t.shape, fill_value, dtype or t.dtype)
    return _factory(arr, None, device, requires_grad, "full_like")


def rand_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Uniform [0, 1) samples of t's shape, in t's dtype unless `dtype`."""
    if np.dtype(dtype or t.dtype).kind != "f":
        raise NotImplementedError(
            f"rand_like: needs a floating dtype, got {np.dtype(dtype or t.dtype)}"
        )
    arr = default_generator().random(t.shape)
    return _factory(arr, dtype or t.dtype, device, requires_grad, "rand_like")


def randn_like(
    t: Tensor, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """Standard normal samples of t's shape, in t's dtype unless `dtype`."""
    if np.dtype(dtype or t.dtype).kind != "f":
        raise NotImplementedError(
            f"randn_like: needs a floating dtype, got {np.dtype(dtype or t.dtype)}"
        )
    arr = default_generator().standard_normal(t.shape, dtype=np.float64)
    return _factory(arr, dtype or t.dtype, device, requires_grad, "randn_like")
