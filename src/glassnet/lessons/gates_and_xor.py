"""Logic gates from neurons, the perceptron rule, and why XOR needs a hidden layer.

McCulloch-Pitts neurons compute AND and OR by thresholds. Rosenblatt's perceptron learns
AND, OR and NAND from examples, but no single line separates XOR's ones from its zeros; two
layers do: XOR = (a NAND b) AND (a OR b), and a trained 2-2-1 network finds the same idea.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from .. import classic
from . import figures
from ._lesson import Lesson

TITLE = ("논리 게이트와 XOR 문제", "Logic gates and the XOR problem")
TUTORIALS = ("003", "004")


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Truth tables, perceptron training on four gates, XOR by hand and by a trained net."""
    L = Lesson("gates-and-xor", TITLE, TUTORIALS, lang, plot_dir)
    X, _ = classic.gate_data(classic.AND)
    tables = {g: [classic.GATES[g](*map(int, x)) for x in X] for g in classic.GATES}
    L.say(
        "맥컬록-피츠 뉴런: 입력 합이 문턱값 이상이면 1. 문턱값 2는 AND {AND}, 1은 OR {OR} "
        "(입력 00, 01, 10, 11 순서).",
        "McCulloch-Pitts neurons fire when the inputs sum to the threshold: threshold 2 is AND "
        "{AND}, threshold 1 is OR {OR} (inputs 00, 01, 10, 11).",
        AND=tables["AND"],
        OR=tables["OR"],
    )
    learned = {}
    for gate in ("AND", "OR", "NAND", "XOR"):
        Xg, yg = classic.gate_data(classic.GATES[gate])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", classic.NotSeparableWarning)
            p = classic.Perceptron(eta=1.0, max_iter=50).fit(Xg, yg)
        learned[gate] = p
        L.record(**{f"{gate}_converged": p.converged_, f"{gate}_predictions": p.predict(Xg)})
    L.say(
        "퍼셉트론 규칙 w ← w + η(y − ŷ)x 는 AND를 {and_epochs}번째 에포크, OR를 {or_epochs}번째, "
        "NAND를 {nand_epochs}번째 에포크에 실수 없이 배웁니다.",
        "The perceptron rule w ← w + η(y − ŷ)x learns AND by epoch {and_epochs}, OR by epoch "
        "{or_epochs} and NAND by epoch {nand_epochs}, with no mistakes left.",
        and_epochs=learned["AND"].converged_epoch_,
        or_epochs=learned["OR"].converged_epoch_,
        nand_epochs=learned["NAND"].converged_epoch_,
    )
    xor_p = learned["XOR"]
    L.say(
        "XOR은 수렴하지 않습니다: 가중치가 같은 값으로 되돌아오며 매 에포크 최소 {xor_errors}개를 "
        "틀립니다. 직선 하나로는 XOR의 1과 0을 나눌 수 없기 때문입니다.",
        "XOR never converges: the weights come back to the same values and at least "
        "{xor_errors} samples are wrong in every epoch. No single line separates XOR's ones "
        "from its zeros.",
        xor_errors=min(xor_p.errors_),
    )
    L.say(
        "층을 하나 더 두면 됩니다: (a NAND b) AND (a OR b) = {XOR} = XOR.",
        "One more layer does it: (a NAND b) AND (a OR b) = {XOR} = XOR.",
        XOR=tables["XOR"],
    )
    net = classic.train_xor_network()
    Xx, yx = classic.gate_data(classic.XOR)
    L.say(
        "2-2-1 시그모이드 신경망을 학습하면 ({epochs} 에포크, 손실 {loss:.4f}) 출력은 {pred}이고, "
        "은닉 유닛은 {hidden} 게이트가 됩니다.",
        "A trained 2-2-1 sigmoid network ({epochs} epochs, loss {loss:.4f}) outputs {pred}; "
        "its hidden units turn out to be the gates {hidden}.",
        epochs=len(net.losses),
        loss=float(net.losses[-1]),
        pred=net.predict(Xx).tolist(),
        hidden=net.hidden_gates(),
    )
    L.record(tables=tables, xor_target=yx.astype(int).tolist())
    lines = {
        f"{g} ({L.t('퍼셉트론', 'perceptron')})": (*learned[g].coef_, learned[g].intercept_)
        for g in ("AND", "OR", "NAND")
    }
    figures.decision_lines(
        L.figure("gates"),
        X + np.array([[0.0, 0.02]] * 4),
        yx.astype(int),
        lines,
        ("XOR = 0", "XOR = 1"),
        ("a", "b"),
        L.t("직선 하나는 XOR을 나누지 못합니다", "no single line splits XOR"),
    )
    return L.result()
