"""lex_order: one stable sort of packed keys where they fit, np.lexsort's order always."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.ir.connectivity import lex_order


@pytest.mark.parametrize("seed", range(60))
def test_the_order_is_lexsorts_with_ties_ranges_and_runs(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    keys = []
    for _ in range(int(rng.integers(1, 6))):
        lo = int(rng.integers(-50, 50))
        span = int(rng.choice([1, 2, 7, 1000, 1 << 20]))
        key = rng.integers(lo, lo + span, size=n)
        if rng.random() < 0.3:  # runs already in order, as a concatenation of sorted parts
            key = np.concatenate([np.sort(part) for part in np.array_split(key, 3)])
        keys.append(key)
    got = lex_order(*keys)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, np.lexsort(keys[::-1]))


def test_keys_whose_ranges_do_not_fit_one_int64_are_sorted_by_lexsort():
    rng = np.random.default_rng(1)
    big = rng.integers(-(1 << 40), 1 << 40, size=500)
    small = rng.integers(0, 3, size=500)
    for keys in ((big, big[::-1].copy(), small), (small, big, big)):
        np.testing.assert_array_equal(lex_order(*keys), np.lexsort(keys[::-1]))


def test_equal_keys_keep_their_order():
    keys = (np.array([2, 1, 2, 1, 2]), np.array([0, 0, 0, 0, 0]))
    np.testing.assert_array_equal(lex_order(*keys), [1, 3, 0, 2, 4])


def test_keys_far_from_zero_with_small_ranges_are_packed_from_their_lowest_value():
    rng = np.random.default_rng(2)
    far = (1 << 50) + rng.integers(0, 1 << 20, size=300)
    near = -(1 << 50) + rng.integers(0, 1 << 20, size=300)
    keys = (far, near, far[::-1].copy())
    np.testing.assert_array_equal(lex_order(*keys), np.lexsort(keys[::-1]))
    # packed from their lowest values, these stay below 2**63; packed as they are, a sum
    # passes 2**63 and wraps
    high = (1 << 62) + rng.integers(0, 1 << 42, size=300)
    keys = (far, high)
    np.testing.assert_array_equal(lex_order(*keys), np.lexsort(keys[::-1]))
