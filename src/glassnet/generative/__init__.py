"""Generative and unsupervised models, one file per family, trained by `train.Model`.

- `Autoencoder`, `ConvAutoencoder` (autoencoder.py) and `VAE` (vae.py)
- `RBM` (rbm.py): Bernoulli RBM, CD-k and persistent CD, free energy, pseudo-log-likelihood
- `GAN`, `GANModel` (gan.py): MLP generator and discriminator, non-saturating loss
- `DDPM` (ddpm.py): linear/cosine β, ε-prediction, sinusoidal time embedding, ancestral sampling
- `DBN` (dbn.py): RBMs stacked greedily, unrolled into a `models.MLP` to fine-tune
- `GenerativeModel`: fit/evaluate any of them on its own loss (core.py)
"""

from .autoencoder import Autoencoder, ConvAutoencoder
from .core import GenerativeModel, sample
from .dbn import DBN
from .ddpm import DDPM, beta_schedule, mmd_rbf, timestep_embedding, two_moons
from .gan import GAN, GANModel, mode_coverage, ring_of_gaussians
from .rbm import RBM
from .vae import VAE, gaussian_kl

__all__ = [
    "DBN",
    "DDPM",
    "beta_schedule",
    "mmd_rbf",
    "timestep_embedding",
    "two_moons",
    "GAN",
    "GANModel",
    "mode_coverage",
    "ring_of_gaussians",
    "RBM",
    "VAE",
    "Autoencoder",
    "ConvAutoencoder",
    "GenerativeModel",
    "gaussian_kl",
    "sample",
]
