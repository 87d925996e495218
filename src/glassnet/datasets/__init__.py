"""Built-in and downloadable data sets."""

from .playground import circle, gauss, reg_gauss, reg_plane, spiral, xor

__all__ = ["circle", "gauss", "reg_gauss", "reg_plane", "spiral", "xor"]
