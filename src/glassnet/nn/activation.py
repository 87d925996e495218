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
}


def get_activation(name: str | type[Module], where: str = "activation") -> type[Module]:
    """The activation class for a name in ACTIVATIONS (or a Module class, returned as is)."""
    if isinstance(name, type) and issubclass(name, Module):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key not in ACTIVATIONS:
        raise ValueError(f"{where}: unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}")
    return ACTIVATIONS[key]
