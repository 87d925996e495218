"""Built-in and downloadable data sets."""

from .builtin import IRIS_CLASSES, digits, iris
from .files import DatasetNotFoundError, cache_dir, search_dirs
from .idx import IDXError, parse_idx, read_idx
from .mnist import FASHION_MNIST, FASHION_MNIST_CLASSES, MNIST, fashion_mnist, mnist
from .playground import circle, gauss, reg_gauss, reg_plane, spiral, xor

__all__ = [
    "FASHION_MNIST",
    "FASHION_MNIST_CLASSES",
    "IRIS_CLASSES",
    "MNIST",
    "DatasetNotFoundError",
    "IDXError",
    "cache_dir",
    "circle",
    "digits",
    "fashion_mnist",
    "gauss",
    "iris",
    "mnist",
    "parse_idx",
    "read_idx",
    "reg_gauss",
    "reg_plane",
    "search_dirs",
    "spiral",
    "xor",
]
