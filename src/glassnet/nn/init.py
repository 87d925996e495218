"""Weight initialisation, in place, with PyTorch's names and formulas.

Good initial scales keep activations and gradients from shrinking or exploding layer by layer
(the vanishing-gradient problem): Xavier/Glorot for tanh/sigmoid, Kaiming/He for ReLU.
"""

from __future__ import annotations

import math

from ..autograd import Tensor, no_grad


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended std multiplier for an activation (PyTorch's table)."""
    table = {
        "linear": 1.0,
        "conv1d": 1.0,
        "conv2d": 1.0,
        "sigmoid": 1.0,
        "identity": 1.0,
        "tanh": 5.0 / 3,
        "relu": math.sqrt(2.0),
        "selu": 0.75,
    }
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in table:
        raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")
    return table[nonlinearity]


def _calculate_fan_in_and_fan_out(t: Tensor) -> tuple[int, int]:
    if t.ndim < 2:
        raise ValueError(f"fan in/out needs a tensor with >= 2 dims, got shape {t.shape}")
    receptive = math.prod(t.shape[2:])
    return t.shape[1] * receptive, t.shape[0] * receptive


def _fan(t: Tensor, mode: str) -> int:
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    return fan_in if mode == "fan_in" else fan_out


def uniform_(t: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill `t` in place from U(a, b) (glassnet's seeded generator), without
    recording a graph, so it works on parameters; returns t.
    """
    with no_grad():
        return t.uniform_(a, b)


def normal_(t: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill `t` in place from N(mean, std²) (glassnet's seeded generator), without
    recording a graph; returns t.
    """
    with no_grad():
        return t.normal_(mean, std)


def constant_(t: Tensor, val: float) -> Tensor:
    """Fill `t` in place with `val`, without recording a graph; returns t."""
    with no_grad():
        return t.fill_(val)


def zeros_(t: Tensor) -> Tensor:
    """Fill `t` with 0 in place (the usual start for biases); returns t."""
    return constant_(t, 0.0)


def ones_(t: Tensor) -> Tensor:
    """Fill `t` with 1 in place (e.g. a normalisation layer's scale); returns t."""
    return constant_(t, 1.0)


def xavier_uniform_(t: Tensor, gain: float = 1.0) -> Tensor:
    """U(−a, a) with a = gain·√(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(t, -a, a)


def xavier_normal_(t: Tensor, gain: float = 1.0) -> Tensor:
    """N(0, std²) with std = gain·√(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(t)
    return normal_(t, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(
    t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """U(−b, b) with b = gain·√(3 / fan): He initialisation for ReLU networks."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(t, mode))
    return uniform_(t, -bound, bound)


def kaiming_normal_(
    t: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> Tensor:
    """N(0, std²) with std = gain / √fan."""
    return normal_(t, 0.0, calculate_gain(nonlinearity, a) / math.sqrt(_fan(t, mode)))
