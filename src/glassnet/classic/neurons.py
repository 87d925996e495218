"""Neurons before backpropagation: McCulloch-Pitts (1943), the TLU, Rosenblatt's perceptron.

A McCulloch-Pitts neuron adds binary inputs and fires when the sum reaches a threshold, unless
an inhibitory input is on (absolute veto). Logic gates fall out of the threshold alone. The
TLU weighs real-valued inputs and applies the Heaviside step; the perceptron learns those
weights with Rosenblatt's rule, which needs no gradient.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class NotSeparableWarning(UserWarning):
    """The perceptron rule did not converge: the data are (or look) not linearly separable."""


def truth_table(gate: Callable[..., int], n_inputs: int, name: str | None = None) -> str:
    """A printable truth table of a binary function of `n_inputs` inputs."""
    name = name or getattr(gate, "name", None) or getattr(gate, "__name__", "out")
    cols = [chr(ord("a") + i) for i in range(n_inputs)]
    lines = [" ".join(cols) + " | " + name, "-" * (2 * n_inputs - 1) + "-+-" + "-" * len(name)]
    for bits in itertools.product((0, 1), repeat=n_inputs):
        lines.append(" ".join(map(str, bits)) + " | " + str(int(gate(*bits))))
    return "\n".join(lines)


def truth_vector(gate: Callable[..., int], n_inputs: int) -> tuple[int, ...]:
    """The outputs of `gate` on all binary inputs, in truth-table order (00, 01, 10, 11)."""
    return tuple(int(gate(*bits)) for bits in itertools.product((0, 1), repeat=n_inputs))


class McCullochPittsNeuron:
    """Fires (1) when no inhibitory input is on and the excitatory inputs sum to >= threshold."""

    def __init__(
        self,
        threshold: int,
        n_inputs: int = 2,
        inhibitory: Sequence[int] = (),
        name: str | None = None,
    ) -> None:
        if n_inputs < 1:
            raise ValueError(f"McCullochPittsNeuron: n_inputs must be >= 1, got {n_inputs}")
        bad = [i for i in inhibitory if not 0 <= i < n_inputs]
        if bad:
            raise ValueError(
                f"McCullochPittsNeuron: inhibitory inputs {bad} are out of range "
                f"for {n_inputs} inputs"
            )
        self.threshold, self.n_inputs = threshold, n_inputs
        self.inhibitory = tuple(inhibitory)
        self.name = name or f"MP(threshold={threshold})"

    def __call__(self, *inputs: int) -> int:
        if len(inputs) != self.n_inputs:
            raise ValueError(f"{self.name}: expected {self.n_inputs} inputs, got {len(inputs)}")
        if any(x not in (0, 1, True, False) for x in inputs):
            raise ValueError(f"{self.name}: inputs must be binary (0 or 1), got {inputs}")
        if any(inputs[i] for i in self.inhibitory):
            return 0  # absolute inhibition: one active inhibitory synapse vetoes firing
        total = sum(x for i, x in enumerate(inputs) if i not in self.inhibitory)
        return int(total >= self.threshold)

    def truth_table(self) -> str:
        """The neuron's output on every binary input, as a printable table: which gate it is."""
        return truth_table(self, self.n_inputs, self.name)

    def __repr__(self) -> str:
        return (
            f"McCullochPittsNeuron(threshold={self.threshold}, n_inputs={self.n_inputs}, "
            f"inhibitory={self.inhibitory})"
        )


class Gate:
    """A named binary function built by wiring neurons together; has a truth table."""

    def __init__(self, name: str, n_inputs: int, fn: Callable[..., int]) -> None:
        self.name, self.n_inputs, self.fn = name, n_inputs, fn

    def __call__(self, *inputs: int) -> int:
        return int(self.fn(*inputs))

    def truth_table(self) -> str:
        """The gate's output on every binary input, as a printable table."""
        return truth_table(self, self.n_inputs, self.name)

    def __repr__(self) -> str:
        return f"Gate({self.name!r}, n_inputs={self.n_inputs})"


AND = McCullochPittsNeuron(2, 2, name="AND")
OR = McCullochPittsNeuron(1, 2, name="OR")
NOT = McCullochPittsNeuron(0, 1, inhibitory=(0,), name="NOT")  # fires unless vetoed
NOR = McCullochPittsNeuron(0, 2, inhibitory=(0, 1), name="NOR")
# NAND needs a second neuron: an MP neuron's veto is all-or-nothing, so NOT follows AND.
NAND = Gate("NAND", 2, lambda a, b: NOT(AND(a, b)))
# XOR in two layers, as Minsky and Papert's critics answered: (a NAND b) AND (a OR b).
XOR = Gate("XOR", 2, lambda a, b: AND(NAND(a, b), OR(a, b)))
GATES = {"AND": AND, "OR": OR, "NAND": NAND, "NOR": NOR, "XOR": XOR}


class TLU:
    """Threshold logic unit: Heaviside step of the weighted sum, 1 where w·x + b >= 0."""

    def __init__(self, weights: Sequence[float], bias: float = 0.0) -> None:
        self.weights = np.asarray(weights, dtype=np.float64)
        self.bias = float(bias)

    def __call__(self, *inputs: float) -> int:
        return int(self.predict(np.asarray(inputs, dtype=np.float64)[None])[0])

    def decision_function(self, X: Any) -> np.ndarray:
        """The weighted sums X·w + b, one per row of X; the unit fires where it is >= 0."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != self.weights.shape[0]:
            raise ValueError(
                f"TLU: expected {self.weights.shape[0]} inputs per sample, got X of shape {X.shape}"
            )
        return X @ self.weights + self.bias

    def predict(self, X: Any) -> np.ndarray:
        """The step of the weighted sum per row: 1 where X·w + b >= 0, else 0."""
        return (self.decision_function(X) >= 0).astype(np.int64)

    def truth_table(self, name: str = "TLU") -> str:
        """The unit's output on every binary input, as a printable table headed `name`."""
        return truth_table(self, self.weights.shape[0], name)

    def __repr__(self) -> str:
        return f"TLU(weights={self.weights.tolist()}, bias={self.bias})"


class Perceptron:
    """Rosenblatt's perceptron: a TLU trained by w ← w + η(y − ŷ)x, b ← b + η(y − ŷ).

    Why not backpropagation: the step's derivative is 0 everywhere except at 0, where it does
    not exist (see `glassnet.autograd.ops.Step`), so autograd would hand every weight a zero
    gradient. The perceptron rule uses the error y − ŷ directly instead. By the perceptron
    convergence theorem it stops making mistakes after finitely many updates when the data are
    linearly separable; otherwise it never does.
    """

    def __init__(
        self,
        eta: float = 1.0,
        max_iter: int = 100,
        shuffle: bool = False,
        random_state: int | None = None,
    ) -> None:
        self.eta, self.max_iter, self.shuffle, self.random_state = (
            eta,
            max_iter,
            shuffle,
            random_state,
        )

    def fit(self, X: Any, y: Any) -> Perceptron:
        """Run epochs of the perceptron rule until an epoch has no mistakes (or max_iter)."""
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
            raise ValueError(
                f"Perceptron.fit: expected X (n_samples, n_features) and y "
                f"(n_samples,), got {X.shape} and {y.shape}"
            )
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"Perceptron.fit: y must be 0/1 labels, got {np.unique(y)}")
        rng = np.random.default_rng(self.random_state)
        w, b = np.zeros(X.shape[1]), 0.0
        self.n_updates_, self.errors_ = 0, []
        self.converged_, self.converged_epoch_, self.linearly_separable_ = False, None, None
        seen: dict[tuple, int] = {}
        for epoch in range(1, self.max_iter + 1):
            state = (*w.tolist(), b)
            order = rng.permutation(len(X)) if self.shuffle else np.arange(len(X))
            if not self.shuffle and state in seen:  # same weights at an epoch start: a cycle
                self.linearly_separable_ = False
                self.message_ = (
                    f"Perceptron: the weights at the start of epoch {epoch} equal "
                    f"those of epoch {seen[state]}, so the rule cycles forever and "
                    "never stops making mistakes: by the perceptron convergence "
                    "theorem the data are not linearly separable."
                )
                break
            seen[state] = epoch
            errors = 0
            for i in order:
                y_hat = 1 if X[i] @ w + b >= 0 else 0
                delta = self.eta * (y[i] - y_hat)
                if delta:
                    w += delta * X[i]
                    b += delta
                    errors += 1
            self.n_updates_ += errors
            self.errors_.append(errors)
            if errors == 0:
                self.converged_, self.converged_epoch_ = True, epoch
                self.linearly_separable_ = True
                self.message_ = (
                    f"Perceptron converged in epoch {epoch} after {self.n_updates_} updates."
                )
                break
        else:
            self.message_ = (
                f"Perceptron did not converge in {self.max_iter} epochs: at least "
                f"{min(self.errors_)} of {len(X)} samples were misclassified in "
                "every epoch, so the data are probably not linearly separable."
            )
        self.tlu_ = TLU(w, b)
        self.coef_, self.intercept_ = w, b
        self.n_iter_ = len(self.errors_)
        if not self.converged_:
            warnings.warn(self.message_, NotSeparableWarning, stacklevel=2)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """0/1 labels from the TLU that `fit` learned (w = `coef_`, b = `intercept_`)."""
        return self.tlu_.predict(X)


def gate_data(gate: Callable[..., int], n_inputs: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """All binary inputs of a gate as X (2ⁿ, n) and its outputs as y, to train perceptrons on."""
    X = np.array(list(itertools.product((0, 1), repeat=n_inputs)), dtype=np.float64)
    return X, np.array([gate(*map(int, x)) for x in X], dtype=np.int64)


def hebb_update(w: np.ndarray, x: Any, y: Any, lr: float = 1.0) -> np.ndarray:
    """Hebb's rule Δw = η·y·xᵀ: connections between units active together get stronger."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if w.shape != (y.size, x.size):
        raise ValueError(
            f"hebb_update: w has shape {w.shape}, expected (len(y), len(x)) = {(y.size, x.size)}"
        )
    return w + lr * np.outer(y, x)


def hebb_associate(inputs: Any, outputs: Any, lr: float = 1.0) -> np.ndarray:
    """Store input→output pattern pairs (bipolar ±1) in one weight matrix by Hebb's rule."""
    inputs, outputs = np.atleast_2d(inputs), np.atleast_2d(outputs)
    w = np.zeros((outputs.shape[1], inputs.shape[1]))
    for x, y in zip(inputs, outputs):
        w = hebb_update(w, x, y, lr)
    return w


def hebb_recall(w: np.ndarray, x: Any) -> np.ndarray:
    """Recall the stored output pattern for x: sign(W x) (ties give +1)."""
    return np.where(w @ np.asarray(x, dtype=np.float64) >= 0, 1, -1)
