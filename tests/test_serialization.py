"""glassnet.save / glassnet.load: safetensors + architecture JSON, clear errors."""

import json
import os
import stat
import struct
from collections import OrderedDict

import numpy as np
import pytest

import glassnet as gn
from glassnet import nn, serialization
from glassnet.io import atomic_open, atomic_write_text


def _model():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(6, 5),
        nn.LeakyReLU(0.2),
        nn.Dropout(0.1),
        nn.Linear(5, 4, bias=False),
        nn.Tanh(),
        nn.Linear(4, 3),
        nn.Softmax(1),
    )


def test_roundtrip_rebuilds_architecture_and_weights(tmp_path):
    m = _model()
    gn.save(m, tmp_path / "m.safetensors")
    r = gn.load(tmp_path / "m.safetensors")
    assert repr(r) == repr(m)
    x = gn.randn(7, 2, 3)
    m.eval(), r.eval()
    np.testing.assert_array_equal(m(x).detach().numpy(), r(x).detach().numpy())
    d = nn.Linear(3, 2).double()
    gn.save(d, tmp_path / "d.safetensors")
    assert gn.load(tmp_path / "d.safetensors").weight.dtype == np.float64


def test_file_is_standard_safetensors_readable_by_the_library(tmp_path):
    import safetensors.numpy as st

    gn.save(_model(), tmp_path / "m.safetensors")
    tensors = st.load_file(str(tmp_path / "m.safetensors"))
    assert tensors["model.1.weight"].shape == (5, 6) and "model.4.bias" not in tensors


def test_truncated_and_tampered_files_are_refused(tmp_path):
    p = tmp_path / "m.safetensors"
    gn.save(_model(), p)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) - 10])
    with pytest.raises(gn.CheckpointError, match="m.safetensors"):
        gn.load(p)
    bad = bytearray(raw)
    bad[-3] ^= 0xFF  # a weight byte
    p.write_bytes(bytes(bad))
    with pytest.raises(gn.CheckpointError, match="SHA-256"):
        gn.load(p)
    p.write_bytes(b"not a model")
    with pytest.raises(gn.CheckpointError, match="too short|header length"):
        gn.load(p)


def _write(path, arch, tensors):
    from safetensors.numpy import save

    meta = {
        "format": serialization.FORMAT,
        "sha256": serialization._digest(tensors),
        "architecture": json.dumps(arch),
    }
    path.write_bytes(save(tensors, metadata=meta))


def test_unknown_layer_type_and_shape_mismatch(tmp_path):
    p = tmp_path / "m.safetensors"
    _write(p, {"type": "Conv9d", "config": {}, "children": {}}, {})
    with pytest.raises(gn.CheckpointError, match="unknown layer type 'Conv9d'"):
        gn.load(p)
    arch = serialization.architecture(nn.Linear(2, 4))
    _write(
        p,
        arch,
        {"model.weight": np.zeros((3, 2), np.float32), "model.bias": np.zeros(4, np.float32)},
    )
    with pytest.raises(gn.CheckpointError, match=r"'weight' has shape \(3, 2\).*\(4, 2\)"):
        gn.load(p)
    arch = serialization.architecture(gn.models.MLP([2, 3]))
    arch["config"]["activation"] = {"layer_type": "os.system"}
    _write(p, arch, {})
    with pytest.raises(gn.CheckpointError, match=r"argument activation: unknown layer type"):
        gn.load(p)


def test_unregistered_layers_fail_at_save_and_registered_ones_roundtrip(tmp_path):
    class Scale(nn.Module):
        def __init__(self, factor: float = 2.0):
            super().__init__()
            self.factor = factor

        def forward(self, x):
            return x * self.factor

    with pytest.raises(TypeError, match="Scale is not registered"):
        gn.save(nn.Sequential(Scale()), tmp_path / "s.safetensors")
    gn.register_module(Scale)
    gn.save(nn.Sequential(Scale(3.0)), tmp_path / "s.safetensors")
    assert gn.load(tmp_path / "s.safetensors")[0].factor == 3.0


def test_atomic_write_keeps_the_old_file_on_a_crash(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(p) as f:
        f.write(b"half")
        raise RuntimeError("crash mid-write")
    assert p.read_bytes() == b"old" and [q.name for q in tmp_path.iterdir()] == ["f.bin"]


def test_header_length_larger_than_file_is_reported(tmp_path):
    p = tmp_path / "m.safetensors"
    p.write_bytes(struct.pack("<Q", 1 << 40) + b"{}")
    with pytest.raises(gn.CheckpointError, match="header length"):
        gn.load(p)


# Every layer type with arguments away from their defaults, and an input for it.
_X4 = np.random.default_rng(0).standard_normal((2, 3, 8, 8)).astype(np.float32)
_X3 = np.random.default_rng(1).standard_normal((2, 3, 9)).astype(np.float32)
_SEQ = np.random.default_rng(2).standard_normal((5, 2, 3)).astype(np.float32)
LAYERS = {
    "Conv2d": (
        lambda: nn.Conv2d(3, 4, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), bias=False),
        _X4,
    ),
    "Conv2d same": (lambda: nn.Conv2d(3, 6, 3, padding="same", groups=3), _X4),
    "Conv1d": (lambda: nn.Conv1d(3, 2, 4, stride=2, padding=1), _X3),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
        _X4,
    ),
    "Unflatten": (lambda: nn.Sequential(nn.Flatten(), nn.Unflatten(1, (24, 8))), _X4),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True), _X4),
    "MaxPool1d": (lambda: nn.MaxPool1d(2, dilation=2), _X3),
    "AvgPool2d": (lambda: nn.AvgPool2d((2, 3), padding=1, count_include_pad=False), _X4),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, stride=1, ceil_mode=True), _X3),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), _X4),
    "Upsample": (lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True), _X4),
    "BatchNorm2d": (lambda: nn.BatchNorm2d(3, eps=1e-3, momentum=None, affine=False), _X4),
    "BatchNorm1d": (lambda: nn.BatchNorm1d(3, track_running_stats=False), _X3),
    "LayerNorm": (lambda: nn.LayerNorm([8, 8], eps=1e-3, bias=False), _X4),
    "Embedding": (lambda: nn.Embedding(10, 4, padding_idx=0), np.array([[0, 3], [9, 1]])),
    "LSTM": (lambda: nn.LSTM(3, 4, num_layers=2, bidirectional=True, bias=False), _SEQ),
    "GRU": (lambda: nn.GRU(3, 4, batch_first=True, dropout=0.5, num_layers=2), _SEQ),
    "RNN": (lambda: nn.RNN(3, 4, nonlinearity="relu"), _SEQ),
    "LSTMCell": (lambda: nn.LSTMCell(3, 5, bias=False), _SEQ[0]),
    "GRUCell": (lambda: nn.GRUCell(3, 5), _SEQ[0]),
    "RNNCell": (lambda: nn.RNNCell(3, 5, nonlinearity="relu"), _SEQ[0]),
    "ModuleDict": (
        lambda: nn.Sequential(nn.ModuleDict({"a": nn.Linear(2, 3)})["a"]),
        np.ones((2, 2), np.float32),
    ),
    "MLP": (
        lambda: gn.models.MLP([3, 5, 2], activation=nn.Tanh, batch_norm=True),
        np.ones((4, 3), np.float32),
    ),
    "LeNet5": (
        lambda: gn.models.LeNet5(3, 7, activation=nn.Sigmoid),
        np.ones((2, 3, 28, 28), np.float32),
    ),
    "ResNet": (lambda: gn.models.ResNet(3, 5, widths=(4, 8), blocks_per_stage=1), _X4),
}


def _outputs(m, x):
    out = m(gn.tensor(x) if x.dtype.kind == "f" else x)
    flat = out if isinstance(out, tuple) else (out,)
    return [o.detach().numpy() for f in flat for o in (f if isinstance(f, tuple) else (f,))]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_layer_type_saves_and_loads_with_its_arguments(name, tmp_path):
    make, x = LAYERS[name]
    gn.manual_seed(0)
    model = make().eval()
    path = tmp_path / "m.safetensors"
    gn.save(model, path)
    back = gn.load(path).eval()
    assert type(back) is type(model)
    assert repr(back) == repr(model)
    assert serialization.architecture(back) == serialization.architecture(model)
    for a, b in zip(_outputs(back, x), _outputs(model, x), strict=True):
        np.testing.assert_array_equal(a, b)


def test_every_public_layer_type_is_registered():
    losses = {c for c in vars(nn).values() if isinstance(c, type) and c.__name__.endswith("Loss")}
    layers = [
        c
        for mod in (nn, gn.models)
        for c in vars(mod).values()
        if isinstance(c, type)
        and issubclass(c, nn.Module)
        and c not in losses
        and c is not nn.Module
    ]
    registered = {e.cls for e in serialization._REGISTRY.values()}
    assert len(layers) > 30
    assert [c.__name__ for c in layers if c not in registered] == []


def test_module_dict_registers_its_modules_by_name():
    d = nn.ModuleDict({"enc": nn.Linear(4, 2)})
    d["dec"] = nn.Linear(2, 4)
    d.update([("act", nn.ReLU())])
    assert list(d) == ["enc", "dec", "act"] and "dec" in d and len(d) == 3
    assert [k for k, _ in d.named_parameters()] == [
        "enc.weight",
        "enc.bias",
        "dec.weight",
        "dec.bias",
    ]
    del d["act"]
    assert list(d.keys()) == ["enc", "dec"]
    with pytest.raises(TypeError, match="ModuleDict: value for 'x' is int, not a Module"):
        d["x"] = 3


# ----- constructor arguments are recorded, never guessed -----------------------------------
@gn.register_module
class _Scale(nn.Module):
    """Keeps its argument under another name: only the recorded arguments can rebuild it."""

    def __init__(self, factor: float = 2.0) -> None:
        super().__init__()
        self.f = factor

    def forward(self, x):
        return x * self.f


@gn.register_module
class _Wide(nn.Linear):
    """A subclass whose own arguments differ from the Linear it builds."""

    def __init__(self, n: int, act: type = nn.Tanh) -> None:
        super().__init__(n, 2 * n, bias=False)
        self.act = act()

    def forward(self, x):
        return self.act(super().forward(x))


def test_arguments_stored_under_other_names_survive_a_roundtrip(tmp_path):
    gn.save(nn.Sequential(_Scale(factor=3.0)), tmp_path / "s.safetensors")
    back = gn.load(tmp_path / "s.safetensors")
    assert back[0].f == 3.0
    assert back(gn.ones(2)).tolist() == [3.0, 3.0]


def test_a_subclass_records_its_own_arguments_not_those_of_super_init(tmp_path):
    m = _Wide(3, act=nn.Sigmoid)
    assert serialization.architecture(m)["config"] == {"n": 3, "act": {"layer_type": "Sigmoid"}}
    gn.save(m, tmp_path / "w.safetensors")
    back = gn.load(tmp_path / "w.safetensors")
    assert type(back.act) is nn.Sigmoid and back.weight.shape == (6, 3)
    x = gn.randn(4, 3)
    np.testing.assert_array_equal(back(x).detach().numpy(), m(x).detach().numpy())


def test_layer_norm_without_affine_weights_roundtrips(tmp_path):
    m = nn.LayerNorm(4, elementwise_affine=False)
    gn.save(m, tmp_path / "n.safetensors")
    back = gn.load(tmp_path / "n.safetensors")
    assert list(back.parameters()) == [] and repr(back) == repr(m)


def test_arguments_that_cannot_be_recorded_are_refused_at_save(tmp_path):
    @gn.register_module
    class Apply(nn.Module):
        def __init__(self, fn=None, *extra, **options) -> None:
            super().__init__()
            self.fn = fn

    p = tmp_path / "a.safetensors"
    with pytest.raises(
        TypeError,
        match=r"Apply at model\.1: argument 'fn' has type ufunc "
        r"\(<ufunc 'tanh'>\); a saved layer's arguments must be JSON",
    ):
        gn.save(nn.Sequential(nn.Linear(2, 2), Apply(np.tanh)), p)
    with pytest.raises(TypeError, match=r"Apply at model: argument 'fn' has type Linear"):
        gn.save(Apply(nn.Linear(2, 2)), p)
    with pytest.raises(
        TypeError, match=r"Apply at model: argument 'extra' \(\*args\) got \(1, 2\)"
    ):
        gn.save(Apply(None, 1, 2), p)
    with pytest.raises(
        TypeError,
        match=r"Apply at model: argument 'options' \(\*\*kwargs\) "
        r"got \{'scale': 2\}",
    ):
        gn.save(Apply(scale=2), p)
    with pytest.raises(TypeError, match=r"argument 'fn' has type list"):
        gn.save(Apply(["a", object()]), p)
    assert not p.exists()
    gn.save(Apply(), p)  # nothing lost: the defaults
    assert type(gn.load(p)) is Apply


def test_numpy_scalar_arguments_are_saved_as_numbers(tmp_path):
    m = nn.Linear(np.int64(3), np.int32(2))
    assert serialization.architecture(m)["config"] == {
        "in_features": 3,
        "out_features": 2,
        "bias": True,
    }
    gn.save(m, tmp_path / "l.safetensors")
    assert gn.load(tmp_path / "l.safetensors").weight.shape == (2, 3)


# Configs as the code before recorded arguments wrote them: such files must keep loading.
_OLD_ARCHS = [
    {
        "type": "MLP",
        "config": {
            "sizes": [3, 5, 2],
            "activation": {"layer_type": "Tanh"},
            "batch_norm": False,
            "dropout": 0.1,
            "output_activation": None,
            "init": "torch",
        },
        "children": {
            "0": {
                "type": "Linear",
                "config": {"in_features": 3, "out_features": 5, "bias": True},
                "children": {},
            },
            "1": {"type": "Tanh", "config": {}, "children": {}},
            "2": {"type": "Dropout", "config": {"p": 0.1}, "children": {}},
            "3": {
                "type": "Linear",
                "config": {"in_features": 5, "out_features": 2, "bias": True},
                "children": {},
            },
        },
    },
    {
        "type": "Conv2d",
        "config": {
            "in_channels": 3,
            "out_channels": 4,
            "kernel_size": [3, 2],
            "stride": [2, 1],
            "padding": [1, 1],
            "dilation": [1, 1],
            "groups": 1,
            "bias": False,
        },
        "children": {},
    },
    {
        "type": "RNN",
        "config": {
            "input_size": 3,
            "hidden_size": 4,
            "num_layers": 1,
            "bias": True,
            "batch_first": False,
            "dropout": 0.0,
            "bidirectional": False,
            "nonlinearity": "relu",
        },
        "children": {},
    },
    {
        "type": "Sequential",
        "config": {},
        "children": {
            "0": {
                "type": "LayerNorm",
                "config": {"normalized_shape": [8, 8], "eps": 1e-05, "bias": False},
                "children": {},
            }
        },
    },
]


@pytest.mark.parametrize("arch", _OLD_ARCHS, ids=lambda a: a["type"])
def test_files_written_before_recorded_arguments_still_load(arch, tmp_path):
    model = serialization.build(arch)
    tensors = {f"model.{k}": v._array for k, v in model.state_dict().items()}
    _write(tmp_path / "old.safetensors", arch, tensors)
    back = gn.load(tmp_path / "old.safetensors")
    assert repr(back) == repr(model)
    new = serialization.architecture(back)
    assert new["type"] == arch["type"]
    assert {k: v for k, v in new["config"].items() if k in arch["config"]} == arch["config"]


# ----- state dicts, as PyTorch users save them ---------------------------------------------
def test_a_state_dict_saves_and_loads_into_a_module(tmp_path):
    m = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).eval()
    m(gn.randn(5, 3))
    p = tmp_path / "sd.safetensors"
    gn.save(m.state_dict(), p)
    sd = gn.load(p)
    assert isinstance(sd, OrderedDict) and list(sd) == list(m.state_dict())
    assert all(isinstance(v, gn.Tensor) for v in sd.values())
    assert sd["1.num_batches_tracked"].dtype == m[1].num_batches_tracked.dtype
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2)).eval()
    other.load_state_dict(sd)
    x = gn.randn(5, 3)
    np.testing.assert_array_equal(other(x).detach().numpy(), m(x).detach().numpy())


def test_a_state_dict_file_is_plain_safetensors_that_torch_loads(tmp_path):
    from safetensors.torch import load_file

    from reference_torch import torch

    p = tmp_path / "sd.safetensors"
    ours = nn.Linear(3, 2)
    gn.save(ours.state_dict(), p)
    ref = torch.nn.Linear(3, 2)
    ref.load_state_dict(load_file(str(p)))
    np.testing.assert_array_equal(ref.weight.detach().numpy(), ours.weight.detach().numpy())
    gn.save({"w": np.arange(6.0).reshape(2, 3), "step": np.int64(7)}, p)
    back = gn.load(p)
    assert back["w"].dtype == np.float64 and back["step"].shape == () and back["step"].item() == 7


def test_a_state_dict_file_is_checksummed_and_bad_values_are_refused(tmp_path):
    p = tmp_path / "sd.safetensors"
    gn.save(nn.Linear(3, 2).state_dict(), p)
    raw = bytearray(p.read_bytes())
    raw[-2] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(gn.CheckpointError, match="SHA-256"):
        gn.load(p)
    gn.save(nn.Linear(3, 2).state_dict(), p)
    with pytest.raises(gn.CheckpointError, match=r"a state dict, not a model.*load_state_dict"):
        serialization.load_checkpoint(p)
    gn.save({"a": np.zeros(2), "b": [1, 2], 3: nn.Linear(2, 2).state_dict()}, p)  # not flat:
    back = gn.load(p)  # its structure is kept as JSON (tests/test_save_load.py)
    assert back["b"] == [1, 2] and list(back[3]) == ["weight", "bias"]
    with pytest.raises(TypeError, match=r"has type Linear.*never pickles.*state_dict"):
        gn.save({"model": nn.Linear(2, 2)}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"'o' has dtype object"):
        gn.save({"o": np.array([None])}, tmp_path / "x.safetensors")
    with pytest.raises(TypeError, match=r"optimizer.*needs a model"):
        gn.save(nn.Linear(2, 2).state_dict(), tmp_path / "x.safetensors", optimizer=object())
    assert not (tmp_path / "x.safetensors").exists()


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_get_the_mode_an_ordinary_open_would(umask, tmp_path):
    old = os.umask(umask)
    try:
        with open(tmp_path / "plain", "wb"):
            pass
        gn.save(nn.Linear(2, 2), tmp_path / "m.safetensors")
        atomic_write_text(tmp_path / "t.csv", "a\n")
    finally:
        os.umask(old)
    want = 0o666 & ~umask
    assert stat.S_IMODE((tmp_path / "plain").stat().st_mode) == want
    assert stat.S_IMODE((tmp_path / "m.safetensors").stat().st_mode) == want
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == want


def test_an_atomic_write_keeps_the_mode_of_the_file_it_replaces(tmp_path):
    p = tmp_path / "m.safetensors"
    p.write_bytes(b"old")
    p.chmod(0o640)
    gn.save(nn.Linear(2, 2), p)
    assert stat.S_IMODE(p.stat().st_mode) == 0o640 and gn.load(p).weight.shape == (2, 2)
    assert [q.name for q in tmp_path.iterdir()] == ["m.safetensors"]


# ----- what the checksum covers ------------------------------------------------------------
def _edit_metadata(path, edit):
    """Rewrite a file with edit(metadata) applied, its tensors and their SHA-256 unchanged."""
    from safetensors.numpy import load, save

    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    meta = json.loads(raw[8 : 8 + n])["__metadata__"]
    edit(meta)
    path.write_bytes(save(load(raw), metadata=meta))


def _set_json(key, change):
    def edit(meta):
        value = json.loads(meta[key])
        change(value)
        meta[key] = json.dumps(value)

    return edit


def test_edited_metadata_is_refused_by_the_checksum(tmp_path):
    from glassnet.train import Model, load_model

    model = Model(nn.Sequential(nn.Linear(3, 2), nn.LeakyReLU(0.2))).compile("sgd")
    model.info = {"classes": ["cat", "dog"], "scale": 255.0}
    p = tmp_path / "m.safetensors"
    model.save(p)
    assert load_model(p).info["classes"] == ["cat", "dog"]
    edits = [
        ("training", lambda t: t["info"].update(classes=["dog", "cat"])),
        ("training", lambda t: t["info"].update(scale=1.0)),
        ("architecture", lambda a: a["children"]["1"]["config"].update(negative_slope=5)),
        ("optimizer", lambda o: o["param_groups"][0].update(lr=0.5)),
    ]
    for key, change in edits:
        model.save(p)
        _edit_metadata(p, _set_json(key, change))
        with pytest.raises(gn.CheckpointError, match=r"m\.safetensors: the metadata .*SHA-256"):
            load_model(p)
        with pytest.raises(gn.CheckpointError, match="SHA-256"):
            gn.load(p)
    gn.save(OrderedDict(a=np.zeros(2), b=np.ones(3)), p)
    _edit_metadata(p, lambda meta: meta.update(state_dict='["b", "a"]'))
    with pytest.raises(gn.CheckpointError, match="metadata .*SHA-256"):
        gn.load(p)


def test_files_without_the_metadata_checksum_load_with_the_tensor_checksum(tmp_path):
    """Files written before the metadata was covered carry only the tensors' SHA-256."""
    m = _model()
    p = tmp_path / "m.safetensors"
    gn.save(m, p)
    _edit_metadata(p, lambda meta: meta.pop(serialization.FULL_DIGEST))
    assert repr(gn.load(p)) == repr(m)
    raw = bytearray(p.read_bytes())
    raw[-3] ^= 0xFF
    p.write_bytes(bytes(raw))
    with pytest.raises(gn.CheckpointError, match="tensor data does not match its SHA-256"):
        gn.load(p)


# ----- training state: refused at load when it could not be resumed ----------------------
def _resign(path, edit):
    """Rewrite a model file with edit(meta, tensors) applied to its parsed metadata and its
    tensors, then fix both checksums: as a careful forger would, so the content is tested."""
    from safetensors.numpy import load, save

    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    meta = {
        k: (v if k in ("format", "sha256", serialization.FULL_DIGEST) else json.loads(v))
        for k, v in json.loads(raw[8 : 8 + n])["__metadata__"].items()
    }
    tensors = load(raw)
    edit(meta, tensors)
    out = {
        k: (v if k in ("format", "sha256") else json.dumps(v))
        for k, v in meta.items()
        if k != serialization.FULL_DIGEST
    }
    out["sha256"] = serialization._digest(tensors)
    out[serialization.FULL_DIGEST] = serialization._meta_digest(out)
    path.write_bytes(save(tensors, metadata=out))


def _trained(path, optimizer="adam", scheduler=None, **kw):
    from glassnet.train import Model

    m = Model(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2)))
    m.compile(optimizer, "cross_entropy", ["accuracy"], scheduler=scheduler, **kw)
    x, y = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32), np.arange(8) % 2
    m.fit(x, y, epochs=2, batch_size=4, verbose=0)
    m.save(path)
    return x, y


def _set(where, key, value):
    def edit(meta, tensors):
        target = meta
        for k in where:
            target = target[k]
        if value is KeyError:
            del target[key]
        else:
            target[key] = value

    return edit


def _tensor(key, value):
    def edit(meta, tensors):
        if value is KeyError:
            del tensors[key]
        else:
            tensors[key] = value

    return edit


_BAD_STATE = [  # (edit, what the error must name)
    (_tensor("optimizer.0.exp_avg", KeyError), r"optimizer state 0: 'exp_avg' is missing"),
    (
        _tensor("optimizer.1.exp_avg_sq", np.zeros(3, np.float32)),
        r"'exp_avg_sq' .*shape \(3,\).*\(4,\)",
    ),
    (_tensor("optimizer.2.exp_avg", np.zeros((2, 4), np.int64)), r"'exp_avg' .*int64"),
    (_tensor("optimizer.2.momentum", np.zeros((2, 4), np.float32)), r"unexpected .*'momentum'"),
    (_set(("optimizer", "param_groups", 0), "lr", "0.1"), r"param_groups\[0\]\['lr'\].*'0.1'"),
    (_set(("optimizer", "param_groups", 0), "lr", float("inf")), r"'lr'.*inf"),
    (_set(("optimizer", "param_groups", 0), "eps", -1.0), r"param_groups\[0\].*eps"),
    (_set(("optimizer", "param_groups", 0), "betas", [0.9]), r"'betas'"),
    (_set(("optimizer", "param_groups", 0), "amsgrad", 1), r"'amsgrad'.*bool"),
    (_set(("optimizer", "param_groups", 0), "nesterov", True), r"unknown .*'nesterov'"),
    (_set(("optimizer", "param_groups", 0), "params", [0, 0, 1, 2]), r"parameter 0 .*twice"),
    (_set(("optimizer", "state", "1"), "step", "2"), r"optimizer state 1: 'step'.*'2'"),
    (_set(("optimizer",), "type", "Lion"), r"optimizer type 'Lion'"),
    (_set(("scheduler", "state"), "step_size", 0), r"scheduler StepLR.*'step_size'"),
    (_set(("scheduler", "state"), "gamma", "x"), r"scheduler StepLR.*'gamma'"),
    (_set(("scheduler", "state"), "step", 1), r"scheduler StepLR.*unexpected .*'step'"),
    (_set(("scheduler", "state"), "last_epoch", KeyError), r"StepLR.*'last_epoch' is missing"),
    (_set(("scheduler",), "type", "LambdaLR"), r"scheduler type 'LambdaLR'"),
    (_tensor("model.0.weight", np.zeros((4, 3), bool)), r"'0.weight' .*bool.*float"),
    (_tensor("model.2.bias", np.zeros(2, np.int64)), r"'2.bias' .*int64.*float"),
    (_set(("training",), "epoch", 1e400), r"training 'epoch'"),
    (_set(("training",), "rng", {"bit_generator": "PCG64"}), r"training 'rng'"),
    (_set(("training",), "compile", {"loss": "mse", "l1": -1}), r"training 'compile'.*l1"),
    # found by tests/fuzzers.py: each loaded and then failed in fit (or at load, unnamed)
    (_set(("training",), "compile", {"loss": "mse", "l2": 10**400}), r"training 'compile'.*l2"),
    (_set(("optimizer",), "type", ["Adam"]), r"optimizer type \['Adam'\]"),
    (_set(("scheduler",), "type", {}), r"scheduler type \{\}"),
    (_tensor("model.2.bias", np.zeros(2, np.float64)), r"dtypes \['float32', 'float64'\]"),
    (_tensor("model.0.weight", np.zeros((4, 3), np.float16)), r"dtypes \['float16', 'float32'"),
]


@pytest.mark.parametrize("edit, message", _BAD_STATE, ids=[m for _, m in _BAD_STATE])
def test_training_state_that_could_not_be_resumed_is_refused_at_load(edit, message, tmp_path):
    from glassnet.train import load_model

    p = tmp_path / "m.safetensors"
    _trained(p, scheduler=lambda opt: gn.optim.lr_scheduler.StepLR(opt, 2))
    _resign(p, edit)
    with pytest.raises(gn.CheckpointError, match=r"m\.safetensors: .*" + message):
        load_model(p)


_RESUMABLE = [
    ("sgd", None, {}),
    ("momentum", "MultiStepLR", {}),
    ("adam", "ExponentialLR", {}),
    ("adamw", "CosineAnnealingLR", {}),
    ("rmsprop", "ReduceLROnPlateau", {}),
    ("adagrad", "StepLR", {}),
    ("adadelta", None, {}),
]
_SCHEDULER_ARGS = {
    "MultiStepLR": {"milestones": [1, 3]},
    "ExponentialLR": {"gamma": 0.9},
    "CosineAnnealingLR": {"T_max": 4},
    "StepLR": {"step_size": 1},
    "ReduceLROnPlateau": {"patience": 0},
}


def test_a_buffer_wider_than_the_parameters_is_refused(tmp_path):
    from glassnet.train import Model, load_model

    p = tmp_path / "m.safetensors"
    m = Model(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))).compile("sgd")
    m.save(p)
    _resign(p, _tensor("model.1.running_mean", np.zeros(4, np.float64)))
    with pytest.raises(
        gn.CheckpointError,
        match=r"'1.running_mean' has dtype float64.*float32 "
        r"\(the parameters'\) or narrower",
    ):
        load_model(p)
    m.module.double()
    m.module[1].running_var._array = m.module[1].running_var._array.astype(np.float32)
    m.save(p)  # float32 statistics in a float64 model compute in float64: fine
    load_model(p).fit(np.ones((4, 3)), np.zeros(4, np.int64), epochs=1, verbose=0)


def test_reduce_lr_on_plateau_keeps_its_infinite_best_and_refuses_a_huge_one(tmp_path):
    from glassnet.train import load_model

    p = tmp_path / "m.safetensors"
    _trained(p, "sgd", lambda o: gn.optim.lr_scheduler.ReduceLROnPlateau(o))
    assert load_model(p).scheduler.best < float("inf")
    _resign(p, _set(("scheduler", "state"), "best", float("inf")))
    assert load_model(p).scheduler.best == float("inf")
    _resign(p, _set(("scheduler", "state"), "best", 10**400))
    with pytest.raises(gn.CheckpointError, match="ReduceLROnPlateau: 'best'"):
        load_model(p)


@pytest.mark.parametrize("opt, sched, kw", _RESUMABLE, ids=[o for o, _, _ in _RESUMABLE])
def test_every_optimizer_and_scheduler_saves_loads_and_trains_on(opt, sched, kw, tmp_path):
    from glassnet.train import load_model

    p = tmp_path / "m.safetensors"
    make = (
        None
        if sched is None
        else (lambda o: getattr(gn.optim.lr_scheduler, sched)(o, **_SCHEDULER_ARGS[sched]))
    )
    x, y = _trained(p, opt, make, **kw)
    m = load_model(p)
    assert type(m.scheduler).__name__ == (sched or "NoneType")
    m.fit(x, y, epochs=m.epoch + 2, initial_epoch=m.epoch, batch_size=4, verbose=0)
    assert m.epoch == 4


def test_optimizer_variants_with_more_state_resume(tmp_path):
    from glassnet.train import Model, load_model

    for opt in (gn.optim.Adam, gn.optim.RMSprop, gn.optim.SGD):
        net = nn.Sequential(nn.Linear(3, 2))
        kw = {
            "Adam": {"amsgrad": True},
            "RMSprop": {"centered": True, "momentum": 0.5},
            "SGD": {"momentum": 0.9, "nesterov": True},
        }[opt.__name__]
        m = Model(net).compile(opt(net.parameters(), lr=0.01, **kw), "mse")
        x = np.ones((4, 3), np.float32)
        m.fit(x, np.zeros((4, 2), np.float32), epochs=1, verbose=0)
        m.save(tmp_path / "m.safetensors")
        back = load_model(tmp_path / "m.safetensors")
        assert set(back.optimizer.state[back.module[0].weight]) == set(
            m.optimizer.state[net[0].weight]
        )
        back.fit(x, np.zeros((4, 2), np.float32), epochs=2, initial_epoch=1, verbose=0)


def test_what_a_file_cannot_restore_is_refused_at_save(tmp_path):
    from glassnet.train import Model

    m = Model(nn.Sequential(nn.Linear(3, 2))).compile(
        "sgd", "mse", scheduler=lambda o: gn.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9**e)
    )
    with pytest.raises(TypeError, match="save: the scheduler LambdaLR .*Python function"):
        m.save(tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()
    other = nn.Linear(2, 2)
    with pytest.raises(
        TypeError,
        match="save: the optimizer updates a tensor that is not one of the model's parameters",
    ):
        gn.save(m.module, tmp_path / "m.safetensors", optimizer=gn.optim.SGD(other.parameters()))

    class Mine(gn.optim.SGD):
        pass

    with pytest.raises(TypeError, match="save: optimizer type Mine"):
        gn.save(m.module, tmp_path / "m.safetensors", optimizer=Mine(m.module.parameters()))


def test_an_optimizer_over_some_of_the_parameters_resumes(tmp_path):
    from glassnet.train import Model, load_model

    net = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    m = Model(net).compile(gn.optim.Adam(net[2].parameters(), lr=0.01), "mse")
    x = np.ones((4, 3), np.float32)
    m.fit(x, np.zeros((4, 2), np.float32), epochs=1, verbose=0)
    m.save(tmp_path / "m.safetensors")
    back = load_model(tmp_path / "m.safetensors")
    assert [p.shape for p in back.optimizer.param_groups[0]["params"]] == [(2, 4), (2,)]
    np.testing.assert_array_equal(
        back.optimizer.state[back.module[2].weight]["exp_avg"],
        m.optimizer.state[net[2].weight]["exp_avg"],
    )


# ----- what an architecture may demand --------------------------------------------------------
def _leaf(kind, **config):
    return {"type": kind, "config": config, "children": {}}


def _nested(depth):
    arch = _leaf("ReLU")
    for _ in range(depth):
        arch = {"type": "Sequential", "config": {}, "children": {"0": arch}}
    return arch


_HOSTILE = {  # tiny files whose architecture asks for gigabytes, hours or a deep recursion
    "linear": (_leaf("Linear", in_features=20000, out_features=20000), "would allocate"),
    "lstm": (_leaf("LSTM", input_size=1, hidden_size=1, num_layers=40000), "would allocate"),
    "mlp": (_leaf("MLP", sizes=[20000, 20000]), "would allocate"),
    "resnet": (_leaf("ResNet", widths=[4], blocks_per_stage=10**9), "would allocate"),
    "conv": (
        _leaf("Conv2d", in_channels=1, out_channels=1, kernel_size=[50000, 50000]),
        "would allocate",
    ),
    "deep": (_nested(400), "nests deeper than"),
    "wide": (
        {
            "type": "ModuleList",
            "config": {},
            "children": {str(i): _leaf("ReLU") for i in range(100_000)},
        },
        "modules",
    ),
}
_LOAD_ALL = """
import json, os, time
import glassnet as gn

def run(folder):
    out = []
    for name in sorted(os.listdir(folder)):
        t = time.perf_counter()
        try:
            gn.load(os.path.join(folder, name))
            outcome = "loaded"
        except gn.CheckpointError as e:
            outcome = "CheckpointError: " + str(e)[:300]
        out.append([name, time.perf_counter() - t, outcome])
    return json.dumps(out)
"""
LOAD_CAP_MIB = 150  # glassnet, NumPy and safetensors imported: about 60 MiB


def test_an_architecture_cannot_demand_more_than_the_file_carries(tmp_path):
    from tests.peak import measured

    for name, (arch, _) in _HOSTILE.items():
        _write(tmp_path / name, arch, {})
    assert (tmp_path / "linear").stat().st_size < 400
    mib, secs, out = measured(_LOAD_ALL, str(tmp_path), timeout=600)
    results = {name: (s, outcome) for name, s, outcome in json.loads(out)}
    for name, (_, words) in _HOSTILE.items():
        s, outcome = results[name]
        assert outcome.startswith(f"CheckpointError: {tmp_path / name}") and words in outcome, (
            name,
            outcome,
        )
        assert s < 2, (name, s)
    assert mib < LOAD_CAP_MIB, mib


def test_check_architecture_counts_what_a_build_allocates():
    arch = serialization.architecture(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)))
    tensors = {k: v._array for k, v in serialization.build(arch).state_dict().items()}
    assert serialization.check_architecture(arch, tensors) == (12 + 4) + (4 * 4 + 1)
    with pytest.raises(gn.CheckpointError, match=r"33 .*more than the 20 allowed"):
        serialization.check_architecture(arch, tensors, max_params=20)
    big = _leaf("Linear", in_features=3000, out_features=4000)
    with pytest.raises(
        gn.CheckpointError,
        match=r"model: the architecture would allocate "
        r"12,004,000 values.*file holds 0",
    ):
        serialization.check_architecture(big, {})
    with pytest.raises(
        gn.CheckpointError,
        match=r"model.0: Linear config 'in_features' must be "
        r"a whole number >= 0, got 'x'",
    ):
        serialization.check_architecture(
            {
                "type": "Sequential",
                "config": {},
                "children": {"0": _leaf("Linear", in_features="x", out_features=2)},
            },
            {},
        )
    with pytest.raises(gn.CheckpointError, match="nests deeper than 64"):
        serialization.build(_nested(100))


_SIZED = {
    **{k: make for k, (make, _) in LAYERS.items()},
    "LSTM 3 layers": lambda: nn.LSTM(2, 5, num_layers=3, bidirectional=True),
    "GRU no bias": lambda: nn.GRU(4, 3, bias=False),
    "LSTMCell": lambda: nn.LSTMCell(3, 4),
    "Conv1d groups": lambda: nn.Conv1d(4, 6, 3, groups=2, bias=False),
    "ConvTranspose2d no bias": lambda: nn.ConvTranspose2d(2, 5, (2, 3), bias=False),
    "BatchNorm1d": lambda: nn.BatchNorm1d(5),
    "LayerNorm int": lambda: nn.LayerNorm(6),
    "LayerNorm no affine": lambda: nn.LayerNorm(6, elementwise_affine=False),
    "Linear no bias": lambda: nn.Linear(5, 2, bias=False),
    "Standardize": lambda: nn.Standardize([1.0, 2.0], [3.0, 4.0], [0, 0], [5, 6]),
    "Standardize scalar": lambda: nn.Standardize(127.5, 255.0),
    "MLP": lambda: gn.models.MLP([4, 6, 5, 3], batch_norm=True, dropout=0.2),
    "LeNet5": lambda: gn.models.LeNet5(),
    "ResNet": lambda: gn.models.ResNet(1, 4, widths=(2, 3, 3), blocks_per_stage=3),
    "ResNet no blocks": lambda: gn.models.ResNet(widths=(2, 4), blocks_per_stage=0),
    "BasicBlock": lambda: gn.models.BasicBlock(3, 3),
    "BasicBlock strided": lambda: gn.models.BasicBlock(3, 3, stride=2),
    "GAN dcgan": lambda: gn.generative.GAN(3 * 16 * 16, 5, arch="dcgan", channels=3, width=4),
    "DDPM conv": lambda: gn.generative.DDPM(
        2 * 36, 10, denoiser="conv", channels=2, width=4, time_dim=6
    ),
}


@pytest.mark.parametrize("name", sorted(_SIZED))
def test_check_architecture_counts_exactly_what_each_layer_type_allocates(name):
    model = _SIZED[name]()
    tensors = {k: v._array for k, v in model.state_dict().items()}
    arch = serialization.architecture(model)
    assert serialization.check_architecture(arch, tensors) == sum(t.size for t in tensors.values())


def test_every_glassnet_layer_type_is_sized_before_it_is_built():
    for name, entry in serialization._REGISTRY.items():
        if entry.cls.__module__.startswith("glassnet."):
            assert entry.numel is not None or entry.uses_children, name


def test_a_device_is_refused_instead_of_read_until_memory_runs_out():
    with pytest.raises(gn.CheckpointError, match="/dev/zero: not a regular file"):
        gn.load("/dev/zero")
    with pytest.raises(gn.CheckpointError, match="not a regular file"):
        gn.train.load_model("/dev/zero")
