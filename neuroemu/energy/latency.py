"""Chip time of a run: per-tick durations, time to the first output, time to a stable decision.

A tick's duration depends on the profile's ``[latency] mode``:

``per_tick_work`` (Loihi-like, unthrottled)
    The chip is synchronous: a tick cannot end before its slowest core has
    finished, and a barrier then ends it; the management cores' per-step work
    and the host's spike I/O add to every tick. For tick ``t``::

        work[t, c] = syn[t, c] * synaptic_op_ns + upd[t, c] * neuron_update_ns
                     + idle[t, c] * neuron_idle_ns + learn[t, c] * synaptic_update_ns
        route[t]   = packet_ns + hop_ns * (hops / packets)
                     + chip_hop_ns * (chip_hops / packets)      if any spike was sent at t, else 0
        barrier    = barrier_min_ns + (barrier_ns - barrier_min_ns) * (n - 1) / (N - 1)
        host[t]    = tick_overhead_ns + input_spike_ns * inj[t] + output_spike_ns * out[t]
        tick[t]    = max_c work[t, c] + route[t] + barrier + host[t]

    with ``syn`` and ``upd`` the per-tick synaptic operations and counted
    neuron updates of core ``c``, ``learn`` its weight updates (plastic runs),
    and ``idle`` the core's other neurons when
    the profile's ``neuron_policy`` is ``every_tick`` (0 otherwise). The
    counters do not record hops per tick, so a spike's routing time uses the
    run's mean hops per packet. The barrier spans the ``n`` router tiles that
    hold the run's neuron cores, out of the ``N`` tiles of the mesh the profile's
    file describes (the span of its whole-mesh figure, also when a copy of the
    profile resizes the mesh): the one-tile figure for one tile, the whole-mesh
    figure for all of them, linear in between (an interpolation: the source gives
    the two ends). ``inj`` are the
    spikes injected into the input population at ``t``, ``out`` the spikes of
    the readout population read out at ``t``.
``fixed_tick`` (TrueNorth-like)
    Every tick lasts ``tick_ns``, however little happens in it.
``real_time``
    Every tick lasts the run's own tick length (``trace.tick_us``), for
    profiles without timing data.

Time to the first output is the chip time from the start of the run to the end
of the tick in which the readout population first spikes. Time to a stable
decision is the chip time to the end of tick ``t*``, where ``t*`` is the first
tick after which the running decision of the readout no longer changes: the
running decision at tick ``t`` is the readout's class computed from the spikes
of ticks ``0..t`` only (for a ``count`` readout the argmax of the running net
spike counts, None while all are zero; for ``first_spike`` the neuron with the
earliest positive spike so far; ties go to the lowest index, as in
:func:`neuroemu.engine.readout.read_out`). ``t*`` is the tick of the last
change, and there is no stable decision when the final running decision is
None. Membrane readouts have none either: a trace does not hold the readout's
membrane over time.
"""

from __future__ import annotations

import numpy as np

from ..mapping.codes import MODEL_INPUT


def neuron_core_mask(trace) -> np.ndarray:
    """bool (C,): cores holding neurons (not the input population's virtual neurons)."""
    pop_model = np.asarray(trace.pop_model)
    return pop_model[np.asarray(trace.core_population, dtype=np.int64)] != MODEL_INPUT


def _neuron_counts(trace) -> np.ndarray:
    """int64 (C,): neurons of each core, 0 on input cores."""
    return np.where(neuron_core_mask(trace), np.asarray(trace.core_neurons, np.int64), 0)


def idle_by_core(trace, policy: str) -> np.ndarray:
    """int64 (C,): each core's neurons not counted as updated, summed over the ticks.

    Zero under the ``event`` policy and on input cores.
    """
    upd = trace.per_tick["neuron_updates"]
    if policy != "every_tick":
        return np.zeros(upd.n_cores, np.int64)
    neurons = _neuron_counts(trace)
    # a core updates at most its neurons in a tick: the ticks with no update count them all
    counted = np.bincount(upd.core, weights=np.minimum(upd.value, neurons[upd.core]),
                          minlength=upd.n_cores).astype(np.int64)
    return upd.ticks * neurons - counted


def tiles_used(trace, costs) -> int:
    """Router tiles (of the pricing profile's tile shape) holding the run's neuron cores."""
    xy = np.asarray(trace.core_xy, np.int64).reshape(-1, 2)[neuron_core_mask(trace)]
    if not xy.size:
        return 1
    tile = np.array([costs.tile_width, costs.tile_height], np.int64)
    return int(np.unique(xy // tile, axis=0).shape[0])


def barrier_ns(trace, costs) -> float:
    """The barrier's time for the tiles the run uses (module docstring)."""
    hi = costs.latency_ns["barrier_ns"]
    lo = costs.chip.get("barrier_min_ns", hi)
    n_max = max(int(costs.mesh_tiles), 1)
    if n_max == 1:
        return float(lo)
    n = min(max(tiles_used(trace, costs), 1), n_max)
    return float(lo + (hi - lo) * (n - 1) / (n_max - 1))


def io_spikes_per_tick(trace) -> tuple[np.ndarray, np.ndarray]:
    """int64 (T,), (T,): spikes injected into the input population, and spikes of the
    readout population (read out by the host), in each tick."""
    spikes = trace.per_tick["spikes"]
    if not spikes.n_cores:
        zero = np.zeros(int(trace.ticks), np.int64)
        return zero, zero.copy()
    core_pop = np.asarray(trace.core_population, np.int64)
    injected = spikes.per_tick(~neuron_core_mask(trace))
    names = list(trace.pop_names)
    if trace.readout_population and trace.readout_population in names:
        read = spikes.per_tick(core_pop == names.index(trace.readout_population))
    else:
        read = np.zeros(spikes.ticks, np.int64)
    return injected, read


def core_work_blocks(trace, costs):
    """Yield (t0, float64 (b, C)): each core's work in ticks t0..t0+b-1, nanoseconds
    (``per_tick_work`` profiles), block after block so that the whole run's ``T x C``
    figures are never held at once."""
    syn = trace.per_tick["synaptic_ops"]
    ns = costs.latency_ns
    upd = trace.per_tick["neuron_updates"]
    every_tick = costs.neuron_policy == "every_tick"
    neurons = _neuron_counts(trace)
    learned = trace.per_tick.get("weight_updates")  # plastic runs only
    size = syn.block_ticks()
    for t0, syn_b in syn.blocks(size):
        t1 = t0 + syn_b.shape[0]
        upd_b = upd.dense(t0, t1)
        idle_b = np.maximum(neurons[None, :] - upd_b, 0) if every_tick else np.zeros_like(upd_b)
        work = (syn_b * ns["synaptic_op_ns"] + upd_b * ns["neuron_update_ns"]
                + idle_b * ns["neuron_idle_ns"])
        if learned is not None:
            work = work + learned.dense(t0, t1) * costs.chip.get("synaptic_update_ns", 0.0)
        yield t0, work


def core_work(trace, costs) -> tuple[np.ndarray, np.ndarray]:
    """float64 (T,), (C,): the busiest core's work in each tick, and each core's work
    summed over the run, nanoseconds (``per_tick_work`` profiles; zeros for the others,
    which give no per-operation times)."""
    ticks, n_cores = int(trace.ticks), trace.per_tick["synaptic_ops"].n_cores
    busiest, busy = np.zeros(ticks), np.zeros(n_cores)
    if costs.latency_mode != "per_tick_work" or not n_cores:
        return busiest, busy
    for t0, work in core_work_blocks(trace, costs):
        busiest[t0:t0 + work.shape[0]] = work.max(axis=1)
        # the sum over the whole run's ticks: added row after row, as numpy sums (T, C)
        # over axis 0, so the blocks change no bit
        busy = work.sum(axis=0) if t0 == 0 else np.concatenate([busy[None, :], work]).sum(axis=0)
    return busiest, busy


def tick_seconds(trace, costs, work=None) -> tuple[np.ndarray, dict]:
    """Duration of every tick in seconds, float64 (T,), and the parts of the mean tick.

    ``work``: :func:`core_work` of the run if the caller has it already (it is one pass
    over every tick and core).

    Returns
    -------
    seconds : float64 array (T,)
    parts : dict
        Mean over ticks of 'busiest_core_s', 'routing_s', 'barrier_s' and 'host_s'
        (per_tick_work; host_s is the management cores' per-step work plus the host's
        spike I/O), or 'tick_s' (fixed_tick and real_time).
    """
    ticks = int(trace.ticks)
    mode = costs.latency_mode
    if mode == "fixed_tick":
        sec = np.full(ticks, costs.latency_ns["tick_ns"] * 1e-9)
        return sec, {"tick_s": float(costs.latency_ns["tick_ns"] * 1e-9)}
    if mode == "real_time":
        sec = np.full(ticks, float(trace.tick_us) * 1e-6)
        return sec, {"tick_s": float(trace.tick_us) * 1e-6}
    ns = costs.latency_ns
    busiest, _ = core_work(trace, costs) if work is None else work
    packets = int(np.asarray(trace.counters_by_core["packets"]).sum())
    hops = int(np.asarray(trace.counters_by_core["hops"]).sum())
    chip_hops = int(np.asarray(trace.counters_by_core.get("chip_hops", 0)).sum())
    mean_hops = hops / packets if packets else 0.0
    mean_chip_hops = chip_hops / packets if packets else 0.0
    sent = trace.per_tick["spikes"].per_tick() > 0
    routing = np.where(sent, ns["packet_ns"] + ns["hop_ns"] * mean_hops
                       + costs.chip.get("chip_hop_ns", 0.0) * mean_chip_hops, 0.0)
    barrier = barrier_ns(trace, costs)
    injected, read = io_spikes_per_tick(trace)
    chip = costs.chip
    host = (chip.get("tick_overhead_ns", 0.0) + chip.get("input_spike_ns", 0.0) * injected
            + chip.get("output_spike_ns", 0.0) * read)
    total_ns = busiest + routing + barrier + host
    parts = {"busiest_core_s": float(busiest.mean() * 1e-9) if ticks else 0.0,
             "routing_s": float(routing.mean() * 1e-9) if ticks else 0.0,
             "barrier_s": float(barrier * 1e-9),
             "host_s": float(np.mean(host) * 1e-9) if ticks else 0.0}
    return total_ns * 1e-9, parts


def readout_spikes(trace):
    """(tick, local neuron, value) int64 arrays of the readout population's recorded spikes."""
    if not trace.readout_population or trace.readout_population not in trace.pop_names:
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    p = list(trace.pop_names).index(trace.readout_population)
    lo, hi = int(trace.pop_offset[p]), int(trace.pop_offset[p + 1])
    neuron = np.asarray(trace.spike_neuron, dtype=np.int64)
    m = (neuron >= lo) & (neuron < hi)
    return (np.asarray(trace.spike_tick, np.int64)[m], neuron[m] - lo,
            np.asarray(trace.spike_value, np.int64)[m])


def first_output_tick(trace) -> int | None:
    """Tick of the readout population's first spike, or None."""
    tick, _, _ = readout_spikes(trace)
    return int(tick.min()) if tick.size else None


#: classes x ticks of running state :func:`decision_history` holds at once
BLOCK_CELLS = 1 << 20


def decision_history(trace) -> list[tuple[int, int | None]]:
    """``[(tick, running decision)]`` at every tick where the readout population spiked.

    Empty for membrane readouts and runs without readout spikes (see the module
    docstring for the running decision).
    """
    kind = trace.readout_kind
    if kind not in ("count", "first_spike") or not trace.readout_population:
        return []
    tick, who, val = readout_spikes(trace)
    p = list(trace.pop_names).index(trace.readout_population)
    n = int(trace.pop_offset[p + 1] - trace.pop_offset[p])
    if not tick.size or not n:
        return []
    new = np.r_[True, tick[1:] != tick[:-1]]  # the first spike of each tick's group
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    none = np.iinfo(np.int64).max
    # the running state after each group of spikes, a block of groups at a time
    state = np.zeros(n, np.int64) if kind == "count" else np.full(n, none, np.int64)
    block = max(1, BLOCK_CELLS // n)
    history = []
    for g0 in range(0, starts.size, block):
        g1 = min(starts.size, g0 + block)
        lo = starts[g0]
        hi = starts[g1] if g1 < starts.size else tick.size
        rows, cols = group[lo:hi] - g0, who[lo:hi]
        if kind == "count":
            step = np.zeros((g1 - g0, n), np.int64)
            np.add.at(step, (rows, cols), val[lo:hi])
            run = np.cumsum(step, axis=0) + state
            made = np.any(run != 0, axis=1)
            choice = np.argmax(run, axis=1)
        else:
            pos = val[lo:hi] > 0
            step = np.full((g1 - g0, n), none, np.int64)
            np.minimum.at(step, (rows[pos], cols[pos]), tick[lo:hi][pos])
            run = np.minimum(np.minimum.accumulate(step, axis=0), state)
            made = np.any(run < none, axis=1)
            choice = np.argmin(run, axis=1)
        state = run[-1]
        history.extend((int(t), int(c) if m else None)
                       for t, c, m in zip(tick[starts[g0:g1]], choice, made))
    return history


def stable_decision(trace) -> tuple[int | None, int | None]:
    """``(tick t*, class)`` of the stable decision, or ``(None, None)`` (module docstring)."""
    history = decision_history(trace)
    if not history or history[-1][1] is None:
        return None, None
    final = history[-1][1]
    t_star = history[-1][0]
    for t, d in reversed(history):
        if d != final:
            break
        t_star = t
    return t_star, final
