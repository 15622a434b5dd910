"""What a run produces: spikes, final registers, counters."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

COUNTERS = ("synaptic_ops", "neuron_updates", "spikes", "packets", "hops",
            "overflow_v", "overflow_u", "chip_hops",
            "trace_updates", "weight_updates", "weight_overflows")
PER_TICK = ("synaptic_ops", "neuron_updates", "spikes")


@dataclass(eq=False)
class RunResult:
    """The outcome of running a mapped network for ``ticks`` ticks.

    Attributes
    ----------
    spike_tick, spike_neuron : int32 arrays (K,); spike_value : int8 array (K,)
        Every spike of a neuron (input spikes are counted, not recorded), sorted
        by (tick, neuron); neuron
        indices are global (``config.neurons_of(name)`` gives a population's).
    v, u, refractory, count : int64 arrays (N,)
        Registers after the last tick; ``count`` is each neuron's net spike count.
    v_sum : int64 array (N,)
        Sum over ticks of v after each tick, for the population read out by mean
        membrane (zero elsewhere).
    counters : dict of int64 arrays (C,)
        Per core: synaptic_ops (accumulates, on the target core), neuron_updates
        (updates that received input, changed a register, fired or overflowed),
        spikes (on the firing core), packets, hops and chip_hops (delivered to
        the target core, one packet per spike, projection and target core; hops
        between router tiles of a chip, chip_hops between chips of the board),
        overflow_v, overflow_u; trace_updates, weight_updates and weight_overflows
        of a plastic run (:mod:`neuroemu.plasticity`; 0 otherwise).
    per_tick : dict of :class:`~.tick_counts.TickCounts` (T, C)
        synaptic_ops, neuron_updates and spikes per tick and core, their non-zero
        entries only (values int32 from the event engine, int64 from the reference);
        a plastic run adds trace_updates and weight_updates.
    probe_neurons : int64 array (k,); probe_v, probe_u : int64 arrays (T, k)
    u2, probe_u2 : the second synaptic current of Xylo neurons, after the last tick
        (N,) and probed (T, k); None when the configuration has no Xylo neurons
        (the reference engine always fills them)
    first_overflow : (tick, neuron, register) or None; register 0 is u, 1 is v.
    """

    config: object
    ticks: int
    spike_tick: np.ndarray
    spike_neuron: np.ndarray
    spike_value: np.ndarray
    v: np.ndarray
    u: np.ndarray
    refractory: np.ndarray
    count: np.ndarray
    v_sum: np.ndarray
    counters: dict
    per_tick: dict
    probe_neurons: np.ndarray
    probe_v: np.ndarray
    probe_u: np.ndarray
    first_overflow: tuple | None = None
    weights: np.ndarray | None = None  # a plastic run's final weights (config order)
    u2: np.ndarray | None = None  # second synaptic current (Xylo; None elsewhere)
    probe_u2: np.ndarray | None = None  # (T, k), as probe_u
    engine: str = ""
    wall_s: float = 0.0
    compile_s: float = 0.0  # compiling or loading the event kernel, not in wall_s

    def total(self, name: str) -> int:
        return int(self.counters[name].sum())

    def spikes_of(self, population: str):
        """(tick, local neuron, value) of a population's spikes."""
        sl = self.config.neurons_of(population)
        m = (self.spike_neuron >= sl.start) & (self.spike_neuron < sl.stop)
        return self.spike_tick[m], self.spike_neuron[m] - sl.start, self.spike_value[m]

    def spike_counts(self) -> dict:
        """Spikes per population (an input spike carrying several events counts once)."""
        names = self.config.pop_names
        n = np.bincount(self.config.core_pop, weights=self.counters["spikes"],
                        minlength=len(names)).astype(np.int64)
        return {name: int(n[i]) for i, name in enumerate(names)}

    def readout(self):
        """The network's readout: (class, values) or (None, None) without one."""
        from .readout import read_out

        return read_out(self)
