"""Helpers of the dataset-evaluation tests."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NET = ROOT / "models" / "nmnist_cnn.h5"
#: recordings of the ``folder`` fixture
N_RECORDINGS = 12
sys.path.insert(0, str(ROOT / "tools"))
from make_nmnist_folder import build_folder  # noqa: E402, F401


def rows(table) -> list[dict]:
    """The rows of an evaluation's table without ``wall_s`` (the one column that may
    differ between two evaluations of the same recordings), in the table's order."""
    return table.drop_columns(["wall_s"]).to_pylist()


def read_rows(path) -> list[dict]:
    """:func:`rows` of a Parquet file an evaluation wrote."""
    import pyarrow.parquet as pq

    return rows(pq.read_table(path))
