"""The one training core: Model.train_step / test_step, metrics reset, the shared registries."""

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import metrics, nn, optim
from glassnet.train import Callback, Model


def _blobs(n=240, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    x = (rng.normal(size=(n, 2)) + 3 * np.eye(3)[y][:, :2]).astype(np.float32)
    return x, y


def test_a_metric_object_is_reset_every_epoch_and_every_evaluate():
    # regression: a Metric passed to compile was never reset, so its count spanned epochs and
    # evaluate, and train and validation accuracy came out the same number
    x, y = _blobs()
    acc = metrics.Accuracy()
    m = Model(gn.models.MLP([2, 8, 3])).compile("adam", "cross_entropy", [acc], lr=0.05)
    gn.manual_seed(0)
    h = m.fit(
        x[:200], y[:200], epochs=2, batch_size=20, verbose=0, validation_data=(x[200:], y[200:])
    )
    assert acc.count == 40  # the last evaluate's 40 samples only
    assert h.history["accuracy"][1] != h.history["val_accuracy"][1]
    m.evaluate(x[:30], y[:30])
    assert acc.count == 30
    fresh = Model(m.module).compile("adam", "cross_entropy", ["accuracy"])
    assert m.evaluate(x, y)[1] == pytest.approx(fresh.evaluate(x, y)[1])


def test_fit_only_iterates_a_custom_train_step_runs_every_batch():
    calls = []

    class Counting(Model):
        def train_step(self, batch):
            calls.append(len(batch[0]))
            logs = super().train_step(batch)
            return {**logs, "twice": 2 * logs["loss"]}

    x, y = _blobs(100)
    m = Counting(gn.models.MLP([2, 4, 3])).compile("sgd", "cross_entropy", ["accuracy"])
    h = m.fit(x, y, epochs=2, batch_size=30, verbose=0)
    assert calls == [30, 30, 30, 10] * 2
    assert h.history["twice"][0] == pytest.approx(2 * h.history["loss"][0])


def test_train_step_equals_a_hand_written_torch_step_with_l2():
    x, y = _blobs(32)
    net = gn.models.MLP([2, 5, 3], activation="tanh")
    tnet = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 3))
    with torch.no_grad():
        for (_, p), tp in zip(net.state_dict().items(), tnet.parameters()):
            tp.copy_(torch.from_numpy(p._array.copy()))
    m = Model(net).compile(optim.SGD(net.parameters(), lr=0.1), "cross_entropy", l2=0.01)
    logs = m.train_step((x, y))
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1)
    out = tnet(torch.from_numpy(x))
    reg = sum((p * p).sum() for p in tnet.parameters() if p.ndim >= 2)
    tloss = torch.nn.functional.cross_entropy(out, torch.from_numpy(y)) + 0.01 * reg
    topt.zero_grad()
    tloss.backward()
    topt.step()
    assert logs["loss"] == pytest.approx(tloss.item(), rel=1e-6)
    for p, tp in zip(net.parameters(), tnet.parameters()):
        np.testing.assert_allclose(p._array, tp.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_test_step_gives_evaluate_its_numbers():
    x, y = _blobs(50)
    m = Model(gn.models.MLP([2, 4, 3])).compile("adam", "cross_entropy", ["accuracy"])
    m.module.eval()
    with gn.no_grad():
        m.reset_metrics()
        logs = m.test_step((x, y))
        acc = m.metrics[0].result()
    loss, ev_acc = m.evaluate(x, y, batch_size=50)
    assert loss == pytest.approx(logs["loss"]) and ev_acc == pytest.approx(acc)


def test_progress_bar_and_nan_guard_are_callbacks(capsys):
    seen = []

    class Spy(Callback):
        def on_train_begin(self, logs=None):
            seen.append(dict(self.params))

    x, y = _blobs(60)
    m = Model(gn.models.MLP([2, 4, 3])).compile("adam", "cross_entropy")
    m.fit(x, y, epochs=1, batch_size=20, verbose=2, callbacks=[Spy()])
    assert seen[0] == {"epochs": 1, "steps": 3, "verbose": 2}
    assert "Epoch 1/1" in capsys.readouterr().out


def test_activation_registry_and_mlp_builder_are_shared():
    assert nn.get_activation("logistic") is nn.Sigmoid and nn.ACTIVATIONS["linear"] is nn.Identity
    with pytest.raises(ValueError, match="unknown activation 'swish'.*relu"):
        gn.models.MLP([2, 3, 1], activation="swish")
    net = gn.models.MLP(
        [2, 3, 1], "tanh", dropout=0.5, output_activation="sigmoid", init="playground"
    )
    kinds = [type(m).__name__ for m in net]
    assert kinds == ["Linear", "Tanh", "Dropout", "Linear", "Sigmoid"]
    w = net.linears()[0].weight._array
    assert np.abs(w).max() <= 0.5 and np.all(net.linears()[0].bias._array == np.float32(0.1))


def test_learning_rate_defaults_come_from_one_table():
    net = gn.models.MLP([2, 3])
    for name, lr in optim.DEFAULT_LR.items():
        assert Model(net).compile(name).optimizer.param_groups[0]["lr"] == lr
    assert optim.create("momentum", net.parameters()).param_groups[0]["momentum"] == 0.9
    with pytest.raises(ValueError, match="unknown optimizer 'adamax'"):
        optim.create("adamax", net.parameters())


def test_penalty_gradient_is_l1_sign_plus_twice_l2_w():
    net = gn.models.MLP([3, 4, 2])
    net(gn.randn(5, 3)).sum()  # noqa: B018 - a forward, no gradient yet
    p = nn.penalty(net, l1=0.1, l2=0.2)
    p.backward()
    for layer in net.linears():
        w = layer.weight._array
        np.testing.assert_allclose(layer.weight.grad._array, 0.1 * np.sign(w) + 0.4 * w, rtol=1e-6)
        assert layer.bias.grad is None
    assert nn.penalty(net) is None


def test_summary_prints_once_and_repr_says_what_the_model_is(capsys):
    m = Model(gn.models.MLP([4, 3, 2])).compile("adagrad", "cross_entropy", ["accuracy"])
    assert m.summary((4,)) is None
    assert capsys.readouterr().out.count("Total params") == 1
    assert "Total params: 23" in m.summary((4,), print_fn=None)
    assert repr(m) == (
        "Model(MLP, 23 parameters, optimizer=Adagrad(lr=0.05), "
        "loss=CrossEntropyLoss, metrics=['accuracy'], epoch=0)"
    )
