"""`RBM`: a restricted Boltzmann machine with Bernoulli visible and hidden units.

    E(v, h) = −bᵀv − cᵀh − hᵀWv          p(h=1 | v) = σ(Wv + c),  p(v=1 | h) = σ(Wᵀh + b)
    F(v) = −bᵀv − Σ_j softplus((Wv + c)_j)   the free energy: p(v) ∝ e^−F(v)

Contrastive divergence (CD-k) lowers F on the data and raises it on samples of the model after
k Gibbs steps; persistent CD (PCD, Tieleman 2008) keeps those Gibbs chains running across
batches, as scikit-learn's BernoulliRBM does. The update

    W += lr · (⟨h vᵀ⟩_data − ⟨h vᵀ⟩_model),  b += lr · (⟨v⟩_data − ⟨v⟩_model),  c likewise

is −lr times the gradient of mean F(data) − mean F(model) (`free_energy` is differentiable, and
a test checks the two agree); it runs as plain array code in `update_simple` and, for PCD, in
its fused twin `_update_fused` (arrays reused between batches, one random draw per batch; a
test checks both give the same update), under `blas_threads` as the engine's matrix ops.
`GenerativeModel.train_step` calls `update`, so `fit` trains an RBM with the progress bar and
History.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import nn
from ..autograd import Tensor, is_fused, tensor
from ..autograd.backend import default_generator
from ..autograd.blas import blas_threads
from ..nn import functional as F
from ..serialization import register_module
from .core import check_images, check_size, config_size


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * a)  # σ(a), without overflow


def _sigmoid_into(a: np.ndarray, out: np.ndarray) -> np.ndarray:
    """`_sigmoid(a)` written into out (which may be a itself), allocating nothing."""
    np.multiply(a, 0.5, out=out)
    np.tanh(out, out=out)
    np.multiply(out, 0.5, out=out)
    return np.add(out, 0.5, out=out)


def _softplus(a: np.ndarray) -> np.ndarray:
    return np.log1p(np.exp(-np.abs(a))) + np.maximum(a, 0)  # log(1 + eᵃ), without overflow


def _bernoulli(p: np.ndarray, rng: Any) -> np.ndarray:
    return (rng.uniform(size=p.shape) < p).astype(p.dtype)


def _numel(a: dict) -> int:
    n_v, n_h = config_size(a, "n_visible", "n_hidden")
    return n_v * n_h + n_v + n_h


@register_module(numel=_numel)
class RBM(nn.Module):
    """Bernoulli-Bernoulli RBM: weight (n_hidden, n_visible), h_bias, v_bias; trained by CD-k
    (`persistent=False`) or persistent CD-k (the default, scikit-learn's)."""

    def __init__(self, n_visible: int, n_hidden: int, k: int = 1, persistent: bool = True) -> None:
        super().__init__()
        self.n_visible = check_size("RBM", "n_visible", n_visible)
        self.n_hidden = check_size("RBM", "n_hidden", n_hidden)
        self.k = check_size("RBM", "k", k)
        self.persistent = bool(persistent)
        self.weight = nn.Parameter(tensor(np.zeros((n_hidden, n_visible), np.float32)))
        self.h_bias = nn.Parameter(tensor(np.zeros(n_hidden, np.float32)))
        self.v_bias = nn.Parameter(tensor(np.zeros(n_visible, np.float32)))
        self.chain: np.ndarray | None = None  # PCD's hidden states (one row per chain)
        self.generator: Any = None  # the sampler's generator; None: glassnet's global one
        self._work_arrays: dict = {}  # _update_fused's arrays, by batch shape
        self.reset_parameters()

    def reset_parameters(self, generator: Any = None) -> None:
        """Weights N(0, 0.01²) and zero biases (scikit-learn's start), and no chains yet."""
        rng = self._rng(generator)
        w = rng.normal(0, 0.01, (self.n_hidden, self.n_visible))
        self.weight._array[...] = w
        self.h_bias._array[...] = 0
        self.v_bias._array[...] = 0
        self.chain = None

    def _rng(self, generator: Any) -> Any:
        if generator is not None:
            return generator
        return self.generator if self.generator is not None else default_generator()

    # ----- the two conditionals and Gibbs sampling ------------------------------------------
    def _v(self, v: Any) -> np.ndarray:
        a = v._array if isinstance(v, Tensor) else np.asarray(v)
        if a.ndim != 2 or a.shape[1] != self.n_visible:
            raise ValueError(f"RBM: expected inputs (N, {self.n_visible}), got {a.shape}")
        return a.astype(self.weight.dtype, copy=False)

    @blas_threads
    def hidden_probs(self, v: Any) -> np.ndarray:
        """p(h = 1 | v) = σ(v Wᵀ + c)."""
        return _sigmoid(self._v(v) @ self.weight._array.T + self.h_bias._array)

    @blas_threads
    def visible_probs(self, h: np.ndarray) -> np.ndarray:
        """p(v = 1 | h) = σ(h W + b)."""
        return _sigmoid(h @ self.weight._array + self.v_bias._array)

    @blas_threads
    def gibbs(self, v: Any, steps: int = 1, generator: Any = None) -> np.ndarray:
        """Visible samples after `steps` full Gibbs steps v → h → v from v."""
        rng = self._rng(generator)
        v = self._v(v)
        for _ in range(check_size("RBM.gibbs", "steps", steps)):
            v = _bernoulli(self.visible_probs(_bernoulli(self.hidden_probs(v), rng)), rng)
        return v

    def forward(self, v: Tensor) -> Tensor:
        """p(h = 1 | v) as a differentiable layer: the features an RBM gives a classifier."""
        check_images("RBM", v, (self.n_visible,))
        return F.sigmoid(F.linear(v, self.weight, self.h_bias))

    # ----- energies and likelihood ----------------------------------------------------------
    def free_energy(self, v: Any) -> Tensor:
        """F(v) = −bᵀv − Σ softplus(Wv + c) per sample, differentiable in the parameters."""
        vt = v if isinstance(v, Tensor) else tensor(self._v(v))
        return -(vt * self.v_bias).sum(1) - F.softplus(F.linear(vt, self.weight, self.h_bias)).sum(
            1
        )

    def pseudo_log_likelihood(self, v: Any, generator: Any = None) -> np.ndarray:
        """Per sample: n_visible · log σ(F(ṽ) − F(v)), ṽ = v with one random unit flipped
        (the stochastic estimate scikit-learn's score_samples returns)."""
        rng = self._rng(generator)
        v = self._v(v)
        flipped = v.copy()
        j = (
            rng.integers(0, v.shape[1], len(v))
            if hasattr(rng, "integers")
            else rng.randint(0, v.shape[1], len(v))
        )
        rows = np.arange(len(v))
        flipped[rows, j] = 1 - flipped[rows, j]
        gap = self.free_energy(flipped)._array - self.free_energy(v)._array
        return v.shape[1] * -np.logaddexp(0, -gap)  # log σ(gap), stable

    # ----- training ---------------------------------------------------------------------------
    def negatives(self, v: np.ndarray, generator: Any = None) -> np.ndarray:
        """The model's samples for the negative phase: k Gibbs steps from the data (CD) or
        from the persistent chains (PCD), which then move on."""
        return self._negatives(self._v(v), generator)[0]

    def _negatives(self, v: np.ndarray, generator: Any) -> tuple[np.ndarray, ...]:
        """(v_neg, its hidden pre-activations, their probabilities), computed once."""
        rng = self._rng(generator)
        W, c = self.weight._array, self.h_bias._array
        if not self.persistent:
            v_neg = self.gibbs(v, self.k, rng)
            a = v_neg @ W.T + c
            return v_neg, a, _sigmoid(a)
        if self.chain is None or self.chain.shape[1] != self.n_hidden:
            self.chain = np.zeros((len(v), self.n_hidden), v.dtype)
        h = self.chain
        for _ in range(self.k):
            v_neg = _bernoulli(self.visible_probs(h), rng)
            a = v_neg @ W.T + c
            p = _sigmoid(a)
            h = _bernoulli(p, rng)
        self.chain = h
        return v_neg, a, p

    def update(self, v: Any, lr: float, generator: Any = None) -> dict[str, float]:
        """One CD-k / PCD-k step on a batch; returns {"loss": mean F(data) − mean F(model)}.

        Persistent chains run the fused `_update_fused` (the default); under
        `glassnet.set_fused(False)`, and for plain CD, the readable `update_simple` runs.
        Both draw the same random numbers and give the same update (a test checks it).
        """
        v = self._v(v)
        if not (self.persistent and is_fused()):
            return self.update_simple(v, lr, generator)
        chain = self.chain
        if chain is None or chain.shape[1] != self.n_hidden:
            self.chain = np.zeros((len(v), self.n_hidden), v.dtype)
        elif chain.dtype != v.dtype:
            self.chain = chain.astype(v.dtype)
        return self._update_fused(v, lr, self._rng(generator))

    @blas_threads
    def update_simple(self, v: Any, lr: float, generator: Any = None) -> dict[str, float]:
        """`update` written plainly: the negative phase, then each parameter's rule."""
        v = self._v(v)
        v_neg, a_neg, h_neg = self._negatives(v, generator)
        W, b, c = self.weight._array, self.v_bias._array, self.h_bias._array
        a_pos = v @ W.T + c  # hidden pre-activations
        h_pos = _sigmoid(a_pos)
        pos, neg = 1 / len(v), 1 / len(v_neg)  # each phase's mean (chains may outnumber data)
        # the free-energy gap mean F(v) − mean F(v_neg), as free_energy computes it
        f_pos = -(v @ b).sum() * pos - _softplus(a_pos).sum() * pos
        f_neg = -(v_neg @ b).sum() * neg - _softplus(a_neg).sum() * neg
        W += (lr * pos) * (h_pos.T @ v) - (lr * neg) * (h_neg.T @ v_neg)
        c += lr * (pos * h_pos.sum(0) - neg * h_neg.sum(0))
        b += lr * (pos * v.sum(0) - neg * v_neg.sum(0))
        return {"loss": float(f_pos - f_neg)}

    @blas_threads
    def _update_fused(self, v: np.ndarray, lr: float, rng: Any) -> dict[str, float]:
        """PCD-k as `update_simple` computes it, on arrays kept between batches (`out=`).

        One uniform draw per batch (the numbers the simple path draws in turn). The data and
        the chains are stacked, V = [v; v_neg], H = [h_pos; h_neg] (both phases' hidden units
        in one product after the chains' last visible step), and each row weighted by
        s = +lr/n (data) or −lr/m (chains): then W += (sH)ᵀ V, c += Σ sH, b += sᵀ V, and the
        free-energy gap is −sᵀ(F-terms)/lr, each one product or sum over both phases.
        """
        n, m, nv, nh = len(v), len(self.chain), self.n_visible, self.n_hidden
        W, b, c = self.weight._array, self.v_bias._array, self.h_bias._array
        Vs, Hs, A, pv, s, G = self._work(n, m, v.dtype, lr)
        v_neg = Vs[n:]
        u = rng.random((self.k, m * (nv + nh)))  # = rng.uniform(size=...), update_simple's
        h = self.chain
        Vs[:n] = v
        for i in range(self.k):  # k Gibbs steps of the chains: v ~ p(v | h), h ~ p(h | v)
            np.add(np.matmul(h, W, out=pv), b, out=pv)
            np.less(u[i, : m * nv].reshape(m, nv), _sigmoid_into(pv, pv), out=v_neg)
            rows = slice(n, None) if i < self.k - 1 else slice(None)  # the last: data rows too
            np.add(np.matmul(Vs[rows], W.T, out=A[rows]), c, out=A[rows])
            np.less(u[i, m * nv :].reshape(m, nh), _sigmoid_into(A[rows], Hs[rows])[-m:], out=h)
        # F(x) = −bᵀx − Σ softplus(a) per row; the gap mean F(v) − mean F(v_neg) = −sᵀF / lr
        energy = np.matmul(Vs, b) + _softplus(A).sum(1)
        loss = -float(s[:, 0] @ energy) / lr
        Hs *= s
        W += np.matmul(Hs.T, Vs, out=G)
        c += Hs.sum(0)
        b += s[:, 0] @ Vs
        return {"loss": loss}

    def _work(self, n: int, m: int, dtype: Any, lr: float) -> tuple[np.ndarray, ...]:
        """`_update_fused`'s arrays for n data rows and m chains (made once per shape), and
        the row weights s for lr."""
        nv, nh = self.n_visible, self.n_hidden
        key = (n, m, np.dtype(dtype), nv, nh)
        work = self._work_arrays.get(key)
        if work is None:
            if len(self._work_arrays) >= 4:  # batch sizes that keep changing: keep a few only
                self._work_arrays.clear()
            work = self._work_arrays[key] = (
                np.empty((n + m, nv), dtype),  # Vs = [v; v_neg]
                np.empty((n + m, nh), dtype),  # Hs = [h_pos; h_neg]
                np.empty((n + m, nh), dtype),  # hidden pre-activations, data then chains
                np.empty((m, nv), dtype),  # p(v | h)
                np.empty((n + m, 1), dtype),  # s, the rows' weights
                np.empty((nh, nv), dtype),  # (sH)ᵀ V
            )
        s = work[4]
        s[:n], s[n:] = lr / n, -lr / m
        return work

    @blas_threads
    def sample(self, n: int, steps: int = 1000) -> np.ndarray:
        """p(v | h) after `steps` Gibbs steps from n random binary images."""
        rng = self._rng(None)
        v = (rng.uniform(size=(n, self.n_visible)) < 0.5).astype(self.weight.dtype)
        v = self.gibbs(v, steps, rng)
        return self.visible_probs(_bernoulli(self.hidden_probs(v), rng))

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}, k={self.k}"
