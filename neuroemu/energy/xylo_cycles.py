"""Latency of a Xylo Audio 2 core: Rockpool's cycle-count model, and the measured power.

Rockpool (``rockpool.devices.xylo.syns61201.power_cycles_model.cycles_model``)
models the master-clock cycles the SNN core needs for one network step from
the configuration and the spike rasters. With ``N_in`` input channels,
``N_hid`` hidden and ``N_out`` output neurons (the input and output expansion
neuron counts are ``N_hid``), ``f`` the mean number of recurrent (first-current)
targets per hidden neuron, and ``p_in``, ``p_hid``, ``p_out`` the fraction of
(step, neuron) entries of each raster holding a spike (several events in one
entry cost as one)::

    input          N_in * (p_in * N_hid * 3.5 + 1)
    hidden i_syn   N_hid * (f * 7 * p_hid + 3)
    output i_syn   N_hid * p_hid * (1 + N_out * 8)
    hidden spikes  N_hid * (19 + 3 * p_hid)        (no aliases: alias terms are 0)
    output spikes  N_out * 12

and, in parallel when the second synaptic current is used, extra operations
``1.5 p_in N_in N_hid + 5 f p_hid N_hid + N_hid``, which take no cycles. The
time of a step is the cycles divided by the master clock (``[chip] clock_hz``);
the chip streams in real time, so a step must fit in the network's ``dt``.
The worst case sets every probability to 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..mapping.xylo import output_population


@dataclass(frozen=True)
class XyloCycles:
    """Cycles of one network step (mean over a run) and their time at the clock."""

    cycles: float  # master-clock cycles per step
    isyn2_ops: float  # extra operations per step of the second current (no cycles)
    worst_cycles: float  # every channel and neuron firing every step
    clock_hz: float

    @property
    def step_s(self) -> float:
        return self.cycles / self.clock_hz

    @property
    def worst_step_s(self) -> float:
        return self.worst_cycles / self.clock_hz


def cycles(n_in: int, n_hid: int, n_out: int, fanout: float, p_in: float, p_hid: float,
           p_out: float, isyn2: bool) -> tuple[float, float]:
    """(cycles per step, extra second-current operations) by the formula above."""
    del p_out  # the output neurons' spikes cost no variable cycles in the model
    total = (n_in * (p_in * n_hid * 3.5 + 1)
             + n_hid * (fanout * 7 * p_hid + 3)
             + n_hid * p_hid * (1 + n_out * 8)
             + n_hid * (19 + 3 * p_hid)
             + n_out * 12)
    extra = isyn2 * (1.5 * p_in * n_in * n_hid + 5 * fanout * p_hid * n_hid + n_hid)
    return float(total), float(extra)


def xylo_cycles(net, profile, ticks: int, spike_neuron, input_entries: int) -> XyloCycles:
    """The cycle model of a Xylo run.

    Parameters
    ----------
    net : Network; profile : Profile (a Xylo profile)
    ticks : int
        Steps run.
    spike_neuron : int array (K,)
        The run's spike record (one entry per neuron and step with spikes), global
        indices in population order.
    input_entries : int
        Input (step, channel) entries that carried spikes.
    """
    from ..ir import synapses

    out = output_population(net)
    size = {p.name: p.size for p in net.populations}
    offset = np.cumsum([0] + [p.size for p in net.populations])
    hidden = [i for i, p in enumerate(net.populations)
              if p.neuron is not None and p.name != out]
    hidden_names = {net.populations[i].name for i in hidden}
    n_in = size[net.input] if net.input else 0
    n_hid = sum(net.populations[i].size for i in hidden)
    n_out = size[out]
    targets = 0  # recurrent first-current synapses with a weight
    for proj in net.projections:
        if proj.source in hidden_names and proj.target in hidden_names and proj.synapse == 0:
            _, _, w = synapses(proj, net.population(proj.source), net.population(proj.target))
            targets += int(np.count_nonzero(w))
    fanout = targets / n_hid if n_hid else 0.0
    ticks = max(int(ticks), 1)
    spike_neuron = np.asarray(spike_neuron, np.int64)
    in_hidden = np.zeros(spike_neuron.size, bool)
    for i in hidden:
        in_hidden |= (spike_neuron >= offset[i]) & (spike_neuron < offset[i + 1])
    o = [p.name for p in net.populations].index(out)
    in_out = (spike_neuron >= offset[o]) & (spike_neuron < offset[o + 1])
    p_in = input_entries / (ticks * n_in) if n_in else 0.0
    p_hid = in_hidden.sum() / (ticks * n_hid) if n_hid else 0.0
    p_out = in_out.sum() / (ticks * n_out)
    isyn2 = any(pr.synapse == 1 for pr in net.projections)
    c, extra = cycles(n_in, n_hid, n_out, fanout, p_in, p_hid, p_out, isyn2)
    worst, _ = cycles(n_in, n_hid, n_out, fanout, 1.0, 1.0, 1.0, isyn2)
    return XyloCycles(cycles=c, isyn2_ops=extra, worst_cycles=worst,
                      clock_hz=float(profile.tables["chip"]["clock_hz"]))


def xylo_summary(res) -> dict | None:
    """Xylo latency and energy of a run (a :class:`neuroemu.results.Result`), with sources;
    None when it did not run on a Xylo profile."""
    from ..hw.profile import load_profile
    from ..mapping.xylo import is_xylo_profile

    try:
        profile = load_profile(res.profile_name)
    except Exception:  # noqa: BLE001 - not a shipped profile: no Xylo figures
        return None
    if not is_xylo_profile(profile):
        return None
    net = res.network
    inp = res.pop_names.index(net.input) if net.input else -1
    input_entries = int(res.counters_by_core["spikes"][res.core_population == inp].sum())
    cyc = xylo_cycles(net, profile, res.ticks, res.spike_neuron, input_entries)
    chip, src = profile.tables["chip"], profile.tables.get("sources", {})
    run_s = res.ticks * res.tick_us * 1e-6
    return {
        "cycles_per_step": cyc.cycles, "step_s": cyc.step_s,
        "worst_cycles_per_step": cyc.worst_cycles, "worst_step_s": cyc.worst_step_s,
        "isyn2_ops_per_step": cyc.isyn2_ops, "clock_hz": cyc.clock_hz,
        "real_time": cyc.worst_step_s <= res.tick_us * 1e-6,
        "power_w": chip["core_power_w"], "energy_j": chip["core_power_w"] * run_s,
        "published_inference_j": chip["inference_energy_j"],
        "sources": {
            "latency": "Rockpool syns61201 power_cycles_model.cycles_model (cycle-count model "
                       "of the core, reimplemented in neuroemu.energy.xylo_cycles); clock: "
                       + src.get("chip.clock_hz", ""),
            "power": src.get("chip.core_power_w", ""),
            "inference": src.get("chip.inference_energy_j", ""),
        },
    }
