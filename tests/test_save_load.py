"""`gn.save(obj, f)` / `gn.load(f)` for any structure of tensors, as torch.save/torch.load
(issue 14): paths and file objects, nested dicts/lists/tuples, never pickle.

Each case is saved by both libraries and the two loaded objects are compared.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

import glassnet as gn
from reference_torch import torch


def _same(ours, theirs):
    """Structure, types and values of a glassnet object equal torch's after a round trip."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, gn.Tensor) and ours.requires_grad == theirs.requires_grad
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs)
        for k in theirs:
            _same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            _same(a, b)
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)
    else:
        assert type(ours) is type(theirs) and ours == theirs


def _objects(lib):
    w = np.arange(6.0, dtype=np.float32).reshape(2, 3)
    return {
        "tensor": lib.tensor(w),
        "grad leaf": lib.tensor([1.0, 2.0], requires_grad=True),
        "int tensor": lib.tensor([1, 2, 3]),
        "array": w.astype(np.float64),
        "list": [lib.tensor(w), lib.tensor(w[0]), 3],
        "checkpoint": {
            "epoch": 5,
            "loss": 0.25,
            "name": "run",
            "best": None,
            "model_state_dict": {"weight": lib.tensor(w), "bias": lib.zeros(2)},
            "optimizer_state_dict": {
                "state": {0: {"step": 3, "momentum_buffer": lib.ones(2, 3)}},
                "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1]}],
            },
        },
    }


@pytest.mark.parametrize("case", list(_objects(gn)))
@pytest.mark.parametrize("to", ["path", "file object"])
def test_round_trip_matches_torch(case, to, tmp_path):
    ours, theirs = _objects(gn)[case], _objects(torch)[case]
    if to == "path":
        gn.save(ours, tmp_path / "o.pt")
        torch.save(theirs, tmp_path / "t.pt")
        back, tback = gn.load(tmp_path / "o.pt"), torch.load(tmp_path / "t.pt", weights_only=False)
    else:
        buf, tbuf = io.BytesIO(), io.BytesIO()
        gn.save(ours, buf)
        torch.save(theirs, tbuf)
        buf.seek(0)
        tbuf.seek(0)
        back, tback = gn.load(buf, weights_only=True), torch.load(tbuf, weights_only=False)
    _same(back, tback)  # (torch needs its pickle loader for arrays: our own files here)


def test_checkpoint_resumes_training_as_torch_tutorial(tmp_path):
    # "Saving and loading a general checkpoint": model, optimizer, epoch and loss in one dict
    net = gn.nn.Linear(3, 2)
    opt = gn.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x = gn.randn(8, 3)
    loss = net(x).pow(2).mean()
    loss.backward()
    opt.step()
    path = tmp_path / "ckpt.pt"
    gn.save(
        {
            "epoch": 1,
            "model_state_dict": net.state_dict(),
            "optimizer_state_dict": opt.state_dict(),
            "loss": loss,
        },
        path,
    )
    ck = gn.load(path, weights_only=True)
    net2 = gn.nn.Linear(3, 2)
    opt2 = gn.optim.SGD(net2.parameters(), lr=0.5, momentum=0.9)
    net2.load_state_dict(ck["model_state_dict"])
    opt2.load_state_dict(ck["optimizer_state_dict"])
    assert ck["epoch"] == 1 and abs(ck["loss"].item() - loss.item()) < 1e-7
    for o, m in ((opt, net), (opt2, net2)):
        o.zero_grad()
        m(x).pow(2).mean().backward()
        o.step()
    np.testing.assert_array_equal(net2.weight.detach().numpy(), net.weight.detach().numpy())


def test_pickle_and_unknown_objects_are_refused(tmp_path):
    p = tmp_path / "o.pt"
    gn.save([gn.ones(2)], p)
    with pytest.raises(ValueError, match="weights_only=False.*never\\s+unpickle"):
        gn.load(p, weights_only=False)
    with pytest.raises(
        TypeError, match="obj\\[0\\]\\['f'\\] has type builtin_function_or_method.*never pickles"
    ):
        gn.save([{"f": len}], tmp_path / "x.pt")
    with pytest.raises(RuntimeError, match="map_location.*cuda"):
        gn.load(p, map_location="cuda")
    assert gn.load(p, map_location="cpu")[0].shape == (2,)
    assert not (tmp_path / "x.pt").exists()


def test_a_tampered_structure_is_refused(tmp_path):
    p = tmp_path / "o.pt"
    gn.save({"a": gn.ones(2)}, p)
    gn.save({"a": [gn.ones(2)]}, p)
    raw = p.read_bytes().replace(b"$tensor", b"$tens0r")
    p.write_bytes(raw)
    with pytest.raises(gn.CheckpointError, match="SHA-256"):
        gn.load(p)
