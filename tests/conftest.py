"""Shared fixtures: a seeded rng per test, the shared real data, headless matplotlib."""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # shared test helpers (randnet, realdata)
from realdata import DATA as SHARED_DATA  # noqa: E402


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from the test's name: reproducible, independent per test."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def shared_data():
    """The folder of real recordings and trained networks (see ``realdata``)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"real data folder {SHARED_DATA} is absent (set NEUROEMU_DATA)")
    return SHARED_DATA
