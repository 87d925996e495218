"""The four generative lessons (issue 21): rbm-dbn, autoencoder, gan, diffusion.

Their numbers are pinned against references we did not write (scikit-learn's BernoulliRBM
and PCA, closed forms: 64·ln ½, √ᾱ_t from numpy, the 3σ share of a 2-D Gaussian) and to
tolerances chosen from measured runs (each lesson with its seed shifted by 0–3, load 1–3 on 2
shared cores) that fail when a model did not learn. Each lesson runs once per session (the
session fixture `lesson` of tests/conftest.py); tests/test_lessons.py's structure test also
covers these four: both languages name the same numbers, figures are non-empty PNGs.
"""

from __future__ import annotations

import html
import math

import numpy as np
import pytest
from tests.conftest import IN_CI, ROOT, is_png, require

from glassnet import lessons
from glassnet.generative import mode_coverage, ring_of_gaussians
from glassnet.lessons.html import lesson_page, write_site

GENERATIVE = ("rbm-dbn", "autoencoder", "gan", "diffusion")


def test_the_four_are_lessons_not_coming():
    for name in GENERATIVE:
        assert name in lessons.LESSONS and name not in lessons.COMING
        mod = lessons.get(name)
        assert mod.TUTORIALS == ("002", "003") and len(mod.__doc__) > 300


@pytest.mark.slow
def test_rbm_pll_rises_and_matches_scikit_learn(lesson):
    sk = require("sklearn.neural_network")
    from glassnet.lessons import rbm_dbn

    r = lesson("rbm-dbn")
    n = r["numbers"]
    pll = np.asarray(n["pll"])
    # Weights ≈ 0: every pixel is a coin flip, PLL = 64·ln ½ (measured −44.26).
    assert pll[0] == pytest.approx(64 * math.log(0.5), abs=0.5)
    # Rising (measured −44.3 → −23.9 at epoch 5 → −18.7 … −20.6 at 30); noisy per
    # epoch (one random flip per image), so compare the ends' means.
    assert pll[-5:].mean() > pll[1:6].mean() + 1 and pll[-1] > pll[0] + 15
    x, _, xt, _ = rbm_dbn.digits()
    ref = sk.BernoulliRBM(
        n_components=rbm_dbn.HIDDEN,
        learning_rate=rbm_dbn.LR,
        batch_size=rbm_dbn.BATCH,
        n_iter=rbm_dbn.EPOCHS,
        random_state=0,
    ).fit(x)
    # The same PCD-1 training: scikit-learn's PLL (measured −20.2 … −18.2 over seeds 0–3)
    # within 2.5 nats of ours (measured differences 0.3–1.1).
    assert n["pll_last"] == pytest.approx(ref.score_samples(xt).mean(), abs=2.5)
    chains = n["chains"]
    assert set(chains) == set(rbm_dbn.GIBBS_STEPS)
    assert set(np.unique(chains[1000])) <= {0.0, 1.0} and chains[1000].shape == (8, 64)


@pytest.mark.slow
def test_dbn_pretraining_beats_random_init_on_few_labels(lesson):
    acc = lesson("rbm-dbn")["numbers"]["accuracy"]
    # 50 labels: measured DBN 0.74–0.80 vs random 0.65–0.69 over seeds 0–3 (gap >= 0.06).
    assert acc["dbn"] > 0.68 and acc["dbn"] > acc["random"] + 0.03, acc


@pytest.mark.slow
def test_autoencoder_beats_pca_and_the_vae_map_groups_classes(lesson):
    sk = require("sklearn.decomposition")
    from glassnet.lessons import autoencoder

    n = lesson("autoencoder")["numbers"]
    if IN_CI:
        assert n["source"].startswith("fashion_mnist"), "CI must have Fashion-MNIST"
    x, xt, _, _ = autoencoder.images()
    pca = sk.PCA(autoencoder.LATENT).fit(x)
    ref = float(((pca.inverse_transform(pca.transform(xt)) - xt) ** 2).mean())
    assert n["pca_mse"] == pytest.approx(ref, rel=1e-3)  # the lesson's SVD is PCA
    # Measured AE/PCA 0.73–0.75 (seeds 0–3; 0.70 on the digits fallback): the bends help.
    assert n["ae_mse"] < 0.85 * n["pca_mse"], (n["ae_mse"], n["pca_mse"])
    # An untrained VAE scores about 784·ln 2 ≈ 543 nats; measured 276–279 after training.
    assert n["vae_loss"] < 320 and n["vae_mse"] < 0.06
    assert n["mu"].shape == (len(xt), 2) and n["spread"] < 0.7


@pytest.mark.slow
def test_gan_fills_the_ring(lesson):
    r = lesson("gan")
    n = r["numbers"]
    from glassnet.lessons.gan import EPOCHS, STD

    covered, within = n["covered"], n["within"]
    assert covered[0] <= 2 and within[0] < 0.05  # untrained: one blob near the centre
    # Measured at epoch 60 over seeds 0–3: 8 of 8 modes, 62–86 % within 3σ.
    assert covered[EPOCHS] >= 7 and within[EPOCHS] >= 0.5, (covered, within)
    # The data's own share within 3σ of its mode: 1 − e^(−9/2) for a 2-D Gaussian.
    assert n["data_within"] == pytest.approx(1 - math.exp(-4.5), abs=0.01)
    # Near the equilibrium D = ½ (2 ln 2 and ln 2): measured D 1.23–1.36, G 0.77–0.94.
    assert 0.9 < n["d_last"] < 1.6 and 0.4 < n["g_last"] < 1.5
    assert 1e-4 < n["g_first"] < 1e-1  # HealthMonitor's update:data ratio was recorded
    # mode_coverage itself against a direct count.
    x, centres = ring_of_gaussians(1000, std=STD, seed=5)
    d = np.sqrt(((x[:, None] - centres[None]) ** 2).sum(-1))
    assert mode_coverage(x, centres, STD) == (
        len(set(d.argmin(1)[d.min(1) <= 3 * STD])),
        pytest.approx(float((d.min(1) <= 3 * STD).mean())),
    )
    (e,) = r["errata"]
    doc = (ROOT / "docs" / "errata.md").read_text(encoding="utf-8")
    assert e["tutorial"] == "002" and "강화학습" in e["says"] and "`gan`" in doc


@pytest.mark.slow
def test_diffusion_noises_forward_and_denoises_back(lesson):
    from glassnet.lessons.diffusion import BETA_END, BETA_START, T

    n = lesson("diffusion")["numbers"]
    signal = np.sqrt(np.cumprod(1 - np.linspace(BETA_START, BETA_END, T)))
    np.testing.assert_allclose(n["signal"], signal, rtol=1e-12)
    assert n["sT"] < 0.1 and abs(n["std_T"] - 1) < 0.1  # x_T is (nearly) N(0, I)
    assert n["loss1"] < n["loss0"]
    # Measured MMD² 0.0021–0.0026 trained vs 0.13 untrained (51–61× closer, seeds 0–3).
    assert n["trained"] < n["untrained"] / 10 and n["trained"] < 0.01, n
    assert n["floor"] < n["trained"]  # two true samples are closer still


@pytest.mark.slow
def test_pages_render_with_the_new_lessons(lesson, tmp_path, monkeypatch):
    """The `--all --html` path (write_site) on the four cached results, in both languages."""
    results = {name: lesson(name) for name in GENERATIVE}
    monkeypatch.setattr(lessons, "run", lambda name, lang="en", plot_dir=None: results[name])
    pages = write_site(tmp_path, GENERATIVE)
    assert len(pages) == 2 * len(GENERATIVE) + 2
    for name, r in results.items():
        for lang in ("en", "ko"):
            page = (tmp_path / f"{name}.{lang}.html").read_text(encoding="utf-8")
            for step in r["steps"]:
                assert html.escape(step.text(lang), quote=True) in page
            assert page.count("<img ") == len(r["figures"]) >= 2
        for path in r["figures"]:
            assert is_png(path), path
    page = lesson_page(results["gan"], "ko", tmp_path)
    assert b'class="erratum"' in page
    index = (tmp_path / "index.en.html").read_text(encoding="utf-8")
    assert all(f'href="{name}.en.html"' in index for name in GENERATIVE)
