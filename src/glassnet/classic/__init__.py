"""Classic neurons: McCulloch-Pitts gates, the TLU, the perceptron rule, XOR, Hebb's rule."""

from .neurons import (
    AND,
    GATES,
    NAND,
    NOR,
    NOT,
    OR,
    TLU,
    XOR,
    Gate,
    McCullochPittsNeuron,
    NotSeparableWarning,
    Perceptron,
    gate_data,
    hebb_associate,
    hebb_recall,
    hebb_update,
    truth_table,
    truth_vector,
)
from .xor import XORNetwork, gate_name, train_xor_network

__all__ = [
    "AND", "GATES", "NAND", "NOR", "NOT", "OR", "TLU", "XOR", "Gate", "McCullochPittsNeuron",
    "NotSeparableWarning", "Perceptron", "XORNetwork", "gate_data", "gate_name", "hebb_associate",
    "hebb_recall", "hebb_update", "train_xor_network", "truth_table", "truth_vector",
]
