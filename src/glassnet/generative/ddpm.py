"""`DDPM`: denoising diffusion (Ho et al. 2020): noise added step by step, then learned away.

    forward:  q(x_t | x_0) = N(√ᾱ_t x_0, (1 − ᾱ_t) I),   ᾱ_t = Π_{s<=t} (1 − β_s)
    training: t ~ U{0..T−1}, ε ~ N(0, I);  loss = ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²
    sampling: x_T ~ N(0, I);  x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) ε_θ(x_t, t)) / √α_t + σ_t z,
              σ_t² = β̃_t = β_t (1 − ᾱ_{t−1}) / (1 − ᾱ_t)

β rises linearly (Ho et al.) or follows the cosine schedule (Nichol & Dhariwal 2021); the
denoiser is a `models.MLP` with SiLU that reads x_t beside a sinusoidal embedding of t
(`denoiser="mlp"`), or for images a small U-Net, `ConvDenoiser` (`denoiser="conv"`): residual
conv blocks (GroupNorm, SiLU) at full and half resolution, one skip across, and the embedding
of t added to every block's channels. Trained by `GenerativeModel` (it minimises `loss`).
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


DENOISERS = ("mlp", "conv")


def _numel(a: dict) -> int:
    d, hidden, tdim = config_size(a, "data_dim", "hidden", "time_dim")
    if a.get("denoiser") == "conv":
        return _conv_numel(a)
    sizes = [d + tdim, *(hidden if isinstance(hidden, list) else [hidden]), d]
    return sum(o * (i + 1) for i, o in zip(sizes, sizes[1:]))


def _conv(i: int, o: int, k: int) -> int:
    return i * o * k * k + o  # a k×k convolution's weight and bias


def _block_numel(a: dict) -> int:
    i, o, e = config_size(a, "in_ch", "out_ch", "emb_dim")
    skip = _conv(i, o, 1) if i != o else 0  # GroupNorm, conv, Linear, GroupNorm, conv, skip
    return 2 * i + _conv(i, o, 3) + (e + 1) * o + 2 * o + _conv(o, o, 3) + skip


def _conv_numel(a: dict) -> int:
    """The values a `ConvDenoiser` allocates (its parameters), counted layer by layer."""
    c, w, tdim = config_size(a, "channels", "width", "time_dim")
    e = 4 * w
    blocks = sum(_block_numel({"in_ch": i, "out_ch": o, "emb_dim": e}) for i, o in _blocks(w))
    time_mlp = (tdim + 1) * e + (e + 1) * e
    down, up = _conv(w, 2 * w, 3), 2 * w * w * 16 + w
    return time_mlp + _conv(c, w, 3) + blocks + down + up + 2 * w + _conv(w, c, 3)


def _blocks(w: int) -> list[tuple[int, int]]:
    return [(w, w), (2 * w, 2 * w), (2 * w, w)]  # ConvDenoiser's blocks: (in, out) channels


def _groups(channels: int) -> int:
    return math.gcd(8, channels)  # GroupNorm's groups: 8 where the channels allow


@register_module(numel=_block_numel)
class TimeBlock(nn.Module):
    """Residual block conditioned on t: GroupNorm, SiLU, 3×3 conv, + Linear(embedding) per
    channel, GroupNorm, SiLU, 3×3 conv, + x (through a 1×1 conv where the widths differ)."""

    def __init__(self, in_ch: int, out_ch: int, emb_dim: int) -> None:
        super().__init__()
        self.norm1, self.conv1 = (
            nn.GroupNorm(_groups(in_ch), in_ch),
            nn.Conv2d(in_ch, out_ch, 3, 1, 1),
        )
        self.time = nn.Linear(emb_dim, out_ch)
        self.norm2 = nn.GroupNorm(_groups(out_ch), out_ch)
        self.conv2 = nn.Conv2d(out_ch, out_ch, 3, 1, 1)
        self.skip = nn.Conv2d(in_ch, out_ch, 1) if in_ch != out_ch else nn.Identity()

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        """x (N, in_ch, H, W) and the embedding of t (N, emb_dim) → (N, out_ch, H, W)."""
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time(emb).reshape(len(x), -1, 1, 1)
        return self.conv2(F.silu(self.norm2(h))) + self.skip(x)


@register_module(numel=_conv_numel)
class ConvDenoiser(nn.Module):
    """A small U-Net ε-predictor for (C, side, side) images, side even: a block at full
    resolution, a stride-2 conv down to a block at half, a transposed conv up, the skip joined
    by channels, a last block and a 3×3 conv back to C channels. The sinusoidal embedding of
    t goes through Linear–SiLU–Linear and into every block. Takes and gives rows (N, C·side²)."""

    def __init__(self, channels: int, side: int, width: int = 32, time_dim: int = 32) -> None:
        super().__init__()
        if side % 2:
            raise ValueError(f"ConvDenoiser: side must be even (one stride-2 level), got {side}")
        self.channels, self.side, self.width = channels, side, width
        e = 4 * width
        self.time_mlp = nn.Sequential(nn.Linear(time_dim, e), nn.SiLU(), nn.Linear(e, e))
        self.conv_in = nn.Conv2d(channels, width, 3, 1, 1)
        self.block1, self.block2, self.block3 = (TimeBlock(i, o, e) for i, o in _blocks(width))
        self.down = nn.Conv2d(width, 2 * width, 3, 2, 1)
        self.up = nn.ConvTranspose2d(2 * width, width, 4, 2, 1)
        self.norm_out = nn.GroupNorm(_groups(width), width)
        self.conv_out = nn.Conv2d(width, channels, 3, 1, 1)

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        """ε_θ for rows x (N, C·side²) and the embedding of t (N, time_dim), as rows."""
        e = self.time_mlp(emb)
        h1 = self.block1(self.conv_in(x.reshape(len(x), self.channels, self.side, self.side)), e)
        h2 = self.block2(self.down(h1), e)
        h = self.block3(cat([self.up(h2), h1], 1), e)
        return self.conv_out(F.silu(self.norm_out(h))).reshape(len(x), -1)


@register_module(numel=_numel)
class DDPM(nn.Module):
    """Diffusion model on rows of `data_dim`: 2-D points or flattened small images, with an
    MLP ε-predictor (`denoiser="mlp"`, `hidden` sizes), or for images of `channels` × side ×
    side = data_dim (side even) the `ConvDenoiser` (`denoiser="conv"`, `width` channels)."""

    def __init__(
        self,
        data_dim: int = 2,
        timesteps: int = 100,
        schedule: str = "linear",
        beta_start: float = 1e-4,
        beta_end: float = 0.02,
        hidden: Sequence[int] = (128, 128, 128),
        time_dim: int = 32,
        denoiser: str = "mlp",
        channels: int = 1,
        width: int = 32,
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
        if denoiser not in DENOISERS:
            raise ValueError(f"DDPM: denoiser must be one of {DENOISERS}, got {denoiser!r}")
        self.kind = denoiser
        if denoiser == "conv":
            channels = check_size("DDPM", "channels", channels)
            side = math.isqrt(data_dim // channels)
            if channels * side * side != data_dim or side % 2:
                raise ValueError(
                    "DDPM: denoiser 'conv' needs data_dim = channels × side² with side even, "
                    f"got data_dim={data_dim}, channels={channels}"
                )
            self.image_shape = (channels, side, side)
            self.denoiser = ConvDenoiser(
                channels, side, check_size("DDPM", "width", width), self.time_dim
            )
            return
        hidden = [check_size("DDPM", "hidden", h) for h in hidden]
        self.image_shape = (data_dim,)
        self.denoiser = MLP([data_dim + time_dim, *hidden, data_dim], "silu")

    def _dtype(self) -> np.dtype:
        return next(iter(self.denoiser.parameters())).dtype

    def _rows(self, x: Tensor) -> Tensor:
        """x as rows (N, data_dim); the conv model also takes images (N, C, side, side)."""
        if self.kind == "conv" and x.ndim == 4:
            check_images("DDPM", x, self.image_shape)
            return x.reshape(len(x), -1)
        check_images("DDPM", x, (self.data_dim,))
        return x

    def q_sample(self, x0: np.ndarray, t: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """x_t = √ᾱ_t x_0 + √(1 − ᾱ_t) ε: x_0 noised to step t (0-based) in one jump."""
        a = self.alphas_cumprod[np.asarray(t)].reshape(-1, *([1] * (np.ndim(x0) - 1)))
        return (np.sqrt(a) * x0 + np.sqrt(1 - a) * noise).astype(self._dtype())

    def forward(self, x_t: Tensor, t: np.ndarray) -> Tensor:
        """ε_θ(x_t, t): the predicted noise, as rows (N, data_dim)."""
        x_t = self._rows(x_t)
        emb = tensor(timestep_embedding(t, self.time_dim, self._dtype()))
        if self.kind == "conv":
            return self.denoiser(x_t, emb)
        return self.denoiser(cat([x_t, emb], 1))

    def loss(
        self, x0: Tensor, t: np.ndarray | None = None, noise: np.ndarray | None = None
    ) -> Tensor:
        """Mean squared error of the predicted noise at random steps (or the given t, ε)."""
        x0 = self._rows(x0)
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
