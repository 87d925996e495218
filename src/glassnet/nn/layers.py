"""Basic layers: Linear, Dropout, Flatten/Unflatten, Identity (activations: `activation.py`)."""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Tensor, get_default_dtype, zeros
from . import functional as F
from . import init
from .module import Module, Parameter


class Identity(Module):
    """Returns its input unchanged: a placeholder where a layer is optional (e.g. no activation)."""

    def forward(self, x: Tensor) -> Tensor:
        return x


class Linear(Module):
    """y = x Wᵀ + b with weight (out_features, in_features), initialised as in PyTorch.

    ``fused=False`` runs `F.linear_simple` instead; None follows `glassnet.is_fused()`.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        dtype: Any = None,
        *,
        fused: bool | None = None,
    ) -> None:
        super().__init__()
        self.fused = fused
        if in_features <= 0 or out_features <= 0:
            raise ValueError(
                f"Linear: in_features and out_features must be positive, got "
                f"{in_features}, {out_features}"
            )
        self.in_features, self.out_features = in_features, out_features
        dtype = dtype or get_default_dtype()
        self.weight = Parameter(zeros(out_features, in_features, dtype=dtype))
        self.bias = Parameter(zeros(out_features, dtype=dtype)) if bias else None
        if not bias:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Redraw weight and bias from U(±1/√in_features), PyTorch's default for Linear."""
        # PyTorch: kaiming_uniform_(a=√5) gives U(±1/√fan_in); bias U(±1/√fan_in)
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ValueError(f"{self}: expected input (..., {self.in_features}), got {x.shape}")
        if x.dtype != self.weight.dtype:
            raise TypeError(
                f"{self}: input dtype {x.dtype} differs from weight dtype "
                f"{self.weight.dtype}; convert with x.to(gn.{self.weight.dtype})"
            )
        return F.linear(x, self.weight, self.bias, fused=self.fused)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Flatten(Module):
    """Flatten dims start_dim..end_dim (by default all but the batch dim)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim into unflattened_size, e.g. (N, 784) -> (N, 1, 28, 28): Flatten's inverse."""

    def __init__(self, dim: int, unflattened_size: tuple[int, ...]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        d = self.dim % x.ndim
        if math.prod(self.unflattened_size) != x.shape[d]:
            raise ValueError(
                f"{self}: dim {self.dim} of input {x.shape} has {x.shape[d]} "
                f"elements, not {math.prod(self.unflattened_size)}"
            )
        return x.reshape(*x.shape[:d], *self.unflattened_size, *x.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout(Module):
    """Inverted dropout in training; the identity in eval mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = p

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
