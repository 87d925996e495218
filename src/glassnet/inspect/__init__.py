"""See through it: one instrument per module, all from `glassnet.inspect`.

- `summary(model, input_size)`: layers, output shapes, parameters, forward memory.
- `gradient_norms(model)`: per-layer gradient norms after a backward.
"""

from .gradients import gradient_norms
from .summary import ShapeError, Summary, summary

__all__ = ["ShapeError", "Summary", "gradient_norms", "summary"]
