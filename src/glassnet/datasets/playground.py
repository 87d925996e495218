"""TensorFlow Playground's six 2-D data sets, with its geometry and noise rules.

Each generator takes TF Playground's `noise` as the fraction its page passes (the slider's
0–50 % divided by 100, so 0 ≤ noise ≤ 0.5). Classification sets return labels +1/−1
(`labels="pm1"`, TF's convention) or 1/0 (`labels="01"`); `spiral(n_classes=k)` with k ≥ 3 gives
k arms labelled 0..k−1. Regression targets are TF's linear maps (about −1.2..1.2 for the plane,
−1..1 for the Gaussians). X is float32 of shape (n_samples, 2) in the ±6 square (the
Gaussians' tails may reach beyond it).

The geometry (radii, paddings, variances, label rules) is TF Playground's `dataset.ts`; the
random numbers come from NumPy, so the points are like TF's but not the same ones.
"""

from __future__ import annotations

import hashlib

import numpy as np

Data = tuple[np.ndarray, np.ndarray]

NUM_SAMPLES_CLASSIFY = 500  # TF Playground's point counts
NUM_SAMPLES_REGRESS = 1200


def _rng(name: str, n_samples: int, noise: float, seed: int | None) -> np.random.Generator:
    """Check the common arguments and return the generator behind one data set."""
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"{name}: n_samples must be a positive integer, got {n_samples!r}")
    if not 0.0 <= noise <= 0.5:
        raise ValueError(
            f"{name}: noise must be a fraction in [0, 0.5] (TF Playground's "
            f"0-50 % slider / 100), got {noise!r}"
        )
    return np.random.default_rng(seed)


def _labels(name: str, positive: np.ndarray, labels: str) -> np.ndarray:
    """+1/−1 float32 (TF's convention) or 1/0 int64 class indices."""
    if labels == "pm1":
        return np.where(positive, 1.0, -1.0).astype(np.float32)
    if labels == "01":
        return positive.astype(np.int64)
    raise ValueError(f"{name}: labels must be 'pm1' (+1/-1) or '01' (1/0), got {labels!r}")


def _halves(n_samples: int) -> tuple[int, int]:
    """Points of the positive and the negative class (TF: half each)."""
    return n_samples - n_samples // 2, n_samples // 2


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Points at radius r and angle (TF measures it from the +y axis: x = r sin, y = r cos)."""
    return np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)


def circle(
    n_samples: int = NUM_SAMPLES_CLASSIFY,
    noise: float = 0.0,
    seed: int | None = None,
    labels: str = "pm1",
) -> Data:
    """Disc r < 2.5 (label +1) and ring 3.5 < r < 5 (label −1); noise jitters the label test."""
    rng = _rng("circle", n_samples, noise, seed)
    radius = 5.0
    n_in, n_out = _halves(n_samples)
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, n_in), rng.uniform(radius * 0.7, radius, n_out)]
    )
    x = _polar(r, rng.uniform(0, 2 * np.pi, n_samples))
    jitter = rng.uniform(-radius, radius, (n_samples, 2)) * noise
    positive = np.hypot(*(x + jitter).T) < radius * 0.5
    return x.astype(np.float32), _labels("circle", positive, labels)


def xor(
    n_samples: int = NUM_SAMPLES_CLASSIFY,
    noise: float = 0.0,
    seed: int | None = None,
    labels: str = "pm1",
) -> Data:
    """Uniform in ±5, pushed 0.3 away from the axes; label +1 where x·y ≥ 0 (after noise)."""
    rng = _rng("xor", n_samples, noise, seed)
    x = rng.uniform(-5, 5, (n_samples, 2))
    x += np.where(x > 0, 0.3, -0.3)  # padding keeps points off the axes
    p = x + rng.uniform(-5, 5, (n_samples, 2)) * noise
    return x.astype(np.float32), _labels("xor", p[:, 0] * p[:, 1] >= 0, labels)


def gauss(
    n_samples: int = NUM_SAMPLES_CLASSIFY,
    noise: float = 0.0,
    seed: int | None = None,
    labels: str = "pm1",
) -> Data:
    """Two Gaussians at (2, 2) (+1) and (−2, −2) (−1); variance 0.5 + 7·noise (0.5..4)."""
    rng = _rng("gauss", n_samples, noise, seed)
    std = np.sqrt(0.5 + noise * (4 - 0.5) / 0.5)
    n_pos, n_neg = _halves(n_samples)
    x = np.concatenate([rng.normal(2, std, (n_pos, 2)), rng.normal(-2, std, (n_neg, 2))])
    return x.astype(np.float32), _labels("gauss", np.arange(n_samples) < n_pos, labels)


def spiral(
    n_samples: int = NUM_SAMPLES_CLASSIFY,
    noise: float = 0.0,
    seed: int | None = None,
    labels: str = "pm1",
    n_classes: int = 2,
) -> Data:
    """Interleaved arms: r = 5·i/n, angle 1.75·2π·i/n + 2πj/k, plus uniform ±noise jitter.

    With two arms (TF's set) the labels follow `labels`; with k = 3..5 arms they are the
    class indices 0..k−1 (int64), for softmax classification.
    """
    rng = _rng("spiral", n_samples, noise, seed)
    if not isinstance(n_classes, (int, np.integer)) or not 2 <= n_classes <= 5:
        raise ValueError(f"spiral: n_classes must be an integer in 2..5, got {n_classes!r}")
    sizes = [n_samples // n_classes + (j < n_samples % n_classes) for j in range(n_classes)]
    arms, arm_of = [], []
    for j, n in enumerate(sizes):
        t = np.arange(n) / n
        arms.append(_polar(5 * t, 1.75 * 2 * np.pi * t + 2 * np.pi * j / n_classes))
        arm_of.append(np.full(n, j))
    x = np.concatenate(arms) + rng.uniform(-1, 1, (n_samples, 2)) * noise
    arm = np.concatenate(arm_of)
    y = _labels("spiral", arm == 0, labels) if n_classes == 2 else arm.astype(np.int64)
    return x.astype(np.float32), y


def _uniform_square(rng: np.random.Generator, n: int, noise: float) -> tuple:
    """Points uniform in ±6 and the noisy copy TF labels them by (jitter uniform ±6·noise)."""
    x = rng.uniform(-6, 6, (n, 2))
    return x, x + rng.uniform(-6, 6, (n, 2)) * noise


def reg_plane(
    n_samples: int = NUM_SAMPLES_REGRESS, noise: float = 0.0, seed: int | None = None
) -> Data:
    """Target (x1 + x2) / 10 (TF's map of −10..10 onto −1..1, unclamped) at the noisy point."""
    x, p = _uniform_square(_rng("reg_plane", n_samples, noise, seed), n_samples, noise)
    return x.astype(np.float32), (p.sum(axis=1) / 10).astype(np.float32)


_GAUSSIANS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def reg_gauss(
    n_samples: int = NUM_SAMPLES_REGRESS, noise: float = 0.0, seed: int | None = None
) -> Data:
    """Six signed bumps max(0, 1 − d/2) at (±4 | 0, ±2.5); the target is the largest in |·|."""
    x, p = _uniform_square(_rng("reg_gauss", n_samples, noise, seed), n_samples, noise)
    d = np.hypot(p[:, None, 0] - _GAUSSIANS[:, 0], p[:, None, 1] - _GAUSSIANS[:, 1])
    bumps = _GAUSSIANS[:, 2] * np.clip(1 - d / 2, 0, 1)
    y = bumps[np.arange(n_samples), np.abs(bumps).argmax(axis=1)]  # first of equal |·| wins
    return x.astype(np.float32), y.astype(np.float32)


CLASSIFY = {"circle": circle, "xor": xor, "gauss": gauss, "spiral": spiral}
REGRESS = {"reg-plane": reg_plane, "reg-gauss": reg_gauss}


def seed_to_int(seed: str) -> int:
    """A NumPy seed from TF Playground's seed string (e.g. '0.80000'), stable across runs."""
    return int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "little")


def generate(
    dataset: str, noise: float = 0.0, seed: int = 0, perc_train: int = 50, n_classes: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """TF Playground's `generateData`: 500 (or 1,200 regression) points, shuffled, split.

    `dataset` is a TF name (circle, xor, gauss, spiral, reg-plane, reg-gauss); the first
    ⌊n·perc_train/100⌋ shuffled points train, the rest test. Returns x_train, y_train, x_test,
    y_test with 2-class labels ±1.
    """
    if dataset in CLASSIFY:
        extra = {"n_classes": n_classes} if dataset == "spiral" else {}
        x, y = CLASSIFY[dataset](NUM_SAMPLES_CLASSIFY, noise, seed, **extra)
    elif dataset in REGRESS:
        x, y = REGRESS[dataset](NUM_SAMPLES_REGRESS, noise, seed)
    else:
        raise ValueError(
            f"generate: unknown dataset {dataset!r}; choose one of "
            f"{sorted(CLASSIFY) + sorted(REGRESS)}"
        )
    return split(x, y, seed, perc_train)


def split(
    x: np.ndarray, y: np.ndarray, seed: int, perc_train: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle once (seeded) and cut at ⌊n·perc_train/100⌋, as TF Playground does."""
    if not 0 < perc_train < 100:
        raise ValueError(f"split: perc_train must be in 1..99, got {perc_train!r}")
    order = np.random.default_rng([seed, 1]).permutation(len(x))
    x, y = x[order], y[order]
    cut = len(x) * perc_train // 100
    return x[:cut], y[:cut], x[cut:], y[cut:]
