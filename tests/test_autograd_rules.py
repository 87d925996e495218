"""docs/autograd.md is generated from the ops (`python -m glassnet.autograd.rules`) and current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from glassnet.autograd import Op, rules

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "autograd.md"
REGENERATE = "python -m glassnet.autograd.rules > docs/autograd.md"


def test_docs_autograd_md_is_current():
    assert PAGE.exists(), f"docs/autograd.md is missing; generate it with `{REGENERATE}`"
    assert PAGE.read_text(encoding="utf-8") == rules.render(), (
        f"docs/autograd.md is stale (a backward's rule comment or the set of Functions "
        f"changed); regenerate it with `{REGENERATE}` and commit it"
    )


def test_every_function_of_glassnet_has_its_rule_on_the_page():
    page = PAGE.read_text(encoding="utf-8")
    found = rules.functions()
    assert len(found) >= 45
    for cls in found:
        rule = rules.backward_rule(cls)  # raises when a backward has no math comment
        assert rule and f"| `{cls.__name__}` | " in page


def test_the_module_runs_as_a_script_and_prints_the_page():
    out = subprocess.run(
        [sys.executable, "-m", "glassnet.autograd.rules"],
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )
    assert out.stdout == rules.render()
    assert not out.stderr


class _NoComment(Op):
    @staticmethod
    def forward(ctx, x):  # a comment on forward does not count
        return x

    @staticmethod
    def backward(ctx, g):
        return g  # nor does one below the def line


class _Commented(_NoComment):
    @staticmethod
    def backward(ctx, g):  # gx = 2 g
        return 2 * g


class _Inherits(_Commented):
    pass


def test_a_backward_without_its_math_comment_is_refused():
    with pytest.raises(ValueError, match=r"_NoComment: backward has no one-line comment"):
        rules.backward_rule(_NoComment)
    assert rules.backward_rule(_Commented) == "gx = 2 g"
    assert rules.backward_rule(_Inherits) == "gx = 2 g"


def test_the_fused_kernels_name_their_twins():
    twins = rules.twins()
    assert {"Linear", "CrossEntropy", "Conv2dFn", "ConvTranspose2dFn", "Recurrence"} <= set(twins)
    assert twins["CrossEntropy"] == ["glassnet.nn.functional.cross_entropy_simple"]
