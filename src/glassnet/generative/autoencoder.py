"""`Autoencoder` (dense) and `ConvAutoencoder`: compress to a small code, decode it back.

Trained to reproduce their input (mean squared error), they learn a nonlinear version of what
PCA finds: with the same number of components, the reconstruction error is lower.

    ae = Autoencoder(784, hidden=(256,), latent=32)
    GenerativeModel(ae).compile("adam", lr=1e-3).fit(x, epochs=10, batch_size=128)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import nn
from ..autograd import Tensor, tensor
from ..autograd.backend import default_generator
from ..models import MLP
from ..nn import functional as F
from ..serialization import register_module
from .core import check_images, check_size, config_size, flat_inputs


class _Codec(nn.Module):
    """What both autoencoders share: `encoder`, `decoder`, `latent` and `_inputs(x)`, which
    checks x and shapes it for the encoder."""

    encoder: nn.Module
    decoder: nn.Sequential
    latent: int

    def _inputs(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def encode(self, x: Tensor) -> Tensor:
        """The code (N, latent) of inputs x."""
        return self.encoder(self._inputs(x))

    def forward(self, x: Tensor) -> Tensor:
        """The reconstruction of x, shaped as the encoder's input."""
        return self.decoder(self.encode(x))

    def loss(self, x: Tensor) -> Tensor:
        """Mean squared reconstruction error."""
        return F.mse_loss(self(x), self._inputs(x))

    def sample(self, n: int) -> np.ndarray:
        """Decodings of n codes drawn N(0, 1) (an autoencoder has no prior: for a look only)."""
        z = default_generator().standard_normal((n, self.latent))
        return self.decoder(tensor(np.asarray(z, self.decoder[0].weight.dtype)))._array


def _dense_numel(a: dict) -> int:
    n_in, hidden, latent = config_size(a, "in_features", "hidden", "latent")
    sizes = [n_in, *(hidden if isinstance(hidden, list) else [hidden]), latent]
    return 2 * sum(o * i for i, o in zip(sizes, sizes[1:])) + sum(sizes[1:]) + sum(sizes[:-1])


@register_module(numel=_dense_numel)
class Autoencoder(_Codec):
    """Dense autoencoder: `models.MLP` encoder in_features → hidden → latent, mirrored decoder
    (sigmoid output for pixels in [0, 1]; output_activation=None for unbounded data)."""

    def __init__(
        self,
        in_features: int = 784,
        hidden: Sequence[int] = (256,),
        latent: int = 32,
        activation: str = "relu",
        output_activation: str | None = "sigmoid",
    ) -> None:
        super().__init__()
        self.in_features = check_size("Autoencoder", "in_features", in_features)
        self.latent = check_size("Autoencoder", "latent", latent)
        hidden = [check_size("Autoencoder", "hidden", h) for h in hidden]
        self.encoder = MLP([in_features, *hidden, latent], activation)
        self.decoder = MLP(
            [latent, *hidden[::-1], in_features], activation, output_activation=output_activation
        )

    def _inputs(self, x: Tensor) -> Tensor:
        return flat_inputs("Autoencoder", x, self.in_features)


def _conv_numel(a: dict) -> int:
    channels, latent = config_size(a, "in_channels", "latent")
    flat = 32 * (config_size(a, "size")[0] // 4) ** 2
    convs = 2 * (16 * channels * 9 + 32 * 16 * 9) + 16 + 32 + 16 + channels
    return convs + 2 * flat * latent + latent + flat


@register_module(numel=_conv_numel)
class ConvAutoencoder(_Codec):
    """Convolutional autoencoder for (N, C, size, size) images, size divisible by 4:
    two stride-2 3×3 convs (16, 32 channels) → latent, mirrored by transposed convs."""

    def __init__(self, in_channels: int = 1, size: int = 28, latent: int = 32) -> None:
        super().__init__()
        self.in_channels = check_size("ConvAutoencoder", "in_channels", in_channels)
        self.size = check_size("ConvAutoencoder", "size", size, 4)
        self.latent = check_size("ConvAutoencoder", "latent", latent)
        if size % 4:
            raise ValueError(f"ConvAutoencoder: size must be divisible by 4, got {size}")
        s = size // 4
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels, 16, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 32, 3, stride=2, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(32 * s * s, latent),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, 32 * s * s),
            nn.ReLU(),
            nn.Unflatten(1, (32, s, s)),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(),
            nn.ConvTranspose2d(16, in_channels, 3, stride=2, padding=1, output_padding=1),
            nn.Sigmoid(),
        )

    def _inputs(self, x: Tensor) -> Tensor:
        shape = (self.in_channels, self.size, self.size)
        if x.ndim == 2 and x.shape[1] == int(np.prod(shape)):
            x = x.reshape(len(x), *shape)
        check_images("ConvAutoencoder", x, shape)
        return x
