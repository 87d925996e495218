"""`VAE`: the variational autoencoder of PyTorch's examples/vae (Kingma & Welling, 2014).

    x (784) -> 400 ReLU -> μ (20), log σ² (20)      encoder q(z | x)
    z = μ + σ·ε, ε ~ N(0, I)                        the reparameterisation trick
    z (20) -> 400 ReLU -> 784 sigmoid               decoder p(x | z)
    loss = BCE(x̂, x) summed + KL(q(z|x) ‖ N(0, I))  (closed form: −½ Σ (1 + log σ² − μ² − σ²))

Trained by `GenerativeModel` (Adam 1e-3, batch 128 in the example); the logged loss is in nats
per image, as the example prints it.
"""

from __future__ import annotations

import numpy as np

from .. import nn
from ..autograd import Tensor, tensor
from ..autograd.backend import default_generator
from ..nn import functional as F
from ..serialization import register_module
from .core import check_size, config_size, flat_inputs

RECONSTRUCTIONS = ("bce", "mse")


def gaussian_kl(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(μ, σ²) ‖ N(0, 1)) summed: −½ Σ (1 + log σ² − μ² − σ²)."""
    return -0.5 * (1 + logvar - mu * mu - logvar.exp()).sum()


def _numel(a: dict) -> int:
    n_in, hidden, latent = config_size(a, "in_features", "hidden", "latent")
    return (
        (n_in + 1) * hidden
        + 2 * (hidden + 1) * latent
        + (latent + 1) * hidden
        + (hidden + 1) * n_in
    )


@register_module(numel=_numel)
class VAE(nn.Module):
    """Variational autoencoder with one hidden layer each way (PyTorch's examples/vae)."""

    reduction = "sum"  # the loss is summed over the batch, as in the example

    def __init__(
        self,
        in_features: int = 784,
        hidden: int = 400,
        latent: int = 20,
        reconstruction: str = "bce",
    ) -> None:
        super().__init__()
        self.in_features = check_size("VAE", "in_features", in_features)
        self.hidden = check_size("VAE", "hidden", hidden)
        self.latent = check_size("VAE", "latent", latent)
        if reconstruction not in RECONSTRUCTIONS:
            raise ValueError(
                f"VAE: reconstruction must be one of {RECONSTRUCTIONS}, got {reconstruction!r}"
            )
        self.reconstruction = reconstruction
        self.fc1 = nn.Linear(in_features, hidden)
        self.fc21 = nn.Linear(hidden, latent)  # μ
        self.fc22 = nn.Linear(hidden, latent)  # log σ²
        self.fc3 = nn.Linear(latent, hidden)
        self.fc4 = nn.Linear(hidden, in_features)

    def noise(self, shape: tuple[int, ...]) -> np.ndarray:
        """ε ~ N(0, I) from glassnet's generator (replace it to feed fixed draws)."""
        return default_generator().standard_normal(shape)

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """μ and log σ² of q(z | x)."""
        h = F.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def reparameterize(self, mu: Tensor, logvar: Tensor) -> Tensor:
        """z = μ + σ·ε: a sample whose gradient flows to μ and σ."""
        eps = tensor(np.asarray(self.noise(mu.shape), mu.dtype))
        return mu + eps * (0.5 * logvar).exp()

    def decode(self, z: Tensor) -> Tensor:
        """Pixel probabilities p(x | z)."""
        return F.sigmoid(self.fc4(F.relu(self.fc3(z))))

    def _flat(self, x: Tensor) -> Tensor:
        return flat_inputs("VAE", x, self.in_features)

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """(reconstruction, μ, log σ²) for inputs x (N, in_features) or images."""
        mu, logvar = self.encode(self._flat(x))
        return self.decode(self.reparameterize(mu, logvar)), mu, logvar

    def loss(self, x: Tensor) -> Tensor:
        """The negative ELBO summed over the batch: reconstruction + KL, in nats."""
        x = self._flat(x)
        recon, mu, logvar = self(x)
        if self.reconstruction == "bce":
            rec = F.binary_cross_entropy(recon, x, reduction="sum")
        else:
            rec = F.mse_loss(recon, x, reduction="sum")
        return rec + gaussian_kl(mu, logvar)

    def sample(self, n: int) -> np.ndarray:
        """n images decoded from the prior z ~ N(0, I)."""
        z = tensor(np.asarray(default_generator().standard_normal((n, self.latent)), np.float32))
        return self.decode(z.to(self.fc3.weight.dtype))._array

    def interpolate(self, a: np.ndarray, b: np.ndarray, steps: int = 8) -> np.ndarray:
        """Decoded images along the straight line between the means of a's and b's codes."""
        mu_a, _ = self.encode(self._flat(tensor(np.asarray(a, np.float32)[None])))
        mu_b, _ = self.encode(self._flat(tensor(np.asarray(b, np.float32)[None])))
        w = np.linspace(0, 1, check_size("VAE.interpolate", "steps", steps, 2))[:, None]
        z = mu_a._array * (1 - w) + mu_b._array * w
        return self.decode(tensor(z.astype(mu_a.dtype)))._array

    def extra_repr(self) -> str:
        return f"{self.in_features}-{self.hidden}-({self.latent},{self.latent})"
