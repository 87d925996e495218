"""`GAN`: a generator and a discriminator trained against each other (Goodfellow et al. 2014).

The counterfeiter and the police: D learns to tell data from G's samples, G learns to fool D.

    D step:  minimise BCE(D(x), 1) + BCE(D(G(z)), 0)       (G's samples detached)
    G step:  minimise BCE(D(G(z)), 1) = −log D(G(z))      the non-saturating loss

`GANModel` is `train.Model` with two optimizers; its `train_step` takes one D step and one G
step per batch, so `fit` (progress bar, History, callbacks) runs a GAN unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn, optim
from ..autograd import Tensor, tensor
from ..autograd.backend import default_generator
from ..models import MLP
from ..nn import functional as F
from ..serialization import register_module
from ..train.model import Model
from .core import GenerativeModel, check_images, check_size, config_size


def _numel(a: dict) -> int:
    d, z, hidden = config_size(a, "data_dim", "latent", "hidden")
    hs = hidden if isinstance(hidden, list) else [hidden]
    g, dsc = [z, *hs, d], [d, *hs, 1]
    return sum(o * (i + 1) for s in (g, dsc) for i, o in zip(s, s[1:]))


@register_module(numel=_numel)
class GAN(nn.Module):
    """MLP generator latent → hidden → data_dim and MLP discriminator data_dim → hidden → 1
    (a logit). `output_activation` ("tanh" for images in [−1, 1]) follows the generator."""

    def __init__(
        self,
        data_dim: int = 2,
        latent: int = 8,
        hidden: Sequence[int] = (128, 128),
        activation: str = "relu",
        output_activation: str | None = None,
    ) -> None:
        super().__init__()
        self.data_dim = check_size("GAN", "data_dim", data_dim)
        self.latent = check_size("GAN", "latent", latent)
        hidden = [check_size("GAN", "hidden", h) for h in hidden]
        self.generator = MLP(
            [latent, *hidden, data_dim], activation, output_activation=output_activation
        )
        self.discriminator = MLP([data_dim, *hidden, 1], activation)

    def noise(self, n: int) -> Tensor:
        """z ~ N(0, I), (n, latent), from glassnet's generator."""
        z = default_generator().standard_normal((n, self.latent))
        return tensor(np.asarray(z, self.generator[0].weight.dtype))

    def forward(self, z: Tensor) -> Tensor:
        """G(z): samples from noise."""
        check_images("GAN generator", z, (self.latent,))
        return self.generator(z)

    def d_loss(self, real: Tensor, z: Tensor) -> Tensor:
        """The discriminator's loss: real scored 1, G(z) (detached) scored 0."""
        check_images("GAN discriminator", real, (self.data_dim,))
        d_real, d_fake = self.discriminator(real), self.discriminator(self(z).detach())
        return F.binary_cross_entropy_with_logits(
            d_real, np.ones(d_real.shape, d_real.dtype)
        ) + F.binary_cross_entropy_with_logits(d_fake, np.zeros(d_fake.shape, d_fake.dtype))

    def g_loss(self, z: Tensor) -> Tensor:
        """The non-saturating generator loss −log D(G(z))."""
        d_fake = self.discriminator(self(z))
        return F.binary_cross_entropy_with_logits(d_fake, np.ones(d_fake.shape, d_fake.dtype))

    def sample(self, n: int) -> np.ndarray:
        """n samples G(z), z ~ N(0, I)."""
        return self(self.noise(n))._array


class GANModel(GenerativeModel):
    """`train.Model` for a `GAN`: Adam for each network (lr 2e-4, β1 = 0.5 by default, as
    DCGAN), one discriminator and one generator step per batch."""

    def compile(
        self,
        optimizer: str = "adam",
        lr: float | None = 2e-4,
        d_lr: float | None = None,
        **kwargs: Any,
    ) -> GANModel:
        """Two optimizers by name (`optim.create`); Adam gets betas=(0.5, 0.999) unless given."""
        if optim.optimizer_name(optimizer, "GANModel.compile") == "adam":
            kwargs.setdefault("betas", (0.5, 0.999))
        gan = self.module
        self.d_optimizer = optim.create(
            optimizer, gan.discriminator.parameters(), d_lr or lr, **kwargs
        )
        g_opt = optim.create(optimizer, gan.generator.parameters(), lr, **kwargs)
        Model.compile(self, g_opt, loss=gan.g_loss)
        return self

    def train_step(self, batch: Any) -> dict[str, float]:
        """One D step on the batch and G(z), then one G step on fresh noise."""
        real, _ = self._batch(batch)
        gan = self.module
        d_loss = gan.d_loss(real, gan.noise(len(real)))
        self.d_optimizer.zero_grad()
        d_loss.backward()
        self.d_optimizer.step()
        g_loss = gan.g_loss(gan.noise(len(real)))
        self.optimizer.zero_grad()
        g_loss.backward()
        self.optimizer.step()
        g, d = float(g_loss._array), float(d_loss._array)
        return {"loss": g + d, "g_loss": g, "d_loss": d}

    def test_step(self, batch: Any) -> dict[str, float]:
        """Both losses on a batch, without stepping."""
        real, _ = self._batch(batch)
        gan = self.module
        d = float(gan.d_loss(real, gan.noise(len(real)))._array)
        g = float(gan.g_loss(gan.noise(len(real)))._array)
        return {"loss": g + d, "g_loss": g, "d_loss": d}


def ring_of_gaussians(
    n: int, modes: int = 8, radius: float = 2.0, std: float = 0.02, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """n points from `modes` Gaussians (std `std`) evenly spaced on a circle, and the centres."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(modes) / modes
    centres = radius * np.stack([np.cos(angles), np.sin(angles)], 1)
    x = centres[rng.integers(0, modes, n)] + std * rng.standard_normal((n, 2))
    return x.astype(np.float32), centres


def mode_coverage(samples: np.ndarray, centres: np.ndarray, std: float) -> tuple[int, float]:
    """(modes with at least one sample within 3σ, fraction of samples within 3σ of a mode)."""
    d = np.linalg.norm(samples[:, None, :] - centres[None], axis=2)
    near = d.min(1) <= 3 * std
    return len(np.unique(d.argmin(1)[near])), float(near.mean())
