"""Counts per tick and core, kept as their non-zero entries.

A run of ``T`` ticks on ``C`` cores has ``T x C`` counts per counter, nearly all
zero in a large network: a core does something only in the ticks when a spike
reaches it. :class:`TickCounts` keeps the non-zero ones only, so that its size
grows with the run's events, not with ``T x C`` (10^6 ticks of 2,000 cores are
2 x 10^9 counts, 8 GB dense per counter at int32).
"""

from __future__ import annotations

import numpy as np

#: ticks per block of :meth:`TickCounts.blocks` are chosen to keep a block's counts about
#: this many (a dense block of int64 counts is then 32 MB)
BLOCK_COUNTS = 1 << 22


class TickCounts:
    """One counter of every (tick, core): the non-zero entries, sorted by (tick, core).

    Attributes
    ----------
    tick : int32 (or int64 past 2**31 ticks) array (K,)
    core : int16 (or int32 past 2**15 cores) array (K,)
    value : integer array (K,)
        The entries; the count of (tick[i], core[i]) is value[i], every other count is 0.
    ticks, n_cores : int
        The shape of the dense counts, (ticks, n_cores).
    """

    __slots__ = ("tick", "core", "value", "ticks", "n_cores")

    def __init__(self, tick, core, value, ticks: int, n_cores: int):
        self.tick, self.core, self.value = tick, core, value
        self.ticks, self.n_cores = int(ticks), int(n_cores)

    @classmethod
    def from_dense(cls, dense, t0: int = 0) -> TickCounts:
        """The non-zero entries of ``dense`` (T, C), its row 0 being tick ``t0``."""
        dense = np.asarray(dense)
        rows, cols = np.nonzero(dense)
        last = t0 + dense.shape[0]
        tick = (rows + t0).astype(np.int32 if last < 2**31 else np.int64)
        core = cols.astype(np.int16 if dense.shape[1] <= 2**15 else np.int32)
        return cls(tick, core, dense[rows, cols], last, dense.shape[1])

    @classmethod
    def concat(cls, parts, ticks: int, n_cores: int, dtype=np.int64) -> TickCounts:
        """Parts of consecutive tick ranges, in tick order, as one (``dtype``: the values'
        when there is no part)."""
        if not parts:
            return cls(np.zeros(0, np.int32), np.zeros(0, np.int16), np.zeros(0, dtype),
                       ticks, n_cores)
        return cls(*(np.concatenate([getattr(p, k) for p in parts])
                     for k in ("tick", "core", "value")), ticks, n_cores)

    @property
    def shape(self) -> tuple:
        return (self.ticks, self.n_cores)

    @property
    def nbytes(self) -> int:
        """Bytes of the three arrays."""
        return int(self.tick.nbytes + self.core.nbytes + self.value.nbytes)

    def total(self) -> int:
        return int(self.value.sum(dtype=np.int64))

    def per_tick(self, cores=None) -> np.ndarray:
        """int64 (T,): each tick's count summed over the cores (or over ``cores``, a bool
        mask (C,))."""
        keep = slice(None) if cores is None else np.asarray(cores, bool)[self.core]
        return _sums(self.tick[keep], self.value[keep], self.ticks)

    def per_core(self) -> np.ndarray:
        """int64 (C,): each core's count summed over the ticks."""
        return _sums(self.core, self.value, self.n_cores)

    def dense(self, t0: int = 0, t1: int | None = None) -> np.ndarray:
        """int64 (t1 - t0, C): the counts of ticks t0..t1-1 (all ticks by default), dense.
        For small runs and blocks: the whole run is ``ticks x n_cores`` counts."""
        t1 = self.ticks if t1 is None else t1
        i0, i1 = np.searchsorted(self.tick, [t0, t1])
        out = np.zeros((t1 - t0, self.n_cores), np.int64)
        out[self.tick[i0:i1] - t0, self.core[i0:i1]] = self.value[i0:i1]
        return out

    def block_ticks(self) -> int:
        """Ticks per block of :meth:`blocks`."""
        return max(1, BLOCK_COUNTS // max(self.n_cores, 1))

    def blocks(self, size: int | None = None):
        """Yield (t0, dense counts of ticks t0..t0+size-1), block after block."""
        size = self.block_ticks() if size is None else size
        for t0 in range(0, self.ticks, size):
            yield t0, self.dense(t0, min(t0 + size, self.ticks))

    def __eq__(self, other) -> bool:
        if not isinstance(other, TickCounts):
            return NotImplemented
        return (self.shape == other.shape and all(
            np.array_equal(getattr(self, k), getattr(other, k))
            for k in ("tick", "core", "value")))

    __hash__ = None

    def __repr__(self) -> str:
        return (f"TickCounts({self.ticks} ticks x {self.n_cores} cores, {self.value.size} "
                f"non-zero, {self.total()} in all)")


def _sums(index, value, size: int) -> np.ndarray:
    """int64 (size,): ``value`` summed by ``index`` (exact: bincount adds in float64,
    which holds every integer below 2**53, far above any count of a run)."""
    return np.bincount(index, weights=value, minlength=size).astype(np.int64)
