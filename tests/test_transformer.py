"""`nn.MultiheadAttention`, `nn.TransformerEncoderLayer`, `nn.TransformerEncoder` against
torch's with the same weights (copied through the state dict, so the names match too):
outputs, attention weights, input and parameter gradients; masks, layouts; a gradcheck."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn
from glassnet.nn.transformer import generate_square_subsequent_mask
from reference_torch import torch

TOL = {"rtol": 1e-4, "atol": 1e-5}


def _copy(ours, theirs):
    sd = {k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()}
    assert list(sd) == list(ours.state_dict())
    ours.load_state_dict(sd)


def _inputs(shape, seed=0):
    a = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return gn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)


def _check_grads(ours, theirs, pairs):
    for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), err_msg=name, **TOL)
    for x, tx in pairs:
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), **TOL)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("mask", [None, "bool", "float", "padding", "both"])
def test_multihead_attention_matches_torch(batch_first, mask):
    torch.manual_seed(0)
    ref = torch.nn.MultiheadAttention(8, 2, batch_first=batch_first)
    ours = nn.MultiheadAttention(8, 2, batch_first=batch_first)
    _copy(ours, ref)
    n, lq, s = 3, 4, 5
    qs = (n, lq, 8) if batch_first else (lq, n, 8)
    ks = (n, s, 8) if batch_first else (s, n, 8)
    (q, tq), (k, tk), (v, tv) = _inputs(qs, 1), _inputs(ks, 2), _inputs(ks, 3)
    rng = np.random.default_rng(4)
    kw, tkw = {}, {}
    if mask in ("bool", "both"):
        m = rng.random((lq, s)) < 0.3
        m[:, 0] = False  # every query sees a key
        kw["attn_mask"], tkw["attn_mask"] = m, torch.tensor(m)
    if mask == "float":
        m = rng.standard_normal((n * 2, lq, s)).astype(np.float32)
        kw["attn_mask"], tkw["attn_mask"] = gn.tensor(m), torch.tensor(m)
    if mask in ("padding", "both"):
        p = np.zeros((n, s), bool)
        p[0, -2:] = p[2, -1] = True
        kw["key_padding_mask"], tkw["key_padding_mask"] = gn.tensor(p), torch.tensor(p)
    out, w = ours(q, k, v, **kw)
    tout, tw = ref(tq, tk, tv, **tkw)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), **TOL)
    (out.sum() + (w * w).sum()).backward()
    (tout.sum() + (tw * tw).sum()).backward()
    _check_grads(ours, ref, [(q, tq), (k, tk), (v, tv)])


def test_per_head_weights_unbatched_and_no_weights_as_torch():
    torch.manual_seed(1)
    ref, ours = (
        torch.nn.MultiheadAttention(6, 3, bias=False),
        nn.MultiheadAttention(6, 3, bias=False),
    )
    _copy(ours, ref)
    (x, tx) = _inputs((4, 6))
    out, w = ours(x, x, x, average_attn_weights=False)
    tout, tw = ref(tx, tx, tx, average_attn_weights=False)
    assert w.shape == tuple(tw.shape) == (3, 4, 4)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), **TOL)
    assert ours(x, x, x, need_weights=False)[1] is None


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_encoder_layer_and_encoder_match_torch(norm_first, batch_first):
    torch.manual_seed(2)
    kw = {"dim_feedforward": 16, "dropout": 0.0, "norm_first": norm_first}
    kw["batch_first"] = batch_first
    ref = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(8, 2, **kw), 2, norm=torch.nn.LayerNorm(8),
        enable_nested_tensor=False,
    )  # fmt: skip
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, **kw), 2, norm=nn.LayerNorm(8))
    _copy(ours, ref)
    x, tx = _inputs((3, 5, 8) if batch_first else (5, 3, 8))
    causal = generate_square_subsequent_mask(5)
    tcausal = torch.nn.Transformer.generate_square_subsequent_mask(5)
    np.testing.assert_array_equal(causal.numpy(), tcausal.numpy())
    pad = np.zeros((3, 5), bool)
    pad[1, -2:] = True
    out = ours(x, mask=causal, src_key_padding_mask=pad)
    tpad = torch.tensor(np.where(pad, -np.inf, 0.0).astype(np.float32))  # float, as the mask
    tout = ref(tx, mask=tcausal, src_key_padding_mask=tpad)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **TOL)
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    _check_grads(ours, ref, [(x, tx)])


def test_dropout_is_used_in_training_only():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    x = gn.randn(4, 2, 8)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_gradcheck_float64():
    gn.set_default_dtype(np.float64)
    try:
        m = nn.MultiheadAttention(4, 2, batch_first=True)
        x = gn.randn(2, 3, 4, requires_grad=True)
        mask = np.triu(np.ones((3, 3), bool), 1)
        assert gn.autograd.gradcheck(lambda a: m(a, a, a, attn_mask=mask)[0], [x])
        layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0)
        assert gn.autograd.gradcheck(layer, [gn.randn(3, 2, 4, requires_grad=True)])
    finally:
        gn.set_default_dtype(np.float32)


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(ValueError, match="embed_dim \\(6\\) must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    m = nn.MultiheadAttention(4, 2)
    x = gn.randn(3, 2, 4)
    with pytest.raises(RuntimeError, match="attn_mask has shape \\(2, 2\\)"):
        m(x, x, x, attn_mask=np.zeros((2, 2), bool))
    with pytest.raises(RuntimeError, match="key_padding_mask has shape"):
        m(x, x, x, key_padding_mask=np.zeros((3, 3), bool))
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(4, 2, dim_feedforward=8), 2).eval()
    gn.save(enc, tmp_path / "enc.safetensors")
    back = gn.load(tmp_path / "enc.safetensors").eval()
    np.testing.assert_array_equal(back(x).detach().numpy(), enc(x).detach().numpy())
