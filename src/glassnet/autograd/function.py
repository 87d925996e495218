"""`Function`: one differentiable op, its forward and backward side by side.

A subclass implements two static methods over raw arrays, exactly as in PyTorch:

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            y = np.exp(x); ctx.save_for_backward(y); return y
        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y                     # d/dx e^x = e^x

`Exp.apply(t)` unwraps tensors, runs forward, and (when a graph is being recorded) links the
result to its inputs so `Tensor.backward` can call `backward` later.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

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


class Function:
    """Base class of every op; an instance is the graph node (the ``ctx``)."""

    __slots__ = ("inputs", "needs_grad", "saved_tensors", "retained", "__dict__")

    def __init__(self) -> None:
        self.saved_tensors: tuple = ()
        self.retained = None  # the output tensor, when it asked to keep its .grad

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays the backward needs; freed after backward."""
        self.saved_tensors = arrays

    @staticmethod
    def forward(ctx: Function, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on tensors (or raw values) and record it in the graph if needed."""
        from .tensor import Tensor

        ctx = cls()
        raw = [a.data if isinstance(a, Tensor) else a for a in args]
        out = cls.forward(ctx, *raw, **kwargs)
        record = _grad_enabled and any(isinstance(a, Tensor) and a.requires_grad for a in args)
        if not record:
            return Tensor._wrap(out, False) if not isinstance(out, tuple) else tuple(
                Tensor._wrap(o, False) for o in out)
        ctx.inputs = args
        ctx.needs_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        if isinstance(out, tuple):  # ops with several outputs: only the first is differentiable
            first = Tensor._wrap(out[0], True, ctx)
            return (first, *(Tensor._wrap(o, False) for o in out[1:]))
        return Tensor._wrap(out, True, ctx)
