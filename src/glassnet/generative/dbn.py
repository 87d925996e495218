"""`DBN`: a deep belief network (Hinton, Osindero & Teh 2006), RBMs stacked greedily.

Each RBM is trained (CD, through `GenerativeModel.fit`) on the hidden probabilities of the one
below; the stack then initialises an MLP (`to_mlp`: each RBM's weight and hidden bias become a
Linear layer's, followed by a sigmoid) that is fine-tuned with backprop on the labels.

    dbn = DBN([784, 500, 200])
    dbn.pretrain(x_unlabelled, epochs=5)
    net = dbn.to_mlp(10)                         # models.MLP 784-500-200-10, sigmoid
    Model(net).compile("adam", "cross_entropy").fit(x_few, y_few, epochs=30)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import nn
from ..autograd.backend import default_generator
from ..models import MLP
from ..serialization import register_module
from .core import GenerativeModel, check_size, config_size
from .rbm import RBM, _bernoulli


def _numel(a: dict) -> int:
    (sizes,) = config_size(a, "sizes")
    sizes = sizes if isinstance(sizes, list) else [sizes]
    return sum(v * h + v + h for v, h in zip(sizes, sizes[1:]))


@register_module(numel=_numel)
class DBN(nn.Module):
    """A stack of Bernoulli RBMs sizes[0]-sizes[1]-...; `pretrain` trains them greedily."""

    def __init__(self, sizes: Sequence[int], k: int = 1, persistent: bool = False) -> None:
        super().__init__()
        sizes = [check_size("DBN", "sizes", s) for s in sizes]
        if len(sizes) < 2:
            raise ValueError(f"DBN: sizes needs at least [visible, hidden], got {sizes}")
        self.sizes = sizes
        self.rbms = nn.ModuleList(
            RBM(v, h, k=k, persistent=persistent) for v, h in zip(sizes, sizes[1:])
        )

    def pretrain(
        self,
        x: np.ndarray,
        epochs: int = 5,
        lr: float = 0.05,
        batch_size: int = 100,
        verbose: int = 0,
    ) -> list:
        """Train each RBM on the hidden probabilities of the one below; the Histories."""
        data, histories = np.asarray(x, self.rbms[0].weight.dtype), []
        for rbm in self.rbms:
            model = GenerativeModel(rbm).compile("sgd", lr=lr)
            histories.append(model.fit(data, epochs=epochs, batch_size=batch_size, verbose=verbose))
            data = rbm.hidden_probs(data)
        return histories

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The top layer's hidden probabilities (features) for inputs x."""
        for rbm in self.rbms:
            x = rbm.hidden_probs(x)
        return x

    def to_mlp(self, n_outputs: int) -> MLP:
        """A `models.MLP` sizes + [n_outputs] with sigmoid units, its hidden layers holding the
        RBMs' weights and hidden biases (the output layer keeps its random init)."""
        n_outputs = check_size("DBN.to_mlp", "n_outputs", n_outputs)
        net = MLP([*self.sizes, n_outputs], "sigmoid")
        for linear, rbm in zip(net.linears(), self.rbms):
            linear.weight._array[...] = rbm.weight._array
            linear.bias._array[...] = rbm.h_bias._array
        return net

    def sample(self, n: int, steps: int = 200) -> np.ndarray:
        """Gibbs sampling in the top RBM, then one pass down through p(v | h) to the pixels."""
        top = self.rbms[-1]
        h = top.sample(n, steps)
        for rbm in reversed(self.rbms[:-1]):
            h = rbm.visible_probs(_bernoulli(h, default_generator()))
        return h
