"""`Tensor.data` is a Tensor sharing storage, detached from the graph, as PyTorch's (issue 14).

The tutorials update weights through it (`p.data.add_(...)`, `w.data.uniform_(...)`); each rule
is checked against torch on the same values.
"""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch


def _pair(values, requires_grad=True):
    return (
        gn.tensor(values, requires_grad=requires_grad),
        torch.tensor(values, requires_grad=requires_grad),
    )


def test_data_is_a_detached_tensor_sharing_storage():
    w, tw = _pair([1.0, 2.0, 3.0])
    d, td = w.data, tw.data
    assert isinstance(d, gn.Tensor) and not d.requires_grad and d.grad_fn is None
    assert d.requires_grad == td.requires_grad and d.is_leaf == td.is_leaf
    d[0] = 10.0
    td[0] = 10.0
    np.testing.assert_array_equal(w.detach().numpy(), tw.detach().numpy())
    np.testing.assert_array_equal(d.numpy(), w.detach().numpy())


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("add_", (2.0,)),
        ("sub_", (0.5,)),
        ("mul_", (3.0,)),
        ("div_", (4.0,)),
        ("zero_", ()),
        ("fill_", (7.0,)),
        ("clamp_", (1.5, 2.5)),
    ],
)
def test_in_place_methods_through_data_change_the_parameter_as_torch(method, args):
    w, tw = _pair([1.0, 2.0, 3.0])
    out = getattr(w.data, method)(*args)
    getattr(tw.data, method)(*args)
    assert isinstance(out, gn.Tensor)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)
    assert w.requires_grad and w.is_leaf  # still a parameter


def test_tensor_operands_and_alpha_match_torch():
    w, tw = _pair([[1.0, 2.0], [3.0, 4.0]])
    g, tg = _pair([0.5, -1.0], requires_grad=False)
    w.data.add_(g, alpha=-0.1)
    tw.data.add_(tg, alpha=-0.1)
    w.data.sub_(g, alpha=2.0)
    tw.data.sub_(tg, alpha=2.0)
    w.data.mul_(g).copy_(w.data * 2)
    tw.data.mul_(tg).copy_(tw.data * 2)
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-6)


def test_random_fills_through_data_keep_the_bounds():
    w = gn.zeros(1000, requires_grad=True)
    w.data.uniform_(-0.5, 0.5)
    a = w.detach().numpy()
    assert -0.5 <= a.min() < -0.4 and 0.4 < a.max() < 0.5
    w.data.normal_(0.0, 0.01)
    assert 0.005 < w.detach().numpy().std() < 0.02


def test_sgd_by_hand_through_data_trains_as_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], np.float32)
    w, tw = _pair(np.zeros(3, np.float32))
    for _ in range(30):
        for lib, p in ((gn, w), (torch, tw)):
            loss = ((lib.tensor(x) @ p - lib.tensor(y)) ** 2).mean()
            p.grad = None
            loss.backward()
            p.data.sub_(0.1 * p.grad.data)  # the tutorials' update
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-4, atol=1e-6)
    assert abs(w.detach().numpy()[1] + 2.0) < 0.1


def test_assigning_data_replaces_the_storage():
    w, tw = _pair([1.0, 2.0])
    w.data = gn.tensor([5.0, 6.0, 7.0])
    tw.data = torch.tensor([5.0, 6.0, 7.0])
    assert w.shape == tuple(tw.shape) and w.requires_grad
    np.testing.assert_array_equal(w.detach().numpy(), tw.detach().numpy())


def test_changes_through_data_are_not_seen_by_autograd():
    for lib in (gn, torch):
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (w * w).sum()
        w.data.mul_(10.0)  # torch's documented hazard: no error, the new values are used
        y.backward()
        np.testing.assert_allclose(np.asarray(w.grad.numpy()), [20.0, 40.0])


def test_in_place_on_a_leaf_that_requires_grad_is_still_refused_directly():
    w = gn.tensor([1.0], requires_grad=True)
    for method, args in (("sub_", (1.0,)), ("div_", (2.0,)), ("clamp_", (0.0, 1.0))):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            getattr(w, method)(*args)


def _walk(fn, depth=0):
    """The blitz tutorial's walk: (name, depth) of every node reached by next_functions."""
    if fn is None:
        return []
    out = [(fn.name(), depth)]
    for nxt, _ in fn.next_functions:
        out += _walk(nxt, depth + 1)
    return out


def _torch_names(walk):
    # glassnet names a node after its op class; compare the graph's shape and the leaves
    return [(n if "AccumulateGrad" in n else "node", d) for n, d in walk]


def test_grad_fn_walk_matches_torch_graph_shape():
    a, ta = _pair([1.0, 2.0])
    b, tb = _pair([3.0, 4.0])
    out = ((a * b + a).sum(), (ta * tb + ta).sum())
    gw, tw = _walk(out[0].grad_fn), _walk(out[1].grad_fn)
    assert _torch_names(gw) == _torch_names(tw)
    assert [n for n, _ in gw] == [n for n, _ in tw]  # Sum, Add, Mul, leaves: same names


def test_next_functions_of_a_constant_and_a_leaf():
    a, ta = _pair([1.0, 2.0])
    c = gn.tensor([5.0, 6.0])
    nf, tnf = (a * c).grad_fn.next_functions, (ta * torch.tensor([5.0, 6.0])).grad_fn.next_functions
    assert len(nf) == len(tnf) == 2 and nf[1] == tnf[1] == (None, 0)
    assert nf[0][0].variable is a and tnf[0][0].variable is ta
    assert nf[0][0].name() == tnf[0][0].name()
    assert "MulBackward0" in repr(a * c) and (a * c).grad_fn.name() == "MulBackward0"
