"""Training diagnostics: per-layer gradient norms, to see vanishing or exploding gradients."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..nn import Module


def gradient_norms(model: Module, weights_only: bool = True) -> OrderedDict[str, float]:
    """L2 norm of each parameter's gradient after backward, in layer order (input first).

    With weights_only, biases and 1-D parameters (norm scales) are left out, so the list reads
    as one number per layer.
    """
    out: OrderedDict[str, float] = OrderedDict()
    for name, p in model.named_parameters():
        if p.grad is None or (weights_only and p.ndim < 2):
            continue
        out[name] = float(np.sqrt((p.grad._array.astype(np.float64) ** 2).sum()))
    return out
