"""nn modules, losses, init and gradient clipping against PyTorch (same weights, same inputs)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes

import glassnet as gn
from reference_torch import assert_close, compare, positive, randn, torch

nn, F = gn.nn, gn.nn.functional
tF = torch.nn.functional
DTYPES = [np.float32, np.float64]
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


def twin(make_ours, make_ref, dtype):
    """A glassnet module and a torch module with torch's weights loaded into ours."""
    ref = make_ref().to(TORCH_DTYPE[dtype])
    ours = make_ours().to(dtype)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def check_module(ours, ref, x, what):
    """Same output, same input gradient and the same gradient for every parameter."""
    dtype = x.dtype
    compare(ours, ref, [x], what=what)
    ref_grads = {k: p.grad for k, p in ref.named_parameters()}
    for k, p in ours.named_parameters():
        assert_close(p.grad, ref_grads[k], dtype, f"{what}: grad of {k}")


# ----- layers -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@settings(max_examples=10, deadline=None)
@given(
    lead=st.lists(st.integers(1, 4), min_size=0, max_size=2),
    n_in=st.integers(1, 6),
    n_out=st.integers(1, 6),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_linear_any_leading_dims(dtype, lead, n_in, n_out, bias, seed):
    torch.manual_seed(seed)
    ours, ref = twin(
        lambda: nn.Linear(n_in, n_out, bias=bias),
        lambda: torch.nn.Linear(n_in, n_out, bias=bias),
        dtype,
    )
    x = randn(np.random.default_rng(seed), (*lead, n_in), dtype)
    check_module(ours, ref, x, "Linear")


ACTIVATIONS = [
    ("ReLU", (), ()),
    ("LeakyReLU", (0.1,), (0.1,)),
    ("Sigmoid", (), ()),
    ("Tanh", (), ()),
    ("Softmax", (1,), (1,)),
    ("LogSoftmax", (1,), (1,)),
    ("Identity", (), ()),
    ("GELU", (), ()),
    ("GELU", ("tanh",), ("tanh",)),
    ("SiLU", (), ()),
    ("ELU", (0.7,), (0.7,)),
    ("Softplus", (2.0, 3.0), (2.0, 3.0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act,args,targs", ACTIVATIONS)
def test_sequential_mlp_with_each_activation(act, args, targs, dtype):
    torch.manual_seed(0)

    def build(lib, a):
        return lambda: lib.nn.Sequential(
            lib.nn.Flatten(), lib.nn.Linear(12, 7), getattr(lib.nn, act)(*a), lib.nn.Linear(7, 3)
        )

    ours, ref = twin(build(gn, args), build(torch, targs), dtype)
    x = away_from_kink(np.random.default_rng(0), (5, 3, 4), dtype)
    check_module(ours, ref, x, f"Sequential with {act}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("groups,shape", [(1, (2, 4, 3)), (2, (3, 4, 2, 5)), (4, (2, 4, 3, 3))])
def test_group_norm(groups, shape, dtype):
    torch.manual_seed(0)
    ours, ref = twin(lambda: nn.GroupNorm(groups, 4), lambda: torch.nn.GroupNorm(groups, 4), dtype)
    with torch.no_grad():
        ref.weight.normal_(), ref.bias.normal_()
    ours.load_state_dict(ref.state_dict())
    check_module(ours, ref, randn(np.random.default_rng(0), shape, dtype), f"GroupNorm({groups})")


def test_group_norm_refuses_bad_channels():
    with pytest.raises(ValueError, match="divisible"):
        nn.GroupNorm(3, 4)
    with pytest.raises(ValueError, match=r"expected input \(N, 4"):
        nn.GroupNorm(2, 4)(gn.zeros(2, 6, 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_loss(reduction, log_target, dtype):
    rng = np.random.default_rng(0)
    logp = np.asarray(np.log(rng.dirichlet(np.ones(5), 4)), dtype)
    target = np.asarray(rng.dirichlet(np.ones(5), 4), dtype)
    target[0, 2] = 0  # 0·log 0 = 0
    if log_target:
        target = np.asarray(np.log(target + 0.1), dtype)
    ours = nn.KLDivLoss(reduction, log_target=log_target)
    ref = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    compare(lambda a: ours(a, target), lambda a: ref(a, torch.tensor(target)), [logp], what="KLDiv")


def away_from_kink(rng, shape, dtype):
    return np.asarray(rng.uniform(0.1, 1.0, shape) * rng.choice([-1, 1], shape), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_flatten_dims(dtype):
    x = randn(np.random.default_rng(0), (2, 3, 4, 5), dtype)
    for args in [(), (0,), (1, 2), (2, -1), (0, -2)]:
        compare(nn.Flatten(*args), torch.nn.Flatten(*args), [x], what=f"Flatten{args}")
    for dim, size in [(1, (3, 1)), (-1, (5, 1)), (2, (2, 2)), (0, (1, 2))]:
        compare(
            nn.Unflatten(dim, size),
            torch.nn.Unflatten(dim, size),
            [x],
            what=f"Unflatten({dim}, {size})",
        )


def test_dropout_is_identity_in_eval():
    x = randn(np.random.default_rng(0), (4, 5), np.float32)
    d = nn.Dropout(0.5).eval()
    compare(d, torch.nn.Dropout(0.5).eval(), [x], what="Dropout.eval")


@pytest.mark.parametrize("p", [0.2, 0.5, 0.9])
def test_dropout_in_train_zeroes_p_and_scales_the_rest_like_pytorch(p):
    x = positive(np.random.default_rng(0), (200, 300), np.float32)
    t = gn.tensor(x, requires_grad=True)
    y = nn.Dropout(p)(t)
    y.sum().backward()
    ref = torch.nn.Dropout(p)(torch.tensor(x)).numpy()
    ours = y.detach().numpy()
    kept = ours != 0
    # Both keep each element with probability 1 − p and scale kept elements by 1/(1 − p).
    assert abs(kept.mean() - (ref != 0).mean()) < 0.01
    assert abs(kept.mean() - (1 - p)) < 0.01
    np.testing.assert_allclose(ours[kept], x[kept] / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(ref[ref != 0], x[ref != 0] / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(t.grad.numpy(), kept / (1 - p), rtol=1e-6)
    assert y.dtype == np.float32


def test_dropout_p_zero_and_one():
    x = positive(np.random.default_rng(0), (3, 4), np.float32)
    np.testing.assert_array_equal(nn.Dropout(0.0)(gn.tensor(x)).numpy(), x)
    np.testing.assert_array_equal(
        nn.Dropout(1.0)(gn.tensor(x)).numpy(), torch.nn.Dropout(1.0)(torch.tensor(x)).numpy()
    )


# ----- losses -------------------------------------------------------------------------------
REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name,kw", [("MSELoss", {}), ("L1Loss", {}), ("HuberLoss", {}), ("HuberLoss", {"delta": 0.3})]
)
def test_regression_losses(name, kw, reduction, dtype):
    rng = np.random.default_rng(0)
    x, y = randn(rng, (6, 3), dtype), randn(rng, (6, 3), dtype)
    compare(
        getattr(nn, name)(reduction=reduction, **kw),
        getattr(torch.nn, name)(reduction=reduction, **kw),
        [x, y],
        what=name,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(reduction, weighted, dtype):
    rng = np.random.default_rng(0)
    p = np.asarray(rng.uniform(0.02, 0.98, (5, 3)), dtype)
    y = np.asarray(rng.random((5, 3)) > 0.5, dtype)
    w = positive(rng, (3,), dtype) if weighted else None
    compare(
        nn.BCELoss(weight=None if w is None else gn.tensor(w), reduction=reduction),
        torch.nn.BCELoss(weight=None if w is None else torch.tensor(w), reduction=reduction),
        [p, y],
        what="BCELoss",
    )


def test_bce_loss_clamps_log_at_minus_100_like_pytorch():
    p = np.array([0.0, 1.0, 0.5, 1.0], np.float64)
    y = np.array([1.0, 0.0, 1.0, 1.0], np.float64)
    # (PyTorch's gradient for the *target* is ±inf there; ours uses the clamped logs.)
    compare(
        lambda a: nn.BCELoss(reduction="none")(a, gn.tensor(y)),
        lambda a: torch.nn.BCELoss(reduction="none")(a, torch.tensor(y)),
        [p],
        what="BCE at 0 and 1",
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weight", [None, "vector", "scalar"])
def test_bce_with_logits_loss(reduction, weighted, pos_weight, dtype):
    rng = np.random.default_rng(1)
    x = 4 * randn(rng, (5, 3), dtype)
    y = np.asarray(rng.random((5, 3)), dtype)  # soft targets are allowed
    w = positive(rng, (5, 1), dtype) if weighted else None
    pw = {None: None, "vector": positive(rng, (3,), dtype), "scalar": np.asarray([2.5], dtype)}[
        pos_weight
    ]

    def conv(lib, a):
        return None if a is None else (gn.tensor(a) if lib is gn else torch.tensor(a))

    compare(
        nn.BCEWithLogitsLoss(conv(gn, w), reduction, pos_weight=conv(gn, pw)),
        torch.nn.BCEWithLogitsLoss(conv(torch, w), reduction=reduction, pos_weight=conv(torch, pw)),
        [x, y],
        what="BCEWithLogitsLoss",
    )


def test_bce_with_logits_is_stable_for_large_logits():
    x = np.array([-800.0, -30.0, 0.0, 30.0, 800.0], np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0], np.float32)
    compare(
        nn.BCEWithLogitsLoss(reduction="none"),
        torch.nn.BCEWithLogitsLoss(reduction="none"),
        [x, y],
        what="large logits",
    )


CE_CASES = [
    {},
    {"label_smoothing": 0.1},
    {"ignore_index": 2},
    {"ignore_index": -100},
    {"weight": True},
    {"weight": True, "label_smoothing": 0.2},
    {"weight": True, "ignore_index": 1},
    {"weight": True, "ignore_index": 0, "label_smoothing": 0.15},
]


def _ce_pair(kw, reduction, dtype, c):
    kw = dict(kw)
    w = positive(np.random.default_rng(9), (c,), dtype) if kw.pop("weight", False) else None
    ours = nn.CrossEntropyLoss(
        weight=None if w is None else gn.tensor(w), reduction=reduction, **kw
    )
    ref = torch.nn.CrossEntropyLoss(
        weight=None if w is None else torch.tensor(w), reduction=reduction, **kw
    )
    return ours, ref


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", CE_CASES)
def test_cross_entropy_class_indices(kw, reduction, dtype):
    rng = np.random.default_rng(2)
    n, c = 7, 4
    x = 3 * randn(rng, (n, c), dtype)
    t = np.array([0, 2, 1, 3, 2, 2, 0])
    ours, ref = _ce_pair(kw, reduction, dtype, c)
    compare(
        lambda a: ours(a, gn.tensor(t)),
        lambda a: ref(a, torch.from_numpy(t)),
        [x],
        what=f"CrossEntropyLoss {kw}",
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "kw", [{}, {"label_smoothing": 0.1}, {"weight": True}, {"weight": True, "label_smoothing": 0.3}]
)
def test_cross_entropy_probability_targets(kw, reduction, dtype):
    rng = np.random.default_rng(3)
    x = 3 * randn(rng, (6, 5), dtype)
    q = positive(rng, (6, 5), dtype)
    q /= q.sum(1, keepdims=True)
    ours, ref = _ce_pair(kw, reduction, dtype, 5)
    compare(
        lambda a: ours(a, gn.tensor(q)),
        lambda a: ref(a, torch.tensor(q)),
        [x],
        what=f"CrossEntropyLoss probabilities {kw}",
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("kw", [{}, {"ignore_index": 1, "weight": True}, {"label_smoothing": 0.1}])
@pytest.mark.parametrize("probs", [False, True])
def test_cross_entropy_spatial_inputs(kw, reduction, probs, dtype):
    rng = np.random.default_rng(4)
    x = 2 * randn(rng, (3, 4, 2, 5), dtype)  # (N, C, d1, d2)
    if probs:
        if "ignore_index" in kw:
            return  # ignore_index has no meaning for probability targets
        t = positive(rng, (3, 4, 2, 5), dtype)
        t /= t.sum(1, keepdims=True)
        tg, tt = gn.tensor(t), torch.tensor(t)
    else:
        t = rng.integers(0, 4, (3, 2, 5))
        tg, tt = gn.tensor(t), torch.from_numpy(t)
    ours, ref = _ce_pair(kw, reduction, dtype, 4)
    compare(lambda a: ours(a, tg), lambda a: ref(a, tt), [x], what=f"CE (N,C,d1,d2) {kw}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "kw", [{}, {"weight": True}, {"ignore_index": 2}, {"weight": True, "ignore_index": 0}]
)
def test_nll_loss(kw, reduction, dtype):
    rng = np.random.default_rng(5)
    x = randn(rng, (6, 4), dtype)
    t = np.array([0, 2, 1, 3, 2, 0])
    kw = dict(kw)
    w = positive(rng, (4,), dtype) if kw.pop("weight", False) else None
    ours = nn.NLLLoss(weight=None if w is None else gn.tensor(w), reduction=reduction, **kw)
    ref = torch.nn.NLLLoss(weight=None if w is None else torch.tensor(w), reduction=reduction, **kw)
    compare(
        lambda a: ours(nn.LogSoftmax(1)(a), t),
        lambda a: ref(torch.log_softmax(a, 1), torch.from_numpy(t)),
        [x],
        what="NLLLoss",
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_spatial_inputs(reduction):
    rng = np.random.default_rng(5)
    x = randn(rng, (3, 4, 5), np.float64)
    t = rng.integers(0, 4, (3, 5))
    t[0, 0] = -100
    compare(
        lambda a: F.nll_loss(a, t, reduction=reduction),
        lambda a: tF.nll_loss(a, torch.from_numpy(t), reduction=reduction),
        [x],
        what="NLLLoss (N,C,d)",
    )


def test_all_targets_ignored_gives_nan_loss_and_zero_gradient_like_pytorch():
    x, t = randn(np.random.default_rng(0), (3, 4), np.float64), np.array([2, 2, 2])
    compare(
        lambda a: F.nll_loss(a, t, ignore_index=2),
        lambda a: tF.nll_loss(a, torch.from_numpy(t), ignore_index=2),
        [x],
        what="nll",
    )
    compare(
        lambda a: F.cross_entropy(a, t, ignore_index=2),
        lambda a: tF.cross_entropy(a, torch.from_numpy(t), ignore_index=2),
        [x],
        what="ce",
    )


@pytest.mark.parametrize("loss", [nn.NLLLoss(), nn.CrossEntropyLoss()])
def test_class_targets_out_of_range_are_errors_not_wraparounds(loss):
    for bad in (-1, 4):
        with pytest.raises(IndexError, match=f"target {bad} is out of range for 4 classes"):
            loss(gn.zeros(3, 4), np.array([0, bad, 1]))


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 6),
    c=st.integers(1, 5),
    seed=st.integers(0, 2**16),
    reduction=st.sampled_from(REDUCTIONS),
    smoothing=st.sampled_from([0.0, 0.25]),
    weighted=st.booleans(),
    ignore=st.booleans(),
    dtype=st.sampled_from(DTYPES),
)
def test_cross_entropy_property(n, c, seed, reduction, smoothing, weighted, ignore, dtype):
    rng = np.random.default_rng(seed)
    x = 3 * randn(rng, (n, c), dtype)
    t = rng.integers(0, c, n)
    kw = {"label_smoothing": smoothing, "reduction": reduction}
    if ignore and n > 1:
        kw["ignore_index"] = int(t[0])
    w = positive(rng, (c,), dtype) if weighted else None
    ours = nn.CrossEntropyLoss(weight=None if w is None else gn.tensor(w), **kw)
    ref = torch.nn.CrossEntropyLoss(weight=None if w is None else torch.tensor(w), **kw)
    compare(lambda a: ours(a, t), lambda a: ref(a, torch.from_numpy(t)), [x], seed, "CE")


@settings(max_examples=20, deadline=None)
@given(
    shape=array_shapes(min_dims=1, max_dims=3, max_side=4),
    seed=st.integers(0, 2**16),
    name=st.sampled_from(["MSELoss", "L1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss"]),
    reduction=st.sampled_from(REDUCTIONS),
    dtype=st.sampled_from(DTYPES),
)
def test_elementwise_losses_property(shape, seed, name, reduction, dtype):
    rng = np.random.default_rng(seed)
    x = (
        np.asarray(rng.uniform(0.05, 0.95, shape), dtype)
        if name == "BCELoss"
        else 2 * randn(rng, shape, dtype)
    )
    y = np.asarray(rng.random(shape), dtype)
    compare(
        getattr(nn, name)(reduction=reduction),
        getattr(torch.nn, name)(reduction=reduction),
        [x, y],
        seed,
        name,
    )


def test_cross_entropy_equals_log_softmax_plus_nll():
    """The fused op against its simple composed version, in glassnet itself and in PyTorch."""
    rng = np.random.default_rng(6)
    x, t = randn(rng, (8, 5), np.float64), rng.integers(0, 5, 8)
    compare(
        lambda a: F.nll_loss(F.log_softmax(a, 1), t),
        lambda a: tF.cross_entropy(a, torch.from_numpy(t)),
        [x],
        what="composed CE",
    )


# ----- init ---------------------------------------------------------------------------------
INITS = [
    ("uniform_", (-0.3, 0.7)),
    ("normal_", (0.2, 0.5)),
    ("constant_", (0.25,)),
    ("zeros_", ()),
    ("ones_", ()),
    ("xavier_uniform_", ()),
    ("xavier_uniform_", (2.0,)),
    ("xavier_normal_", ()),
    ("kaiming_uniform_", ()),
    ("kaiming_uniform_", (math.sqrt(5),)),
    ("kaiming_normal_", ()),
    ("kaiming_normal_", (0, "fan_out", "relu")),
]


@pytest.mark.parametrize("name,args", INITS)
def test_init_statistics_and_bounds_match_pytorch(name, args):
    shape = (300, 400)
    ours = getattr(nn.init, name)(gn.zeros(*shape), *args).numpy()
    ref = getattr(torch.nn.init, name)(torch.zeros(*shape), *args).numpy()
    assert ours.dtype == np.float32
    # Same distribution: mean, spread and range agree to sampling error (120,000 draws).
    spread = max(float(ref.std()), 1e-12)
    assert abs(ours.mean() - ref.mean()) < 0.02 * spread + 1e-7
    np.testing.assert_allclose(ours.std(), ref.std(), rtol=0.02, atol=1e-7)
    if "uniform" in name:  # same bounds: both reach within 1 % of the same edges
        np.testing.assert_allclose(
            [ours.min(), ours.max()], [ref.min(), ref.max()], rtol=0.01, atol=1e-3 * spread
        )


def test_linear_default_init_matches_pytorch():
    ours = nn.Linear(500, 400)
    ref = torch.nn.Linear(500, 400)
    for a, b in [(ours.weight, ref.weight), (ours.bias, ref.bias)]:
        a, b = a.detach().numpy(), b.detach().numpy()
        rtol = 4 / math.sqrt(2 * a.size)  # four standard errors of a sample std
        np.testing.assert_allclose(a.std(), b.std(), rtol=2 * rtol)
        np.testing.assert_allclose(a.std(), 1 / math.sqrt(3 * 500), rtol=rtol)
        assert abs(a).max() <= 1 / math.sqrt(500) and abs(b).max() <= 1 / math.sqrt(500)
        assert abs(a).max() > 0.99 / math.sqrt(500)


def test_init_fan_errors_name_the_shape():
    with pytest.raises(ValueError, match=r"\(5,\)"):
        nn.init.xavier_uniform_(gn.zeros(5))


# ----- gradient clipping --------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm(norm_type, max_norm):
    rng = np.random.default_rng(7)
    grads = [randn(rng, s, np.float32) for s in [(4, 3), (3,), (2, 2, 2)]]
    ours = [gn.zeros(*g.shape, requires_grad=True) for g in grads]
    ref = [torch.zeros(*g.shape, requires_grad=True) for g in grads]
    for o, r, g in zip(ours, ref, grads):
        o.grad, r.grad = gn.tensor(g.copy()), torch.tensor(g.copy())
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    total_ref = torch.nn.utils.clip_grad_norm_(ref, max_norm, norm_type)
    assert_close(total, total_ref, np.float32, "total norm")
    for o, r in zip(ours, ref):
        assert_close(o.grad, r.grad, np.float32, "clipped grad")


def test_clip_grad_value():
    g = randn(np.random.default_rng(8), (5, 4), np.float32)
    o, r = gn.zeros(5, 4, requires_grad=True), torch.zeros(5, 4, requires_grad=True)
    o.grad, r.grad = gn.tensor(g.copy()), torch.tensor(g.copy())
    nn.utils.clip_grad_value_([o], 0.5)
    torch.nn.utils.clip_grad_value_([r], 0.5)
    assert_close(o.grad, r.grad, np.float32, "clip_grad_value_")


# ----- state dicts --------------------------------------------------------------------------
def _mlp(lib):
    return lib.nn.Sequential(
        lib.nn.Linear(6, 5),
        lib.nn.ReLU(),
        lib.nn.Sequential(lib.nn.Linear(5, 4), lib.nn.Tanh()),
        lib.nn.Linear(4, 2),
    )


def test_torch_state_dict_loads_into_glassnet_with_the_same_keys_and_outputs():
    torch.manual_seed(1)
    ref = _mlp(torch)
    ours = _mlp(gn)
    assert list(ours.state_dict()) == list(ref.state_dict())
    missing, unexpected = ours.load_state_dict(ref.state_dict())
    assert missing == [] and unexpected == []
    x = randn(np.random.default_rng(0), (7, 6), np.float32)
    with gn.no_grad(), torch.no_grad():
        assert_close(ours(gn.tensor(x)), ref(torch.tensor(x)), np.float32, "loaded model")
    for (k, a), b in zip(ours.state_dict().items(), ref.state_dict().values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=k)


def test_glassnet_state_dict_loads_into_torch_and_round_trips():
    ours = _mlp(gn)
    ref = _mlp(torch)
    ref.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )
    again = _mlp(gn)
    again.load_state_dict({k: v.numpy().copy() for k, v in ours.state_dict().items()})
    x = randn(np.random.default_rng(0), (3, 6), np.float32)
    with gn.no_grad(), torch.no_grad():
        out = ours(gn.tensor(x))
        assert_close(out, ref(torch.tensor(x)), np.float32, "glassnet weights in torch")
        np.testing.assert_array_equal(again(gn.tensor(x)).numpy(), out.numpy())
