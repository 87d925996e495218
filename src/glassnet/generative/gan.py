"""`GAN`: a generator and a discriminator trained against each other (Goodfellow et al. 2014).

The counterfeiter and the police: D learns to tell data from G's samples, G learns to fool D.

    D step:  minimise BCE(D(x), 1) + BCE(D(G(z)), 0)       (G's samples detached)
    G step:  minimise BCE(D(G(z)), 1) = −log D(G(z))      the non-saturating loss

`arch="mlp"` pairs two `models.MLP`s; `arch="dcgan"` the convolutional pair of Radford et al.
2016 (as PyTorch's examples/dcgan, sized for 28×28 or any side divisible by 4):

    G: z → ConvT(k = side/4) → 2w×k×k → BN, ReLU → ConvT(4, 2, 1) → w → BN, ReLU → ConvT → C, tanh
    D: x → Conv(4, 2, 1) → w, LeakyReLU 0.2 → Conv(4, 2, 1) → 2w, BN, LeakyReLU 0.2 → Conv(k) → 1

every convolution without bias, weights N(0, 0.02²), BatchNorm's scale N(1, 0.02²).

`GANModel` is `train.Model` with two optimizers; its `train_step` takes one D step and one G
step per batch, so `fit` (progress bar, History, callbacks) runs a GAN unchanged.
"""

from __future__ import annotations

import math
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

ARCHS = ("mlp", "dcgan")


def _numel(a: dict) -> int:
    d, z, hidden = config_size(a, "data_dim", "latent", "hidden")
    if a.get("arch") == "dcgan":
        c, w = config_size(a, "channels", "width")
        k = math.isqrt(d // max(c, 1)) // 4
        bn = 2 * (4 * 2 * w + 1) + 4 * w + 1  # weight, bias, running mean and var, count
        return (z + 1) * 2 * w * k * k + 2 * w * w * 16 * 2 + 2 * w * c * 16 + bn
    hs = hidden if isinstance(hidden, list) else [hidden]
    g, dsc = [z, *hs, d], [d, *hs, 1]
    return sum(o * (i + 1) for s in (g, dsc) for i, o in zip(s, s[1:]))


def dcgan_pair(
    channels: int, side: int, latent: int, width: int, output_activation: str
) -> tuple[nn.Sequential, nn.Sequential]:
    """DCGAN's generator (N, latent) → (N, C, side, side) and discriminator images → (N, 1)
    logits, initialised as DCGAN: convolutions N(0, 0.02²), BatchNorm scale N(1, 0.02²)."""
    k, w = side // 4, width
    out = nn.get_activation(output_activation, "GAN: output_activation")()
    G = nn.Sequential(
        nn.Unflatten(1, (latent, 1, 1)),
        nn.ConvTranspose2d(latent, 2 * w, k, 1, 0, bias=False),
        nn.BatchNorm2d(2 * w),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False),
        nn.BatchNorm2d(w),
        nn.ReLU(),
        nn.ConvTranspose2d(w, channels, 4, 2, 1, bias=False),
        out,
    )
    D = nn.Sequential(
        nn.Conv2d(channels, w, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),
        nn.BatchNorm2d(2 * w),
        nn.LeakyReLU(0.2),
        nn.Conv2d(2 * w, 1, k, 1, 0, bias=False),
        nn.Flatten(),
    )
    for m in [*G.modules(), *D.modules()]:
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return G, D


@register_module(numel=_numel)
class GAN(nn.Module):
    """A generator and a discriminator (a logit). `arch="mlp"`: MLPs latent → hidden → data_dim
    and data_dim → hidden → 1; `arch="dcgan"`: `dcgan_pair` for images of `channels` × side ×
    side = data_dim (side divisible by 4), `width` feature maps. `output_activation` follows
    the generator (default: none for "mlp", "tanh" for "dcgan"; "sigmoid" for [0, 1] images)."""

    def __init__(
        self,
        data_dim: int = 2,
        latent: int = 8,
        hidden: Sequence[int] = (128, 128),
        activation: str = "relu",
        output_activation: str | None = None,
        arch: str = "mlp",
        channels: int = 1,
        width: int = 32,
    ) -> None:
        super().__init__()
        self.data_dim = check_size("GAN", "data_dim", data_dim)
        self.latent = check_size("GAN", "latent", latent)
        if arch not in ARCHS:
            raise ValueError(f"GAN: arch must be one of {ARCHS}, got {arch!r}")
        self.arch = arch
        if arch == "dcgan":
            self.image_shape = _image_shape(data_dim, check_size("GAN", "channels", channels))
            self.generator, self.discriminator = dcgan_pair(
                channels,
                self.image_shape[1],
                latent,
                check_size("GAN", "width", width),
                output_activation or "tanh",
            )
            return
        hidden = [check_size("GAN", "hidden", h) for h in hidden]
        self.image_shape = (data_dim,)
        self.generator = MLP(
            [latent, *hidden, data_dim], activation, output_activation=output_activation
        )
        self.discriminator = MLP([data_dim, *hidden, 1], activation)

    def _dtype(self) -> np.dtype:
        return next(iter(self.generator.parameters())).dtype

    def noise(self, n: int) -> Tensor:
        """z ~ N(0, I), (n, latent), from glassnet's generator."""
        z = default_generator().standard_normal((n, self.latent))
        return tensor(np.asarray(z, self._dtype()))

    def forward(self, z: Tensor) -> Tensor:
        """G(z): samples from noise, (n, data_dim) or, for "dcgan", images (n, C, side, side)."""
        check_images("GAN generator", z, (self.latent,))
        return self.generator(z)

    def _real(self, x: Tensor) -> Tensor:
        """Data for D: (N, *image_shape), or flattened (N, data_dim) for the conv model."""
        if self.arch == "dcgan" and x.ndim == 2 and x.shape[1] == self.data_dim:
            x = x.reshape(len(x), *self.image_shape)
        check_images("GAN discriminator", x, self.image_shape)
        return x

    def d_loss(self, real: Tensor, z: Tensor) -> Tensor:
        """The discriminator's loss: real scored 1, G(z) (detached) scored 0."""
        real = self._real(real)
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


def _image_shape(data_dim: int, channels: int) -> tuple[int, int, int]:
    """(C, side, side) for data_dim = C · side², side divisible by 4 (DCGAN's two strides)."""
    side = math.isqrt(data_dim // channels)
    if channels * side * side != data_dim or side < 4 or side % 4:
        raise ValueError(
            f"GAN: arch 'dcgan' needs data_dim = channels × side² with side divisible by 4, "
            f"got data_dim={data_dim}, channels={channels}"
        )
    return channels, side, side


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
