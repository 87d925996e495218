"""A convolutional network (LeNet-5) on real images, and what its filters see.

A convolution slides small learned filters over the image; each filter answers "is my pattern
here?" at every position and produces a feature map. Pooling keeps the strongest answers in
each neighbourhood. LeNet-5 (conv 6 filters 5×5, pool, conv 16, pool, 120-84-10) learns its
filters from the images; after one short epoch they already pick out strokes and edges.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.inspect import summary
from glassnet.models import LeNet5
from glassnet.train import Model

from . import _data, figures
from ._lesson import Lesson

TITLE = ("합성곱 신경망: LeNet-5의 필터와 특성 맵", "A CNN: LeNet-5's filters and feature maps")
TUTORIALS = ("002", "003")
N_TRAIN, N_TEST, EPOCHS = 4000, 1000, 1


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train LeNet-5 briefly; show conv1's filters and one image's feature maps."""
    L = Lesson("cnn", TITLE, TUTORIALS, lang, plot_dir)
    x, y, source = _data.images("mnist", "test")
    x = (x[:, None].astype(np.float32) / 255)[: N_TRAIN + N_TEST]
    y = y[: N_TRAIN + N_TEST]
    gn.manual_seed(0)
    net = LeNet5()
    model = Model(net).compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    model.fit(x[:N_TRAIN], y[:N_TRAIN], batch_size=64, epochs=EPOCHS, verbose=0)
    test = model.evaluate(x[N_TRAIN:], y[N_TRAIN:], return_dict=True)
    L.say(
        "데이터: {source}. LeNet-5를 {n_train}장으로 {epochs} 에포크 학습하고, 보지 않은 "
        "{n_test}장에서 "
        "정확도 {acc:.3f}.",
        "Data: {source}. LeNet-5 trained on {n_train} images for {epochs} epoch reaches "
        "{acc:.3f} accuracy on {n_test} images it never saw.",
        source=source,
        n_train=N_TRAIN,
        epochs=EPOCHS,
        n_test=N_TEST,
        acc=float(test["accuracy"]),
    )
    image = x[N_TRAIN : N_TRAIN + 1]
    with gn.no_grad():
        maps1 = net.features[0](gn.tensor(image)).numpy()[0]
        maps2 = net.features[:4](gn.tensor(image)).numpy()[0]
    filters = net.features[0].weight.detach().numpy()[:, 0]
    table = summary(net, (1, 28, 28))
    L.say(
        "첫 합성곱 층: 5×5 필터 {n1}개가 28×28 그림 하나에서 특성 맵 {shape1}을 만듭니다. "
        "풀링 후 두 "
        "번째 층은 필터 {n2}개로 {shape2} 맵을 만듭니다. 매개변수는 모두 {params:,}개입니다 "
        "(inspect.summary의 표).",
        "The first convolution: {n1} filters of 5×5 turn one 28×28 image into feature maps of "
        "shape {shape1}. After pooling the second one has {n2} filters and maps of shape "
        "{shape2}. The whole network has {params:,} parameters (inspect.summary's table).",
        block=table,
        n1=len(filters),
        shape1=list(maps1.shape),
        n2=len(maps2),
        shape2=list(maps2.shape),
        params=table.total_params,
    )
    L.record(
        image=image,
        maps1=maps1,
        maps2=maps2,
        filters=filters,
        bias1=net.features[0].bias.detach().numpy(),
    )
    figures.images(
        L.figure("filters"),
        filters,
        [f"{i + 1}" for i in range(6)],
        L.t("첫 층 필터 5×5", "first-layer filters (5×5)"),
        ncols=6,
        cmap="bwr",
    )
    figures.images(
        L.figure("maps"),
        [image[0, 0], *maps1, *maps2],
        [L.t("입력", "input")]
        + [f"conv1 {i + 1}" for i in range(6)]
        + [f"conv2 {i + 1}" for i in range(16)],
        L.t("그림 하나의 특성 맵", "one image's feature maps"),
        ncols=8,
    )
    return L.result()
