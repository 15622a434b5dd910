"""The kernel's own sorts (it allocates nothing, so it cannot call numpy's)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.engine.kernels.event import _sort_by_work, _sort_record


@pytest.mark.parametrize("seed", range(12))
def test_the_record_of_a_tick_is_sorted_by_neuron_with_its_values(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.choice([0, 1, 2, 3, int(rng.integers(4, 400))]))
    k0 = int(rng.integers(0, 5))
    size = k0 + n + int(rng.integers(0, 5))
    sp_n = rng.integers(0, 2**31 - 1, size).astype(np.int32)
    sp_n[k0:k0 + n] = rng.choice(10 * n + 1, n, replace=False)  # a neuron fires once a tick
    sp_v = rng.choice(np.array([-1, 1], np.int8), size)
    before_n, before_v = sp_n.copy(), sp_v.copy()
    _sort_record(sp_n, sp_v, k0, k0 + n)
    order = np.argsort(before_n[k0:k0 + n])
    np.testing.assert_array_equal(sp_n[k0:k0 + n], before_n[k0:k0 + n][order])
    np.testing.assert_array_equal(sp_v[k0:k0 + n], before_v[k0:k0 + n][order])
    outside = np.r_[0:k0, k0 + n:size]
    np.testing.assert_array_equal(sp_n[outside], before_n[outside])
    np.testing.assert_array_equal(sp_v[outside], before_v[outside])


@pytest.mark.parametrize("seed", range(12))
def test_cores_are_sorted_by_work_largest_first(seed):
    rng = np.random.default_rng(seed)
    n_cores = int(rng.integers(1, 300))
    work = rng.integers(0, 6, n_cores) * rng.integers(1, 10**6)  # ties, and large values
    n = int(rng.integers(0, n_cores + 1))
    cores = np.full(n_cores + 3, -7, np.int64)
    cores[:n] = rng.choice(n_cores, n, replace=False)
    before = cores.copy()
    _sort_by_work(cores, n, work)
    np.testing.assert_array_equal(np.sort(cores[:n]), np.sort(before[:n]))
    assert np.all(np.diff(work[cores[:n]]) <= 0)
    np.testing.assert_array_equal(cores[n:], before[n:])
