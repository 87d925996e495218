"""TF Playground's data sets: geometry, label rules and noise as in its dataset.ts."""

import numpy as np
import pytest

from glassnet import datasets
from glassnet.datasets import playground as pg

CLASSIFY = [datasets.circle, datasets.xor, datasets.gauss, datasets.spiral]
REGRESS = [datasets.reg_plane, datasets.reg_gauss]


@pytest.mark.parametrize("gen", CLASSIFY + REGRESS)
def test_shapes_dtypes_and_seeds(gen):
    x, y = gen(300, 0.2, seed=3)
    assert x.shape == (300, 2) and x.dtype == np.float32 and y.shape == (300,)
    assert y.dtype == np.float32
    x2, y2 = gen(300, 0.2, seed=3)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(gen(300, 0.2, seed=4)[0], x)
    if gen is not datasets.gauss:  # TF's Gaussians are not cut off at the plot's edge
        assert np.abs(x).max() <= 6.0


@pytest.mark.parametrize("gen", CLASSIFY)
def test_class_labels_are_tf_plus_minus_one_or_01(gen):
    _, y = gen(200, 0.0, seed=0)
    assert set(np.unique(y).tolist()) == {-1.0, 1.0}
    _, y01 = gen(200, 0.0, seed=0, labels="01")
    assert y01.dtype == np.int64
    np.testing.assert_array_equal(y01, (y > 0).astype(np.int64))


def test_circle_labels_by_radius_without_noise():
    x, y = datasets.circle(1000, 0.0, seed=1)
    r = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_array_equal(y == 1, r < 2.5)
    assert (y == 1).sum() == 500 and r[y == 1].max() < 2.5
    assert r[y == -1].min() >= 3.5 - 1e-5 and r[y == -1].max() <= 5 + 1e-5


def test_circle_noise_flips_some_labels_only_near_the_gap():
    x, y = datasets.circle(2000, 0.5, seed=2)
    r = np.hypot(x[:, 0], x[:, 1])
    wrong = (y == 1) != (r < 2.5)
    assert 0 < wrong.mean() < 0.5  # noise 0.5 jitters the label test by up to ±2.5 per axis


def test_xor_quadrant_rule_and_padding():
    x, y = datasets.xor(1000, 0.0, seed=1)
    np.testing.assert_array_equal(y == 1, x[:, 0] * x[:, 1] >= 0)
    assert np.abs(x).min() >= 0.3 - 1e-6 and np.abs(x).max() <= 5.3 + 1e-5


def test_gauss_centres_and_tf_variance_scale():
    for noise, var in ((0.0, 0.5), (0.5, 4.0)):
        x, y = datasets.gauss(20000, noise, seed=5)
        pos, neg = x[y == 1], x[y == -1]
        np.testing.assert_allclose(pos.mean(0), [2, 2], atol=0.1)
        np.testing.assert_allclose(neg.mean(0), [-2, -2], atol=0.1)
        np.testing.assert_allclose(pos.var(0), [var, var], rtol=0.06)


def _rotate(p, d):
    # TF's angle runs from the +y axis (x = r sin t, y = r cos t): adding d rotates clockwise
    return np.stack(
        [p[:, 0] * np.cos(d) + p[:, 1] * np.sin(d), p[:, 1] * np.cos(d) - p[:, 0] * np.sin(d)], 1
    )


def test_spiral_two_arms_as_tf():
    x, y = datasets.spiral(500, 0.0, seed=0)
    n = 250
    i = np.arange(n)
    t = 1.75 * i / n * 2 * np.pi
    np.testing.assert_allclose(
        x[y == 1], np.stack([5 * i / n * np.sin(t), 5 * i / n * np.cos(t)], 1), atol=1e-5
    )
    np.testing.assert_allclose(x[y == -1], _rotate(x[y == 1], np.pi), atol=1e-5)


@pytest.mark.parametrize("k", [3, 4, 5])
def test_spiral_k_arms_are_rotations(k):
    x, y = datasets.spiral(60 * k, 0.0, seed=0, n_classes=k)
    assert y.dtype == np.int64 and np.bincount(y).tolist() == [60] * k
    for j in range(1, k):
        np.testing.assert_allclose(x[y == j], _rotate(x[y == 0], 2 * np.pi * j / k), atol=1e-5)
    r = np.hypot(*x[y == 0].T)
    np.testing.assert_allclose(r, 5 * np.arange(60) / 60, atol=1e-5)


def test_spiral_noise_is_uniform_jitter_of_at_most_noise():
    clean, _ = datasets.spiral(400, 0.0, seed=1)
    noisy, _ = datasets.spiral(400, 0.3, seed=1)
    d = np.abs(noisy - clean)
    assert d.max() <= 0.3 + 1e-6 and d.max() > 0.2


def test_reg_plane_target_is_tf_linear_map():
    x, y = datasets.reg_plane(500, 0.0, seed=0)
    np.testing.assert_allclose(y, (x[:, 0] + x[:, 1]) / 10, atol=1e-6)
    assert np.abs(x).max() <= 6


def _tf_reg_gauss_label(px, py):
    """TF's getLabel: the signed bump 1 - d/2 (clamped to [0, 1]) largest in absolute value."""
    label = 0.0
    for cx, cy, sign in [
        (-4, 2.5, 1),
        (0, 2.5, -1),
        (4, 2.5, 1),
        (-4, -2.5, -1),
        (0, -2.5, 1),
        (4, -2.5, -1),
    ]:
        d = ((px - cx) ** 2 + (py - cy) ** 2) ** 0.5
        new = sign * min(1.0, max(0.0, 1 - d / 2))
        if abs(new) > abs(label):
            label = new
    return label


def test_reg_gauss_matches_tf_label_rule():
    x, y = datasets.reg_gauss(400, 0.0, seed=0)
    ref = [_tf_reg_gauss_label(float(a), float(b)) for a, b in x]
    np.testing.assert_allclose(y, ref, atol=1e-6)
    assert y.min() < -0.5 and y.max() > 0.5


@pytest.mark.parametrize("gen", CLASSIFY + REGRESS)
def test_noise_out_of_range_is_refused(gen):
    with pytest.raises(ValueError, match=r"noise must be a fraction in \[0, 0.5\].*got 5"):
        gen(100, 5)
    with pytest.raises(ValueError, match="noise"):
        gen(100, -0.1)
    with pytest.raises(ValueError, match="n_samples"):
        gen(0)


def test_bad_labels_and_classes_are_refused():
    with pytest.raises(ValueError, match="labels must be"):
        datasets.circle(10, labels="yes")
    with pytest.raises(ValueError, match="n_classes must be an integer in 2..5"):
        datasets.spiral(10, n_classes=6)


def test_generate_counts_and_split_like_tf():
    xtr, ytr, xte, yte = pg.generate("circle", 0.0, seed=7, perc_train=50)
    assert len(xtr) == len(xte) == 250
    xtr3, _, xte3, _ = pg.generate("circle", 0.0, seed=7, perc_train=30)
    assert (len(xtr3), len(xte3)) == (150, 350)
    rtr, _, rte, _ = pg.generate("reg-gauss", 0.1, seed=7, perc_train=90)
    assert (len(rtr), len(rte)) == (1080, 120)
    again = pg.generate("circle", 0.0, seed=7, perc_train=50)
    np.testing.assert_array_equal(again[0], xtr)
    # the split is a shuffle of the generated points
    allx = np.concatenate([xtr, xte])
    gx, _ = datasets.circle(500, 0.0, seed=7)
    assert sorted(map(tuple, allx.tolist())) == sorted(map(tuple, gx.tolist()))
    _, y3, _, _ = pg.generate("spiral", 0.0, seed=1, n_classes=3)
    assert set(y3.tolist()) == {0, 1, 2}
    with pytest.raises(ValueError, match="unknown dataset 'moons'"):
        pg.generate("moons")


def test_seed_strings_map_to_stable_distinct_seeds():
    assert pg.seed_to_int("0.80000") == pg.seed_to_int("0.80000")
    assert pg.seed_to_int("0.80000") != pg.seed_to_int("0.80001")
