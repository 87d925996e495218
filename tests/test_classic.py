"""Classic neurons: McCulloch-Pitts gates, the perceptron rule, XOR, Hebb's rule."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glassnet.classic import (
    AND,
    GATES,
    NAND,
    NOR,
    NOT,
    OR,
    TLU,
    XOR,
    McCullochPittsNeuron,
    NotSeparableWarning,
    Perceptron,
    gate_data,
    hebb_associate,
    hebb_recall,
    hebb_update,
    train_xor_network,
    truth_vector,
)

# the logic itself, written with Python's operators (not with glassnet)
REFERENCE = {
    "AND": lambda a, b: a and b,
    "OR": lambda a, b: a or b,
    "NAND": lambda a, b: not (a and b),
    "NOR": lambda a, b: not (a or b),
    "XOR": lambda a, b: a != b,
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_gates_match_boolean_logic(name):
    gate = GATES[name]
    for a, b in itertools.product((0, 1), repeat=2):
        assert gate(a, b) == int(REFERENCE[name](a, b)), (name, a, b)


def test_not_and_inhibition_veto():
    assert [NOT(0), NOT(1)] == [1, 0]
    # A fires C unless B (inhibitory) is on: the seed's figure ④, "A and not B"
    a_not_b = McCullochPittsNeuron(1, 2, inhibitory=(1,))
    assert truth_vector(a_not_b, 2) == (0, 0, 1, 0)
    # the veto wins even when the excitatory sum is far above threshold
    veto = McCullochPittsNeuron(1, 4, inhibitory=(3,))
    assert veto(1, 1, 1, 1) == 0 and veto(1, 1, 1, 0) == 1


def test_truth_tables_print():
    table = AND.truth_table()
    assert table.splitlines()[0] == "a b | AND"
    assert table.splitlines()[-1] == "1 1 | 1"
    assert NAND.truth_table().splitlines()[-1] == "1 1 | 0"
    assert len(NOR.truth_table().splitlines()) == 6
    assert "| OR" in OR.truth_table()


def test_mp_neuron_rejects_bad_input():
    with pytest.raises(ValueError, match="binary"):
        AND(2, 0)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        AND(1)
    with pytest.raises(ValueError, match="out of range"):
        McCullochPittsNeuron(1, 2, inhibitory=(2,))


def test_tlu_is_weighted_sum_and_step():
    tlu = TLU([1.0, 1.0], -1.5)  # AND as a threshold logic unit
    assert truth_vector(tlu, 2) == truth_vector(REFERENCE["AND"], 2)
    with pytest.raises(ValueError, match="expected 2 inputs"):
        tlu.predict(np.zeros((3, 3)))


@pytest.mark.parametrize("name", ["AND", "OR", "NAND", "NOR"])
def test_perceptron_learns_separable_gates(name):
    X, y = gate_data(GATES[name])
    p = Perceptron().fit(X, y)
    assert p.converged_ and p.linearly_separable_
    assert p.errors_[-1] == 0 and p.converged_epoch_ == len(p.errors_)
    assert p.n_updates_ == sum(p.errors_) > 0
    np.testing.assert_array_equal(p.predict(X), y)


def test_perceptron_detects_xor_is_not_separable():
    X, y = gate_data(XOR)
    with pytest.warns(NotSeparableWarning, match="not linearly separable"):
        p = Perceptron(max_iter=1000).fit(X, y)
    assert not p.converged_ and p.linearly_separable_ is False
    assert min(p.errors_) > 0 and p.converged_epoch_ is None
    # with shuffling no cycle is proven, but max_iter runs out with errors every epoch
    with pytest.warns(NotSeparableWarning, match="did not converge in 50 epochs"):
        p = Perceptron(max_iter=50, shuffle=True, random_state=0).fit(X, y)
    assert min(p.errors_) > 0 and len(p.errors_) == 50


def test_perceptron_rule_no_autograd_docstring():
    assert "gradient" in Perceptron.__doc__ and "Step" in Perceptron.__doc__


def test_xor_by_composition():
    assert truth_vector(XOR, 2) == (0, 1, 1, 0)
    for a, b in itertools.product((0, 1), repeat=2):
        assert XOR(a, b) == AND(NAND(a, b), OR(a, b))


def test_xor_network_hidden_units_act_like_or_and_nand():
    net = train_xor_network()
    X, y = gate_data(XOR)
    np.testing.assert_array_equal(net.predict(X), y)
    assert net.losses[-1] < 0.01 < net.losses[0]
    assert sorted(net.hidden_gates()) == ["NAND", "OR"]
    tables = net.hidden_truth_tables()
    assert "~ OR" in tables and "~ NAND" in tables and "output ~ XOR" in tables
    # the thresholded hidden units, checked against Python's own logic
    h = net.hidden(X) >= 0.5
    cols = {truth_vector(REFERENCE[g], 2) for g in ("OR", "NAND")}
    assert {tuple(h[:, j].astype(int)) for j in range(2)} == cols


def test_xor_network_is_the_shared_mlp_trained_by_model():
    """models.MLP + train.Model give the hand-written loop's run: same weights, same losses."""
    from glassnet import nn
    from glassnet.models import MLP

    net = train_xor_network()
    assert isinstance(net.model, MLP) and net.model.sizes == [2, 2, 1]
    assert [type(m) for m in net.model] == [nn.Linear, nn.Sigmoid, nn.Linear, nn.Sigmoid]
    assert len(net.losses) == 2000
    # the values the hand-written Adam/BCE loop gave with seed 9, before it went through Model
    assert net.losses[0] == pytest.approx(0.6938055753707886, rel=1e-6)
    assert net.losses[-1] == pytest.approx(3.886677441187203e-4, rel=1e-4)


def test_hebb_update_strengthens_coactive_connections():
    w = hebb_update(np.zeros((2, 3)), [1, 0, 1], [1, -1], lr=0.5)
    np.testing.assert_array_equal(w, 0.5 * np.outer([1, -1], [1, 0, 1]))
    with pytest.raises(ValueError, match="expected"):
        hebb_update(np.zeros((3, 3)), [1, 0, 1], [1, -1])


def test_hebb_pattern_association_recalls_stored_pairs():
    # orthogonal bipolar input patterns (rows of a Hadamard matrix) are recalled exactly
    h2 = np.array([[1, 1], [1, -1]])
    inputs = np.kron(np.kron(h2, h2), h2)[1:4]  # three 8-element patterns
    outputs = np.array([[1, -1], [-1, 1], [1, 1]])
    w = hebb_associate(inputs, outputs)
    for x, y in zip(inputs, outputs):
        np.testing.assert_array_equal(hebb_recall(w, x), y)
    # a noisy cue (one flipped bit) still recalls its pair
    cue = inputs[1].copy()
    cue[0] *= -1
    np.testing.assert_array_equal(hebb_recall(w, cue), outputs[1])


@st.composite
def separable_2d(draw):
    """Points strictly on either side of a random line through the box, with a margin."""
    angle = draw(st.floats(0, 2 * np.pi))
    offset = draw(st.floats(-1, 1))
    n = draw(st.integers(2, 30))
    pts = draw(st.lists(st.tuples(st.floats(-5, 5), st.floats(-5, 5)), min_size=n, max_size=n))
    X = np.array(pts, dtype=np.float64)
    normal = np.array([np.cos(angle), np.sin(angle)])
    d = X @ normal - offset
    keep = np.abs(d) > 0.1
    X, d = X[keep], d[keep]
    y = (d > 0).astype(np.int64)
    return X, y


@settings(max_examples=60, deadline=None)
@given(separable_2d())
def test_perceptron_converges_on_any_separable_2d_data(data):
    X, y = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", NotSeparableWarning)
        p = Perceptron(max_iter=100_000).fit(X, y)
    assert p.converged_
    margin = (X @ p.coef_ + p.intercept_) * np.where(y == 1, 1, -1)
    # the converged weights separate the data (step(0) = 1, so class 1 may sit on the line)
    assert np.all((margin > 0) | ((margin == 0) & (y == 1)))


def test_demo_prints_the_story(capsys):
    from glassnet.classic.__main__ import main

    main()
    out = capsys.readouterr().out
    assert "a b | AND" in out and "not linearly separable" in out
    assert "~ OR" in out and "~ NAND" in out and "output ~ XOR" in out
