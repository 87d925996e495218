"""XOR, the problem one perceptron cannot learn, solved by a hidden layer trained with backprop.

The 2-2-1 network replaces the step with a sigmoid (whose gradient is not zero), so glassnet's
autograd can train it: a `models.MLP` trained by `train.Model.fit`, as any other network.
After training, thresholding each hidden unit at 0.5 gives a gate: the network rediscovers
"XOR = (a OR b) AND (a NAND b)" by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import optim
from ..autograd import Tensor, manual_seed, no_grad
from ..models import MLP
from ..train import Model
from .neurons import GATES, gate_data, truth_table, truth_vector

_NAMED = {truth_vector(g, 2): name for name, g in GATES.items()}
_NAMED.update(
    {
        (0, 0, 1, 1): "A",
        (1, 1, 0, 0): "NOT A",
        (0, 1, 0, 1): "B",
        (1, 0, 1, 0): "NOT B",
        (0, 0, 0, 0): "FALSE",
        (1, 1, 1, 1): "TRUE",
        (0, 0, 1, 0): "A AND NOT B",
        (0, 1, 0, 0): "B AND NOT A",
        (1, 1, 0, 1): "A IMPLIES B",
        (1, 0, 1, 1): "B IMPLIES A",
        (1, 0, 0, 1): "XNOR",
    }
)


def gate_name(outputs: tuple[int, ...]) -> str:
    """The name of the two-input gate with these outputs on 00, 01, 10, 11."""
    return _NAMED[tuple(int(o) for o in outputs)]


@dataclass
class XORNetwork:
    """A trained 2-2-1 sigmoid network and what its hidden units learned."""

    model: MLP
    losses: list[float]

    def hidden(self, X: np.ndarray) -> np.ndarray:
        """Hidden-unit activations (sigmoid outputs) for inputs X."""
        with no_grad():
            return self.model[:2](Tensor(np.asarray(X, np.float32))).numpy()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The network's answers, 0 or 1 (output thresholded at 0.5)."""
        with no_grad():
            return (self.model(Tensor(np.asarray(X, np.float32))).numpy()[:, 0] >= 0.5).astype(
                np.int64
            )

    def hidden_gates(self) -> list[str]:
        """Each hidden unit thresholded at 0.5, named as the logic gate it computes."""
        X, _ = gate_data(GATES["XOR"])
        h = self.hidden(X) >= 0.5
        return [gate_name(tuple(h[:, j])) for j in range(h.shape[1])]

    def hidden_truth_tables(self) -> str:
        """Printable truth tables of the hidden units (thresholded at 0.5) and the output."""
        X, _ = gate_data(GATES["XOR"])
        h = self.hidden(X) >= 0.5
        tables = []
        for j, name in enumerate(self.hidden_gates()):
            unit = dict(zip(map(tuple, X.astype(int).tolist()), h[:, j].astype(int)))
            tables.append(truth_table(lambda a, b, u=unit: u[(a, b)], 2, f"h{j + 1} ~ {name}"))
        out = dict(zip(map(tuple, X.astype(int).tolist()), self.predict(X)))
        tables.append(truth_table(lambda a, b: out[(a, b)], 2, "output ~ XOR"))
        return "\n\n".join(tables)


def train_xor_network(seed: int = 9, epochs: int = 2000, lr: float = 0.1) -> XORNetwork:
    """Train Linear(2,2)-Sigmoid-Linear(2,1)-Sigmoid on XOR with BCE and Adam (full batch)."""
    manual_seed(seed)
    model = MLP([2, 2, 1], activation="sigmoid", output_activation="sigmoid")
    X, y = gate_data(GATES["XOR"])
    trainer = Model(model).compile(optimizer=optim.Adam(model.parameters(), lr=lr), loss="bce")
    history = trainer.fit(
        X.astype(np.float32),
        y.astype(np.float32),
        batch_size=len(X),
        epochs=epochs,
        shuffle=False,
        verbose=0,
    )
    return XORNetwork(model, history.history["loss"])
