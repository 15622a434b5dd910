"""What a run records as it goes: single neurons (probes) and whole populations (records).

Both are registers read after every tick; the engines record one list of
neurons (:attr:`Recording.neurons`) and hand over blocks of ticks
(:meth:`Recording.take`). Probes stay in memory (a few neurons); records of
whole populations stream into an HDF5 file (:mod:`.records`): the trace being
written (``out``), else a temporary file of the run's own.
"""

from __future__ import annotations

import contextlib

import numpy as np

from ..errors import NeuroemuError
from .records import Records, RecordWriter, parse_record, temporary_file


def parse_probe(spec, net) -> int:
    """``'pop:3'`` or ``('pop', 3)`` -> the global index of that neuron of ``net``."""
    if isinstance(spec, str):
        name, _, idx = spec.rpartition(":")
    else:
        try:
            name, idx = spec
        except (TypeError, ValueError):
            name, idx = None, None
    names = [p.name for p in net.populations]
    try:
        i = int(idx)
        p = names.index(name)
    except (TypeError, ValueError):
        raise NeuroemuError(f"probe {spec!r}: expected POPULATION:INDEX with a population of "
                            f"{', '.join(names)}") from None
    size = net.populations[p].size
    if not 0 <= i < size:
        raise NeuroemuError(f"probe {spec!r}: population {name!r} has {size} neurons "
                            f"(0..{size - 1})")
    return _offsets(net)[p] + i


def _offsets(net) -> list[int]:
    out = [0]
    for p in net.populations:
        out.append(out[-1] + p.size)
    return out


class Recording:
    """The probes and records of one run (a context manager around the run).

    Parameters
    ----------
    net : Network
    record : sequence of str
        ``'POP.v'`` / ``'POP.u'``.
    probes : sequence of str or (population, index)
    out : path-like or None
        The trace file being written: records stream into it.
    float_registers : bool
        Registers are floats (the float engine), not integer registers.
    """

    def __init__(self, net, record=(), probes=(), out=None, float_registers: bool = False):
        names = [p.name for p in net.populations]
        offsets = _offsets(net)
        self.probes = np.array([parse_probe(s, net) for s in probes], np.int64)
        pairs = list(dict.fromkeys(parse_record(s, names) for s in record))
        neurons = [self.probes]
        items, col, placed = [], self.probes.size, {}
        for pop, reg in pairs:
            if pop not in placed:
                p = names.index(pop)
                placed[pop] = (col, col + net.populations[p].size)
                neurons.append(np.arange(offsets[p], offsets[p + 1], dtype=np.int64))
                col = placed[pop][1]
            items.append((pop, reg, *placed[pop]))
        self.items = items
        self.neurons = np.concatenate(neurons)
        self.out = out
        self.dtype = np.float64 if float_registers else np.int32
        self._probe_v, self._probe_u = [], []
        self._stack = contextlib.ExitStack()
        self._h5 = self._writer = self._tmp = None

    def __enter__(self):
        if self.out is not None:
            from ..h5io import atomic_h5

            self._h5 = self._stack.enter_context(atomic_h5(self.out))
        elif self.items:
            import h5py  # only here: a run that writes no trace does not load it

            self._tmp = temporary_file()
            self._h5 = self._stack.enter_context(h5py.File(self._tmp, "w"))
        if self.items:
            self._writer = RecordWriter(self._h5, self.items, self.dtype)
        return self

    def take(self, v_block: np.ndarray, u_block: np.ndarray) -> None:
        """Registers of :attr:`neurons` for a block of ticks, ``(ticks, len(neurons))``."""
        k = self.probes.size
        if k:
            self._probe_v.append(np.array(v_block[:, :k]))
            self._probe_u.append(np.array(u_block[:, :k]))
        if self._writer is not None:
            self._writer.append(v_block, u_block)

    def finish(self, result) -> None:
        """Give ``result`` its probes and records, and write its trace to ``out``."""
        k = self.probes.size
        cat = (lambda parts: np.concatenate(parts) if parts else
               np.zeros((result.ticks, k), self.dtype if self.dtype != np.int32 else np.int64))
        result.probe_neurons = self.probes
        result.probe_v, result.probe_u = cat(self._probe_v), cat(self._probe_u)
        pairs = [(pop, reg) for pop, reg, _, _ in self.items]
        if self.out is not None:
            from .trace_file import write_trace

            write_trace(self.out, result, h5=self._h5)
            result.records = Records(self.out, pairs) if pairs else None
        elif pairs:
            result.records = Records(self._tmp, pairs, temporary=True)

    def __exit__(self, exc_type, exc, tb) -> None:
        self._stack.close()
        if exc_type is not None and self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
