"""See through it: one instrument per module, all from `glassnet.inspect`.

- `summary(model, input_size)`: layers, output shapes, parameters, forward memory.
- `graph(output)`: the recorded graph as data, DOT, SVG and an HTML page with hover details.
- `backprop(loss)`: the backward pass replayed node by node, with each op's rule.
- `trace(model)`: which module made each node (clusters in `graph`, names in `backprop`).
- `HealthMonitor`: per-layer training health (a fit callback and a hook API).
- `landscape(model, loss_fn, data)`, `interpolate(...)`: loss landscapes (Li et al. 2018).
- `gradient_norms(model)`: per-layer gradient norms after a backward.
"""

from .backprop import Backprop, Step, backprop
from .gradients import gradient_norms
from .graph import Graph, Node, graph
from .health import HealthMonitor, HealthWarning
from .landscape import (
    Interpolation,
    Landscape,
    Trajectory,
    filter_normalized,
    get_weights,
    interpolate,
    landscape,
)
from .summary import ShapeError, Summary, summary
from .trace import Trace, trace

__all__ = [
    "Backprop",
    "Graph",
    "HealthMonitor",
    "HealthWarning",
    "Interpolation",
    "Landscape",
    "Node",
    "ShapeError",
    "Step",
    "Summary",
    "Trace",
    "Trajectory",
    "backprop",
    "filter_normalized",
    "get_weights",
    "gradient_norms",
    "graph",
    "interpolate",
    "landscape",
    "summary",
    "trace",
]
