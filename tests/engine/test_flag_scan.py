"""Finding the neurons that fired or overflowed in a whole update from its flags
(kernels.threaded.find_flagged), 64 flags at a time (kernels.masks.event_mask), against
numpy's reading of the same flags."""

from __future__ import annotations

import numpy as np
from numba import njit

from neuroemu.engine.kernels.masks import EVENT, event_mask
from neuroemu.engine.kernels.threaded import find_flagged


@njit(cache=False)
def _masks(flags):
    out = np.zeros(flags.size // 64, np.uint64)
    for b in range(out.size):
        out[b] = event_mask(flags, 64 * b)
    return out


def test_a_mask_has_a_bit_for_each_flag_with_an_event():
    """Every flag value (the did, fired and overflowed bits and the others, negative
    bytes too) at every position of a block, the block at any offset."""
    rng = np.random.default_rng(0)
    flags = rng.integers(-128, 128, 64 * 40).astype(np.int8)
    flags[: 256] = np.arange(-128, 128)
    for start in (0, 1, 7, 63):
        f = np.ascontiguousarray(flags[start: start + 64 * 39])
        want = (f & EVENT) != 0
        bits = [int(m) for m in _masks(f)]
        got = [(bits[i // 64] >> (i % 64)) & 1 for i in range(f.size)]
        assert np.array_equal(np.array(got, bool), want)


def test_the_flagged_neurons_are_listed_in_order_from_any_start_to_any_end():
    """Ranges that start and end inside a block of 64, in one block or many, with none,
    a few or most flags set, and flags set (did, or an event) just outside the range."""
    rng = np.random.default_rng(1)
    n = 64 * 12
    checked = 0
    for _ in range(3000):
        flags = np.zeros(n, np.int8)
        density = rng.choice([0.0, 0.005, 0.05, 0.5, 1.0])
        flags[rng.random(n) < density] = rng.choice([1, 2, 3, 4, 6, 7])
        lo = int(rng.integers(0, n))
        hi = int(rng.integers(lo, n + 1))
        want = lo + np.flatnonzero(flags[lo:hi] & EVENT)
        out = np.full(n + 5, -1, np.int64)
        end = find_flagged(lo, hi, want.size, flags, out, 5)
        assert end == 5 + want.size
        assert np.array_equal(out[5:end], want)
        assert (out[:5] == -1).all() and (out[end:] == -1).all()
        checked += want.size > 0 and lo % 64 != 0 and hi % 64 != 0
    assert checked > 1000
