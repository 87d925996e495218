"""The playground's "See inside" data (`Session.inspect`): one training point, node by node."""

from __future__ import annotations

import numpy as np
import pytest

from glassnet.autograd import from_numpy
from glassnet.playground.config import PlaygroundConfig
from glassnet.playground.server import parse_message
from glassnet.playground.session import Session


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_steps_and_link_gradients_are_autograds(activation):
    s = Session(PlaygroundConfig(networkShape=[3, 2], activation=activation))
    s.step(2)
    msg = s.inspect(5)
    assert msg["type"] == "inspect" and msg["index"] == 5
    assert [f["op"] for f in msg["forward"]][:2] == [
        "Linear",
        {"tanh": "Tanh", "relu": "ReLU"}[activation],
    ]
    assert msg["linears"] == ["0", "2", "4"] and msg["activations"] == {"1": 0, "3": 1, "5": 2}
    s.model.zero_grad()
    loss = s.trainer.compute_loss(s.model(from_numpy(s.f_train[5:6])), s.t_train[5:6])
    loss.backward()
    assert msg["loss"] == pytest.approx(float(loss._array))
    for layer, gw, gb in zip(s.layers, msg["weightGrads"], msg["biasGrads"]):
        np.testing.assert_array_equal(np.array(gw, np.float32), layer.weight.grad._array)
        np.testing.assert_array_equal(np.array(gb, np.float32), layer.bias.grad._array)
    rules = {b["op"]: b["rule"] for b in msg["backward"]}
    assert rules["Linear"].startswith("y = x Wᵀ + b")
    assert [len(h) for h in msg["health"]] == [3, 2]


def test_dead_relus_are_marked_and_a_bad_index_is_named():
    s = Session(PlaygroundConfig(networkShape=[2], activation="relu"))
    with np.errstate(all="ignore"):
        s.layers[0].bias._array[:] = [-100.0, 0.1]  # the first neuron can never fire
        s.layers[0].weight._array[0] = 0.0
    assert s.inspect(0)["health"] == [["dead", ""]]
    with pytest.raises(ValueError, match=r"index must be an integer in 0\.\.\d+, got 10000"):
        s.inspect(10_000)
    assert parse_message('{"type": "inspect", "index": 2}') == {"type": "inspect", "index": 2}
