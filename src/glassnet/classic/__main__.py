"""`python -m glassnet.classic`: the tutorial's story in one run, from gates to XOR."""

from __future__ import annotations

import warnings

import numpy as np

from . import GATES, NOT, XOR, Perceptron, gate_data, hebb_associate, hebb_recall
from .xor import train_xor_network


def main() -> None:
    """Print the story: the McCulloch-Pitts gates, the perceptron rule on each (XOR fails),
    XOR built from NAND/OR and learned by backprop, and Hebb's rule recalling two patterns."""
    print("McCulloch-Pitts gates\n")
    for gate in (*GATES.values(), NOT):
        print(gate.truth_table(), end="\n\n")
    print("The perceptron rule on each gate\n")
    for name in ("AND", "OR", "NAND", "XOR"):
        X, y = gate_data(GATES[name])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p = Perceptron().fit(X, y)
        print(f"{name:5s} {p.message_}")
    print("\nXOR = (a NAND b) AND (a OR b):", [XOR(a, b) for a in (0, 1) for b in (0, 1)])
    net = train_xor_network()
    print(
        f"\nA 2-2-1 sigmoid network trained by backprop (final loss {net.losses[-1]:.4f}); "
        "its hidden units, thresholded at 0.5:\n"
    )
    print(net.hidden_truth_tables())
    inputs = np.array([[1, -1, 1, -1, 1, -1, 1, -1], [1, 1, -1, -1, 1, 1, -1, -1]])
    outputs = np.array([[1, -1], [-1, 1]])
    w = hebb_associate(inputs, outputs)
    print(
        "\nHebb's rule stores",
        outputs.tolist(),
        "for two patterns; recall gives",
        [hebb_recall(w, x).tolist() for x in inputs],
    )


if __name__ == "__main__":
    main()
