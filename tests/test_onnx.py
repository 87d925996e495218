"""glassnet.onnx: every exportable layer checked by onnxruntime, round trips through ONNX
(from glassnet and from torch.onnx.export), and the errors on bad models and bad files."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

import glassnet as gn
from conftest import require
from glassnet import models, nn

onnx = require("onnx")
ort = require("onnxruntime")
gonnx = require("glassnet.onnx")

R = np.random.default_rng(0)


def randn(*shape: int) -> np.ndarray:
    return R.standard_normal(shape).astype(np.float32)


def _bn(cls, c: int):
    m = cls(c)
    m.running_mean._array[...] = randn(c)
    m.running_var._array[...] = R.uniform(0.5, 2, c).astype(np.float32)
    m.weight._array[...] = randn(c)
    m.bias._array[...] = randn(c)
    return m


def _ln():
    m = nn.LayerNorm((3, 4))
    m.weight._array[...] = randn(3, 4)
    m.bias._array[...] = randn(3, 4)
    return m


# id -> (layer factory, input of batch size n)
img = lambda c, h, w: lambda n: randn(n, c, h, w)  # noqa: E731
seq = lambda c, length: lambda n: randn(n, c, length)  # noqa: E731
vec = lambda *s: lambda n: randn(n, *s)  # noqa: E731
LAYERS = {
    "Linear": (lambda: nn.Linear(5, 3), vec(5)),
    "Linear-3d": (lambda: nn.Linear(5, 3, bias=False), vec(4, 5)),
    "LeakyReLU": (lambda: nn.LeakyReLU(0.2), vec(6)),
    "Softmax": (lambda: nn.Softmax(1), vec(4, 3)),
    "LogSoftmax": (lambda: nn.LogSoftmax(-1), vec(4, 3)),
    "Dropout": (lambda: nn.Dropout(0.5), vec(6)),
    "Flatten": (lambda: nn.Flatten(), img(2, 3, 4)),
    "Flatten-2-3": (lambda: nn.Flatten(2, 3), img(2, 3, 4)),
    "Unflatten": (lambda: nn.Unflatten(1, (2, 3)), vec(6, 2)),
    "Conv1d": (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=2, groups=2), seq(4, 11)),
    "Conv1d-same": (lambda: nn.Conv1d(2, 3, 4, padding="same"), seq(2, 9)),
    "Conv2d": (
        lambda: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 2), dilation=2, groups=2),
        img(4, 9, 8),
    ),  # fmt: skip
    "Conv2d-same": (lambda: nn.Conv2d(2, 3, 4, padding="same", bias=False), img(2, 7, 6)),
    "ConvTranspose2d": (
        lambda: nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1),
        img(2, 5, 4),
    ),  # fmt: skip
    "MaxPool1d": (lambda: nn.MaxPool1d(3, 2, 1, ceil_mode=True), seq(2, 8)),
    "MaxPool2d": (lambda: nn.MaxPool2d(2), img(2, 6, 6)),
    "MaxPool2d-ceil": (lambda: nn.MaxPool2d(3, 2, 1, dilation=1, ceil_mode=True), img(2, 8, 7)),
    "AvgPool1d": (lambda: nn.AvgPool1d(3, 2, 1, ceil_mode=True), seq(2, 8)),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True), img(2, 8, 7)),
    "AvgPool2d-nopad": (
        lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
        img(2, 8, 7),
    ),  # fmt: skip
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d((3, 2)), img(2, 7, 5)),
    "AdaptiveAvgPool2d-1": (lambda: nn.AdaptiveAvgPool2d(1), img(3, 4, 4)),
    "BatchNorm1d": (lambda: _bn(nn.BatchNorm1d, 5), vec(5)),
    "BatchNorm1d-3d": (lambda: _bn(nn.BatchNorm1d, 3), seq(3, 4)),
    "BatchNorm2d": (lambda: _bn(nn.BatchNorm2d, 3), img(3, 4, 4)),
    "LayerNorm": (_ln, vec(2, 3, 4)),
    "Embedding": (lambda: nn.Embedding(10, 3), lambda n: R.integers(0, 10, (n, 4))),
    "Upsample-nearest": (lambda: nn.Upsample(scale_factor=2), img(2, 3, 4)),
    "Upsample-size": (lambda: nn.Upsample(size=(7, 5)), img(2, 3, 4)),
    "Upsample-bilinear": (lambda: nn.Upsample(size=(7, 5), mode="bilinear"), img(2, 3, 4)),
    "Upsample-corners": (
        lambda: nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
        img(2, 3, 4),
    ),  # fmt: skip
    "Standardize": (lambda: nn.Standardize([1.0, 2.0, 3.0], [2.0, 0.5, 4.0]), vec(3)),
    "RNN-relu": (lambda: nn.RNN(3, 4, nonlinearity="relu", batch_first=True), vec(5, 3)),
    "RNN-tanh-2x2": (lambda: nn.RNN(3, 4, 2, bidirectional=True, batch_first=True), vec(5, 3)),
    "LSTM-2-layer-bidirectional": (
        lambda: nn.LSTM(3, 4, 2, bidirectional=True, batch_first=True),
        vec(5, 3),
    ),  # fmt: skip
    "LSTM-seq-first": (lambda: nn.LSTM(3, 4), lambda n: randn(n + 3, 2, 3)),
    "GRU": (lambda: nn.GRU(3, 4, batch_first=True), vec(6, 3)),
    "GRU-2-layer-bidirectional": (
        lambda: nn.GRU(3, 4, 2, bidirectional=True, bias=False),
        lambda n: randn(4, n, 3),
    ),  # fmt: skip
    "RNNCell": (lambda: nn.RNNCell(3, 4, nonlinearity="relu"), vec(3)),
    "LSTMCell": (lambda: nn.LSTMCell(3, 4), vec(3)),
    "GRUCell": (lambda: nn.GRUCell(3, 4, bias=False), vec(3)),
    "Sequential": (lambda: nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)), vec(4)),
    "seed-DNN": (lambda: models.MLP([784, 300, 100, 10]), vec(784)),
    "MLP-bn-dropout": (
        lambda: models.MLP(
            [6, 8, 4], "tanh", batch_norm=True, dropout=0.3, output_activation="sigmoid"
        ),
        vec(6),
    ),  # fmt: skip
    "LeNet-5": (lambda: models.LeNet5(), img(1, 28, 28)),
    "ResNet": (lambda: models.ResNet(3, 10, (4, 8), 1), img(3, 8, 8)),
}
for name, cls in nn.ACTIVATIONS.items():
    LAYERS[f"activation-{name}"] = (cls, vec(7))


def _flat(v):
    return [x for item in v for x in _flat(item)] if isinstance(v, (tuple, list)) else [v]


def _reference(model, args) -> list[np.ndarray]:
    with gn.no_grad():
        out = model(*[gn.tensor(a) if isinstance(a, np.ndarray) else a for a in args])
    return [t._array for t in _flat(out)]


def _check(model, args_by_batch: list, tmp_path) -> None:
    """onnxruntime and the loaded ONNX model both give glassnet's outputs (1e-5, float32)."""
    model.eval()
    path = tmp_path / "m.onnx"
    proto = gonnx.export(model, args_by_batch[0], path)
    assert proto.ir_version == onnx.helper.find_min_ir_version_for(proto.opset_import)
    assert [(o.domain, o.version) for o in proto.opset_import] == [("", gonnx.DEFAULT_OPSET)]
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    loaded = gonnx.load(path)
    for args in args_by_batch:
        args = args if isinstance(args, tuple) else (args,)
        feeds = dict(zip([i.name for i in session.get_inputs()], _flat(args)))
        want = _reference(model, args)
        for got in (session.run(None, feeds), [t._array for t in _flat(loaded(*_flat(args)))]):
            assert len(got) == len(want)
            for g, w in zip(got, want):
                assert g.shape == w.shape and g.dtype == w.dtype
                np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_matches_onnxruntime_at_two_batch_sizes(name, tmp_path):
    make, data = LAYERS[name]
    _check(make(), [data(2), data(5)], tmp_path)


def test_lstm_with_initial_states(tmp_path):
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
    args = [(randn(n, 5, 3), (randn(4, n, 4), randn(4, n, 4))) for n in (2, 3)]
    _check(m, args, tmp_path)
    g = nn.GRU(3, 4, num_layers=2)
    _check(g, [(randn(5, n, 3), randn(2, n, 4)) for n in (1, 4)], tmp_path)
    _check(nn.LSTMCell(3, 4), [(randn(n, 3), (randn(n, 4), randn(n, 4))) for n in (2, 3)], tmp_path)
    _check(nn.GRUCell(3, 4), [(randn(n, 3), randn(n, 4)) for n in (2, 3)], tmp_path)


def test_every_supported_opset_loads_in_onnxruntime():
    m = models.MLP([4, 8, 3])
    for opset in gonnx.OPSETS:
        proto = gonnx.to_model(m, randn(2, 4), opset=opset)
        session = ort.InferenceSession(
            proto.SerializeToString(), providers=["CPUExecutionProvider"]
        )
        (y,) = session.run(None, {"input": randn(3, 4)})
        assert y.shape == (3, 3)
    with pytest.raises(gonnx.ExportError, match="opset 12"):
        gonnx.to_model(m, randn(2, 4), opset=12)


def test_fixed_batch_when_dynamic_batch_is_off():
    proto = gonnx.to_model(nn.Linear(3, 2), randn(4, 3), dynamic_batch=False)
    dims = proto.graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_value for d in dims] == [4, 3]


class Custom(nn.Module):
    def forward(self, x):
        return x * 2


def test_unsupported_layer_named_with_its_position():
    m = models.LeNet5()
    m.classifier.append(Custom())
    with pytest.raises(gonnx.ExportError, match=r"Custom at classifier\.6 has no ONNX export rule"):
        gonnx.to_model(m, randn(1, 1, 28, 28))
    refused = [
        (nn.MaxPool2d(2, return_indices=True), randn(1, 1, 4, 4), "return_indices"),
        (nn.AvgPool2d(2, divisor_override=3), randn(1, 1, 4, 4), "divisor_override"),
        (nn.BatchNorm1d(3, track_running_stats=False), randn(2, 3), "track_running_stats"),
        (nn.LSTM(3, 4), randn(5, 3), r"LSTM at <model>: unbatched input \(5, 3\)"),
    ]
    for m, x, match in refused:
        with pytest.raises(gonnx.ExportError, match=match):
            gonnx.to_model(m, x)


def test_export_leaves_training_mode_and_writes_atomically(tmp_path):
    m = models.MLP([4, 3, 2], dropout=0.5)
    m.train()
    gonnx.export(m, randn(2, 4), tmp_path / "a.onnx")
    assert m.training and all(c.training for c in m.modules())
    assert [p.name for p in tmp_path.iterdir()] == ["a.onnx"]  # no temporary left behind


# ----- import: models exported by torch.onnx.export ---------------------------------------
def _torch_models():
    torch = require("torch")

    class LSTMNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, batch_first=True)
            self.fc = torch.nn.Linear(8, 2)

        def forward(self, x):
            return self.fc(self.lstm(x)[0])

    class SequenceNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb, self.ln = torch.nn.Embedding(10, 4), torch.nn.LayerNorm(4)
            self.gru = torch.nn.GRU(4, 3, batch_first=True)

        def forward(self, idx):
            return self.gru(self.ln(self.emb(idx)))[0]

    tn = torch.nn
    return torch, {
        "images": (
            tn.Sequential(
                tn.Conv2d(2, 3, 3, stride=2, padding=1),
                tn.Upsample(scale_factor=2),
                tn.Upsample(size=(9, 7), mode="bilinear"),
                tn.AvgPool2d(3, 2, 1, ceil_mode=True),
                tn.ConvTranspose2d(3, 2, 3, stride=2),
                tn.Sigmoid(),
                tn.AdaptiveAvgPool2d(1),
                tn.Flatten(),
                tn.Softmax(1),
            ),
            (2, 8, 8),
        ),  # fmt: skip
        "sequence": (SequenceNet(), (5,)),
        "MLP": (tn.Sequential(tn.Linear(4, 5), tn.ReLU(), tn.Linear(5, 2)), (4,)),
        "CNN": (
            tn.Sequential(
                tn.Conv2d(1, 2, 3, padding=1),
                tn.BatchNorm2d(2),
                tn.ReLU(),
                tn.MaxPool2d(2),
                tn.Flatten(),
                tn.Linear(2 * 4 * 4, 3),
                tn.LogSoftmax(1),
            ),
            (1, 8, 8),
        ),  # fmt: skip
        "LSTM": (LSTMNet(), (5, 3)),
    }


@pytest.mark.parametrize(
    "name, dynamo",
    [
        ("MLP", False), ("CNN", False), ("LSTM", False), ("images", False), ("sequence", False),
        ("LSTM", True), ("images", True),
    ],
    ids=lambda v: v if isinstance(v, str) else "dynamo" if v else "legacy",  # dynamo: 15 s warm-up
)  # fmt: skip
def test_torch_onnx_export_loads_into_glassnet(name, dynamo):
    torch, nets = _torch_models()
    net, shape = nets[name]
    net.eval()
    if isinstance(net[1] if name == "CNN" else None, torch.nn.BatchNorm2d):
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
    make = (lambda n: torch.randint(0, 10, (n, *shape))) if name == "sequence" else None
    make = make or (lambda n: torch.randn(n, *shape))
    x = make(2)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            prog = torch.onnx.export(
                net, (x,), dynamo=True, dynamic_shapes=({0: torch.export.Dim("batch")},),
                verbose=False,
            )  # fmt: skip
            raw = prog.model_proto.SerializeToString()
        else:
            torch.onnx.export(
                net, (x,), buf, dynamo=False, input_names=["x"], dynamic_axes={"x": {0: "b"}}
            )
            raw = buf.getvalue()
    loaded = gonnx.loads(raw)
    for n in (2, 3):
        x = make(n)
        with torch.no_grad():
            want = net(x).numpy()
        np.testing.assert_allclose(loaded(x.numpy())._array, want, rtol=1e-5, atol=1e-5)
    params = list(loaded.parameters())  # a glassnet module with trainable parameters
    assert params and all(p.requires_grad for p in params)


# ----- bad files --------------------------------------------------------------------------
def _graph(*ops: str):
    h = onnx.helper
    nodes = [h.make_node(op, ["x"], [f"y{i}"]) for i, op in enumerate(ops)]
    info = h.make_tensor_value_info
    g = h.make_graph(
        nodes, "g", [info("x", 1, [2])], [info(f"y{i}", 1, [2]) for i in range(len(ops))]
    )
    return h.make_model(g, opset_imports=[h.make_opsetid("", 17)], ir_version=8)


def test_unsupported_operators_listed_in_one_error():
    raw = _graph("Cosh", "Relu", "Selu", "Cosh").SerializeToString()
    with pytest.raises(gonnx.OnnxError, match=r"unsupported ONNX operators: Cosh, Selu \("):
        gonnx.loads(raw, "m.onnx")
    custom = _graph("Relu")
    custom.graph.node[0].domain = "com.example"
    custom.opset_import.append(onnx.helper.make_opsetid("com.example", 1))
    with pytest.raises(gonnx.OnnxError, match=r"unsupported ONNX operators: com.example::Relu"):
        gonnx.loads(custom.SerializeToString(), "m.onnx")
    old = _graph("Relu")
    old.opset_import[0].version = 11
    with pytest.raises(gonnx.OnnxError, match=r"opset 11; glassnet reads opsets 13\.\."):
        gonnx.loads(old.SerializeToString(), "m.onnx")


def test_initializer_names_that_clash_with_module_attributes():
    proto = gonnx.to_model(nn.Linear(3, 2), randn(2, 3))
    for init, new in zip(proto.graph.initializer, ("training", "forward")):
        for node in proto.graph.node:
            node.input[:] = [new if i == init.name else i for i in node.input]
        init.name = new
    loaded = gonnx.loads(proto.SerializeToString(), "m")
    assert loaded.training is True and {n for n, _ in loaded.named_parameters()} == {
        "training_",
        "forward_",
    }
    assert loaded(randn(4, 3)).shape == (4, 2)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "not an ONNX model"),
        (b"not a model at all, just text\n" * 10, "not an ONNX model"),
        (bytes(range(256)) * 4, "not an ONNX model"),
        (b'{"format": "glassnet/1"}', "not an ONNX model"),
    ],
    ids=["empty", "text", "binary", "json"],
)
def test_not_a_model_is_one_clear_error(tmp_path, content, match):
    p = tmp_path / "bad.onnx"
    p.write_bytes(content)
    with pytest.raises(gonnx.OnnxError, match=match) as e:
        gonnx.load(p)
    assert str(p) in str(e.value)


def test_truncated_model_is_one_clear_error(tmp_path):
    raw = gonnx.to_model(models.MLP([20, 30, 4]), randn(2, 20)).SerializeToString()
    for cut in (len(raw) // 3, len(raw) // 2, len(raw) - 7, len(raw) - 1):
        with pytest.raises(gonnx.OnnxError, match="not .*ONNX model"):
            gonnx.loads(raw[:cut], "cut.onnx")


def test_external_data_and_directories_are_refused(tmp_path):
    proto = gonnx.to_model(nn.Linear(3, 2), randn(2, 3))
    init = proto.graph.initializer[0]
    init.data_location = onnx.TensorProto.EXTERNAL
    init.ClearField("raw_data")
    entry = init.external_data.add()
    entry.key, entry.value = "location", "weights.bin"
    with pytest.raises(gonnx.OnnxError, match="not a valid ONNX model|external data"):
        gonnx.loads(proto.SerializeToString(), "ext.onnx")
    with pytest.raises(gonnx.OnnxError, match="cannot read|not a regular file"):
        gonnx.load(tmp_path)


def test_loaded_model_checks_input_shape():
    loaded = gonnx.loads(gonnx.to_model(nn.Linear(3, 2), randn(2, 3)).SerializeToString(), "m")
    with pytest.raises(
        ValueError, match=r"input 'input' must have shape \('\?', 3\), got \(2, 4\)"
    ):
        loaded(randn(2, 4))


# ----- the command line -------------------------------------------------------------------
def test_cli_export_of_a_trained_model(tmp_path, capsys):
    from glassnet.cli import main

    run = tmp_path / "run"
    argv = ["train", "--dataset", "iris", "--hidden", "4", "--epochs", "1", "--verbose", "0"]
    assert main([*argv, "--out", str(run)]) == 0
    out = tmp_path / "iris.onnx"
    assert main(["export", str(run / "model.safetensors"), "--onnx", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    x, _ = gn.datasets.iris()
    x = np.asarray(x, np.float32)[:7]  # raw rows: the Standardize layer is in the graph
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"input": x})
    want = gn.load(run / "model.safetensors")(gn.tensor(x))._array
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert main(["export", str(run / "model.safetensors"), "--onnx", str(out), "--opset", "9"]) == 2
    assert "--opset 9" in capsys.readouterr().err


def test_playground_exports_its_network_as_onnx():
    from glassnet.playground import PlaygroundConfig, Session

    s = Session(PlaygroundConfig(seed="0.5", networkShape=[4, 3], dropout=0.1))
    s.step(2)
    session = ort.InferenceSession(s.export_onnx(), providers=["CPUExecutionProvider"])
    x = randn(9, len(s.config.features))
    (got,) = session.run(None, {"input": x})
    s.model.eval()
    np.testing.assert_allclose(got, s.model(gn.tensor(x))._array, rtol=1e-5, atol=1e-5)
