"""Readouts: spike count, first spike, last-tick membrane (LTS), mean membrane."""

from __future__ import annotations

import numpy as np


def read_out(result):
    """``(class, values)`` for the network's readout, or ``(None, None)`` without one.

    Membrane readouts are given in the population's own units (register value
    divided by its quantization scale). First-spike values are ticks, with
    ``ticks`` for a neuron that never fired; the class is then the earliest.
    Ties go to the lowest index; a count readout with no spike at all has no
    class (None).
    """
    cfg = result.config
    ro = cfg.network.readout
    if ro is None:
        return None, None
    sl = cfg.neurons_of(ro.population)
    scale = cfg.quantization.scales.get(ro.population, 1.0)
    if ro.kind == "count":
        values = result.count[sl].copy()
        cls = int(np.argmax(values)) if np.any(values != 0) else None
        return cls, values
    if ro.kind == "first_spike":
        tick, who, val = result.spikes_of(ro.population)
        values = np.full(sl.stop - sl.start, result.ticks, dtype=np.int64)
        pos = val > 0
        np.minimum.at(values, who[pos], tick[pos])
        cls = int(np.argmin(values)) if np.any(values < result.ticks) else None
        return cls, values
    if ro.kind == "last_membrane":
        values = result.v[sl] / scale
    else:
        values = result.v_sum[sl] / (scale * max(result.ticks, 1))
    return int(np.argmax(values)), values
