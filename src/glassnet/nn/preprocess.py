"""Input preprocessing inside the network, so a saved model takes raw inputs.

    net = nn.Sequential(nn.Standardize(mean, std, low=x.min(0), high=x.max(0)), mlp)
    gn.save(net, "m.safetensors"); gn.load("m.safetensors")(raw_x)   # scaled inside

The shift/scale (and the training range) are buffers: they are saved and loaded with the
weights and follow `.double()`, as BatchNorm's running statistics do.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd import Tensor
from .module import Module

Values = float | Sequence[float] | np.ndarray

# Inputs count as scaled unlike the training data when (1) a feature goes beyond its training
# range by more than OUTSIDE x that range's width (at least SQUEEZE x the overall width, so a
# constant training feature does not warn on any change), (2) more than STRAY of the values
# (and at least MIN_STRAY of them) lie outside their feature's training range at all, or (3)
# all of them span less than SQUEEZE x the training span (pixels already divided by 255).
OUTSIDE, SQUEEZE, STRAY, MIN_STRAY = 0.5, 0.1, 0.25, 8


class InputRangeWarning(UserWarning):
    """Inputs far outside the range a model was trained on (scaled differently, wrong units)."""


def _values(v: Any, what: str) -> np.ndarray:
    a = np.asarray(v._array if isinstance(v, Tensor) else v, dtype=np.float32)
    if a.ndim > 1 or a.size == 0 or not np.all(np.isfinite(a)):
        raise ValueError(
            f"Standardize: {what} must be a finite number or a 1-d list of them, "
            f"got shape {a.shape}" + ("" if a.size else " (empty)")
        )
    return a


def _host(a: Any) -> np.ndarray:
    return a.get() if hasattr(a, "get") else np.asarray(a)  # cupy -> numpy


def _plain(a: Tensor | None) -> float | list[float] | None:
    if a is None:
        return None
    v = _host(a._array)
    return float(v) if v.ndim == 0 else [float(x) for x in v]


def _fmt(lo: Any, hi: Any) -> str:
    return f"[{float(lo):.4g}, {float(hi):.4g}]"


def _range_problem(flat: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> str:
    """What is wrong with inputs `flat` (rows x features, or values) against the training
    range [lo, hi] (per feature or one), in words; "" when nothing is."""
    seen_lo, seen_hi = flat.min(0), flat.max(0)
    span = float(hi.max() - lo.min())
    width = np.maximum(hi - lo, SQUEEZE * span)
    far = np.maximum(lo - seen_lo, seen_hi - hi) / np.where(width > 0, width, 1.0)
    if far.max() > OUTSIDE:
        if far.ndim == 0:
            return "far beyond that range"
        j = int(np.argmax(far))
        return (
            f"feature {j} (the furthest out) spans {_fmt(seen_lo[j], seen_hi[j])} against "
            f"{_fmt(lo[j], hi[j])}"
        )
    stray = int(np.count_nonzero((flat < lo) | (flat > hi)))
    if stray >= MIN_STRAY and stray > STRAY * flat.size:
        return (
            f"{stray} of {flat.size} values ({stray / flat.size:.0%}) lie outside their "
            "feature's training range"
        )
    seen_span = float(seen_hi.max() - seen_lo.min())
    if span > 0 and 0 < seen_span < SQUEEZE * span:
        return f"they fill only {seen_span / span:.1%} of it"
    return ""


class Standardize(Module):
    """(x − shift) / scale, the first layer of a model that takes raw inputs.

    `shift`/`scale` are numbers or one per feature (e.g. the training mean and std, or 0 and
    255 for pixels). `low`/`high` optionally keep the training inputs' range; inputs far
    outside it warn once (InputRangeWarning), naming both ranges.
    """

    def __init__(
        self,
        shift: Values = 0.0,
        scale: Values = 1.0,
        low: Values | None = None,
        high: Values | None = None,
    ) -> None:
        super().__init__()
        sh, sc = _values(shift, "shift"), _values(scale, "scale")
        if np.any(sc == 0):
            raise ValueError(f"Standardize: scale must be non-zero, got {sc.tolist()}")
        if (low is None) != (high is None):
            raise ValueError("Standardize: give both low and high (the training range) or neither")
        sizes = {a.size for a in (sh, sc) if a.ndim == 1}
        lo = hi = None
        if low is not None:
            lo, hi = _values(low, "low"), _values(high, "high")
            if lo.shape != hi.shape or np.any(lo > hi):
                raise ValueError(
                    f"Standardize: low {lo.tolist()} and high {hi.tolist()} must "
                    "have the same shape with low <= high"
                )
            sizes |= {lo.size} if lo.ndim == 1 else set()
        if len(sizes) > 1:
            raise ValueError(
                f"Standardize: shift, scale, low and high are per-feature with "
                f"different lengths {sorted(sizes)}"
            )
        self.register_buffer("shift", Tensor(sh))
        self.register_buffer("scale", Tensor(sc))
        self.register_buffer("low", None if lo is None else Tensor(lo))
        self.register_buffer("high", None if hi is None else Tensor(hi))
        self.num_features: int | None = sizes.pop() if sizes else None
        self._warned = False

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments as JSON-able numbers or lists (what `save` records)."""
        return {
            "shift": _plain(self.shift),
            "scale": _plain(self.scale),
            "low": _plain(self.low),
            "high": _plain(self.high),
        }

    def forward(self, x: Any) -> Tensor:
        """(x − shift) / scale; checks the feature count and (once) the input range."""
        x = x if isinstance(x, Tensor) else Tensor(np.asarray(x, np.float32))
        if self.num_features is not None and (x.ndim < 1 or x.shape[-1] != self.num_features):
            raise ValueError(
                f"Standardize: inputs of shape {x.shape} have "
                f"{x.shape[-1] if x.ndim else 0} features, this model was "
                f"trained on {self.num_features}"
            )
        if self.low is not None and not self._warned and x.numel() > 0:
            self._check_range(_host(x._array))
        return (x - self.shift) / self.scale

    def _check_range(self, a: np.ndarray) -> None:
        """Warn (once) when inputs look scaled unlike the training inputs (see OUTSIDE)."""
        lo, hi = _host(self.low._array), _host(self.high._array)
        flat = a.reshape(-1, lo.size) if lo.ndim else a.reshape(-1)
        why = _range_problem(flat, lo, hi)
        if why:
            self._warned = True
            warnings.warn(
                f"Standardize: inputs span {_fmt(flat.min(), flat.max())} but the "
                f"training inputs spanned {_fmt(lo.min(), hi.max())}; {why}. This model "
                "takes raw inputs in its training data's units and scales them itself; "
                "inputs scaled another way give wrong answers.",
                InputRangeWarning,
                stacklevel=3,
            )

    def extra_repr(self) -> str:
        """Per-feature or scalar, and whether it keeps the training range."""
        n = "scalar" if self.num_features is None else f"{self.num_features} features"
        rng = "" if self.low is None else ", with training range"
        return f"{n}{rng}"
