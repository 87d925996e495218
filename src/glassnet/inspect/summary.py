"""`summary(model, input_size)`: the Keras-like table of layers, output shapes and parameters.

One sample batch of zeros goes through the model under `no_grad`; each layer's `forward` is
wrapped for that one call, so a shape that does not fit is reported with the layer's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor, no_grad
from ..nn import Module


class ShapeError(ValueError):
    """An input size that does not fit the model; the message names the layer where it broke."""


class Summary(str):
    """The table as a string (print it); `rows`, `total_params`, `trainable_params`,
    `non_trainable_params` and `forward_bytes` hold the numbers behind it."""

    rows: list[tuple[str, str, tuple, int, int]]  # name, type, output shape, trainable, frozen
    total_params: int
    trainable_params: int
    non_trainable_params: int
    forward_bytes: int

    def __repr__(self) -> str:
        return str(self)


def _shape_of(out: Any) -> tuple:
    if isinstance(out, Tensor):
        return tuple(out.shape)
    if isinstance(out, (tuple, list)):
        return tuple(_shape_of(o) for o in out if isinstance(o, (Tensor, tuple, list)))
    return ()


def _bytes_of(out: Any) -> int:
    if isinstance(out, Tensor):
        return int(out._array.nbytes)
    if isinstance(out, (tuple, list)):
        return sum(_bytes_of(o) for o in out)
    return 0


def _shown(shape: tuple) -> str:
    """(batch, ...) shown as Keras does: (None, ...)."""
    if shape and all(isinstance(s, int) for s in shape):
        return str((None, *shape[1:]))
    return ", ".join(_shown(s) for s in shape)


def _float(b: Any) -> bool:
    return isinstance(b, Tensor) and b.dtype.kind == "f"


def _counts(m: Module) -> tuple[int, int]:
    """A layer's own (trainable, non-trainable) counts; float buffers (running statistics)
    count as non-trainable, as in Keras."""
    own = [p for p in m._parameters.values() if p is not None]
    trainable = sum(p.numel() for p in own if p.requires_grad)
    frozen = sum(p.numel() for p in own if not p.requires_grad)
    frozen += sum(b.numel() for b in m._buffers.values() if _float(b))
    return trainable, frozen


def _wrap(m: Module, name: str, rows: list, listed: bool) -> None:
    """Replace m.forward for one call: record its output, name it when it raises."""
    original = m.forward

    def forward(*args: Any, **kwargs: Any) -> Any:
        try:
            out = original(*args, **kwargs)
        except ShapeError:
            raise
        except (ValueError, RuntimeError, IndexError, TypeError) as e:
            shapes = ", ".join(str(_shape_of(a)) for a in args if isinstance(a, Tensor))
            raise ShapeError(
                f"summary: layer {name or '(model)'} ({type(m).__name__}) cannot take an input "
                f"of shape {shapes}: {e}"
            ) from e
        if listed:
            rows.append((name, type(m).__name__, _shape_of(out), *_counts(m), _bytes_of(out)))
        return out

    object.__setattr__(m, "forward", forward)


def summary(
    model: Module, input_size: Sequence[int], batch_size: int = 1, dtype: Any = None
) -> Summary:
    """The layer table for inputs of `input_size` (without the batch dim): each layer's output
    shape and parameters (trainable / not), the totals, and the memory of one forward."""
    model = getattr(model, "module", model)  # a train.Model works too
    if not isinstance(model, Module):
        raise TypeError(f"summary: model must be an nn.Module, got {type(model).__name__}")
    size = tuple(input_size) if isinstance(input_size, (tuple, list)) else (input_size,)
    if not all(isinstance(s, (int, np.integer)) and s > 0 for s in size):
        raise ValueError(f"summary: input_size must be positive integers, got {input_size!r}")
    rows: list = []
    mods = list(model.named_modules())
    for name, m in mods:
        leaf = not any(True for _ in m.children()) or any(_counts(m))
        _wrap(m, name, rows, listed=leaf and m is not model or len(mods) == 1)
    was_training = model.training
    model.eval()
    x = np.zeros((batch_size, *size), dtype or _param_dtype(model))
    try:
        with no_grad():
            model(Tensor(x))
    finally:
        for _, m in mods:
            m.__dict__.pop("forward", None)
        model.train(was_training)
    return _render(model, rows, int(x.nbytes), batch_size)


def _param_dtype(m: Module) -> Any:
    for p in m.parameters():
        return p.dtype
    return np.float32


def _mib(n: int) -> str:
    return f"{n / 2**20:,.2f} MiB" if n >= 2**20 else f"{n / 2**10:,.2f} KiB"


def _render(model: Module, rows: list, input_bytes: int, batch: int) -> Summary:
    params = list(model.parameters())
    trainable = sum(p.numel() for p in params if p.requires_grad)
    frozen = sum(p.numel() for p in params if not p.requires_grad)
    frozen += sum(b.numel() for b in model.buffers() if _float(b))
    param_bytes = sum(int(p._array.nbytes) for p in params)
    forward = sum(r[5] for r in rows)
    names = [f"{n or '(model)'} ({t})" for n, t, *_ in rows]
    w = max([len(n) for n in names] + [20]) + 2
    text = [f"{'Layer (type)':<{w}}{'Output Shape':<24}{'Param #':>12}", "=" * (w + 36)]
    text += [f"{n:<{w}}{_shown(r[2]):<24}{r[3] + r[4]:>12,}" for n, r in zip(names, rows)]
    text += [
        "=" * (w + 36),
        f"Total params: {trainable + frozen:,}",
        f"Trainable params: {trainable:,}",
        f"Non-trainable params: {frozen:,}",
        "-" * (w + 36),
        f"Input size (batch {batch}): {_mib(input_bytes)}",
        f"Forward pass size (layer outputs): {_mib(forward)}",
        f"Params size: {_mib(param_bytes)}",
        f"Estimated total: {_mib(input_bytes + forward + param_bytes)}",
    ]
    s = Summary("\n".join(text))
    s.rows = [r[:5] for r in rows]
    s.total_params, s.trainable_params, s.non_trainable_params = (
        trainable + frozen,
        trainable,
        frozen,
    )
    s.forward_bytes = forward
    return s
