"""Generative and unsupervised models, one file per family, trained by `train.Model`.

- `Autoencoder`, `ConvAutoencoder` (autoencoder.py) and `VAE` (vae.py)
- `GenerativeModel`: fit/evaluate any of them on its own loss (core.py)
"""

from .autoencoder import Autoencoder, ConvAutoencoder
from .core import GenerativeModel, sample
from .vae import VAE, gaussian_kl

__all__ = ["VAE", "Autoencoder", "ConvAutoencoder", "GenerativeModel", "gaussian_kl", "sample"]
