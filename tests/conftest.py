"""Shared test set-up: under CI=true a missing optional package fails instead of skipping."""

from __future__ import annotations

import importlib
import os
from pathlib import Path

import numpy as np
import pytest

import glassnet as gn

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = Path(__file__).resolve().parents[1]

# Tests read the real datasets from the shared folder beside the checkout, unless told otherwise.
if "GLASSNET_DATA" not in os.environ and (ROOT.parent / "shared" / "datasets").is_dir():
    os.environ["GLASSNET_DATA"] = str(ROOT.parent / "shared" / "datasets")


def require(module: str):
    """Import an optional package; under CI a missing one is an error, never a skip."""
    try:
        return importlib.import_module(module)
    except ImportError:
        if IN_CI:
            raise
        pytest.skip(f"{module} is not installed")


PNG = b"\x89PNG\r\n\x1a\n"


def is_png(path: Path, min_bytes: int = 5000) -> bool:
    """A written figure: the PNG signature and more than `min_bytes` (not an empty canvas)."""
    data = Path(path).read_bytes()
    return data[:8] == PNG and len(data) > min_bytes


@pytest.fixture(scope="session")
def lesson(tmp_path_factory):
    """Run a lesson once per test session (English, figures on) and hand back its result;
    tests/test_lessons.py, test_lessons_more.py and test_lessons_generative.py share the runs."""
    from glassnet import lessons

    plot_dir, cache = tmp_path_factory.mktemp("lesson-figures"), {}

    def get(name: str) -> dict:
        if name not in cache:
            gn.manual_seed(0)
            cache[name] = lessons.run(name, plot_dir=plot_dir)
        return cache[name]

    return get


@pytest.fixture(autouse=True)
def _seed():
    gn.manual_seed(0)
    np.random.seed(0)
    yield


# ----- the compatibility suite's summary line (tests/compat), ``compat N/M`` ---------------
_COMPAT: dict[tuple[str, str], bool] = {}


def pytest_runtest_logreport(report):
    """Record each tests/compat program × library outcome."""
    if report.when != "call" or "test_program_learns_to_its_bound[" not in report.nodeid:
        return
    program, lib = report.nodeid.split("[", 1)[1].rstrip("]").rsplit("-", 1)
    _COMPAT[(program, lib)] = report.passed


def pytest_terminal_summary(terminalreporter):
    """After the run: the programs that learn to their bound with glassnet, of all of them
    (torch's count beside it, as the reference)."""
    if not _COMPAT:
        return
    programs = sorted({p for p, _ in _COMPAT})
    ours = sum(_COMPAT.get((p, "glassnet"), False) for p in programs)
    ref = sum(_COMPAT.get((p, "torch"), False) for p in programs)
    terminalreporter.write_line(f"compat {ours}/{len(programs)} (torch {ref}/{len(programs)})")
