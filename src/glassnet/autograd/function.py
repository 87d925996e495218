"""`Op`: one differentiable op, its forward and backward side by side; `Function`: the same
for users, on Tensors, as PyTorch's `torch.autograd.Function`.

An engine op subclasses `Op` and implements two static methods over raw arrays (the fast
path: no Tensor is made inside an op):

    class Exp(Op):
        @staticmethod
        def forward(ctx, x):
            y = np.exp(x); ctx.save_for_backward(y); return y
        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y                     # d/dx e^x = e^x

`Exp.apply(t)` unwraps tensors, runs forward, and (when a graph is being recorded) links the
result to its inputs so `Tensor.backward` can call `backward` later. A `Function` subclass
writes the same two methods with Tensors in and out, `ctx.save_for_backward(tensor, ...)`,
`ctx.saved_tensors`, `ctx.needs_input_grad`, `ctx.mark_non_differentiable` and
`ctx.set_materialize_grads`, exactly as in PyTorch; its node runs the user's backward on
Tensors under `no_grad`.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .backend import get_default_dtype

_grad_enabled = True


def is_grad_enabled() -> bool:
    """Whether ops currently record a graph."""
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode: bool) -> Iterator[None]:
    """Context manager that turns graph recording on or off."""
    global _grad_enabled
    prev, _grad_enabled = _grad_enabled, bool(mode)
    try:
        yield
    finally:
        _grad_enabled = prev


def no_grad() -> contextlib.AbstractContextManager[None]:
    """Run ops without recording a graph (inference, optimizer updates)."""
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager[None]:
    """Record a graph again inside a `no_grad` block."""
    return set_grad_enabled(True)


# Layers and losses with a fused kernel (linear, softmax + cross-entropy, convolution, the
# recurrences) read this flag when they run forward: True runs the fast single-node kernel,
# False its readable twin composed from the primitives in `ops` (the graph a learner can see).
_fused = True


def is_fused() -> bool:
    """Whether layers and losses run their fused kernels (the default) or the composed twins."""
    return _fused


def set_fused(mode: bool) -> None:
    """Run fused kernels (True, the default) or their twins composed from primitives (False)."""
    global _fused
    _fused = bool(mode)


@contextlib.contextmanager
def fused(mode: bool) -> Iterator[None]:
    """Context manager for `set_fused`: ``with glassnet.fused(False): loss = model(x)``.

    The choice is made when an op runs forward; a graph built inside keeps its kernels.
    """
    global _fused
    prev, _fused = _fused, bool(mode)
    try:
        yield
    finally:
        _fused = prev


_F64 = np.dtype(np.float64)
Tensor: Any = None  # set by tensor.py, which imports this module
_new_tensor = object.__new__  # Tensor defines no __new__ of its own (tests check)


def _int_promoted(raw: list) -> bool:
    """Did NumPy make float64 out of integers (int ⊕ 0.5, int64 ⊕ float32)? PyTorch: float32."""
    dtypes = [a.dtype for a in raw if hasattr(a, "dtype")]
    return _F64 not in dtypes and any(d.kind in "iub" for d in dtypes)


class Op:
    """Base class of every engine op (raw arrays in and out); an instance is the graph node
    (the ``ctx``)."""

    inputs: tuple = ()  # the op's arguments (tensors and constants), set when recorded
    needs_grad: Sequence[bool] = ()  # per input: does it want a gradient?
    saved_tensors: tuple | None = ()  # None once the graph is freed
    retained: Any = None  # the output tensor, when it asked to keep its .grad
    # (tensor or weakref to the output, its `_version` at record time) for each input or output
    # whose array was saved for backward; None when nothing saved is a tensor's own array
    saved_versions: list | None = None
    # The op's output as one array expression of the raw inputs, for calls with no graph to
    # record (under no_grad, or no input requires grad): forward's result without its saving.
    compute: Callable[..., Any] | None = None

    def name(self) -> str:
        """The node's name as PyTorch prints it: ``MulBackward0`` for the node of a `Mul`."""
        return f"{type(self).__name__}Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"

    @property
    def next_functions(self) -> tuple:
        """One (node, 0) pair per input, as PyTorch's: the node that made it, `AccumulateGrad`
        for a leaf that requires grad, None for an input outside the graph."""
        out = []
        for a, need in zip(self.inputs, self.needs_grad):
            if not need:
                out.append((None, 0))
            elif a._ctx is not None:
                out.append((a._ctx, 0))
            else:
                out.append((AccumulateGrad(a), 0))
        return tuple(out)

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays the backward needs; freed after backward."""
        self.saved_tensors = arrays

    @staticmethod
    def forward(ctx: Op, *args: Any, **kwargs: Any) -> Any:
        """The op on raw arrays: return the output, saving on `ctx` what backward needs."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Op, grad: Any) -> Any:
        """The output's gradient in, one gradient per input out (None for an input that
        needs none); its def line carries the rule's math as a comment (docs/autograd.md)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on tensors (or raw values) and record it in the graph if needed."""
        raw, record = [], False
        for a in args:  # NumPy scalars act like Python numbers (no upcast of float32 tensors)
            if isinstance(a, Tensor):
                raw.append(a._array)
                if a.requires_grad:
                    record = True
            elif isinstance(a, np.generic):
                raw.append(a.item())
            else:
                raw.append(a)
        compute = cls.compute
        if kwargs:
            kwargs = {k: v.item() if isinstance(v, np.generic) else v for k, v in kwargs.items()}
        elif compute is not None and not (record and _grad_enabled):
            # Nothing to record (the learner's no_grad loop, inference): the op's array
            # expression alone, no node, no saving -- the per-op cost a micrograd loop pays.
            try:
                out = compute(*raw)
            except ValueError as e:
                raise _named_error(cls, raw, e) from None
            if type(out) is not np.ndarray:  # NumPy scalars, CuPy arrays
                return Tensor._wrap(out, False)
            if out.dtype is _F64 and _int_promoted(raw):
                out = out.astype(get_default_dtype(), copy=False)
            t = _new_tensor(Tensor)
            t._array, t.requires_grad, t.grad, t._ctx, t._version = out, False, None, None, 0
            return t
        ctx = cls()
        try:
            out = cls.forward(ctx, *raw, **kwargs)
        except ValueError as e:  # NumPy's errors get the op's name and the input shapes
            raise _named_error(cls, raw, e) from None
        if getattr(out, "dtype", None) is _F64 and _int_promoted(raw):
            out = out.astype(get_default_dtype(), copy=False)
        if not (record and _grad_enabled):
            return Tensor._wrap(out, False)
        ctx.inputs, ctx.needs_grad = args, [isinstance(a, Tensor) and a.requires_grad for a in args]
        t = Tensor._wrap(out, True, ctx)
        if ctx.saved_tensors:
            ctx.saved_versions = _saved_versions(args, ctx.saved_tensors, t)
        return t


class AccumulateGrad:
    """The graph's end for a leaf that requires grad: backward adds into `variable.grad`."""

    next_functions: tuple = ()

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        """PyTorch's name for this node."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"


def _named_error(cls: type, raw: list, e: ValueError) -> ValueError:
    """NumPy's ValueError with the op's name and the input shapes in front."""
    name = cls.__name__.lower()
    if str(e).startswith(name):
        return e
    shapes = ", ".join(str(getattr(a, "shape", ())) for a in raw)
    return ValueError(f"{name}: input shapes {shapes}: {e}")


def _saved_versions(args: tuple, saved: tuple, out: Any) -> list | None:
    """Which saved arrays are a tensor's own (an input's or the output's), with its version.

    Backward compares them again (`check_versions`): a tensor changed in place after it was
    saved would otherwise give a silently wrong gradient. Views of a tensor are not tracked.
    """
    vs = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._array
            for s in saved:
                if s is d:
                    vs.append((a, a._version))
                    break
    d = out._array
    for s in saved:
        if s is d:
            vs.append((weakref.ref(out), 0))  # weak: the output holds this node already
            break
    return vs or None


def check_versions(node: Op) -> None:
    """Raise if a tensor `node` saved for backward was modified in place since (as PyTorch)."""
    for t, v in node.saved_versions or ():
        if isinstance(t, weakref.ref):
            t = t()
            if t is None:
                continue
        if t._version != v:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: a tensor of shape {tuple(t.shape)} and dtype {t.dtype} "
                f"saved by {type(node).__name__}Backward is at version {t._version}; expected "
                f"version {v} instead"
            )


# ----- the public Function: PyTorch's torch.autograd.Function, on Tensors ------------------
class _Grads:
    """The gradients of a multi-output Function's outputs, one slot each (None: none came);
    the engine adds them up with ``+`` as it does any gradient."""

    __slots__ = ("items",)

    def __init__(self, items: list) -> None:
        self.items = items

    def __add__(self, other: _Grads) -> _Grads:
        return _Grads(
            [b if a is None else a if b is None else a + b for a, b in zip(self.items, other.items)]
        )


class FunctionOutput(Op):
    """Output `i` of a multi-output `Function`: its gradient goes to slot i of the node's."""

    i, n = 0, 1

    @staticmethod
    def backward(ctx, g):  # d outputs[i] = g, the other slots untouched
        items = [None] * ctx.n
        items[ctx.i] = g
        return _Grads(items)


def _as_grad(r: Any, inp: Any, where: str, k: int) -> Any:
    """The array of gradient `r` for input `inp`, summed to its shape where it broadcast."""
    arr = r._array if isinstance(r, Tensor) else np.asarray(r)
    if arr.shape == inp.shape:
        return arr
    try:
        ok = np.broadcast_shapes(arr.shape, inp.shape) == arr.shape
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(
            f"Function {where} returned an invalid gradient at index {k} - got {list(arr.shape)} "
            f"but expected shape compatible with {list(inp.shape)}"
        )
    from .ops import unbroadcast

    return unbroadcast(arr, inp.shape)


def _function_backward(ctx: Any, g: Any) -> tuple:
    """The engine's call into a user `Function`: arrays to Tensors, its backward under no_grad,
    the gradients back to arrays (one per input)."""
    cls, where = type(ctx), ctx.name()
    grads = g.items if isinstance(g, _Grads) else [g]
    if ctx._materialize:
        grads = [
            np.zeros(*meta) if x is None and meta is not None else x
            for x, meta in zip(grads, ctx._out_meta)
        ]
    with set_grad_enabled(False):
        res = cls.backward(ctx, *[None if x is None else Tensor._wrap(x, False) for x in grads])
    res = res if isinstance(res, tuple) else (res,)
    n = len(ctx.inputs)
    if len(res) < n or any(r is not None for r in res[n:]):
        raise RuntimeError(
            f"function {where} returned an incorrect number of gradients (expected {n}, "
            f"got {len(res)})"
        )
    return tuple(
        None if r is None or not need else _as_grad(r, a, where, k)
        for k, (a, need, r) in enumerate(zip(ctx.inputs, ctx.needs_grad, res))
    )


class Function(Op):
    """A differentiable function written by the user on Tensors, as torch.autograd.Function.

    Subclass it with static ``forward(ctx, *args)`` (or ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``) and ``backward(ctx, *grad_outputs)`` returning one
    gradient (or None) per input; call it with ``MyFn.apply(*args)``. Forward runs under
    `no_grad`; so does backward.
    """

    def __init__(self) -> None:
        self.needs_input_grad: tuple[bool, ...] = ()
        self._materialize = True
        self._non_differentiable: list = []
        self._out_meta: list = []

    def name(self) -> str:
        """The node's name as PyTorch prints it: ``LegendrePolynomial3Backward``."""
        return f"{type(self).__name__}Backward"

    def mark_non_differentiable(self, *outputs: Any) -> None:
        """Outputs (returned by forward) that carry no gradient, e.g. indices."""
        self._non_differentiable.extend(outputs)

    def set_materialize_grads(self, value: bool) -> None:
        """True (the default): an output that got no gradient is given zeros in backward;
        False: None."""
        self._materialize = bool(value)

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run forward on the arguments and record the node when any input requires grad."""
        ctx = cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        own_context = hasattr(cls, "setup_context")  # forward(*args) + setup_context(ctx, ...)
        with set_grad_enabled(False):
            out = cls.forward(*args, **kwargs) if own_context else cls.forward(ctx, *args, **kwargs)
            if own_context:
                cls.setup_context(ctx, args, out)  # type: ignore[attr-defined]
        if not (_grad_enabled and True in ctx.needs_input_grad):
            return out
        single = not isinstance(out, tuple)
        outs = list((out,) if single else out)
        for i, o in enumerate(outs):
            if any(o is a for a in args):  # an input returned as it is: a new tensor of it
                outs[i] = Tensor._wrap(o._array, False)
        ctx.inputs, ctx.needs_grad = args, list(ctx.needs_input_grad)
        ctx.__dict__["backward"] = _function_backward  # the engine calls node.backward(node, g)
        ctx._out_meta = [(o.shape, o.dtype) if isinstance(o, Tensor) else None for o in outs]
        packed = None if single else Tensor._wrap(np.empty(0), True, ctx)
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor) or o.dtype.kind not in "fc":
                continue
            if any(o is m for m in ctx._non_differentiable):
                continue
            if single:
                o._ctx = ctx
            else:
                o._ctx = sel = FunctionOutput()
                sel.inputs, sel.needs_grad, sel.i, sel.n = (packed,), (True,), i, len(outs)
            o.requires_grad = True
        saved = [t for t in ctx.saved_tensors or () if isinstance(t, Tensor)]
        ctx.saved_versions = [(t, t._version) for t in saved] or None
        return outs[0] if single else tuple(outs)
