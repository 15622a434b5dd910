"""The kernels' prefetch hint (kernels.memory.prefetch): emitted as LLVM's prefetch, and
without effect on values, even past an array's end or on a strided view."""

from __future__ import annotations

import numpy as np
from numba import njit

from neuroemu.engine.kernels.memory import prefetch


@njit(cache=False)
def _sum_ahead(a, ahead):
    total = 0
    for i in range(a.size):
        prefetch(a, i + ahead)  # past the end near the last elements
        total += a[i]
    return total


def test_prefetch_is_emitted_and_changes_nothing():
    a = np.arange(1, 1001, dtype=np.int64)
    for ahead in (0, 16, 10**9):
        assert _sum_ahead(a, ahead) == a.sum()
    strided = np.arange(40, dtype=np.int32).reshape(20, 2)[:, 0]
    assert _sum_ahead(strided, 3) == strided.sum()
    ir = next(iter(_sum_ahead.inspect_llvm().values()))
    assert "@llvm.prefetch" in ir
