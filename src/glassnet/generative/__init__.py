"""Generative and unsupervised models, one file per family, trained by `train.Model`.

- `Autoencoder`, `ConvAutoencoder` (autoencoder.py) and `VAE` (vae.py)
- `RBM` (rbm.py): Bernoulli RBM, CD-k and persistent CD, free energy, pseudo-log-likelihood
- `GenerativeModel`: fit/evaluate any of them on its own loss (core.py)
"""

from .autoencoder import Autoencoder, ConvAutoencoder
from .core import GenerativeModel, sample
from .rbm import RBM
from .vae import VAE, gaussian_kl

__all__ = [
    "RBM",
    "VAE",
    "Autoencoder",
    "ConvAutoencoder",
    "GenerativeModel",
    "gaussian_kl",
    "sample",
]
