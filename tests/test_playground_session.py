"""Playground Session: TF Playground's training rule, frames, CSV upload, export and import."""

import base64
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import glassnet as gn
from glassnet.playground import ConfigError, PlaygroundConfig, Session
from glassnet.playground.csv import parse_csv


def session(**kw):
    return Session(PlaygroundConfig(seed=kw.pop("seed", "0.80000"), **kw))


def _floats(b64):
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


# ----- TF Playground's update rule, written out per point as in its nn.ts ---------------------
ACT = {
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


class TFNet:
    """TF Playground's network: forwardProp, backProp (accumulate), updateWeights per batch."""

    def __init__(self, model, activation, output_activation):
        lin = [m for m in model if isinstance(m, gn.nn.Linear)]
        self.w = [m.weight._array.astype(np.float64).copy() for m in lin]
        self.b = [m.bias._array.astype(np.float64).copy() for m in lin]
        self.act, self.out = ACT[activation], ACT[output_activation]
        self.acc_w = [np.zeros_like(w) for w in self.w]
        self.acc_b = [np.zeros_like(b) for b in self.b]
        self.count = 0

    def forward(self, x):
        outs, totals = [x], []
        for i, (w, b) in enumerate(zip(self.w, self.b)):
            totals.append(w @ outs[-1] + b)
            f = self.out[0] if i == len(self.w) - 1 else self.act[0]
            outs.append(f(totals[-1]))
        return outs, totals

    def backprop(self, x, target):
        outs, totals = self.forward(x)
        out_der = outs[-1] - target  # Errors.SQUARE.der
        for i in reversed(range(len(self.w))):
            der = (self.out if i == len(self.w) - 1 else self.act)[1]
            input_der = out_der * der(totals[i])
            self.acc_b[i] += input_der
            self.acc_w[i] += np.outer(input_der, outs[i])
            out_der = self.w[i].T @ input_der
        self.count += 1

    def update(self, lr, reg, rate):
        for i in range(len(self.w)):
            reg_der = {
                "none": 0 * self.w[i],
                "L1": np.sign(self.w[i]),  # 0 at 0, as nn.ts
                "L2": self.w[i],
            }[reg]
            self.b[i] -= lr * self.acc_b[i] / self.count
            self.w[i] -= lr / self.count * (self.acc_w[i] + rate * reg_der)
            self.acc_w[i][:] = 0
            self.acc_b[i][:] = 0
        self.count = 0

    def one_step(self, features, labels, batch_size, lr, reg, rate):
        """TF's oneStep: every training point, an update after each batch_size of them."""
        for i, (x, t) in enumerate(zip(features.astype(np.float64), labels)):
            self.backprop(x, float(t))
            if (i + 1) % batch_size == 0:
                self.update(lr, reg, rate)

    def loss(self, features, labels):
        return np.mean(
            [
                0.5 * (self.forward(x)[0][-1][0] - t) ** 2
                for x, t in zip(features.astype(np.float64), labels)
            ]
        )


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(
            regularization="L2",
            regularizationRate=0.03,
            batchSize=7,
            networkShape=(5, 3),
            xSquared=True,
            sinY=True,
        ),  # 250 = 35·7 + 5: five points carry into the next epoch
        dict(
            regularization="L1",
            regularizationRate=0.01,
            activation="relu",
            batchSize=1,
            learningRate=0.01,
            dataset="xor",
            noise=20,
        ),  # (float32 vs 64 drift apart at 0.1)
        dict(
            problem="regression",
            regDataset="reg-gauss",
            activation="tanh",
            batchSize=30,
            networkShape=(6,),
            percTrainData=20,
        ),
    ],
)
def test_epochs_match_tf_playgrounds_update_rule(kw):
    s = session(**kw)
    c = s.config
    tf = TFNet(s.model, c.activation, "linear" if c.problem == "regression" else "tanh")
    assert abs(tf.loss(s.f_train, s.y_train) - s.train_loss) < 1e-5
    for _ in range(3):
        s.step(1)
        tf.one_step(
            s.f_train,
            s.y_train,
            c.batchSize,
            c.learningRate,
            c.regularization,
            c.regularizationRate,
        )
    for layer, w, b in zip(s.layers, tf.w, tf.b):
        np.testing.assert_allclose(layer.weight._array, w, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(layer.bias._array, b, rtol=1e-4, atol=1e-5)
    assert abs(tf.loss(s.f_train, s.y_train) - s.train_loss) < 1e-5
    assert abs(tf.loss(s.f_test, s.y_test) - s.test_loss) < 1e-5


def test_initialisation_is_tfs():
    s = session(networkShape=(8, 8, 8))
    w = np.concatenate([m.weight._array.ravel() for m in s.layers])
    assert w.min() >= -0.5 and w.max() <= 0.5 and w.std() > 0.2
    assert all((m.bias._array == np.float32(0.1)).all() for m in s.layers)
    z = session(initZero=True)
    assert all((m.weight._array == 0).all() and (m.bias._array == 0).all() for m in z.layers)
    assert isinstance(s.model, gn.nn.Sequential) and isinstance(s.model[-1], gn.nn.Tanh)
    assert not isinstance(session(problem="regression").model[-1], gn.nn.Tanh)


def test_l1_does_not_push_a_zero_weight_off_zero():
    # TF Playground's L1 slope is sign(w), 0 at w = 0, as the gradient of nn.penalty's |w|: a
    # zero-initialised tanh network stays at zero under L1 as without it (only the output bias
    # learns), instead of every weight stepping to -lr·rate/batch
    s = session(initZero=True, regularization="L1", regularizationRate=0.1, learningRate=0.1)
    s.step(2)
    assert all((m.weight._array == 0).all() for m in s.layers)
    assert s.layers[-1].bias._array[0] != 0


@pytest.mark.parametrize("optimizer", ["momentum", "adam"])
def test_other_optimizers_match_torch(optimizer):
    import torch  # a dev dependency: missing, the test fails (no skip)

    s = session(
        optimizer=optimizer,
        learningRate=0.01,
        regularization="L2",
        regularizationRate=0.01,
        batchSize=25,
    )
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 4),
        torch.nn.Tanh(),
        torch.nn.Linear(4, 2),
        torch.nn.Tanh(),
        torch.nn.Linear(2, 1),
        torch.nn.Tanh(),
    ).double()
    lin = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for t, g in zip(lin, s.layers):
            t.weight.copy_(torch.tensor(g.weight._array))
            t.bias.copy_(torch.tensor(g.bias._array))
    opt = (
        torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
        if optimizer == "momentum"
        else torch.optim.Adam(net.parameters(), lr=0.01)
    )
    x = torch.tensor(s.f_train, dtype=torch.float64)
    y = torch.tensor(s.y_train, dtype=torch.float64)[:, None]
    for _ in range(2):
        s.step(1)
        for i in range(0, 250, 25):
            loss = 0.5 * ((net(x[i : i + 25]) - y[i : i + 25]) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            for t in lin:  # TF's L2 term: rate·w / batch on the weights only
                t.weight.grad += 0.01 * t.weight.detach() / 25
            opt.step()
    for t, g in zip(lin, s.layers):
        np.testing.assert_allclose(g.weight._array, t.weight.detach().numpy(), atol=1e-5)


def test_multiclass_spiral_matches_torch_and_learns():
    import torch  # a dev dependency: missing, the test fails (no skip)

    s = session(
        dataset="spiral",
        numClasses=3,
        networkShape=(8, 8),
        optimizer="adam",
        learningRate=0.03,
        sinX=True,
        sinY=True,
        batchSize=10,
    )
    assert s.config.is_multiclass and s.layers[-1].weight.shape == (3, 8)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 8),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 3),
    ).double()
    lin = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for t, g in zip(lin, s.layers):
            t.weight.copy_(torch.tensor(g.weight._array))
            t.bias.copy_(torch.tensor(g.bias._array))
    opt = torch.optim.Adam(net.parameters(), lr=0.03)
    x, y = torch.tensor(s.f_train, dtype=torch.float64), torch.tensor(s.y_train)
    s.step(1)
    for i in range(0, 250, 10):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x[i : i + 10]), y[i : i + 10]).backward()
        opt.step()
    for t, g in zip(lin, s.layers):
        np.testing.assert_allclose(g.weight._array, t.weight.detach().numpy(), atol=1e-4)
    s.step(60)
    f = s.frame()
    assert f["accuracy"]["train"] > 0.7 and f["accuracy"]["test"] > 0.6
    conf = np.array(f["confusion"])
    assert conf.shape == (3, 3) and conf.sum() == len(s.y_test)
    assert np.trace(conf) / conf.sum() == pytest.approx(f["accuracy"]["test"])
    out = _floats(f["output"])
    assert out.shape == (2500,) and set(np.unique(out)) <= {0.0, 1.0, 2.0}
    conf_map = _floats(f["confidence"])
    assert conf_map.min() >= 1 / 3 - 1e-6 and conf_map.max() <= 1 + 1e-6


def test_default_circle_reaches_test_loss_below_0_1():
    s = session()
    for _ in range(300):
        s.step(1)
        if s.test_loss < 0.1:
            break
    assert s.test_loss < 0.1 and s.epoch < 300
    f = s.frame()
    assert f["accuracy"]["test"] > 0.95 and f["epoch"] == s.epoch


def test_frame_heatmaps_come_from_the_network():
    s = session(networkShape=(3, 2), xTimesY=True)
    s.step(3)
    f = s.frame()
    json.dumps(f, allow_nan=False)
    assert f["features"] == ["x", "y", "xTimesY"] and len(f["points"]["train"]) == 250
    assert "points" not in s.frame() and "points" in s.frame(points=True)
    out = _floats(f["output"]).reshape(50, 50)
    grid = np.linspace(-6, 6, 50, dtype=np.float32)
    for r, c in [(0, 0), (0, 49), (49, 0), (17, 33)]:  # row 0 is y = +6, column 0 is x = -6
        x1, x2 = grid[c], grid[::-1][r]
        with gn.no_grad():
            s.model.eval()
            want = s.model(gn.tensor([[x1, x2, x1 * x2]])).item()
        assert out[r, c] == pytest.approx(want, abs=1e-6)
    assert [len(layer) for layer in f["neurons"]] == [3, 3, 2]
    x_map, y_map = (_floats(v).reshape(20, 20) for v in f["neurons"][0][:2])
    assert (x_map[:, 0] == -6).all() and (y_map[0, :] == 6).all() and (y_map[-1] == -6).all()
    hidden = _floats(f["neurons"][1][2]).reshape(20, 20)
    small = np.linspace(-6, 6, 20, dtype=np.float32)
    w, b = s.layers[0].weight._array[2], s.layers[0].bias._array[2]
    x1, x2 = small[5], small[::-1][7]
    assert hidden[7, 5] == pytest.approx(np.tanh(w @ [x1, x2, x1 * x2] + b), abs=1e-6)
    assert np.array(f["weights"][0]).shape == (3, 3) and np.array(f["biases"][2]).shape == (1,)
    assert f["running"] is False and f["trainLoss"] == pytest.approx(s.train_loss)


def test_set_weight_and_bias():
    s = session()
    s.set_weight(1, 3, 0, 2.5)  # layer 1: hidden(4) -> hidden(2), from neuron 3 to neuron 0
    assert s.layers[1].weight._array[0, 3] == 2.5 and s.frame()["weights"][1][0][3] == 2.5
    s.set_bias(2, 0, -1.0)
    assert s.layers[2].bias._array[0] == -1
    with pytest.raises(ValueError, match=r"layer must be an integer in 0..2, got 3"):
        s.set_weight(3, 0, 0, 1.0)
    with pytest.raises(ValueError, match=r"from must be an integer in 0..3, got 4"):
        s.set_weight(1, 4, 0, 1.0)
    with pytest.raises(ValueError, match="value must be a finite number, got nan"):
        s.set_weight(0, 0, 0, float("nan"))
    with pytest.raises(ValueError, match="to must be"):
        s.set_weight(0, 0, True, 1.0)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer, got 1.5"):
        s.step(1.5)


def test_nan_gives_a_warning_and_pauses():
    s = session(
        activation="relu", learningRate=10, networkShape=(8, 8, 8, 8, 8, 8), problem="regression"
    )
    s.running = True
    events = []
    for _ in range(20):
        events = s.step(1)
        if events:
            break
    assert [e["code"] for e in events] == ["nan"] and "learning rate 10" in events[0]["message"]
    assert s.running is False
    f = s.frame()
    json.dumps(f, allow_nan=False)  # the page still gets a valid frame
    assert f["trainLoss"] is None and f["running"] is False


def test_stop_conditions():
    s = session(stopEpochs=4)
    s.running = True
    events = s.step(10)
    assert s.epoch == 4 and events[0]["code"] == "stop" and not s.running
    s = session(stopLoss=0.3)
    s.running = True
    events = []
    while not events and s.epoch < 300:
        events = s.step(5)
    assert events[0]["code"] == "stop" and s.train_loss <= 0.3 and not s.running


def test_configure_rebuilds_what_changed():
    s = session()
    s.step(2)
    assert s.configure({"learningRate": 0.1}) == "none" and s.epoch == 2
    assert s.optimizer.param_groups[0]["lr"] == 0.1
    s.running = True
    assert s.configure({"networkShape": [3]}) == "network" and s.epoch == 0
    assert not s.running  # TF pauses on every reset
    assert len(s.layers) == 2
    before = s.y_train.copy()
    assert s.configure({"noise": 25}) == "data"
    assert not np.array_equal(before, s.y_train)  # TF's circle noise flips labels near r = 2.5
    with pytest.raises(ConfigError, match="batchSize"):
        s.configure({"batchSize": 0})
    assert s.config.batchSize == 10 and s.config.noise == 25
    s.configure({"dataset": "spiral", "numClasses": 4})
    assert s.layers[-1].weight.shape[0] == 4
    s.configure({"dataset": "circle"})  # back to two classes by itself
    assert s.config.numClasses == 2 and s.layers[-1].weight.shape[0] == 1


def test_reset_and_regenerate():
    s = session()
    w0 = s.layers[0].weight._array.copy()
    s.step(2)
    s.reset()
    assert s.epoch == 0 and not np.array_equal(s.layers[0].weight._array, w0)  # as TF: new draw
    seed, x = s.config.seed, s.x_train.copy()
    s.regenerate()
    assert s.config.seed != seed and not np.array_equal(s.x_train, x)
    assert "points" in s.frame()


def test_sessions_do_not_share_random_streams():
    a, b = session(dropout=0.2), session(dropout=0.2)
    gn.manual_seed(123)
    a.step(2)
    b.step(1)
    gn.manual_seed(999)
    b.step(1)
    np.testing.assert_array_equal(a.layers[0].weight._array, b.layers[0].weight._array)


# ----- CSV upload -------------------------------------------------------------------------
def _csv(rows, header=True):
    text = "x1,x2,label\n" if header else ""
    return text + "".join(f"{a},{b},{c}\n" for a, b, c in rows)


def _blobs(n=60, k=2, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[-3, -3], [3, 3], [-3, 3], [3, -3], [0, 0]])
    labels = np.arange(n) % k
    pts = centres[labels] + rng.normal(0, 0.7, (n, 2))
    return [(round(a, 4), round(b, 4), int(c)) for (a, b), c in zip(pts, labels)]


def test_csv_two_classes_train_like_built_in_sets():
    s = session()
    summary = s.load_csv(_csv([(x, y, 5 if c else 2) for x, y, c in _blobs()]))
    assert summary == {"rows": 60, "problem": "classification", "classes": [2.0, 5.0], "scale": 1.0}
    assert s.config.dataset == "csv" and not s.config.is_multiclass
    assert set(s.y_train.tolist()) == {-1.0, 1.0} and len(s.x_train) == 30
    s.step(30)
    assert s.frame()["accuracy"]["test"] > 0.9


def test_csv_multiclass_regression_header_and_scaling():
    s = session()
    s.load_csv(_csv(_blobs(100, 3), header=False))
    assert s.config.numClasses == 3 and s.config.is_multiclass
    rows = [(x * 10, y * 10, x + y) for x, y, _ in _blobs(50)]
    summary = s.load_csv("\ufeff" + _csv(rows).replace("\n", "\r\n"))
    assert summary["problem"] == "regression" and s.config.regDataset == "csv"
    assert summary["scale"] < 1 and np.abs(s.x_train).max() <= 6
    s.step(2)
    assert np.isfinite(s.train_loss)
    with pytest.raises(ValueError, match="problem: the uploaded CSV is a regression set"):
        s.configure({"problem": "classification", "dataset": "csv"})
    assert s.configure({"problem": "classification", "dataset": "xor"}) == "data"


@pytest.mark.parametrize(
    "text,message",
    [
        ("x1,x2,label\n1,2,1\n3,4\n", "CSV line 3: expected 3 comma-separated values"),
        ("1,2,1\n1,2,abc\n", "CSV line 2: 'abc' is not a number"),
        ("1,2,1\n1,inf,0\n", "CSV line 2: 'inf' is not a finite number"),
        ("1,2,1\n1,nan,0\n", "CSV line 2: 'nan' is not a finite number"),
        ("a,b,c\n1,2,1\n", "1 data rows; at least 10"),
        ("".join(f"{i},{i},1\n" for i in range(20)), "the label column has one value only"),
        ("".join(f"{i},1,1\n" for i in range(10_001)), "more than 10,000 data rows (line 10001)"),
        ("1,2,3\n" + "#" * 1_000_001, "over the 1 MB limit"),
        ("", "0 data rows"),
    ],
)
def test_broken_csv_gets_a_clear_message(text, message):
    s = session()
    with pytest.raises(ValueError, match=re.escape(message)):
        s.load_csv(text)
    assert s.config.dataset == "circle"  # a bad upload changes nothing


def test_csv_classification_needs_few_integer_classes():
    with pytest.raises(ValueError, match="classification needs integer labels with 2 to 5"):
        parse_csv("".join(f"{i},1,{i % 7}\n" for i in range(30)), "classification")
    assert parse_csv("".join(f"{i},1,{i % 7}\n" for i in range(30))).problem == "regression"


# ----- export and import ----------------------------------------------------------------------
def _run_script(tmp_path, text):
    path = tmp_path / "playground_train.py"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr
    got = dict(re.findall(r"^(train|test) loss: (\S+)$", out.stdout, re.M))
    return float(got["train"]), float(got["test"])


def test_exported_script_reproduces_built_in_training(tmp_path):
    s = session(
        regularization="L2",
        regularizationRate=0.003,
        batchSize=7,
        noise=15,
        networkShape=(5, 3),
        xSquared=True,
        optimizer="momentum",
        learningRate=0.01,
    )
    s.step(12)
    text = s.export_script()
    assert "import glassnet" in text and "EPOCHS = 12" in text and "pickle" not in text
    train, test = _run_script(tmp_path, text)
    assert abs(train - s.train_loss) < 1e-6 and abs(test - s.test_loss) < 1e-6


def test_exported_script_reproduces_csv_training_with_dropout(tmp_path):
    s = session(dropout=0.1, networkShape=(6, 6))
    s.load_csv(_csv(_blobs(80, 3)))
    s.step(8)
    train, test = _run_script(tmp_path, s.export_script())
    assert abs(train - s.train_loss) < 1e-6 and abs(test - s.test_loss) < 1e-6


def test_weights_export_import_round_trip():
    s = session(networkShape=(5, 3))
    s.step(5)
    data = s.export_weights()
    assert data[:8] and gn.serialization.loads(data).module[0].weight.shape == (5, 2)
    t = session(networkShape=(5, 3))
    assert not np.array_equal(t.layers[0].weight._array, s.layers[0].weight._array)
    t.import_weights(data)
    for a, b in zip(s.model.parameters(), t.model.parameters()):
        np.testing.assert_array_equal(a._array, b._array)
    assert t.train_loss == s.train_loss and t.edited
    with pytest.raises(ValueError, match=r"needs \(4, 2\)"):
        session().import_weights(data)
    with pytest.raises(ValueError, match="weights file"):
        t.import_weights(data[:-10])
    with pytest.raises(ValueError, match="expected bytes"):
        t.import_weights("not bytes")
