"""`glassnet generate vae|gan|ddpm|rbm|dbn` and `glassnet sample`: the generative families on
the command line (registered in `glassnet.cli.SUBCOMMANDS`).

`generate` trains one family on a data set with `fit`'s progress bar and writes into --out:
model.safetensors (loadable with `gn.load`), metrics.csv (one row per epoch, `CSVLogger`),
samples.png (an image grid, or a scatter of 2-D points against the data) and prints a final
number (test loss, pseudo-log-likelihood or MMD); a GAN on images also writes epoch_NNN.png, a
grid from the same noise after every epoch (`EpochGrids`). `sample` draws from a saved model.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets as _datasets
from ..autograd.backend import manual_seed
from ..serialization import save
from ..train.callbacks import Callback, CSVLogger
from ..train.model import Model
from .core import GenerativeModel, sample
from .dbn import DBN
from .ddpm import DDPM, DENOISERS, SCHEDULES, mmd_rbf, two_moons
from .gan import ARCHS, GAN, GANModel, ring_of_gaussians
from .rbm import RBM
from .vae import VAE

FAMILIES = ("vae", "gan", "ddpm", "rbm", "dbn")
POINTS = ("ring", "moons", "spiral")  # 2-D sets for the GAN and the DDPM
IMAGES = ("fashion-mnist", "mnist", "mnist-t10k", "digits")
MMD_BANDWIDTH = 0.5
_GAN_LR = {"mlp": 1e-3, "dcgan": 2e-4}  # Adam's default lr per arch (DCGAN's own is 2e-4)


class GenerateError(ValueError):
    """A bad argument to generate/sample (the CLI prints it as one line, exit status 2)."""


class EpochGrids(Callback):
    """After every epoch, a grid of a GAN's samples from the same n noise vectors (so the
    grids show one set of samples learning) into out/epoch_NNN.png (epochs from 1)."""

    def __init__(self, out: Path, n: int, side: int) -> None:
        self.out, self.n, self.side = Path(out), n, side
        self.z: Any = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Draw G(z) for the fixed z (eval mode, no graph) and write the grid."""
        from ..autograd import no_grad

        gan = self.model.module
        if self.z is None:
            self.z = gan.noise(self.n)
        was = gan.training
        gan.eval()
        try:
            with no_grad():
                x = gan(self.z)._array
        finally:
            gan.train(was)
        save_samples(x.reshape(len(x), -1), self.out / f"epoch_{epoch + 1:03d}.png", self.side)


def _points(name: str, n: int, seed: int) -> np.ndarray:
    """n + 2,000 points of a 2-D set, scaled to about unit spread (the last 2,000 held out)."""
    if name == "ring":
        return ring_of_gaussians(n + 2000, std=0.1, seed=seed)[0]
    if name == "moons":
        return two_moons(n + 2000, seed=seed)
    x, _ = _datasets.playground.spiral(n + 2000, noise=0.1, seed=seed)
    return (x / 2.5).astype(np.float32)


def _images(name: str, limit: int | None) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """Training and test images flattened, in [0, 1], the image side and the test labels."""
    from ..datasets.catalog import canonical_name, prepare

    data = prepare(canonical_name(name))
    x, xt = data.train[0], data.test[0]
    top = float(x.max()) or 1.0
    x = x.reshape(len(x), -1).astype(np.float32) / top
    xt = xt.reshape(len(xt), -1).astype(np.float32) / top
    return (x[:limit] if limit else x), xt, int(math.isqrt(x.shape[1])), data.test[1]


def _build(args: argparse.Namespace, dim: int) -> Any:
    """The family's module for data of `dim` features (constructor errors name the argument)."""
    hidden = [int(h) for h in args.hidden.split(",")] if args.hidden else None
    if args.family == "vae":
        return VAE(dim, (hidden or [400])[0], args.latent)
    if args.family == "gan":  # images in [0, 1]: a sigmoid output, for either arch
        out = "sigmoid" if dim > 2 else None
        return GAN(
            dim,
            args.latent,
            hidden or [128, 128],
            output_activation=out,
            arch=args.arch,
            width=args.width or 32,
        )
    if args.family == "ddpm":
        return DDPM(
            dim,
            args.timesteps,
            args.schedule,
            args.beta_start,
            args.beta_end,
            hidden or [128, 128, 128],
            denoiser=args.denoiser,
            width=args.width or 16,
        )
    if args.family == "rbm":
        return RBM(dim, (hidden or [256])[0])
    return DBN([dim, *(hidden or [500, 200])])


def save_samples(
    x: np.ndarray, path: Path, side: int | None, data: np.ndarray | None = None
) -> None:
    """An image grid (side × side images) or a scatter of 2-D points (over the data)."""
    from ..train.plots import _pyplot

    plt = _pyplot()
    if side:
        cols = math.ceil(math.sqrt(len(x)))
        rows = math.ceil(len(x) / cols)
        grid = np.ones((rows * (side + 1), cols * (side + 1)))
        for i, img in enumerate(np.clip(x, 0, 1).reshape(-1, side, side)):
            r, c = divmod(i, cols)
            grid[r * (side + 1) : r * (side + 1) + side, c * (side + 1) : c * (side + 1) + side] = (
                img
            )
        fig, ax = plt.subplots(figsize=(cols * 0.5 + 1, rows * 0.5 + 1))
        ax.imshow(grid, cmap="gray_r" if side == 8 else "gray", vmin=0, vmax=1)
        ax.axis("off")
    else:
        fig, ax = plt.subplots(figsize=(4, 4))
        if data is not None:
            ax.scatter(data[:, 0], data[:, 1], s=2, c="0.7", label="data")
        ax.scatter(x[:, 0], x[:, 1], s=2, c="C3", label="samples")
        ax.legend(loc="upper right")
        ax.set_aspect("equal")
    _save_figure(fig, path)


def _image_side(dim: int) -> int | None:
    side = math.isqrt(dim)
    if dim == 2:
        return None
    if side * side != dim:
        raise GenerateError(
            f"cannot draw samples of {dim} features: neither 2-D points nor square images"
        )
    return side


def run_generate(args: argparse.Namespace) -> int:
    """Train one family on a data set; write model, metrics.csv and samples.png into --out."""
    if args.epochs < 1:
        raise GenerateError(f"--epochs must be >= 1, got {args.epochs}")
    if args.arch != "mlp" and args.family != "gan":
        raise GenerateError(f"--arch {args.arch} is a GAN's: {args.family} has no such choice")
    if args.denoiser != "mlp" and args.family != "ddpm":
        raise GenerateError(f"--denoiser {args.denoiser} is a DDPM's: {args.family} has none")
    manual_seed(args.seed)
    points = args.dataset in POINTS
    if points and args.family not in ("gan", "ddpm"):
        raise GenerateError(f"--dataset {args.dataset} is 2-D points: only gan and ddpm model them")
    if points:
        data = _points(args.dataset, args.limit or 8000, args.seed)
        x, xt, side, yt = data[:-2000], data[-2000:], None, None
    else:
        x, xt, side, yt = _images(args.dataset, args.limit)
    try:
        module = _build(args, x.shape[1])
    except ValueError as e:
        raise GenerateError(str(e)) from None
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    csv = CSVLogger(str(out / "metrics.csv"))
    fit = {"epochs": args.epochs, "batch_size": args.batch_size, "callbacks": [csv]}
    if isinstance(module, DBN):
        module.pretrain(
            x, epochs=args.epochs, lr=args.lr or 0.05, batch_size=args.batch_size, verbose=1
        )
        model: Model = GenerativeModel(module.rbms[-1]).compile("sgd", lr=args.lr or 0.05)
        number = f"top RBM test pseudo-log-likelihood {-model.evaluate(_up(module, xt)):.2f}"
    elif isinstance(module, GAN):
        model = GANModel(module).compile("adam", lr=args.lr or _GAN_LR[module.arch])
        if side:
            fit["callbacks"].append(EpochGrids(out, args.n, side))
        model.fit(x, **fit)
        h = model.history.history if model.history else {}
        losses = f"last epoch D loss {h['d_loss'][-1]:.4f}, G loss {h['g_loss'][-1]:.4f}"
        number = _mmd_note(module, xt) if points else losses
    else:
        opt, lr = ("sgd", args.lr or 0.05) if isinstance(module, RBM) else ("adam", args.lr or 1e-3)
        model = GenerativeModel(module).compile(opt, lr=lr)
        model.fit(x, **fit)
        loss = model.evaluate(xt)
        number = (
            f"test pseudo-log-likelihood {-loss:.2f}"
            if isinstance(module, RBM)
            else _mmd_note(module, xt)
            if points
            else f"test loss {loss:.4f}"
        )
    if isinstance(module, DBN):  # the stack itself (each RBM was trained by its own Model)
        save(module, out / "model.safetensors")
    else:
        model.save(out / "model.safetensors")  # weights, architecture, History
    drawn = sample(module, args.n)
    save_samples(drawn.reshape(len(drawn), -1), out / "samples.png", side, xt if points else None)
    extra = "".join(", " + e for e in _figures(module, xt, yt, side, out))
    if isinstance(module, GAN) and side:
        extra += f", epoch_001.png … epoch_{model.epoch:03d}.png"
    print(
        f"glassnet generate {args.family}: {number}; wrote {out}/model.safetensors, "
        f"metrics.csv, samples.png{extra}"
    )
    return 0


def _figures(module: Any, xt: np.ndarray, yt: Any, side: int | None, out: Path) -> list[str]:
    """The family's own pictures: a VAE's reconstructions, latent interpolation and (2-D
    latent) map of the test set coloured by class; a 2-D DDPM's reverse chain as frames."""
    from ..autograd import no_grad, tensor
    from ..train.plots import _pyplot

    written = []
    with no_grad():
        if isinstance(module, VAE) and side:
            recon, mu, _ = module(tensor(xt[:32]))
            save_samples(np.concatenate([xt[:32], recon._array]), out / "reconstructions.png", side)
            save_samples(module.interpolate(xt[0], xt[1], 16), out / "interpolation.png", side)
            written += [
                "reconstructions.png (test images, then their reconstructions)",
                "interpolation.png",
            ]
            if module.latent == 2:
                mu = module.encode(tensor(xt[:5000]))[0]._array
                plt = _pyplot()
                fig, ax = plt.subplots(figsize=(5, 5))
                points = ax.scatter(mu[:, 0], mu[:, 1], c=yt[:5000], s=2, cmap="tab10")
                fig.colorbar(points, ax=ax, label="class")
                ax.set_title("VAE latent means of the test set")
                _save_figure(fig, out / "latent_map.png")
                written.append("latent_map.png")
        if isinstance(module, DDPM) and module.data_dim == 2:
            chain = module.sample(500, return_chain=True)
            plt = _pyplot()
            steps = np.linspace(0, module.timesteps, 6).astype(int)
            fig, axes = plt.subplots(1, 6, figsize=(15, 2.6))
            for ax, k in zip(axes, steps):
                ax.scatter(chain[k][:, 0], chain[k][:, 1], s=2)
                ax.set_title(f"t = {module.timesteps - k}")
                ax.set(xlim=(-3, 3), ylim=(-3, 3), xticks=[], yticks=[])
            _save_figure(fig, out / "chain.png")
            written.append("chain.png (the reverse chain, x_T to x_0)")
    return written


def _save_figure(fig: Any, path: Path) -> None:
    from ..train.plots import _pyplot, _save

    _save(fig, path)  # the plots' own atomic PNG writer
    _pyplot().close(fig)


def _up(dbn: DBN, x: np.ndarray) -> np.ndarray:
    for rbm in dbn.rbms[:-1]:
        x = rbm.hidden_probs(x)
    return x


def _mmd_note(module: Any, held: np.ndarray) -> str:
    s = sample(module, len(held))
    mmd = mmd_rbf(s, held, MMD_BANDWIDTH)
    return f"MMD² (RBF, bandwidth {MMD_BANDWIDTH}) to 2,000 held-out points {mmd:.5f}"


def run_sample(args: argparse.Namespace) -> int:
    """Draw -n samples from a saved generative model into a PNG."""
    from ..cli import MAX_MODEL_BYTES, check_input_file
    from ..serialization import CheckpointError, load

    check_input_file(args.model, MAX_MODEL_BYTES, "model file")
    try:
        module = load(args.model)
    except CheckpointError as e:
        raise GenerateError(str(e)) from None
    if not callable(getattr(module, "sample", None)):
        raise GenerateError(
            f"{args.model}: a {type(module).__name__} is not a generative model "
            "(it has no sample())"
        )
    if args.n < 1:
        raise GenerateError(f"-n must be >= 1, got {args.n}")
    x = sample(module, args.n)
    x = x.reshape(len(x), -1)  # images (n, C, H, W) from a conv model, as rows
    save_samples(x, Path(args.out), _image_side(x.shape[1]))
    print(f"glassnet sample: {args.n} samples from {type(module).__name__} in {args.out}")
    return 0


def add_generate(sub: Any) -> None:
    """`glassnet generate FAMILY --dataset ... --epochs ... --out DIR`."""
    p = sub.add_parser(
        "generate",
        help="train a generative model (vae, gan, ddpm, rbm, dbn)",
        description=run_generate.__doc__,
    )
    p.add_argument("family", choices=FAMILIES)
    p.add_argument("--dataset", default="fashion-mnist", choices=[*IMAGES, *POINTS])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=None, help="default: Adam 1e-3, SGD 0.05 (RBM, DBN)")
    p.add_argument("--latent", type=int, default=20, help="latent size (vae, gan)")
    p.add_argument(
        "--arch", choices=ARCHS, default="mlp", help="gan: MLP pair or DCGAN's conv pair"
    )
    p.add_argument(
        "--denoiser", choices=DENOISERS, default="mlp", help="ddpm: MLP or a small conv U-Net"
    )
    p.add_argument(
        "--width", type=int, default=None, help="channels: gan --arch dcgan (32), ddpm conv (16)"
    )
    p.add_argument("--hidden", default=None, help="hidden sizes, comma-separated")
    p.add_argument("--timesteps", type=int, default=100, help="diffusion steps (ddpm)")
    p.add_argument("--schedule", choices=SCHEDULES, default="linear")
    p.add_argument("--beta-start", type=float, default=1e-4)
    p.add_argument("--beta-end", type=float, default=0.1)
    p.add_argument("--limit", type=int, default=None, help="use only the first N training samples")
    p.add_argument("-n", type=int, default=64, help="samples to draw into samples.png")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(func=run_generate)


def add_sample(sub: Any) -> None:
    """`glassnet sample MODEL -n 64 --out grid.png`."""
    p = sub.add_parser(
        "sample", help="draw samples from a saved generative model", description=run_sample.__doc__
    )
    p.add_argument("model")
    p.add_argument("-n", type=int, default=64)
    p.add_argument("--out", default="samples.png")
    p.set_defaults(func=run_sample)
