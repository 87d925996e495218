"""Activation layers and `ACTIVATIONS`, the one table of activation names every front end uses.

nn.ACTIVATIONS["relu"]        # -> nn.ReLU
nn.get_activation("logistic") # -> nn.Sigmoid (scikit-learn's name)
"""

from __future__ import annotations

from ..autograd import Tensor
from . import functional as F
from .layers import Identity
from .module import Module


class ReLU(Module):
    """max(0, x): the default hidden activation (no vanishing gradient for x > 0)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class LeakyReLU(Module):
    """x for x > 0, negative_slope·x otherwise: ReLU that keeps a small gradient below 0."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x): squashes to (0, 1); its slope is at most 1/4 (vanishing gradients)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x): squashes to (-1, 1), zero-centred."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Step(Module):
    """Heaviside step; its zero gradient is why perceptrons use the perceptron rule."""

    def forward(self, x: Tensor) -> Tensor:
        return F.step(x)


class GELU(Module):
    """x·Φ(x): the smooth ReLU of transformers; approximate="tanh" is the tanh formula."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}" if self.approximate != "none" else ""


class SiLU(Module):
    """x·σ(x) (swish): smooth, non-monotonic, used by diffusion denoisers."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class ELU(Module):
    """x for x > 0, α(eˣ − 1) otherwise: negative outputs keep means near zero."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class Softplus(Module):
    """log(1 + e^(βx)) / β: a smooth ReLU whose output is always positive."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        if beta <= 0:
            raise ValueError(f"Softplus: beta must be > 0, got {beta}")
        self.beta, self.threshold = beta, threshold

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """exp(x) / Σ exp(x) along `dim`: outputs that are positive and sum to 1."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, computed stably (pairs with NLLLoss)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim)


# Names → layer classes. Aliases are the names users bring from elsewhere: scikit-learn's
# "logistic"/"identity", TF Playground's and Keras' "linear".
ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "leaky_relu": LeakyReLU,
    "step": Step,
    "identity": Identity,
    "linear": Identity,
    "logistic": Sigmoid,
    "gelu": GELU,
    "silu": SiLU,
    "elu": ELU,
    "softplus": Softplus,
}


def get_activation(name: str | type[Module], where: str = "activation") -> type[Module]:
    """The activation class for a name in ACTIVATIONS (or a Module class, returned as is)."""
    if isinstance(name, type) and issubclass(name, Module):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[key]
