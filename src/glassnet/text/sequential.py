"""The compiled fast path: one SGD step per example, in corpus order, as word2vec.c and gensim.

`sgd_examples` is plain Python over NumPy arrays; with Numba installed it is compiled
(`numba.njit(cache=True)`: a few seconds once, then read from Numba's cache) and runs at the
speed of gensim's Cython loop. Without Numba it still runs, slowly, and `Word2Vec` uses the
vectorised `sgd_step` (backend="numpy") instead. Each example's step is
`negative_sampling_loss`'s gradient step on that one example (tests/test_word2vec.py replays
it in autograd):

    h = mean (or sum) of the example's input rows   s_k = u_k·h   g_k = σ(s_k) - [k = 0]
    u_k -= lr g_k h                                 v_r -= lr coef Σ_k g_k u_k   (each row r)

A word's input rows are row_index[row_start[w]:row_start[w + 1]]: the word itself for
Word2Vec, the word and its n-gram buckets for FastText.
"""

from __future__ import annotations

import math

import numpy as np

try:
    import numba
except ImportError:  # the NumPy backend still works
    numba = None

# fastmath without "no NaN/inf" (max_exp may be math.inf)
_FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
_jit = numba.njit(cache=True, nogil=True, fastmath=_FAST) if numba is not None else (lambda f: f)


@_jit
def _add_rows(out, w_in, words, mask, row_start, row_index) -> float:
    """out += Σ of the rows of each word with mask 1; returns how many rows."""
    count = 0.0
    for c in range(len(words)):
        if mask[c] == 0:
            continue
        w = words[c]
        for p in range(row_start[w], row_start[w + 1]):
            r = row_index[p]
            for d in range(out.shape[0]):
                out[d] += w_in[r, d]
            count += 1.0
    return count


@_jit
def _scores(h, w_out, targets, mask, max_exp, g) -> float:
    """g[k] = dL/ds_k = σ(s_k) - [k = 0] (0 where masked or |s_k| >= max_exp), s_k = u_k·h;
    returns the example's loss Σ_k -log σ(±s_k) in float64."""
    loss = 0.0
    for k in range(len(targets)):
        g[k] = 0
        if mask[k] == 0:
            continue
        s, t = 0.0, targets[k]
        for d in range(h.shape[0]):
            s += h[d] * w_out[t, d]
        x = s if k == 0 else -s  # -log σ(x), stably
        loss += max(-x, 0.0) + math.log1p(math.exp(-abs(x)))
        if abs(s) < max_exp:
            g[k] = 1.0 / (1.0 + math.exp(-s)) - (1.0 if k == 0 else 0.0)
    return loss


@_jit
def _scatter_rows(w_in, grad, words, mask, row_start, row_index, scale) -> None:
    """Each row of each word with mask 1 += scale · grad."""
    for c in range(len(words)):
        if mask[c] == 0:
            continue
        w = words[c]
        for p in range(row_start[w], row_start[w + 1]):
            r = row_index[p]  # hoisted: the writes below could alias row_index
            for d in range(grad.shape[0]):
                w_in[r, d] += scale * grad[d]


@_jit
def sgd_examples(
    w_in: np.ndarray,
    w_out: np.ndarray,
    contexts: np.ndarray,
    context_mask: np.ndarray,
    targets: np.ndarray,
    target_mask: np.ndarray,
    lr: np.ndarray,
    row_start: np.ndarray,
    row_index: np.ndarray,
    losses: np.ndarray,
    cbow_mean: bool,
    max_exp: float,
    word2vec_cbow: bool,
) -> None:
    """SGD on the examples one after another, in place; losses[e] = example e's loss (float64)
    before its step. Arguments as `sgd_step`'s, lr one rate per example; a score with
    |s| >= max_exp gets no gradient (math.inf: always a gradient)."""
    dim = w_in.shape[1]
    h, grad_h = np.empty(dim, w_in.dtype), np.empty(dim, w_in.dtype)
    g = np.empty(targets.shape[1], w_in.dtype)
    for e in range(contexts.shape[0]):
        words, mask, tg = contexts[e], context_mask[e], targets[e]
        h[:] = 0
        count = _add_rows(h, w_in, words, mask, row_start, row_index)  # h = Σ rows
        if cbow_mean:
            h /= count
        losses[e] = _scores(h, w_out, tg, target_mask[e], max_exp, g)
        grad_h[:] = 0
        for k in range(len(tg)):  # dL/dh = Σ_k g_k u_k, from the vectors before the step
            t, gk = tg[k], g[k]
            if gk != 0:
                for d in range(dim):
                    grad_h[d] += gk * w_out[t, d]
        for k in range(len(tg)):  # dL/du_k = g_k h
            t, step = tg[k], lr[e] * g[k]
            if step != 0:
                for d in range(dim):
                    w_out[t, d] -= step * h[d]
        scaled = cbow_mean != word2vec_cbow  # word2vec.c swaps the two scalings
        step = lr[e] / count if scaled else lr[e]  # dL/dv_r = ∂h/∂v_r dL/dh
        _scatter_rows(w_in, grad_h, words, mask, row_start, row_index, -step)
