"""Kept for old imports: the instruments now live in `glassnet.inspect`."""

from .inspect.gradients import gradient_norms

__all__ = ["gradient_norms"]
