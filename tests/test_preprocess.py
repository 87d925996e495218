"""nn.Standardize: the input scaling that travels inside a saved network."""

import warnings

import numpy as np
import pytest
from tests.conftest import require

import glassnet as gn
from glassnet import nn


def _iris_layer():
    x, _ = gn.datasets.iris()
    return x, nn.Standardize(
        x.mean(0).tolist(), x.std(0).tolist(), x.min(0).tolist(), x.max(0).tolist()
    )


def test_standardize_matches_sklearns_standard_scaler():
    pre = require("sklearn.preprocessing")
    x, layer = _iris_layer()
    ref = pre.StandardScaler().fit(x)
    np.testing.assert_allclose(layer(x).numpy(), ref.transform(x), atol=1e-5)
    np.testing.assert_allclose(layer.shift.numpy(), ref.mean_, rtol=1e-6)
    np.testing.assert_allclose(layer.scale.numpy(), ref.scale_, rtol=1e-6)


def test_standardize_is_saved_with_the_weights(tmp_path):
    x, layer = _iris_layer()
    net = nn.Sequential(layer, gn.models.MLP([4, 8, 3], "tanh"))
    assert {"0.shift", "0.scale", "0.low", "0.high"} <= set(net.state_dict())
    gn.save(net, tmp_path / "m.safetensors")
    back = gn.load(tmp_path / "m.safetensors")
    assert isinstance(back[0], nn.Standardize) and repr(back) == repr(net)
    np.testing.assert_array_equal(back(x)._array, net(x)._array)  # raw inputs in, same out
    scalar = nn.Standardize(0.0, 255.0)  # pixels: one shift and scale, no range
    gn.save(scalar, tmp_path / "s.safetensors")
    out = gn.load(tmp_path / "s.safetensors")(np.full((2, 3), 51.0)).numpy()
    np.testing.assert_array_equal(out, np.float32(51.0) / np.float32(255.0))
    assert net.double()[0].shift.dtype == np.float64


def test_inputs_scaled_differently_from_training_warn_once():
    x, layer = _iris_layer()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(x)  # the training data itself, and a single raw row, are fine
        layer(x[:1])
    z = (x - x.mean(0)) / x.std(0)  # already standardised: the model would scale them again
    with pytest.warns(
        nn.InputRangeWarning,
        match=r"Standardize: inputs span \[-2.4.*training "
        r"inputs spanned \[0.1, 7.9\]; feature \d \(the furthest out\)",
    ):
        layer(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        layer(z)  # once per layer
    pixels = nn.Standardize(0.0, 255.0, 0.0, 255.0)
    with pytest.warns(
        nn.InputRangeWarning,
        match=r"inputs span \[0, 1\] but the training "
        r"inputs spanned \[0, 255\]",
    ):
        pixels(np.linspace(0, 1, 784 * 2).reshape(2, 784))  # already divided by 255
    d, _ = gn.datasets.digits()
    digits = nn.Standardize(d.mean(0).tolist(), 1.0, d.min(0).tolist(), d.max(0).tolist())
    with pytest.warns(nn.InputRangeWarning, match=r"\d+ of 64 values \(\d+%\) lie outside"):
        digits((d[:1] - d.mean(0)) / (d.std(0) + 1))  # one standardised row


def test_standardize_refuses_what_it_cannot_use():
    with pytest.raises(ValueError, match="scale must be non-zero"):
        nn.Standardize([0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="different lengths"):
        nn.Standardize([0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="both low and high"):
        nn.Standardize(0.0, 1.0, low=0.0)
    with pytest.raises(ValueError, match="have 5 features, this model was trained on 4"):
        _iris_layer()[1](np.zeros((2, 5)))
