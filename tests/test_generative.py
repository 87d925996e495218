"""glassnet.generative against PyTorch and scikit-learn, on Fashion-MNIST and generated data."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from tests.conftest import require

import glassnet as gn
from glassnet.generative import VAE, Autoencoder, ConvAutoencoder, GenerativeModel


@pytest.fixture(scope="module")
def fashion_test() -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST's 10,000 test images as floats in [0, 1] (N, 784), and their labels."""
    x, y = gn.datasets.fashion_mnist("test")
    return x.reshape(len(x), -1).astype(np.float32) / 255, y


# ----- VAE ----------------------------------------------------------------------------------
def _torch_vae(torch):
    """PyTorch's examples/vae network and loss, written out here as the reference."""
    nn, F = torch.nn, torch.nn.functional

    class TorchVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = (
                nn.Linear(784, 400),
                nn.Linear(400, 20),
                nn.Linear(400, 20),
            )
            self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

        def forward(self, x, eps):
            h = F.relu(self.fc1(x))
            mu, logvar = self.fc21(h), self.fc22(h)
            z = mu + eps * torch.exp(0.5 * logvar)
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z)))), mu, logvar

    def loss_function(recon, x, mu, logvar):
        bce = F.binary_cross_entropy(recon, x, reduction="sum")
        return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())

    return TorchVAE(), loss_function


def test_vae_equals_pytorch_step_for_step(fashion_test):
    torch = require("torch")
    torch.manual_seed(0)
    ref, loss_function = _torch_vae(torch)
    vae = VAE()
    vae.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    model = GenerativeModel(vae).compile("adam", lr=1e-3)
    opt = torch.optim.Adam(ref.parameters(), lr=1e-3)
    x = fashion_test[0][:384]
    eps = np.random.default_rng(0).standard_normal((3, 128, 20)).astype(np.float32)
    ours, theirs = [], []
    for i in range(3):
        xb = x[128 * i : 128 * (i + 1)]
        vae.noise = lambda shape, e=eps[i]: e  # the same ε draws in both
        ours.append(model.train_step((xb, np.zeros(len(xb)))))
        opt.zero_grad()
        recon, mu, logvar = ref(torch.tensor(xb), torch.tensor(eps[i]))
        loss = loss_function(recon, torch.tensor(xb), mu, logvar)
        loss.backward()
        opt.step()
        theirs.append(loss.item() / len(xb))
    np.testing.assert_allclose([o["loss"] for o in ours], theirs, rtol=2e-5)
    assert theirs[-1] < theirs[0] - 20  # it learns: nats per image fall
    for k, v in ref.state_dict().items():
        np.testing.assert_allclose(vae.state_dict()[k].numpy(), v.numpy(), atol=2e-5, err_msg=k)


def test_vae_fit_saves_samples_and_refuses_bad_input(tmp_path, fashion_test):
    x = fashion_test[0][:512]
    model = GenerativeModel(VAE(hidden=64, latent=2)).compile("adam", lr=1e-3)
    h = model.fit(x, epochs=2, batch_size=128, validation_data=x[:128], verbose=0)
    assert h.history["loss"][1] < h.history["loss"][0] and "val_loss" in h.history
    model.save(tmp_path / "vae.safetensors")
    net = gn.load(tmp_path / "vae.safetensors")
    assert isinstance(net, VAE) and net.latent == 2
    assert gn.generative.sample(net, 6).shape == (6, 784)
    assert net.interpolate(x[0], x[1], steps=5).shape == (5, 784)
    with pytest.raises(ValueError, match="VAE: latent must be a whole number >= 1, got 0"):
        VAE(latent=0)
    with pytest.raises(
        ValueError, match=r"VAE: expected inputs of shape \(N, 784\), got \(2, 10\)"
    ):
        net.loss(gn.zeros(2, 10))
    with pytest.raises(TypeError, match="Linear is not a generative model"):
        gn.generative.sample(gn.nn.Linear(2, 2), 4)


# ----- autoencoders -------------------------------------------------------------------------
@pytest.mark.slow
def test_autoencoder_beats_pca_on_held_out_fashion_mnist(fashion_test):
    decomposition = require("sklearn.decomposition")
    x = fashion_test[0]
    train, held = x[:2000], x[8000:]
    k = 4
    gn.manual_seed(0)
    model = GenerativeModel(Autoencoder(784, (64,), k)).compile("adam", lr=3e-3)
    t0 = time.perf_counter()
    model.fit(train, epochs=4, batch_size=32, verbose=0)
    mse = model.evaluate(held)
    with require("threadpoolctl").threadpool_limits(1):  # scikit-learn's BLAS, busy machine
        pca = decomposition.PCA(k, random_state=0).fit(train)
        pca_mse = float(((pca.inverse_transform(pca.transform(held)) - held) ** 2).mean())
    print(f"autoencoder {mse:.5f} vs PCA({k}) {pca_mse:.5f} ({time.perf_counter() - t0:.1f} s)")
    assert mse < 0.032  # the bound stated in the README (PCA's is 0.037)
    assert mse < pca_mse


def test_conv_autoencoder_learns_and_refuses_wrong_image_shapes(fashion_test):
    x = fashion_test[0][:512].reshape(-1, 1, 28, 28)
    model = GenerativeModel(ConvAutoencoder(latent=8)).compile("adam", lr=2e-3)
    before = model.evaluate(x[:256])
    model.fit(x, epochs=1, batch_size=32, verbose=0)
    assert model.evaluate(x[:256]) < 0.8 * before
    with pytest.raises(
        ValueError,
        match=r"ConvAutoencoder: expected inputs of shape \(N, 1, 28, 28\), got \(2, 3, 28, 28\)",
    ):
        model.module(gn.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match="divisible by 4"):
        ConvAutoencoder(size=30)


# ----- RBM ----------------------------------------------------------------------------------
def _nudged_digits():
    """scikit-learn's "RBM features for digit classification" data: digits shifted by one
    pixel in four directions (5× the images), scaled to [0, 1], 80/20 split."""
    ndimage, datasets, model_selection, preprocessing = (
        require(m)
        for m in (
            "scipy.ndimage",
            "sklearn.datasets",
            "sklearn.model_selection",
            "sklearn.preprocessing",
        )
    )
    X, y = datasets.load_digits(return_X_y=True)
    shifts = []
    for dy, dx in [(-1, 0), (0, -1), (0, 1), (1, 0)]:
        w = np.zeros((3, 3))
        w[1 + dy, 1 + dx] = 1
        shifts.append(w)
    moved = [
        np.stack([ndimage.convolve(x.reshape(8, 8), w, mode="constant").ravel() for x in X])
        for w in shifts
    ]
    X = preprocessing.minmax_scale(np.concatenate([X, *moved]).astype(np.float32), (0, 1))
    y = np.concatenate([y] * 5)
    return model_selection.train_test_split(X, y, test_size=0.2, random_state=0)


def test_rbm_update_is_minus_the_free_energy_gradient():
    rbm = gn.generative.RBM(6, 4, k=2, persistent=False).to(np.float64)
    rbm.reset_parameters(np.random.default_rng(1))
    rbm.weight._array *= 50  # away from the tiny start, so every term matters
    v = (np.random.default_rng(2).random((5, 6)) < 0.5).astype(np.float64)
    v_neg = rbm.negatives(v, np.random.default_rng(3))
    (rbm.free_energy(v).mean() - rbm.free_energy(v_neg).mean()).backward()
    before = {k: p._array.copy() for k, p in rbm.named_parameters()}
    grads = {k: p.grad.numpy() for k, p in rbm.named_parameters()}
    rbm.update(v, 0.1, np.random.default_rng(3))  # the same Gibbs draws
    for k, p in rbm.named_parameters():
        np.testing.assert_allclose(p._array, before[k] - 0.1 * grads[k], rtol=1e-12, err_msg=k)


@pytest.mark.parametrize("k", [1, 2])
@pytest.mark.parametrize("rng", [np.random.RandomState, np.random.default_rng])
def test_rbm_fused_pcd_update_equals_the_simple_one(k, rng):
    """`_update_fused` (preallocated arrays, one draw per batch) against `update_simple`:
    the same parameters, chains and logged loss after three batches, the last one short."""
    x = (np.random.default_rng(2).random((25, 64)) < 0.4).astype(np.float64)
    runs = []
    for fused in (True, False):
        rbm = gn.generative.RBM(64, 30, k=k).to(np.float64)
        rbm.reset_parameters(np.random.default_rng(1))
        rbm.weight._array *= 30  # away from the tiny start, so every term matters
        rbm.chain = np.zeros((10, 30))
        g = rng(5)
        with gn.fused(fused):
            losses = [rbm.update(x[i : i + 10], 0.1, g)["loss"] for i in range(0, 25, 10)]
        runs.append((rbm, losses))
    (a, loss_a), (b, loss_b) = runs
    np.testing.assert_allclose(loss_a, loss_b, rtol=1e-12)
    np.testing.assert_array_equal(a.chain, b.chain)
    for k_, p in a.named_parameters():
        np.testing.assert_allclose(p._array, b.state_dict()[k_].numpy(), rtol=1e-12, atol=1e-15)


def test_rbm_free_energy_is_the_log_sum_over_hidden_states():
    """F(v) = −log Σ_h e^−E(v,h), enumerated over all 2³ hidden states."""
    rbm = gn.generative.RBM(4, 3).to(np.float64)
    rbm.reset_parameters(np.random.default_rng(0))
    rbm.weight._array *= 100
    rbm.h_bias._array[:] = [0.3, -0.2, 0.5]
    rbm.v_bias._array[:] = [0.1, 0.0, -0.4, 0.2]
    v = np.array([[1.0, 0, 1, 1], [0, 1, 0, 0]])
    hs = np.array([[(i >> j) & 1 for j in range(3)] for i in range(8)], np.float64)
    W, c, b = rbm.weight._array, rbm.h_bias._array, rbm.v_bias._array
    energy = -(v @ b)[:, None] - hs @ c - (v @ W.T) @ hs.T  # E(v, h), (2, 8)
    np.testing.assert_allclose(
        rbm.free_energy(v).detach().numpy(), -np.log(np.exp(-energy).sum(1)), rtol=1e-12
    )


def test_rbm_pseudo_log_likelihood_improves_with_fit():
    x_train, x_test, _, _ = _nudged_digits()
    x_train = x_train[:2000]
    gn.manual_seed(0)
    rbm = gn.generative.RBM(64, 32)
    model = GenerativeModel(rbm).compile("sgd", lr=0.05)
    before = -model.evaluate(x_test)  # evaluate gives the negative mean PLL
    model.fit(x_train, epochs=2, batch_size=10, shuffle=False, verbose=0)
    after = -model.evaluate(x_test)
    print(f"pseudo-log-likelihood {before:.2f} -> {after:.2f}")
    assert after > before + 15  # the margin stated in the README (−44.3 → −27.1)
    assert rbm.sample(3, steps=5).shape == (3, 64)
    with pytest.raises(ValueError, match=r"RBM: expected inputs \(N, 64\), got \(2, 5\)"):
        rbm.hidden_probs(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="RBM: n_hidden must be a whole number >= 1, got 0"):
        gn.generative.RBM(4, 0)


@pytest.mark.slow
def test_bernoulli_rbm_digits_pipeline_matches_scikit_learn():
    """scikit-learn's own example: RBM(100, lr 0.06, 10 iterations) → LogisticRegression(C=6000)."""
    neural_network, linear_model, pipeline = (
        require(m) for m in ("sklearn.neural_network", "sklearn.linear_model", "sklearn.pipeline")
    )
    threadpoolctl = require("threadpoolctl")
    x_train, x_test, y_train, y_test = _nudged_digits()
    scores = {}
    from glassnet.sklearn import BernoulliRBM

    for name, cls in [("glassnet", BernoulliRBM), ("sklearn", neural_network.BernoulliRBM)]:
        rbm = cls(n_components=100, learning_rate=0.06, n_iter=10, random_state=0)
        lr = linear_model.LogisticRegression(C=6000, max_iter=1000)
        with threadpoolctl.threadpool_limits(1):  # scikit-learn's BLAS calls on a busy machine
            p = pipeline.Pipeline([("rbm", rbm), ("logistic", lr)]).fit(x_train, y_train)
            scores[name] = p.score(x_test, y_test)
    print(scores)
    assert scores["glassnet"] > 0.9 and abs(scores["glassnet"] - scores["sklearn"]) <= 0.01


# ----- GAN ----------------------------------------------------------------------------------
def test_gan_step_equals_pytorch_given_the_same_weights_and_noise():
    torch = require("torch")
    from glassnet.generative import GAN, GANModel

    gan = GAN(2, 3, (8, 8))
    model = GANModel(gan).compile("adam", lr=1e-3)
    tnn = torch.nn

    def mlp(sizes):
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            layers += [tnn.Linear(a, b)] + ([tnn.ReLU()] if i < len(sizes) - 2 else [])
        return tnn.Sequential(*layers)

    G, D = mlp([3, 8, 8, 2]), mlp([2, 8, 8, 1])
    rng = np.random.default_rng(0)
    real = rng.standard_normal((16, 2)).astype(np.float32)
    z1, z2 = (rng.standard_normal((16, 3)).astype(np.float32) for _ in range(2))
    _gan_step_against_torch(torch, gan, model, G, D, real, z1, z2, lr=1e-3, atol=1e-6)


def _gan_step_against_torch(torch, gan, model, G, D, real, z1, z2, lr, atol, image=None):
    """One glassnet `train_step` of `gan` and the same D step then G step in torch (weights
    copied from G and D first, Adam β1 = 0.5, non-saturating G loss); checks the losses and
    every weight (and buffer) agree. `image` reshapes `real` for the torch discriminator."""
    for ours, ref in [(gan.generator, G), (gan.discriminator, D)]:
        ours.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    g_opt = torch.optim.Adam(G.parameters(), lr=lr, betas=(0.5, 0.999))
    d_opt = torch.optim.Adam(D.parameters(), lr=lr, betas=(0.5, 0.999))
    draws = iter([z1, z2])
    gan.noise = lambda n: gn.tensor(next(draws))
    logs = model.train_step((real, np.zeros(len(real))))

    bce = torch.nn.functional.binary_cross_entropy_with_logits
    x = torch.tensor(real)
    d_real = D(x if image is None else x.reshape(len(real), *image))
    d_fake = D(G(torch.tensor(z1)).detach())
    d_loss = bce(d_real, torch.ones_like(d_real)) + bce(d_fake, torch.zeros_like(d_fake))
    d_opt.zero_grad()
    d_loss.backward()
    d_opt.step()
    d_gen = D(G(torch.tensor(z2)))
    g_loss = bce(d_gen, torch.ones_like(d_gen))  # non-saturating: −log D(G(z))
    g_opt.zero_grad()
    g_loss.backward()
    g_opt.step()

    np.testing.assert_allclose(
        [logs["d_loss"], logs["g_loss"]], [d_loss.item(), g_loss.item()], rtol=1e-5
    )
    for ours, ref in [(gan.generator, G), (gan.discriminator, D)]:
        for k, v in ref.state_dict().items():
            np.testing.assert_allclose(
                ours.state_dict()[k].numpy(), v.numpy(), atol=atol, err_msg=k
            )


def _torch_dcgan(torch, latent, width, k):
    """PyTorch's examples/dcgan pair, sized as glassnet's `dcgan_pair` (the reference)."""
    tnn, w = torch.nn, width
    G = tnn.Sequential(
        tnn.Unflatten(1, (latent, 1, 1)),
        tnn.ConvTranspose2d(latent, 2 * w, k, 1, 0, bias=False),
        tnn.BatchNorm2d(2 * w),
        tnn.ReLU(),
        tnn.ConvTranspose2d(2 * w, w, 4, 2, 1, bias=False),
        tnn.BatchNorm2d(w),
        tnn.ReLU(),
        tnn.ConvTranspose2d(w, 1, 4, 2, 1, bias=False),
        tnn.Tanh(),
    )
    D = tnn.Sequential(
        tnn.Conv2d(1, w, 4, 2, 1, bias=False),
        tnn.LeakyReLU(0.2),
        tnn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),
        tnn.BatchNorm2d(2 * w),
        tnn.LeakyReLU(0.2),
        tnn.Conv2d(2 * w, 1, k, 1, 0, bias=False),
        tnn.Flatten(),
    )
    return G, D


def test_dcgan_step_equals_pytorch_given_the_same_weights_and_noise():
    """One D and one G step of the conv pair (BatchNorm in training mode, Adam 2e-4, β1 = 0.5)
    against PyTorch's: losses, weights and BatchNorm's running statistics."""
    torch = require("torch")
    from glassnet.generative import GAN, GANModel

    gan = GAN(28 * 28, 16, arch="dcgan", width=8)
    model = GANModel(gan).compile("adam")  # DCGAN's lr 2e-4, betas (0.5, 0.999)
    torch.manual_seed(0)
    G, D = _torch_dcgan(torch, 16, 8, 7)
    rng = np.random.default_rng(0)
    real = rng.random((8, 784)).astype(np.float32) * 2 - 1  # flattened images are taken too
    z1, z2 = (rng.standard_normal((8, 16)).astype(np.float32) for _ in range(2))
    _gan_step_against_torch(
        torch, gan, model, G, D, real, z1, z2, lr=2e-4, atol=2e-6, image=(1, 28, 28)
    )


def test_dcgan_refuses_images_of_the_wrong_shape():
    from glassnet.generative import GAN

    gan = GAN(784, 8, arch="dcgan", width=4)
    assert gan.sample(2).shape == (2, 1, 28, 28)
    for bad in [(3, 1, 32, 32), (3, 3, 28, 28), (3, 700)]:
        with pytest.raises(ValueError, match=r"GAN discriminator: expected inputs of shape "):
            gan.d_loss(gn.zeros(*bad), gan.noise(3))
    with pytest.raises(ValueError, match=r"\(N, 1, 28, 28\), got \(3, 1, 32, 32\)"):
        gan.d_loss(gn.zeros(3, 1, 32, 32), gan.noise(3))
    with pytest.raises(ValueError, match="side divisible by 4, got data_dim=100"):
        GAN(100, 8, arch="dcgan")
    with pytest.raises(ValueError, match="GAN: arch must be one of"):
        GAN(784, 8, arch="resnet")


@pytest.mark.slow
def test_gan_covers_the_ring_of_eight_gaussians():
    """≥ 7 of 8 modes and ≥ 80 % of 2,000 samples within 3σ, for at least 2 of 3 seeds."""
    from glassnet.generative import GAN, GANModel, mode_coverage, ring_of_gaussians

    good = []
    for seed in range(3):
        x, centres = ring_of_gaussians(12800, std=0.1, seed=seed)
        gn.manual_seed(seed)
        model = GANModel(GAN(2, 8, (128, 128))).compile("adam", lr=1e-3)
        model.fit(x, epochs=30, batch_size=128, verbose=0)
        modes, near = mode_coverage(model.module.sample(2000), centres, 0.1)
        print(f"seed {seed}: {modes} modes, {near:.1%} within 3σ")
        good.append(modes >= 7 and near >= 0.8)
        if sum(good) >= 2:
            break
    assert sum(good) >= 2, good


# ----- DDPM ---------------------------------------------------------------------------------
def _torch_schedule(torch, kind, T):
    """The schedules written out in torch, as the reference."""
    if kind == "linear":
        return torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    s = 0.008
    f = torch.cos((torch.arange(T + 1, dtype=torch.float64) / T + s) / (1 + s) * math.pi / 2) ** 2
    return torch.clamp(1 - f[1:] / f[:-1], max=0.999)


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_ddpm_noising_and_loss_equal_a_torch_implementation(kind):
    torch = require("torch")
    from glassnet.generative import DDPM

    T = 40
    ddpm = DDPM(2, T, kind, hidden=(16, 16), time_dim=8).to(np.float64)
    betas = _torch_schedule(torch, kind, T)
    np.testing.assert_allclose(ddpm.betas, betas.numpy(), rtol=1e-12)
    abar = torch.cumprod(1 - betas, 0)
    rng = np.random.default_rng(0)
    x0, eps = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    t = np.array([0, 5, 17, 39, 20, 1])
    a = abar[torch.tensor(t)][:, None]
    ref_xt = a.sqrt() * torch.tensor(x0) + (1 - a).sqrt() * torch.tensor(eps)
    np.testing.assert_allclose(ddpm.q_sample(x0, t, eps), ref_xt.numpy(), rtol=1e-12)

    layers = []  # the same denoiser in torch: Linear + SiLU, reading [x_t, embedding(t)]
    for i, (m, n) in enumerate(zip([10, 16, 16], [16, 16, 2])):
        layers += [torch.nn.Linear(m, n, dtype=torch.float64)] + (
            [torch.nn.SiLU()] if i < 2 else []
        )
    net = torch.nn.Sequential(*layers)
    ddpm.denoiser.load_state_dict({k: v.detach().numpy() for k, v in net.state_dict().items()})
    half = 4
    freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float64) / half)
    args = torch.tensor(t, dtype=torch.float64)[:, None] * freqs[None]
    emb = torch.cat([torch.sin(args), torch.cos(args)], 1)
    ref_loss = torch.nn.functional.mse_loss(net(torch.cat([ref_xt, emb], 1)), torch.tensor(eps))
    loss = ddpm.loss(gn.tensor(x0), t, eps)
    np.testing.assert_allclose(float(loss._array), ref_loss.item(), rtol=1e-10)


def test_ddpm_sampling_from_clipped_x0_is_the_same_mean_when_nothing_is_clipped():
    from glassnet.generative import DDPM

    ddpm = DDPM(2, 20, "cosine", hidden=(8,)).to(np.float64)
    gn.manual_seed(1)
    plain = ddpm.sample(6)
    gn.manual_seed(1)
    np.testing.assert_allclose(ddpm.sample(6, clip=1e12), plain, rtol=1e-7, atol=1e-9)
    gn.manual_seed(1)
    assert np.abs(ddpm.sample(6, clip=0.5)).max() < np.abs(plain).max()


def test_ddpm_refuses_bad_schedules_and_shapes():
    from glassnet.generative import DDPM, beta_schedule

    with pytest.raises(ValueError, match=r"DDPM: beta_schedule: every β must lie in \(0, 1\)"):
        DDPM(beta_start=0.0)
    with pytest.raises(ValueError, match=r"every β must lie in \(0, 1\).*beta_end=1.5"):
        beta_schedule("linear", 10, 0.1, 1.5)
    with pytest.raises(ValueError, match="kind must be one of"):
        beta_schedule("quadratic", 10)
    with pytest.raises(ValueError, match=r"DDPM: expected inputs of shape \(N, 2\), got \(4, 3\)"):
        DDPM().loss(gn.zeros(4, 3))


def _torch_conv_denoiser(torch, c, side, w, tdim):
    """glassnet's ConvDenoiser written in torch with the same parameter names (the reference)."""
    tnn, F = torch.nn, torch.nn.functional

    class Block(tnn.Module):
        def __init__(self, i, o, e):
            super().__init__()
            self.norm1, self.conv1 = tnn.GroupNorm(math.gcd(8, i), i), tnn.Conv2d(i, o, 3, 1, 1)
            self.time = tnn.Linear(e, o)
            self.norm2, self.conv2 = tnn.GroupNorm(math.gcd(8, o), o), tnn.Conv2d(o, o, 3, 1, 1)
            self.skip = tnn.Conv2d(i, o, 1) if i != o else tnn.Identity()

        def forward(self, x, e):
            h = self.conv1(F.silu(self.norm1(x))) + self.time(e)[:, :, None, None]
            return self.conv2(F.silu(self.norm2(h))) + self.skip(x)

    class Denoiser(tnn.Module):
        def __init__(self):
            super().__init__()
            e = 4 * w
            self.time_mlp = tnn.Sequential(tnn.Linear(tdim, e), tnn.SiLU(), tnn.Linear(e, e))
            self.conv_in = tnn.Conv2d(c, w, 3, 1, 1)
            self.block1, self.down = Block(w, w, e), tnn.Conv2d(w, 2 * w, 3, 2, 1)
            self.block2, self.up = Block(2 * w, 2 * w, e), tnn.ConvTranspose2d(2 * w, w, 4, 2, 1)
            self.block3 = Block(2 * w, w, e)
            self.norm_out, self.conv_out = (
                tnn.GroupNorm(math.gcd(8, w), w),
                tnn.Conv2d(w, c, 3, 1, 1),
            )

        def forward(self, x, emb):
            e = self.time_mlp(emb)
            h1 = self.block1(self.conv_in(x.reshape(len(x), c, side, side)), e)
            h2 = self.block2(self.down(h1), e)
            h = self.block3(torch.cat([self.up(h2), h1], 1), e)
            return self.conv_out(F.silu(self.norm_out(h))).reshape(len(x), -1)

    return Denoiser()


def test_conv_denoiser_equals_its_torch_twin_forward_and_backward():
    """The image DDPM's U-Net (GroupNorm, SiLU, convs, the time embedding added per block)
    against the same network in torch, float64: outputs and every parameter's gradient."""
    torch = require("torch")
    from glassnet.generative import DDPM
    from glassnet.generative.ddpm import timestep_embedding

    ddpm = DDPM(2 * 6 * 6, 50, denoiser="conv", channels=2, width=12, time_dim=8).to(np.float64)
    ref = _torch_conv_denoiser(torch, 2, 6, 12, 8).double()
    ddpm.denoiser.load_state_dict({k: v.detach().numpy() for k, v in ref.state_dict().items()})
    rng = np.random.default_rng(0)
    x, t = rng.standard_normal((5, 72)), np.array([0, 3, 17, 30, 49])
    out = ddpm(gn.tensor(x), t)
    (out * out).sum().backward()
    emb = torch.tensor(timestep_embedding(t, 8, np.float64))
    ref_out = ref(torch.tensor(x), emb)
    (ref_out * ref_out).sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=1e-10)
    grads = {k: p.grad.numpy() for k, p in ddpm.denoiser.named_parameters()}
    for k, p in ref.named_parameters():
        np.testing.assert_allclose(grads[k], p.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=k)


def test_image_ddpm_conv_denoiser_loss_falls_and_refuses_wrong_shapes(fashion_test):
    """30 Adam steps on 256 Fashion-MNIST images (14×14, [−1, 1]): the ε-prediction loss falls
    from about 1 (an untrained net) to under half; the output is (N, 196); bad shapes refused."""
    from glassnet.generative import DDPM, GenerativeModel

    x = fashion_test[0][:256].reshape(-1, 14, 2, 14, 2).mean((2, 4)).reshape(256, -1) * 2 - 1
    gn.manual_seed(0)
    ddpm = DDPM(196, 100, "cosine", denoiser="conv", width=8, time_dim=16)
    model = GenerativeModel(ddpm).compile("adam", lr=2e-3)
    before = model.evaluate(x, batch_size=256)
    model.fit(x, epochs=4, batch_size=32, verbose=0)
    after = model.evaluate(x, batch_size=256)
    print(f"conv DDPM loss {before:.3f} -> {after:.3f}")
    assert before > 0.8 and after < 0.5 * before
    images = gn.tensor(x[:3].reshape(3, 1, 14, 14))
    assert ddpm(images, np.array([0, 1, 2])).shape == (3, 196)  # images are taken as rows
    assert ddpm.sample(2).shape == (2, 196)
    for bad in [(3, 1, 28, 28), (3, 2, 14, 14), (3, 100)]:
        with pytest.raises(ValueError, match=r"DDPM: expected inputs of shape \(N, "):
            ddpm.loss(gn.zeros(*bad))
    with pytest.raises(ValueError, match="side even, got data_dim=50"):
        DDPM(50, denoiser="conv", channels=2)


@pytest.mark.slow
def test_ddpm_samples_two_moons_by_maximum_mean_discrepancy():
    """MMD² (RBF, bandwidth 0.5) of 2,000 samples to 2,000 held-out points: below 0.012 and at
    least 10× below the untrained model's (the data against itself: about 0.0006)."""
    from glassnet.generative import DDPM, mmd_rbf, two_moons

    data = two_moons(6000, seed=0)
    train, held = data[:4000], data[4000:]
    gn.manual_seed(0)
    model = GenerativeModel(DDPM(2, 100, "linear", beta_end=0.1)).compile("adam", lr=2e-3)
    untrained = mmd_rbf(model.module.sample(2000), held, 0.5)
    model.fit(train, epochs=120, batch_size=128, verbose=0)
    mmd = mmd_rbf(gn.generative.sample(model.module, 2000), held, 0.5)
    print(f"MMD² trained {mmd:.5f}, untrained {untrained:.5f}")
    assert mmd < 0.012 and mmd * 10 < untrained
    chain = model.module.sample(5, return_chain=True)
    assert chain.shape == (101, 5, 2)


# ----- DBN ----------------------------------------------------------------------------------
def test_dbn_pretraining_initialises_an_mlp_that_beats_random_init(fashion_test):
    """Few labels: 300 labelled images, pretraining on 5,000 unlabelled; test on 2,000
    (benchmarks/dbn.py is the full version: 60,000 unlabelled, 1,000 labels, 3 seeds)."""
    from glassnet.generative import DBN
    from glassnet.models import MLP
    from glassnet.train import Model

    x, y = fashion_test[0], fashion_test[1].astype(np.int64)
    few, test = slice(0, 300), slice(8000, 10000)
    scores = {}
    for name in ("dbn", "random"):
        gn.manual_seed(0)
        if name == "dbn":
            dbn = DBN([784, 200, 100])
            dbn.pretrain(x[:5000], epochs=3, lr=0.1, batch_size=50)
            net = dbn.to_mlp(10)
            np.testing.assert_array_equal(net[0].weight._array, dbn.rbms[0].weight._array)
        else:
            net = MLP([784, 200, 100, 10], "sigmoid")
        model = Model(net).compile("adam", "cross_entropy", ["accuracy"], lr=1e-3)
        model.fit(x[few], y[few], epochs=15, batch_size=32, verbose=0)
        scores[name] = model.evaluate(x[test], y[test], return_dict=True)["accuracy"]
    print(scores)
    assert scores["dbn"] > scores["random"] + 0.01


# ----- command line -------------------------------------------------------------------------
def test_cli_generate_and_sample(tmp_path, capsys):
    from glassnet import cli

    out = tmp_path / "vae"
    argv = ["generate", "vae", "--dataset", "digits", "--epochs", "2", "--latent", "2"]
    assert cli.main([*argv, "--out", str(out)]) == 0
    assert "test loss" in capsys.readouterr().out
    assert {"model.safetensors", "metrics.csv", "samples.png"} <= {p.name for p in out.iterdir()}
    rows = (out / "metrics.csv").read_text().splitlines()
    assert rows[0].startswith("epoch,loss") and len(rows) == 3
    assert isinstance(gn.load(out / "model.safetensors"), VAE)
    reloaded = gn.train.load_model(out / "model.safetensors")  # uncompiled: no optimizer saved
    assert isinstance(reloaded.module, VAE) and reloaded.optimizer is None
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "model.safetensors"), "-n", "9", "--out", str(grid)]) == 0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ddpm = ["generate", "ddpm", "--dataset", "moons", "--epochs", "1", "--limit", "500"]
    assert cli.main([*ddpm, "--timesteps", "10", "--out", str(tmp_path / "d")]) == 0
    assert "MMD² (RBF, bandwidth 0.5)" in capsys.readouterr().out


def test_cli_dcgan_on_fashion_mnist_writes_a_grid_per_epoch(tmp_path, capsys):
    from glassnet import cli
    from glassnet.generative import GAN

    out = tmp_path / "gan"
    argv = ["generate", "gan", "--arch", "dcgan", "--width", "4", "--dataset", "fashion-mnist"]
    argv += ["--limit", "256", "--epochs", "2", "--latent", "8", "--batch-size", "64", "-n", "9"]
    assert cli.main([*argv, "--out", str(out)]) == 0
    assert "epoch_001.png … epoch_002.png" in capsys.readouterr().out
    grids = sorted(p.name for p in out.glob("epoch_*.png"))
    assert grids == ["epoch_001.png", "epoch_002.png"]
    first, second = ((out / g).read_bytes() for g in grids)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and len(first) > 1000 and first != second
    gan = gn.load(out / "model.safetensors")
    assert isinstance(gan, GAN) and gan.arch == "dcgan" and gan.image_shape == (1, 28, 28)
    grid = tmp_path / "grid.png"
    assert cli.main(["sample", str(out / "model.safetensors"), "-n", "4", "--out", str(grid)]) == 0
    assert grid.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ddpm = ["generate", "ddpm", "--denoiser", "conv", "--width", "4", "--dataset", "digits"]
    ddpm += ["--limit", "64", "--epochs", "1", "--timesteps", "5", "-n", "4"]
    assert cli.main([*ddpm, "--out", str(tmp_path / "d")]) == 0
    assert "test loss" in capsys.readouterr().out
    assert gn.load(tmp_path / "d" / "model.safetensors").kind == "conv"


def test_cli_refuses_bad_generative_input(tmp_path, capsys):
    from glassnet import cli

    out = str(tmp_path / "x")
    cases = [
        (["generate", "vae", "--dataset", "digits", "--latent", "0"], "VAE: latent must be"),
        (
            ["generate", "ddpm", "--dataset", "moons", "--beta-end", "1.5"],
            r"every β must lie in (0, 1)",
        ),
        (["generate", "rbm", "--dataset", "ring"], "only gan and ddpm model them"),
        (["generate", "gan", "--dataset", "ring", "--arch", "dcgan"], "side divisible by 4"),
        (["generate", "vae", "--dataset", "digits", "--arch", "dcgan"], "is a GAN's"),
        (["generate", "gan", "--dataset", "digits", "--denoiser", "conv"], "is a DDPM's"),
    ]
    for argv, message in cases:
        assert cli.main([*argv, "--out", out]) == 2
        assert message in capsys.readouterr().err
    gn.save(gn.nn.Linear(2, 2), tmp_path / "linear.safetensors")
    assert cli.main(["sample", str(tmp_path / "linear.safetensors")]) == 2
    assert "a Linear is not a generative model" in capsys.readouterr().err
