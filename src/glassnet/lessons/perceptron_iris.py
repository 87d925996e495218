"""Tutorial 004's perceptron on iris: setosa or not, from petal length and width.

The tutorial's scikit-learn code, `Perceptron(max_iter=100, random_state=42)`, runs beside
glassnet's own `sklearn.Perceptron` with the same arguments and beside Rosenblatt's rule done
by hand (`classic.Perceptron`, w ← w + η(y − ŷ)x). All three learn a line w·x + b = 0 that
separates setosa, and all three answer the tutorial's question: a flower with petals 2 cm long
and 0.5 cm wide is a setosa.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import glassnet as gn

from .. import classic
from . import figures
from ._lesson import Lesson

TITLE = ("붓꽃 퍼셉트론 (setosa인가?)", "The iris perceptron (setosa or not?)")
TUTORIALS = ("004",)
QUESTION = [[2.0, 0.5]]


def data() -> tuple[np.ndarray, np.ndarray]:
    """Petal length and width (cm), and 1 for Iris setosa, as the tutorial builds them."""
    X, target = gn.datasets.iris()
    return X[:, (2, 3)].astype(np.float64), (target == 0).astype(np.int64)


def run(lang: str = "en", plot_dir: str | Path | None = None) -> dict:
    """Fit the three perceptrons, answer [[2, 0.5]], draw their lines over the points."""
    from sklearn.linear_model import Perceptron as SkPerceptron

    from ..sklearn import Perceptron

    L = Lesson("perceptron-iris", TITLE, TUTORIALS, lang, plot_dir)
    X, y = data()
    models = {
        "scikit-learn": SkPerceptron(max_iter=100, random_state=42).fit(X, y),
        "glassnet.sklearn": Perceptron(max_iter=100, random_state=42).fit(X, y),
        "classic (by hand)": classic.Perceptron(eta=1.0, max_iter=100).fit(X, y),
    }
    lines, answers = {}, {}
    for name, m in models.items():
        coef = np.ravel(m.coef_)
        b = float(np.ravel(m.intercept_)[0]) if np.ndim(m.intercept_) else float(m.intercept_)
        lines[name] = (float(coef[0]), float(coef[1]), b)
        answers[name] = int(np.ravel(m.predict(QUESTION))[0])
        L.record(**{f"accuracy {name}": float((m.predict(X) == y).mean())})
    L.say(
        "꽃잎 길이와 너비로 setosa(1)인지 아닌지(0) 나눕니다: {n}송이 중 setosa {n_pos}송이.",
        "Petal length and width decide setosa (1) or not (0): {n} flowers, {n_pos} setosa.",
        n=len(y),
        n_pos=int(y.sum()),
    )
    L.say(
        "튜토리얼의 scikit-learn 코드: w = {w_sk}, b = {b_sk}. glassnet의 같은 인자: w = {w_gn}, "
        "b = {b_gn}. 손으로 한 퍼셉트론 규칙: w = {w_hand}, b = {b_hand}.",
        "The tutorial's scikit-learn code: w = {w_sk}, b = {b_sk}. glassnet with the same "
        "arguments: w = {w_gn}, b = {b_gn}. The perceptron rule by hand: w = {w_hand}, "
        "b = {b_hand}.",
        **{
            f"{k}_{tag}": v
            for tag, name in (
                ("sk", "scikit-learn"),
                ("gn", "glassnet.sklearn"),
                ("hand", "classic (by hand)"),
            )
            for k, v in (
                ("w", [round(c, 4) for c in lines[name][:2]]),
                ("b", round(lines[name][2], 4)),
            )
        },
    )
    L.say(
        "세 모델 모두 학습 데이터를 전부 맞히고 (정확도 {acc:.3f}), [[2, 0.5]]에 대한 답은 "
        "{answers}: "
        "튜토리얼의 출력 [1]과 같습니다.",
        "All three classify every training flower correctly (accuracy {acc:.3f}), and for "
        "[[2, 0.5]] they answer {answers}: the tutorial's printed [1].",
        acc=min(L.numbers[f"accuracy {n}"] for n in models),
        answers=answers,
    )
    same = [
        np.r_[np.ravel(m.coef_), np.ravel(m.intercept_)]
        for m in (
            SkPerceptron(max_iter=100, random_state=42, shuffle=False).fit(X, y),
            Perceptron(max_iter=100, random_state=42, shuffle=False).fit(X, y),
        )
    ]
    L.say(
        "scikit-learn과 glassnet은 에포크마다 순서를 다르게 섞어서 선이 다릅니다. 섞지 않으면 "
        "(shuffle=False) 두 선은 {same_diff:.1e} 안에서 같습니다: w, b = {w_same}.",
        "scikit-learn and glassnet shuffle the samples in a different order each epoch, hence "
        "different lines; without shuffling (shuffle=False) the two agree to {same_diff:.1e}: "
        "w, b = {w_same}.",
        same_diff=float(np.abs(same[0] - same[1]).max()),
        w_same=[round(float(v), 4) for v in same[1]],
    )
    L.erratum(
        "004",
        "1975",
        "1957",
        "튜토리얼은 로젠블랫이 퍼셉트론을 {says}년에 제안했다고 적었지만, 그의 보고서는 "
        "{correct}년 "
        "(논문은 1958년)입니다. 숫자 두 개가 자리를 바꾼 것으로 보입니다.",
        "The tutorial dates Rosenblatt's perceptron to {says}; his report is from {correct} (the "
        "paper from 1958). Two digits seem to have swapped places.",
    )
    L.erratum(
        "004",
        "astype(np.int)",
        "astype(int)",
        "튜토리얼 코드의 {says}는 NumPy 1.24부터 없어진 별칭이라 오류가 납니다. {correct}로 "
        "쓰면 그대로 동작합니다.",
        "The tutorial's {says} uses an alias that NumPy removed in 1.24, so the code now "
        "fails; {correct} does the same and runs.",
    )
    L.record(lines=lines, answers=answers)
    figures.decision_lines(
        L.figure("lines"),
        X,
        y,
        lines,
        (L.t("setosa 아님", "not setosa"), "Iris setosa"),
        (L.t("꽃잎 길이 (cm)", "petal length (cm)"), L.t("꽃잎 너비 (cm)", "petal width (cm)")),
        L.t("세 퍼셉트론의 결정 경계", "the three perceptrons' boundaries"),
    )
    return L.result()
