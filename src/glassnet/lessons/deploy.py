"""Deploy: freeze the trained weights, export to ONNX, run them outside glassnet.

Tutorial 001 ends with taking a trained model "to a phone, an edge device or a car". The
trained network is frozen (weights and architecture in one safetensors file, the input
scaling inside as `nn.Standardize`, so it takes raw measurements), then exported to ONNX, the
format mobile and edge runtimes read, and run in onnxruntime. Its answers must be glassnet's.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

import glassnet as gn
from glassnet.models import MLP
from glassnet.train import Model

from . import figures
from ._lesson import Lesson

TITLE = ("배포: 가중치 고정, ONNX로 내보내기", "Deploy: freeze the weights, export to ONNX")
TUTORIALS = ("001",)


def trained_network() -> tuple[gn.nn.Sequential, np.ndarray, np.ndarray]:
    """An iris network with its input scaling inside, trained by `Model.fit`; and the data."""
    X, y = gn.datasets.iris()
    X = X.astype(np.float32)
    gn.manual_seed(0)
    net = gn.nn.Sequential(gn.nn.Standardize(X.mean(0), X.std(0)), MLP([4, 16, 3]))
    Model(net).compile(optimizer="adam", lr=0.01).fit(X, y, batch_size=16, epochs=40, verbose=0)
    return net.eval(), X, y


def onnx_outputs(path: Path, x: np.ndarray) -> tuple[np.ndarray, str]:
    """The ONNX file's outputs from onnxruntime, or (without it) from `glassnet.onnx.load`."""
    try:
        import onnxruntime as ort
    except ImportError:
        from ..onnx import load

        with gn.no_grad():
            return load(path)(gn.tensor(x)).numpy(), "glassnet.onnx.load (onnxruntime missing)"
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: x})[0], f"onnxruntime {ort.__version__}"


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Train, save, reload, export, run in onnxruntime; compare every output."""
    from .. import onnx as gn_onnx

    L = Lesson("deploy", TITLE, TUTORIALS, lang, plot_dir)
    net, X, y = trained_network()
    with gn.no_grad():
        ours = net(gn.tensor(X)).numpy()
    with tempfile.TemporaryDirectory() as tmp:
        frozen, exported = Path(tmp) / "iris.safetensors", Path(tmp) / "iris.onnx"
        gn.save(net, frozen)
        with gn.no_grad():
            reloaded = gn.load(frozen).eval()(gn.tensor(X)).numpy()
        gn_onnx.export(net, X[:1], exported)
        theirs, runtime = onnx_outputs(exported, X)
        sizes = frozen.stat().st_size, exported.stat().st_size
    L.say(
        "붓꽃 신경망 (입력 정규화 포함, 학습 정확도 {acc:.3f})을 가중치와 구조째 고정해 "
        "safetensors "
        "파일 ({frozen_bytes:,} 바이트)로 저장하고 다시 읽으면 출력 차이는 {reload_diff:.1e} "
        "입니다.",
        "The iris network (input scaling inside, training accuracy {acc:.3f}) frozen with its "
        "architecture into one safetensors file ({frozen_bytes:,} bytes) and read back gives "
        "outputs that differ by {reload_diff:.1e}.",
        acc=float((ours.argmax(1) == y).mean()),
        frozen_bytes=sizes[0],
        reload_diff=float(np.abs(reloaded - ours).max()),
    )
    L.say(
        "ONNX 파일 ({onnx_bytes:,} 바이트)로 내보내 {runtime}에서 실행하면: 출력 최대 차이 "
        "{onnx_diff:.1e}, 150송이 모두 같은 답 ({agree:.0%}). 이 파일이 휴대폰, 엣지 장치, "
        "자동차로 "
        "가는 형태입니다.",
        "Exported to ONNX ({onnx_bytes:,} bytes) and run in {runtime}: the outputs differ by at "
        "most {onnx_diff:.1e} and all 150 answers agree ({agree:.0%}). This file is what goes to "
        "a phone, an edge device or a car.",
        onnx_bytes=sizes[1],
        runtime=runtime,
        onnx_diff=float(np.abs(theirs - ours).max()),
        agree=float((theirs.argmax(1) == ours.argmax(1)).mean()),
    )
    L.record(glassnet_outputs=ours, onnx_outputs=theirs, X=X)
    lim = float(np.abs(ours).max()) * 1.1
    figures.panels(
        L.figure("outputs"),
        [
            {
                "title": L.t("glassnet 대 ONNX 실행기", "glassnet vs the ONNX runtime"),
                "xlabel": L.t("glassnet 출력", "glassnet output"),
                "ylabel": runtime,
                "series": [
                    ("y = x", [-lim, lim], [-lim, lim], {"color": "gray", "lw": 0.8}),
                    (
                        L.t("출력 (150 × 3)", "outputs (150 × 3)"),
                        ours.ravel(),
                        theirs.ravel(),
                        {"ls": "", "marker": "."},
                    ),
                ],
            }
        ],
    )
    return L.result()
