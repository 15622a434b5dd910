"""A float64 simulator of the IR's equations: no quantization, no registers.

This runs a :class:`~neuroemu.ir.Network` directly in its own (float) units,
to check that an imported network computes what the framework that trained it
computes, before any fixed-point effect enters. It follows the same tick as
the dense reference engine (:mod:`.reference`); within tick ``t``:

1. every spike fired at ``t - d`` through a projection of delay ``d`` is
   delivered: each synapse adds ``weight * 2**weight_exp`` times the spike's
   value to its target's input ``a``;
2. populations due for a periodic reset return to their initial state (v, u,
   refractory and spike counts), then every neuron updates
   (``neuroemu.ir.network`` gives the equations) with ``keep(x, f) = x * f``
   exactly, no rounding and no register limits::

       CUBA only:  u = u * (1 - decay_u) + a;  a = u
       v = (v * (1 - decay_v) + a + bias - leak) * scale_k,  floored at v_min
       fire when v > threshold ('>') or v >= threshold ('>='), then reset

3. the spikes fired at ``t`` (and the input spikes of ``t``) are kept for
   delivery at ``t + d``.

Neurons are numbered globally in population order, as in the mapped
configuration, so a float run and a fixed-point run can be compared neuron by
neuron. The delivery is a sparse matrix product per delay (scipy), so the
cost is proportional to synapses x ticks; it is meant for checking, not speed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ..errors import NeuroemuError
from ..inputs.stimulus import Stimulus
from ..ir import Network, synapses
from ..mapping.codes import RESET_CODES, RESET_SUBTRACT, RESET_ZERO


@dataclass(eq=False)
class FloatResult:
    """The outcome of a float run (same layout as :class:`~.result.RunResult`).

    Attributes
    ----------
    network : Network
    ticks : int
    pop_offset : int64 array (P + 1,)
        Global index of each population's first neuron.
    spike_tick, spike_neuron, spike_value : int64 arrays (K,)
        Every spike of a neuron (input spikes are not recorded), sorted by
        (tick, neuron), global neuron indices.
    v, u : float64 arrays (N,)
        Membrane and synaptic current after the last tick, in network units.
    refractory, count : int64 arrays (N,)
    v_sum : float64 array (N,)
        Sum over ticks of v after each tick.
    probe_neurons : int64 array (k,); probe_v, probe_u : float64 arrays (T, k)
    """

    network: Network
    ticks: int
    pop_offset: np.ndarray
    spike_tick: np.ndarray
    spike_neuron: np.ndarray
    spike_value: np.ndarray
    v: np.ndarray
    u: np.ndarray
    refractory: np.ndarray
    count: np.ndarray
    v_sum: np.ndarray
    probe_neurons: np.ndarray
    probe_v: np.ndarray
    probe_u: np.ndarray
    engine: str = "float"
    wall_s: float = 0.0

    @property
    def pop_names(self) -> list[str]:
        return [p.name for p in self.network.populations]

    def neurons_of(self, name: str) -> slice:
        """Global indices of population ``name``'s neurons."""
        i = self.pop_names.index(name) if name in self.pop_names else None
        if i is None:
            raise NeuroemuError(f"network {self.network.name!r} has no population {name!r}")
        return slice(int(self.pop_offset[i]), int(self.pop_offset[i + 1]))

    def spikes_of(self, population: str):
        """(tick, local neuron, value) of a population's spikes."""
        sl = self.neurons_of(population)
        m = (self.spike_neuron >= sl.start) & (self.spike_neuron < sl.stop)
        return self.spike_tick[m], self.spike_neuron[m] - sl.start, self.spike_value[m]

    def spike_counts(self) -> dict:
        """Spikes per population (neurons only)."""
        lo, hi = self.pop_offset[:-1], self.pop_offset[1:]
        return {name: int(np.count_nonzero((self.spike_neuron >= lo[i])
                                           & (self.spike_neuron < hi[i])))
                for i, name in enumerate(self.pop_names)}

    def readout(self):
        """``(class, values)`` of the network's readout, as :func:`~.readout.read_out` does.

        Membrane readouts are in network units (no scale to undo).
        """
        from .readout import readout_values

        ro = self.network.readout
        if ro is None:
            return None, None
        sl = self.neurons_of(ro.population)
        tick, who, val = self.spikes_of(ro.population)
        return readout_values(ro.kind, self.ticks, self.count[sl], self.v[sl], self.v_sum[sl],
                              (tick[val > 0], who[val > 0]))


@dataclass(frozen=True, eq=False)
class _Flat:
    """Per-neuron float parameters and per-neuron copies of per-population flags."""

    offset: np.ndarray
    is_neuron: np.ndarray
    cuba: np.ndarray
    thr: np.ndarray
    bias: np.ndarray
    v_init: np.ndarray
    leak: np.ndarray
    keep_v: np.ndarray
    keep_u: np.ndarray
    scale_k: np.ndarray
    strict: np.ndarray
    reset: np.ndarray  # 0 zero, 1 subtract, 2 none
    floor: np.ndarray
    v_min: np.ndarray
    refractory: np.ndarray
    signed: np.ndarray
    neg_thr: np.ndarray
    max_count: np.ndarray


def _flatten(net: Network) -> _Flat:
    pops = net.populations
    offset = np.zeros(len(pops) + 1, np.int64)
    offset[1:] = np.cumsum([p.size for p in pops])
    cols = {k: [] for k in _Flat.__dataclass_fields__ if k != "offset"}
    for p in pops:
        n, nrn = p.size, p.neuron

        def put(key, value, dtype=np.float64, n=n):
            cols[key].append(np.broadcast_to(np.asarray(value, dtype), (n,)))

        if nrn is None:
            for key in cols:
                put(key, 1.0 if key in ("keep_v", "keep_u", "scale_k") else 0)
            continue
        put("is_neuron", 1)
        put("cuba", nrn.model == "cuba")
        put("thr", nrn.threshold)
        put("bias", nrn.bias)
        put("v_init", nrn.v_init)
        put("leak", nrn.leak)
        put("keep_v", 1.0 - nrn.decay_v)
        put("keep_u", 1.0 - nrn.decay_u)
        put("scale_k", nrn.scale_k)
        put("strict", nrn.fire_on == ">")
        put("reset", RESET_CODES[nrn.reset])
        put("floor", nrn.v_min is not None)
        put("v_min", nrn.v_min or 0.0)
        put("refractory", nrn.refractory)
        put("signed", nrn.signed)
        put("neg_thr", nrn.neg_threshold)
        put("max_count", nrn.max_count)
    flags = ("is_neuron", "cuba", "strict", "floor", "signed")
    ints = ("reset", "refractory", "max_count")
    arrays = {}
    for key, parts in cols.items():
        a = np.concatenate(parts) if parts else np.zeros(0)
        arrays[key] = a.astype(bool) if key in flags else a.astype(np.int64) if key in ints else a
    return _Flat(offset=offset, **arrays)


def _delivery_matrices(net: Network, offset: np.ndarray) -> dict:
    """One sparse (N, N) matrix per delay: column = source neuron, row = target neuron."""
    from scipy import sparse

    n = int(offset[-1])
    index = {p.name: i for i, p in enumerate(net.populations)}
    parts: dict[int, list] = {}
    for proj in net.projections:
        src_pop, tgt_pop = net.population(proj.source), net.population(proj.target)
        s, t, w = synapses(proj, src_pop, tgt_pop)
        w = w.astype(np.float64) * 2.0**proj.weight_exp
        parts.setdefault(proj.delay, []).append(
            (t + offset[index[proj.target]], s + offset[index[proj.source]], w))
    mats = {}
    for d, lst in parts.items():
        rows = np.concatenate([x[0] for x in lst])
        cols = np.concatenate([x[1] for x in lst])
        vals = np.concatenate([x[2] for x in lst])
        mats[d] = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return mats


def simulate_float(net: Network, stimulus: Stimulus | None, ticks: int,
                   probes=(), progress=None) -> FloatResult:
    """Run ``net`` in float64 for ``ticks`` ticks on ``stimulus``.

    Parameters
    ----------
    net : Network
        Float or integer network (integers are taken as plain numbers).
    stimulus : Stimulus or None
        Spikes of the input population (channels numbered over its neurons);
        each spike delivers its ``value``.
    ticks : int
    probes : sequence of int
        Global neuron indices whose v and u are recorded after every tick.
    progress : callable(ticks_done, ticks), optional
        Called after every tick.

    Returns
    -------
    FloatResult
    """
    start = time.perf_counter()
    if int(ticks) != ticks or ticks < 1:
        raise NeuroemuError(f"ticks: {ticks} found, expected a whole number >= 1")
    ticks = int(ticks)
    f = _flatten(net)
    n = int(f.offset[-1])
    probes = np.asarray(probes, dtype=np.int64).reshape(-1)
    if probes.size and (probes.min() < 0 or probes.max() >= n):
        raise NeuroemuError(f"probes: neuron index outside 0..{n - 1}")
    input_start = 0
    if net.input is not None:
        input_start = int(f.offset[[p.name for p in net.populations].index(net.input)])
    if stimulus is not None:
        if not isinstance(stimulus, Stimulus):
            raise NeuroemuError("the float simulator needs a whole Stimulus (not chunks)")
        if net.input is None:
            raise NeuroemuError(f"network {net.name!r} has no input population for the stimulus")
        n_in = net.population(net.input).size
        if stimulus.n_channels != n_in:
            raise NeuroemuError(f"stimulus has {stimulus.n_channels} channels, the input "
                                f"population {net.input!r} has {n_in}")
    mats = _delivery_matrices(net, f.offset)
    ring = max(mats, default=1) + 1
    fired = np.zeros((ring, n), np.float64)
    resets = [(int(f.offset[i]), int(f.offset[i + 1]), p.neuron.reset_interval,
               p.neuron.reset_offset) for i, p in enumerate(net.populations)
              if p.neuron is not None and p.neuron.reset_interval > 0]

    v = f.v_init.copy()
    u = np.zeros(n)
    ref = np.zeros(n, np.int64)
    count = np.zeros(n, np.int64)
    v_sum = np.zeros(n)
    probe_v = np.zeros((ticks, probes.size))
    probe_u = np.zeros((ticks, probes.size))
    spikes = []
    if stimulus is not None:
        order = np.argsort(stimulus.tick, kind="stable")
        s_tick, s_chan, s_val = (stimulus.tick[order], stimulus.channel[order],
                                 stimulus.value[order].astype(np.float64))
        bounds = np.searchsorted(s_tick, np.arange(ticks + 1))

    for t in range(ticks):
        # 1. deliver what was fired d ticks ago through projections of delay d
        acc = np.zeros(n)
        for d, m in mats.items():
            if d <= t:
                acc += m @ fired[(t - d) % ring]
        # 2. periodic resets, then the neuron update
        for lo, hi, every, phase in resets:
            if t % every == phase:
                v[lo:hi] = f.v_init[lo:hi]
                u[lo:hi] = 0.0
                ref[lo:hi] = 0
                count[lo:hi] = 0
        u = np.where(f.cuba, u * f.keep_u + acc, u)
        drive = np.where(f.cuba, u, acc)
        refractory = ref > 0
        x = (v * f.keep_v + drive + f.bias - f.leak) * f.scale_k
        x = np.where(f.floor, np.maximum(x, f.v_min), x)
        integrating = f.is_neuron & ~refractory
        below_cap = (f.max_count == 0) | (count < f.max_count)
        fire_pos = integrating & below_cap & np.where(f.strict, x > f.thr, x >= f.thr)
        fire_neg = integrating & ~fire_pos & f.signed & (count > 0) & (x < f.neg_thr)
        zero, subtract = f.reset == RESET_ZERO, f.reset == RESET_SUBTRACT
        after_pos = np.select([zero, subtract], [0.0, x - f.thr], x)
        after_neg = np.select([zero, subtract], [0.0, x + f.thr], x)
        v = np.where(integrating, np.where(fire_pos, after_pos, np.where(fire_neg, after_neg, x)),
                     v)
        out = fire_pos.astype(np.float64) - fire_neg.astype(np.float64)
        ref = np.where(refractory, ref - 1, np.where(fire_pos, f.refractory, ref))
        count = count + out.astype(np.int64)
        who = np.flatnonzero(out)
        spikes.append((np.full(who.size, t, np.int64), who, out[who].astype(np.int64)))
        # 3. input spikes of this tick join the neurons' spikes
        if stimulus is not None:
            lo, hi = bounds[t], bounds[t + 1]
            out[input_start + s_chan[lo:hi]] = s_val[lo:hi]
        fired[t % ring] = out
        v_sum += v
        probe_v[t] = v[probes]
        probe_u[t] = u[probes]
        if progress is not None:
            progress(t + 1, ticks)

    cat = (lambda i: np.concatenate([s[i] for s in spikes]).astype(np.int64))
    return FloatResult(
        network=net, ticks=ticks, pop_offset=f.offset,
        spike_tick=cat(0), spike_neuron=cat(1), spike_value=cat(2),
        v=v, u=u, refractory=ref, count=count, v_sum=v_sum,
        probe_neurons=probes, probe_v=probe_v, probe_u=probe_u,
        wall_s=time.perf_counter() - start,
    )
