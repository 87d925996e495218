"""Autoencoders: squeeze an image through a small code and rebuild it; and the VAE.

An autoencoder (tutorial 002's unsupervised deep learning) is an encoder that turns a 784-pixel
image into a code of a few numbers and a decoder that rebuilds the image from the code,
trained only to reproduce its input. PCA does the same with straight lines: the best linear
code of the same size. The autoencoder's bends let it rebuild better. A variational
autoencoder (VAE) makes the code a small cloud N(μ, σ²) pulled towards N(0, 1); with a code of
2 numbers every image becomes a point on a map, and images of the same kind gather together.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.generative import VAE, Autoencoder, GenerativeModel

from . import _data, figures
from ._lesson import Lesson

TITLE = ("오토인코더와 VAE: 압축하고 다시 그리기", "Autoencoders and the VAE: compress, rebuild")
TUTORIALS = ("002", "003")
LATENT, N_TRAIN, N_TEST, EPOCHS = 16, 8000, 2000, 10


def images() -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Training and test images flattened in [0, 1], the test labels, and what was used:
    Fashion-MNIST from the cache/GLASSNET_DATA, or the built-in digits (1,400 / 397)."""
    x, _, source = _data.images("fashion_mnist", "train")
    xt, yt, _ = _data.images("fashion_mnist", "test")
    if source.startswith("digits"):  # one small set: split it
        return _flat(x[:1400]), _flat(xt[1400:]), yt[1400:], source
    return _flat(x[:N_TRAIN]), _flat(xt[:N_TEST]), yt[:N_TEST], source


def _flat(a: np.ndarray) -> np.ndarray:
    return a.reshape(len(a), -1).astype(np.float32) / 255


def pca(x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The mean and the top k principal directions (k, d) of x, from the SVD."""
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:k]


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """AE vs PCA reconstruction error with 16 numbers; a VAE with a 2-D code and its map."""
    L = Lesson("autoencoder", TITLE, TUTORIALS, lang, plot_dir)
    x, xt, yt, source = images()
    source = source.replace(" (train)", "")
    epochs = round(EPOCHS * N_TRAIN / len(x))  # the same number of updates on a smaller set
    gn.manual_seed(0)
    ae = Autoencoder(784, hidden=(256,), latent=LATENT)
    GenerativeModel(ae).compile("adam", lr=2e-3).fit(x, epochs=epochs, batch_size=128, verbose=0)
    with gn.no_grad():
        ae_rec = ae(gn.tensor(xt)).numpy()
    mean, comps = pca(x, LATENT)
    pca_rec = (xt - mean) @ comps.T @ comps + mean
    ae_mse, pca_mse = float(((ae_rec - xt) ** 2).mean()), float(((pca_rec - xt) ** 2).mean())
    L.say(
        "데이터: {source}, 학습 {n_train:,}장, 시험 {n_test:,}장 (784 픽셀). 오토인코더 "
        "784-256-{k}-256-784를 {epochs} 에포크 학습했습니다. 보지 않은 그림을 숫자 {k}개로 "
        "줄였다가 다시 그린 평균 제곱 오차: 오토인코더 {ae_mse:.4f}, 같은 {k}개 성분의 PCA "
        "{pca_mse:.4f} (오토인코더의 오차는 PCA의 {ratio:.2f}배).",
        "Data: {source}, {n_train:,} images to train, {n_test:,} to test (784 pixels). An "
        "autoencoder 784-256-{k}-256-784 trained for {epochs} epochs. Mean squared error of "
        "unseen images squeezed to {k} numbers and rebuilt: autoencoder {ae_mse:.4f}, PCA with "
        "the same {k} components {pca_mse:.4f} (the autoencoder's error is {ratio:.2f} × PCA's).",
        source=source,
        n_train=len(x),
        n_test=len(xt),
        k=LATENT,
        epochs=epochs,
        ae_mse=ae_mse,
        pca_mse=pca_mse,
        ratio=ae_mse / pca_mse,
    )
    gn.manual_seed(0)
    vae = VAE(784, hidden=256, latent=2)
    model = GenerativeModel(vae).compile("adam", lr=1e-3)
    model.fit(x, epochs=epochs, batch_size=128, verbose=0)
    with gn.no_grad():
        vae_rec, mu, _ = vae(gn.tensor(xt))
    vae_rec, mu = vae_rec.numpy(), mu.numpy()
    L.say(
        "VAE 784-256-(2, 2)-256-784: 부호는 숫자 2개의 구름 N(μ, σ²)이고, 손실은 재구성 오차 "
        "(BCE)에 N(0, 1)과의 KL을 더한 값입니다. 시험 손실 {vae_loss:.1f} nats/그림, 재구성 "
        "MSE {vae_mse:.4f} (숫자 2개뿐이라 {k}개보다 흐립니다). 시험 그림 μ의 지도에서 같은 "
        "종류는 한데 모입니다: 같은 종류끼리의 평균 거리는 전체 평균 거리의 {spread:.2f}배입니다 "
        "(PCA 성분 2개로는 {spread_pca:.2f}배).",
        "The VAE 784-256-(2, 2)-256-784: the code is a cloud N(μ, σ²) of 2 numbers, and the loss "
        "is the reconstruction error (BCE) plus the KL to N(0, 1). Test loss {vae_loss:.1f} "
        "nats per image, reconstruction MSE {vae_mse:.4f} (blurrier than with {k} numbers). "
        "On the map of the test images' μ the same kind gathers together: the mean distance "
        "within a kind is {spread:.2f} of the mean distance overall ({spread_pca:.2f} with 2 PCA "
        "components).",
        vae_loss=float(model.evaluate(xt)),
        vae_mse=float(((vae_rec - xt) ** 2).mean()),
        spread=_spread(mu, yt),
        spread_pca=_spread(pca2 := (xt - mean) @ comps[:2].T, yt),
    )
    L.record(mu=mu, labels=yt, ae_rec=ae_rec[:8], x_test=xt[:8])
    _plot(L, xt, yt, ae_rec, vae_rec, mu, pca2)
    return L.result()


def _spread(z: np.ndarray, y: np.ndarray) -> float:
    """Mean pairwise distance within classes over the mean pairwise distance of all points."""
    d = np.linalg.norm(z[:, None] - z[None], axis=2)
    same = y[:, None] == y[None]
    return float(d[same].mean() / d.mean())


def _plot(
    L: Lesson,
    xt: np.ndarray,
    yt: np.ndarray,
    ae_rec: np.ndarray,
    vae_rec: np.ndarray,
    mu: np.ndarray,
    pca2: np.ndarray,
) -> None:
    side = int(np.sqrt(xt.shape[1]))
    rows = {L.t("원본", "original"): xt, "AE": ae_rec, "VAE": vae_rec}
    figures.images(
        L.figure("reconstructions"),
        [r[i].reshape(side, side) for r in rows.values() for i in range(8)],
        [name for name in rows for _ in range(8)],
        L.t("시험 그림과 재구성", "test images and their reconstructions"),
        ncols=8,
    )
    classes = {"s": 3, "c": yt, "cmap": "tab10"}
    figures.scatters(
        L.figure("latent-map"),
        [
            {"title": L.t("VAE의 μ (2차원)", "the VAE's μ (2-D)"), "series": [("", mu, classes)]},
            {"title": L.t("PCA 성분 2개", "2 PCA components"), "series": [("", pca2, classes)]},
        ],
        L.t("종류별 색의 2차원 부호", "2-D codes coloured by class"),
        size=4.0,
    )
