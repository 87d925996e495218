"""The compatibility suite (issue 14): PyTorch tutorial and example programs, each written out
once in `prog_*.py` from the published steps with only the import and the data loading
changed, run as ``main(torch)`` with glassnet (``import glassnet as torch``) and with torch,
and asserted to learn to the bound the program states. `conftest.py` prints ``compat N/M``.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path

import pytest

import glassnet
from reference_torch import torch

PROGRAMS = sorted(p.stem for p in Path(__file__).parent.glob("prog_*.py"))
LIBS = {"glassnet": glassnet, "torch": torch}


@pytest.mark.parametrize("lib", list(LIBS))
@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.slow
def test_program_learns_to_its_bound(program, lib, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # programs that save files write them here
    mod = importlib.import_module(program)
    result = float(mod.main(LIBS[lib]))
    higher = getattr(mod, "HIGHER_IS_BETTER", False)
    ok = result >= mod.BOUND if higher else result <= mod.BOUND
    assert math.isfinite(result) and ok, (
        f"{program} with {lib}: {mod.METRIC} = {result:.6g}, bound "
        f"{'>=' if higher else '<='} {mod.BOUND}"
    )


def test_the_suite_has_at_least_fifteen_programs():
    assert len(PROGRAMS) >= 15, PROGRAMS
