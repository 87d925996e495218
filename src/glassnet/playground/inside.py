"""The "See inside" panel's data: one training point's forward and backward, node by node.

Built from `glassnet.inspect`: `trace` says which layer made each node, `graph` gives the
values in forward order, `backprop` replays the backward pass with each op's own rule. The
gradients sent for the links are the replay's, which equal what `loss.backward()` gives.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import inspect, nn
from ..autograd import from_numpy

SATURATED = 0.97  # |tanh| above, or sigmoid within 1 − this of 0 or 1
SATURATED_SHARE = 0.9  # of the training points, for a neuron to be marked saturated


def _list(a: Any) -> Any:
    a = np.asarray(a, dtype=np.float64)
    return np.where(np.isfinite(a), a, 0.0).tolist()


def neuron_health(model: nn.Module, features: np.ndarray) -> list[list[str]]:
    """Per hidden layer, per neuron: "dead" (a ReLU that never fires on the training points),
    "saturated" (tanh or sigmoid stuck near its limits on 90 % of them) or ""."""
    out, h = [], from_numpy(features)
    mods = list(model)
    hidden = mods[: max(i for i, m in enumerate(mods) if isinstance(m, nn.Linear))]
    with np.errstate(all="ignore"):
        for m in hidden:
            h = m(h)
            a = h._array
            if isinstance(m, nn.ReLU):
                out.append(["dead" if v else "" for v in (a <= 0).all(axis=0)])
            elif isinstance(m, nn.Tanh):
                share = (np.abs(a) > SATURATED).mean(axis=0)
                out.append(["saturated" if s >= SATURATED_SHARE else "" for s in share])
            elif isinstance(m, nn.Sigmoid):
                share = ((a < 1 - SATURATED) | (a > SATURATED)).mean(axis=0)
                out.append(["saturated" if s >= SATURATED_SHARE else "" for s in share])
    return out


def see_inside(model: nn.Module, compute_loss: Any, x: np.ndarray, t: np.ndarray,
               features: np.ndarray) -> dict[str, Any]:  # fmt: skip
    """The `inspect` message for inputs `x` (1, n) and target `t`: forward nodes (inputs
    first), backward steps (engine order), the link gradients per Linear layer, neuron health."""
    model.eval()  # dropout off: the point as the heatmap shows it
    with inspect.trace(model) as tr, np.errstate(all="ignore"):
        loss = compute_loss(model(from_numpy(x)), t)
    g = inspect.graph(loss, tr)
    steps = inspect.backprop(loss, model=tr)
    paths = {id(m): name for name, m in model.named_modules()}
    linears = [paths[id(m)] for m in model.modules() if isinstance(m, nn.Linear)]
    forward = [
        {"op": n.label, "module": n.module, "type": n.module_type, "value": _list(g.values[n.id])}
        for n in reversed(g.nodes)
        if n.kind == "op"
    ]
    backward = [
        {
            "op": s.op,
            "module": tr.module_of(s.node),
            "rule": s.rule,
            "gradOut": _list(s.grad_output),
            "gradIn": [
                {"label": lab, "value": _list(v)}
                for lab, v in zip(s.inputs, s.grad_inputs)
                if v is not None
            ],  # fmt: skip
        }
        for s in steps
    ]
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    return {
        "type": "inspect",
        "x": _list(x[0]),
        "target": _list(t[0]),
        "loss": float(loss._array),
        "linears": linears,
        "activations": {n: i for i, n in enumerate(_activation_paths(model))},
        "forward": forward,
        "backward": backward,
        "weightGrads": [_list(steps.grad(m.weight)) for m in layers],
        "biasGrads": [_list(steps.grad(m.bias)) for m in layers],
        "health": neuron_health(model, features),
    }


def _activation_paths(model: nn.Module) -> list[str]:
    """Module paths of the activations after each Linear: hidden layers, then the output's."""
    mods = list(model.named_children())
    return [n for i, (n, m) in enumerate(mods) if i and isinstance(mods[i - 1][1], nn.Linear)
            and not isinstance(m, (nn.Linear, nn.Dropout))]  # fmt: skip
