"""Small PyTorch names the tutorials use (issue 14): glassnet.utils.data, TensorDataset items,
smooth_l1_loss, LSTM.flatten_parameters, div(rounding_mode=); each checked against torch."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch


def test_utils_data_is_the_data_module():
    import glassnet.utils.data as gud
    from glassnet.utils.data import DataLoader, TensorDataset

    assert gud is gn.data and gn.utils.data is gn.data
    assert DataLoader is gn.data.DataLoader and TensorDataset is gn.data.TensorDataset


def test_tensor_dataset_items_are_tensors_as_torch():
    x = np.arange(12, dtype=np.float32).reshape(6, 2)
    y = np.arange(6)
    ds, tds = (
        gn.data.TensorDataset(gn.tensor(x), gn.tensor(y)),
        torch.utils.data.TensorDataset(torch.tensor(x), torch.tensor(y)),
    )
    for i in (0, 5, slice(1, 3)):
        ours, theirs = ds[i], tds[i]
        assert all(isinstance(a, gn.Tensor) for a in ours)
        for a, b in zip(ours, theirs):
            assert a.shape == tuple(b.shape) and str(a.dtype) == str(b.dtype).split(".")[1]
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    xb, yb = next(iter(gn.data.DataLoader(ds, batch_size=4)))
    assert isinstance(xb, gn.Tensor) and xb.shape == (4, 2) and yb.shape == (4,)


@pytest.mark.parametrize("beta", [1.0, 0.3, 0.0])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_smooth_l1_loss_matches_torch(beta, reduction):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 4, 5))
    x, tx = gn.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    ours = gn.nn.functional.smooth_l1_loss(x, gn.tensor(b), reduction=reduction, beta=beta)
    theirs = torch.nn.functional.smooth_l1_loss(tx, torch.tensor(b), reduction=reduction, beta=beta)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    m = gn.nn.SmoothL1Loss(beta=beta)(x, gn.tensor(b))
    tm = torch.nn.SmoothL1Loss(beta=beta)(tx, torch.tensor(b))
    np.testing.assert_allclose(m.item(), tm.item(), rtol=1e-12)


def test_lstm_flatten_parameters_is_a_no_op():
    m = gn.nn.LSTM(3, 4)
    before = [p.detach().numpy().copy() for p in m.parameters()]
    assert m.flatten_parameters() is None
    for b, p in zip(before, m.parameters()):
        np.testing.assert_array_equal(b, p.detach().numpy())


@pytest.mark.parametrize("mode", [None, "trunc", "floor"])
@pytest.mark.parametrize("kind", ["float", "int"])
def test_div_rounding_mode_matches_torch(mode, kind):
    a = np.array([7, -7, 5, -5, 9, 0])
    b = np.array([2, 2, -3, -3, 4, 3])
    if kind == "float":
        a, b = a.astype(np.float32) + 0.5, b.astype(np.float32)
    ours = gn.div(gn.tensor(a), gn.tensor(b), rounding_mode=mode)
    theirs = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
    assert str(ours.dtype) == str(theirs.dtype).split(".")[1]
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    m = gn.tensor(a).div(3, rounding_mode=mode)
    np.testing.assert_allclose(m.numpy(), torch.tensor(a).div(3, rounding_mode=mode).numpy())
    with pytest.raises(ValueError, match="rounding_mode"):
        gn.tensor(a).div(2, rounding_mode="round")


@pytest.mark.parametrize("dim", [None, 0, 1])
def test_all_and_any_match_torch(dim):
    a = np.array([[1, 0, 2], [3, 4, 5]])
    for name in ("all", "any"):
        ours = (
            getattr(gn.tensor(a), name)(dim) if dim is not None else getattr(gn.tensor(a), name)()
        )
        theirs = (
            getattr(torch.tensor(a), name)(dim)
            if dim is not None
            else getattr(torch.tensor(a), name)()
        )
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert ours.dtype == np.bool_
