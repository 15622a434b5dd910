"""Registers of whole populations at every tick, streamed to HDF5 as a run goes.

``record=['conv1.v', 'conv1.u']`` asks for population ``conv1``'s membrane
``v`` and current ``u`` after every tick. The engine hands over a block of
ticks at a time; :class:`RecordWriter` appends each block to a dataset
``/records/<population>/<register>`` of shape ``(ticks, neurons)`` (int32 on
the chip, whose registers are at most 32 bits wide; float64 for a float run),
so a long run never holds its records in memory. :class:`Records` reads them
back, whole or a range of ticks at a time.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path

import numpy as np

from ..errors import NeuroemuError

REGISTERS = ("v", "u")
GROUP = "records"
#: bytes of one HDF5 chunk of a record (ticks x neurons)
CHUNK_BYTES = 1 << 18


def parse_record(spec: str, pop_names) -> tuple[str, str]:
    """``'conv1.v'`` -> ``('conv1', 'v')``, checked against the network's populations.

    Population names may contain dots (nested NIR graphs); the register is the
    part after the last one.
    """
    pop, dot, reg = str(spec).rpartition(".")
    if not dot or reg not in REGISTERS:
        raise NeuroemuError(f"record {spec!r}: expected POPULATION.REGISTER with a register "
                            f"of {', '.join(REGISTERS)} (e.g. '{list(pop_names)[-1]}.v')")
    if pop not in pop_names:
        raise NeuroemuError(f"record {spec!r}: no population {pop!r}; the network has "
                            f"{', '.join(pop_names)}")
    return pop, reg


class RecordWriter:
    """Appends blocks of ticks to the record datasets of an open HDF5 file.

    Parameters
    ----------
    h5 : h5py.File
        Open for writing.
    items : list of (population, register, lo, hi)
        ``lo .. hi`` are the columns of the engine's recorded block that hold the
        population's neurons.
    dtype : numpy dtype
    """

    def __init__(self, h5, items, dtype):
        self.items = list(items)
        self.datasets = {}
        group = h5.require_group(GROUP)
        for pop, reg, lo, hi in self.items:
            n = hi - lo
            rows = max(1, min(4096, CHUNK_BYTES // (np.dtype(dtype).itemsize * max(n, 1))))
            self.datasets[pop, reg] = group.require_group(pop).create_dataset(
                reg, shape=(0, n), maxshape=(None, n), dtype=dtype,
                chunks=(rows, max(n, 1)), compression="gzip", compression_opts=1, shuffle=True)

    def append(self, v_block: np.ndarray, u_block: np.ndarray) -> None:
        """Add ``(t, k)`` blocks of v and u (the engine's recorded columns) for t ticks."""
        for pop, reg, lo, hi in self.items:
            block = (v_block if reg == "v" else u_block)[:, lo:hi]
            ds = self.datasets[pop, reg]
            t0 = ds.shape[0]
            ds.resize(t0 + block.shape[0], axis=0)
            ds[t0:] = block.astype(ds.dtype, copy=False)


class Records:
    """Recorded registers in an HDF5 file (a trace, or a temporary file of the run's own).

    ``(population, register) in records`` says whether one was recorded;
    iterating gives the recorded pairs.
    """

    def __init__(self, path, pairs, temporary: bool = False):
        self.path = Path(path)
        self.pairs = [tuple(p) for p in pairs]
        self._finalizer = (weakref.finalize(self, _remove, str(self.path)) if temporary
                           else None)

    @classmethod
    def in_file(cls, h5, path) -> Records | None:
        """The records of an open trace file, or None when it has none."""
        if GROUP not in h5:
            return None
        pairs = [(pop, reg) for pop in h5[GROUP] for reg in h5[GROUP][pop]]
        return cls(path, pairs) if pairs else None

    def __contains__(self, pair) -> bool:
        return tuple(pair) in self.pairs

    def __iter__(self):
        return iter(self.pairs)

    def read(self, population: str, register: str, ticks=None) -> np.ndarray:
        """The ``(ticks, neurons)`` array of one recorded register (``ticks``: a slice)."""
        from ..h5io import open_h5

        with open_h5(self.path, "trace") as f:
            ds = f[f"{GROUP}/{population}/{register}"]
            return np.asarray(ds[ticks if ticks is not None else slice(None)])

    def copy_into(self, h5) -> None:
        """Copy every record into the open HDF5 file ``h5`` (chunk by chunk, in HDF5)."""
        from ..h5io import open_h5

        with open_h5(self.path, "trace") as src:
            src[GROUP].copy_to(h5, GROUP)

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def temporary_file() -> Path:
    """A new empty file for a run's records in the system's temporary folder."""
    fd, path = tempfile.mkstemp(prefix="neuroemu-records-", suffix=".h5")
    os.close(fd)
    return Path(path)
