"""A neuron: a weighted sum of the inputs plus a bias, passed through an activation.

z = w·x + b, then output = f(z). With the step function (the perceptron's) the output jumps
from 0 to 1 at z = 0; with the sigmoid it changes smoothly, which is what lets gradients flow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn

from . import figures
from ._lesson import Lesson

TITLE = ("뉴런: 가중합과 활성화 함수", "A neuron: weighted sum and activation")
TUTORIALS = ("000", "004")
WEIGHTS, BIAS = [0.6, -0.4, 0.3], -0.1
INPUTS = np.array([[1.0, 0.5, 0.2], [0.2, 0.6, 0.3]])  # two examples: z > 0 and z < 0


def neuron(activation: str) -> gn.nn.Sequential:
    """Linear(3, 1) with the lesson's weights, then the activation from `nn.ACTIVATIONS`."""
    layer = gn.nn.Linear(3, 1)
    with gn.no_grad():
        layer.weight.data[...] = [WEIGHTS]
        layer.bias.data[...] = BIAS
    return gn.nn.Sequential(layer, gn.nn.get_activation(activation)())


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """The weighted sum and both activations for two inputs."""
    L = Lesson("neuron", TITLE, TUTORIALS, lang, plot_dir)
    x = gn.tensor(INPUTS.astype(np.float32))
    with gn.no_grad():
        z, step, sig = (neuron(a)(x).numpy()[:, 0] for a in ("identity", "step", "sigmoid"))
    L.say(
        "가중치 w = {w}, 편향 b = {b}. 뉴런은 입력에 가중치를 곱해 더하고 편향을 더합니다: "
        "z = w·x + b.",
        "Weights w = {w}, bias b = {b}. A neuron multiplies each input by its weight, adds "
        "them up and adds the bias: z = w·x + b.",
        w=WEIGHTS,
        b=BIAS,
    )
    for i, name in enumerate(("a", "b")):
        L.say(
            "입력 x = {x_@}: z = {z_@:.3f}, 계단 함수 출력 {step_@:.0f}, 시그모이드 출력 "
            "{sigmoid_@:.3f}.".replace("@", name),
            "Input x = {x_@}: z = {z_@:.3f}, step output {step_@:.0f}, sigmoid output "
            "{sigmoid_@:.3f}.".replace("@", name),
            **{
                f"x_{name}": INPUTS[i].tolist(),
                f"z_{name}": float(z[i]),
                f"step_{name}": float(step[i]),
                f"sigmoid_{name}": float(sig[i]),
            },
        )
    L.say(
        "두 입력의 z는 {gap:.2f}만큼 다를 뿐인데 계단 함수는 1에서 0으로 뛰고, 시그모이드는 "
        "{sig_gap:.3f}만 바뀝니다. 이 부드러움 덕분에 기울기로 학습할 수 있습니다.",
        "The two z differ by only {gap:.2f}, yet the step jumps from 1 to 0 while the sigmoid "
        "moves by {sig_gap:.3f}. That smoothness is what makes learning by gradients possible.",
        gap=float(z[0] - z[1]),
        sig_gap=float(sig[0] - sig[1]),
    )
    L.record(z=z, step=step, sigmoid=sig)
    zs = np.linspace(-4, 4, 400, dtype=np.float32)
    curve = {a: gn.nn.get_activation(a)()(gn.tensor(zs)).numpy() for a in ("step", "sigmoid")}
    figures.panels(
        L.figure("activation"),
        [
            {
                "title": L.t("같은 z, 두 활성화 함수", "the same z, two activations"),
                "xlabel": "z = w·x + b",
                "ylabel": L.t("출력", "output"),
                "series": [(a, zs, c) for a, c in curve.items()]
                + [(L.t("두 입력", "the two inputs"), z, sig, {"ls": "", "marker": "o"})],
            }
        ],
    )
    return L.result()
