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


@pytest.fixture(autouse=True)
def _seed():
    gn.manual_seed(0)
    np.random.seed(0)
    yield
