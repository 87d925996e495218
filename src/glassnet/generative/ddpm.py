"""`DDPM`: denoising diffusion (Ho et al. 2020): noise added step by step, then learned away.

    forward:  q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I),   ᾱ_t = Π_{s<=t} (1 − β_s)
    training: t ~ U{0..T−1}, ε ~ N(0, I);  loss = ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²
    sampling: x_T ~ N(0, I);  x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) ε_θ(x_t, t)) / √α_t + σ_t z,
              σ_t² = β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)

β rises linearly (Ho et al.) or follows the cosine schedule (Nichol & Dhariwal 2021); the
denoiser is a `models.MLP` with SiLU that reads x_t beside a sinusoidal embedding of t.
Trained by `GenerativeModel` (it minimises `loss`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn
from ..autograd import Tensor, cat, tensor
from ..autograd.backend import default_generator
from ..autograd.blas import blas_threads
from ..models import MLP
from ..nn import functional as F
from ..serialization import register_module
from .core import check_images, check_size, config_size

SCHEDULES = ("linear", "cosine")


def beta_schedule(
    kind: str, timesteps: int, beta_start: float = 1e-4, beta_end: float = 0.02
) -> np.ndarray:
    """β_1..β_T (float64): "linear" from beta_start to beta_end, or "cosine" (ᾱ_t ∝
    cos²((t/T + s)/(1 + s)·π/2), s = 0.008, β clipped at 0.999). Every β must lie in (0, 1)."""
    timesteps = check_size("beta_schedule", "timesteps", timesteps)
    if kind == "linear":
        betas = np.linspace(beta_start, beta_end, timesteps, dtype=np.float64)
    elif kind == "cosine":
        s = 0.008
        f = np.cos((np.arange(timesteps + 1) / timesteps + s) / (1 + s) * math.pi / 2) ** 2
        betas = np.minimum(1 - f[1:] / f[:-1], 0.999)
    else:
        raise ValueError(f"beta_schedule: kind must be one of {SCHEDULES}, got {kind!r}")
    if not (np.all(betas > 0) and np.all(betas < 1)):
        raise ValueError(
            f"beta_schedule: every β must lie in (0, 1), got {kind} from {betas[0]:g} to "
            f"{betas[-1]:g} (beta_start={beta_start}, beta_end={beta_end})"
        )
    return betas


def timestep_embedding(t: np.ndarray, dim: int, dtype: Any = np.float32) -> np.ndarray:
    """Sinusoidal embedding of integer steps t: [sin(t·ω_i), cos(t·ω_i)], ω_i = 10000^(−i/half)."""
    half = dim // 2
    freqs = np.exp(-math.log(10000) * np.arange(half) / half)
    args = np.asarray(t, np.float64)[:, None] * freqs[None]
    return np.concatenate([np.sin(args), np.cos(args)], 1).astype(dtype)


def _numel(a: dict) -> int:
    d, hidden, tdim = config_size(a, "data_dim", "hidden", "time_dim")
    sizes = [d + tdim, *(hidden if isinstance(hidden, list) else [hidden]), d]
    return sum(o * (i + 1) for i, o in zip(sizes, sizes[1:]))


@register_module(numel=_numel)
class DDPM(nn.Module):
    """Diffusion model with an MLP ε-predictor for vectors of `data_dim` (2-D points, or
    flattened small images)."""

    def __init__(
        self,
        data_dim: int = 2,
        timesteps: int = 100,
        schedule: str = "linear",
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        hidden: Sequence[int] = (128, 128, 128),
        time_dim: int = 32,
    ) -> None:
        super().__init__()
        self.data_dim = check_size("DDPM", "data_dim", data_dim)
        self.time_dim = check_size("DDPM", "time_dim", time_dim, 2)
        try:
            self.betas = beta_schedule(schedule, timesteps, beta_start, beta_end)
        except ValueError as e:
            raise ValueError(f"DDPM: {e}") from None
        self.timesteps, self.schedule = timesteps, schedule
        self.alphas = 1 - self.betas
        self.alphas_cumprod = np.cumprod(self.alphas)
        hidden = [check_size("DDPM", "hidden", h) for h in hidden]
        self.denoiser = MLP([data_dim + time_dim, *hidden, data_dim], "silu")

    def _dtype(self) -> np.dtype:
        return self.denoiser[0].weight.dtype

    def q_sample(self, x0: np.ndarray, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: x_0 noised to step t (0-based) in one jump."""
        a = self.alphas_cumprod[np.asarray(t)].reshape(-1, *([1] * (np.ndim(x0) - 1)))
        return (np.sqrt(a) * x0 + np.sqrt(1 - a) * noise).astype(self._dtype())

    def forward(self, x_t: Tensor, t: np.ndarray) -> Tensor:
        """ε_θ(x_t, t): the predicted noise."""
        check_images("DDPM", x_t, (self.data_dim,))
        emb = tensor(timestep_embedding(t, self.time_dim, self._dtype()))
        return self.denoiser(cat([x_t, emb], 1))

    def loss(
        self, x0: Tensor, t: np.ndarray | None = None, noise: np.ndarray | None = None
    ) -> Tensor:
        """Mean squared error of the predicted noise at random steps (or the given t, ε)."""
        check_images("DDPM", x0, (self.data_dim,))
        rng = default_generator()
        t = rng.integers(0, self.timesteps, len(x0)) if t is None else np.asarray(t)
        noise = rng.standard_normal(x0.shape) if noise is None else np.asarray(noise)
        x_t = tensor(self.q_sample(x0._array, t, noise))
        return F.mse_loss(self(x_t, t), noise.astype(self._dtype()))

    def sample(self, n: int, return_chain: bool = False, clip: float | None = None) -> np.ndarray:
        """n samples by ancestral sampling from x_T ~ N(0, I); with return_chain, every x_t
        (T + 1, n, data_dim), x_T first. `clip` (e.g. 1 for images in [−1, 1]) clips each
        step's estimate of x_0 to [−clip, clip] and steps to the posterior mean from it, as Ho
        et al.'s code does (without it the same mean is computed from ε directly)."""
        rng = default_generator()
        x = rng.standard_normal((n, self.data_dim)).astype(self._dtype())
        chain = [x]
        for t in range(self.timesteps - 1, -1, -1):
            eps = self(tensor(x), np.full(n, t))._array
            a, ab, b = self.alphas[t], self.alphas_cumprod[t], self.betas[t]
            ab_prev = self.alphas_cumprod[t - 1] if t > 0 else 1.0
            if clip is None:
                x = (x - b / math.sqrt(1 - ab) * eps) / math.sqrt(a)
            else:  # μ̃ = √ᾱ_{t−1} β_t/(1 − ᾱ_t) x̂_0 + √α_t (1 − ᾱ_{t−1})/(1 − ᾱ_t) x_t
                x0 = np.clip((x - math.sqrt(1 - ab) * eps) / math.sqrt(ab), -clip, clip)
                x = (math.sqrt(ab_prev) * b * x0 + math.sqrt(a) * (1 - ab_prev) * x) / (1 - ab)
            if t > 0:  # σ_t² = β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t), the posterior's variance
                x = x + math.sqrt(b * (1 - ab_prev) / (1 - ab)) * rng.standard_normal(x.shape)
            x = x.astype(self._dtype())
            chain.append(x)
        return np.stack(chain) if return_chain else x


@blas_threads
def mmd_rbf(x: np.ndarray, y: np.ndarray, bandwidth: float) -> float:
    """Squared maximum mean discrepancy (biased estimate) with k(a, b) = exp(−‖a − b‖²/(2h²))."""

    def k(a: np.ndarray, b: np.ndarray) -> float:
        d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None] - 2 * a @ b.T
        return float(np.exp(-np.maximum(d, 0) / (2 * bandwidth**2)).mean())

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return k(x, x) + k(y, y) - 2 * k(x, y)


def two_moons(n: int, noise: float = 0.05, seed: int | None = 0) -> np.ndarray:
    """n points on two interleaved half circles (scikit-learn's make_moons shape) plus
    Gaussian noise, centred and scaled to about unit spread, as float32."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, np.pi, n)
    upper = (rng.random(n) < 0.5)[:, None]
    x = np.where(
        upper, np.stack([np.cos(t), np.sin(t)], 1), np.stack([1 - np.cos(t), 0.5 - np.sin(t)], 1)
    )
    x = x + noise * rng.standard_normal(x.shape)
    return ((x - [0.5, 0.25]) / [0.87, 0.5]).astype(np.float32)
