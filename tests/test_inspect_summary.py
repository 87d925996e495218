"""`glassnet.inspect.summary`: the layer table, checked against PyTorch's parameter counts."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import glassnet as gn
from glassnet import nn


def test_counts_shapes_and_memory_match_torch_and_keras_rules():
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(),
        nn.Linear(4 * 8 * 8, 10),
    )  # fmt: skip
    ref = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
        torch.nn.Flatten(), torch.nn.Linear(4 * 8 * 8, 10),
    )  # fmt: skip
    net[0].weight.requires_grad = False  # a frozen layer counts as non-trainable
    s = gn.inspect.summary(net, (1, 8, 8), batch_size=2)
    torch_total = sum(p.numel() for p in ref.parameters())
    frozen = 4 * 9 + 2 * 4  # conv weight + BatchNorm's running mean and var (Keras counts them)
    assert s.total_params == torch_total + 2 * 4
    assert s.non_trainable_params == frozen
    assert s.trainable_params == torch_total - 4 * 9
    x = torch.zeros(2, 1, 8, 8)
    shapes = []
    for layer in ref:
        x = layer(x)
        shapes.append(tuple(x.shape))
    assert [r[2] for r in s.rows] == shapes
    assert s.forward_bytes == sum(4 * int(np.prod(sh)) for sh in shapes)  # float32 outputs
    assert f"Total params: {s.total_params:,}" in s and "(None, 4, 8, 8)" in s
    assert "Forward pass size" in s


def test_module_summary_prints_once_and_returns_the_table(capsys):
    net = gn.models.MLP([4, 3, 2])
    assert net.summary((4,)) is None
    assert capsys.readouterr().out.count("Total params: 23") == 1
    text = net.summary((4,), print_fn=None)
    assert str(text) == str(gn.inspect.summary(net, (4,)))
    print(text)
    assert capsys.readouterr().out.count("Total params: 23") == 1


def test_an_input_size_that_does_not_fit_names_the_layer():
    net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Linear(5, 2)))
    with pytest.raises(gn.inspect.ShapeError, match=r"layer 2\.0 \(Linear\).*\(1, 3\)"):
        gn.inspect.summary(net, (4,))
    assert "forward" not in net[2][0].__dict__  # the wrappers are gone after the error
    with pytest.raises(ValueError, match="input_size must be positive integers"):
        gn.inspect.summary(net, (0,))
