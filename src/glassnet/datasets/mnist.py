"""MNIST and Fashion-MNIST from their IDX files (found locally or downloaded, then verified)."""

from __future__ import annotations

import numpy as np

from .files import RemoteDataset, RemoteFile, load_idx
from .idx import IDXError

_FILES = {
    "train_images": "train-images-idx3-ubyte.gz",
    "train_labels": "train-labels-idx1-ubyte.gz",
    "test_images": "t10k-images-idx3-ubyte.gz",
    "test_labels": "t10k-labels-idx1-ubyte.gz",
}


def _files(
    hashes: dict[str, str | None], gz: dict[str, str] | None = None
) -> dict[str, RemoteFile]:
    return {k: RemoteFile(_FILES[k], hashes[k], (gz or {}).get(k)) for k in _FILES}


MNIST = RemoteDataset(
    "mnist",
    (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ),
    _files(
        {
            "train_images": None,
            "train_labels": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "test_images": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "test_labels": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
        {"train_images": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"},
    ),
)

FASHION_MNIST = RemoteDataset(
    "fashion-mnist",
    (
        "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
    _files(
        {
            "train_images": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train_labels": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "test_images": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "test_labels": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        }
    ),
)

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _load(ds: RemoteDataset, split: str, download: bool) -> tuple[np.ndarray, np.ndarray]:
    if split not in ("train", "test"):
        raise ValueError(f"{ds.name}: split must be 'train' or 'test', got {split!r}")
    x = load_idx(ds, f"{split}_images", download)
    y = load_idx(ds, f"{split}_labels", download)
    if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
        raise IDXError(
            f"{ds.name} {split}: images {x.shape} and labels {y.shape} do not match "
            "(expected (n, 28, 28) and (n,))"
        )
    return x, y.astype(np.int64)


def mnist(split: str = "train", download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """MNIST digits: uint8 images (n, 28, 28) and int64 labels 0-9 ('train'/'test')."""
    return _load(MNIST, split, download)


def fashion_mnist(split: str = "train", download: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST (Zalando): uint8 images (n, 28, 28) and int64 labels 0-9."""
    return _load(FASHION_MNIST, split, download)
