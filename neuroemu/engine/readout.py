"""Readouts: spike count, first spike, last-tick membrane (LTS), mean membrane."""

from __future__ import annotations

import numpy as np


def readout_values(kind: str, ticks: int, count, v, v_sum, first_spikes, scale: float = 1.0):
    """``(class, values)`` of one readout population.

    Parameters
    ----------
    kind : {'count', 'first_spike', 'last_membrane', 'mean_membrane'}
    ticks : int
        Ticks run.
    count, v, v_sum : arrays (n,)
        The population's net spike counts, last membrane and membrane summed over ticks.
    first_spikes : (tick, neuron) int arrays of its positive spikes
    scale : float
        Register units per network unit (membrane readouts are divided by it).

    Membrane readouts are given in the population's own units. First-spike
    values are ticks, with ``ticks`` for a neuron that never fired; the class is
    then the earliest. Ties go to the lowest index; a count or first-spike
    readout with no spike at all has no class (None).
    """
    if kind == "count":
        values = np.array(count, copy=True)
        return (int(np.argmax(values)) if np.any(values != 0) else None), values
    if kind == "first_spike":
        tick, who = first_spikes
        values = np.full(len(count), ticks, dtype=np.int64)
        np.minimum.at(values, who, tick)
        return (int(np.argmin(values)) if np.any(values < ticks) else None), values
    if kind == "last_membrane":
        values = np.asarray(v) / scale
    else:
        values = np.asarray(v_sum) / (scale * max(ticks, 1))
    return int(np.argmax(values)), values


def read_out(result):
    """``(class, values)`` for a run's readout, or ``(None, None)`` without one."""
    cfg = result.config
    ro = cfg.network.readout
    if ro is None:
        return None, None
    sl = cfg.neurons_of(ro.population)
    tick, who, val = result.spikes_of(ro.population)
    return readout_values(ro.kind, result.ticks, result.count[sl], result.v[sl], result.v_sum[sl],
                          (tick[val > 0], who[val > 0]),
                          cfg.quantization.scales.get(ro.population, 1.0))
