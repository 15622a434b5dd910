"""The dense reference engine: every neuron, every tick, in plain numpy.

This is the executable specification of a tick, given below. It is written
to be read, not to be fast; the event engine (:mod:`.kernels.event`) must give
the same spikes, registers and counters bit for bit.

Within tick ``t``:

1. every spike fired at ``t - d`` through a projection of delay ``d`` is
   delivered: each synapse adds ``weight << exp`` times the spike's value to its
   target's input (one accumulate per synapse);
2. every neuron updates (``neuroemu.ir.network`` gives the equations);
3. the spikes fired at ``t`` (and the input spikes of ``t``) are kept for
   delivery at ``t + d``.

A configuration of Xylo neurons (:mod:`neuroemu.hw.xylo`) delivers into its
currents at step 1, saturating, in the chip's order, and updates by the chip's
equations at step 2 (:mod:`.reference_xylo`).
"""

from __future__ import annotations

import time

import numpy as np

from ..hw.fixed import OVERFLOW_RULES, ROUNDINGS, mul_frac, to_register
from ..inputs.stimulus import Stimulus
from ..mapping.codes import MODEL_CUBA, MODEL_INPUT, RESET_SUBTRACT, RESET_ZERO
from ..mapping.config import HardwareConfig
from ..mapping.xylo import has_xylo
from . import reference_xylo
from .result import COUNTERS, PER_TICK, RunResult
from .tick_counts import TickCounts


def update_neurons(cfg: HardwareConfig, state: dict, acc: np.ndarray):
    """One tick's neuron update (step 2) for every neuron; returns the new state.

    Parameters
    ----------
    state : dict of int64 arrays (N,): 'v', 'u', 'ref', 'count'
    acc : int64 array (N,), the synaptic input accumulated this tick

    Returns
    -------
    new_state : dict like ``state``
    value : int64 array (N,), the spike fired (+1, -1) or 0
    over_u, over_v : bool arrays (N,), registers that overflowed
    """
    prof = cfg.profile
    rounding = ROUNDINGS[prof.rounding]
    pop = cfg.pop_of
    is_neuron = cfg.pop_model[pop] != MODEL_INPUT
    cuba = cfg.pop_model[pop] == MODEL_CUBA
    v, u, ref, count = state["v"], state["u"], state["ref"], state["count"]

    u_next, over_u = to_register(mul_frac(u, cfg.mul_u, rounding) + acc, prof.u_bits,
                                 OVERFLOW_RULES[prof.u_overflow])
    u_next = np.where(cuba, u_next, u)
    over_u &= cuba
    drive = np.where(cuba, u_next, acc)

    refractory = ref > 0
    x = mul_frac(v, cfg.mul_v, rounding) + drive + cfg.bias - cfg.leak
    x = mul_frac(x, cfg.mul_k, rounding)  # KLIF scale; 4096 leaves x as it is
    v_int, over_v = to_register(x, prof.v_bits, OVERFLOW_RULES[prof.v_overflow])
    v_int = np.where(cfg.pop_floor[pop] == 1, np.maximum(v_int, cfg.pop_vmin[pop]), v_int)
    integrating = is_neuron & ~refractory
    over_v &= integrating

    strict = cfg.pop_strict[pop] == 1
    cap = cfg.pop_maxcount[pop]
    below_cap = (cap == 0) | (count < cap)
    fire_pos = integrating & below_cap & np.where(strict, v_int > cfg.thr, v_int >= cfg.thr)
    fire_neg = (integrating & ~fire_pos & (cfg.pop_signed[pop] == 1) & (count > 0)
                & (v_int < cfg.pop_negthr[pop]))
    reset = cfg.pop_reset[pop]
    zero, subtract = reset == RESET_ZERO, reset == RESET_SUBTRACT
    after_pos = np.select([zero, subtract], [0, v_int - cfg.thr], v_int)
    after_neg = np.select([zero, subtract], [0, v_int + cfg.thr], v_int)
    v_next = np.where(fire_pos, after_pos, np.where(fire_neg, after_neg, v_int))
    v_next = np.where(integrating, v_next, v)

    value = fire_pos.astype(np.int64) - fire_neg.astype(np.int64)
    ref_next = np.where(refractory, ref - 1,
                        np.where(fire_pos, cfg.pop_refractory[pop], ref))
    ref_next = np.where(is_neuron, ref_next, ref)
    new = dict(state, v=v_next, u=u_next, ref=ref_next, count=count + value)
    return new, value, over_u & is_neuron, over_v


def run_reference(cfg: HardwareConfig, stimulus: Stimulus | None, ticks: int,
                  probes=(), progress=None, plasticity=None) -> RunResult:
    """Run ``cfg`` for ``ticks`` ticks on ``stimulus``, densely.

    ``progress``: called as ``progress(ticks_done, ticks)`` after every tick.
    ``plasticity``: a :class:`neuroemu.plasticity.rule.Plan`; its steps 4 and 5
    (:mod:`neuroemu.plasticity`) follow step 3 and change the run's own weights.
    """
    start = time.perf_counter()
    n, n_cores = cfg.n_neurons, cfg.n_cores
    ring = cfg.max_delay + 1
    core = cfg.core_of
    pop = cfg.pop_of
    is_neuron = cfg.pop_model[pop] != MODEL_INPUT
    probes = np.asarray(probes, dtype=np.int64)
    input_start = int(cfg.pop_offset[cfg.pop_index(cfg.network.input)]) if cfg.network.input else 0

    state = {"v": cfg.v_init.copy(), "u": np.zeros(n, np.int64), "u2": np.zeros(n, np.int64),
             "ref": np.zeros(n, np.int64), "count": np.zeros(n, np.int64)}
    xylo = has_xylo(cfg)  # Xylo arithmetic: saturating delivery into the currents
    fired = np.zeros((ring, n), dtype=np.int64)  # spike values by tick modulo the ring
    counters = {k: np.zeros(n_cores, np.int64) for k in COUNTERS}
    per_tick = {k: np.zeros((ticks, n_cores), np.int64) for k in PER_TICK}
    v_sum = np.zeros(n, np.int64)
    probe_v = np.zeros((ticks, probes.size), np.int64)
    probe_u = np.zeros((ticks, probes.size), np.int64)
    probe_u2 = np.zeros((ticks, probes.size), np.int64)
    spikes = []
    first_overflow = None
    tracked = cfg.pop_track_mean[pop] == 1  # v is summed only where the readout needs it

    weights = cfg.syn_w.copy() if plasticity is not None else cfg.syn_w
    plastic = None
    if plasticity is not None:
        from ..plasticity.dense import DensePlasticity

        plastic = DensePlasticity(cfg, plasticity, ticks)
    for t in range(ticks):
        # 1. deliver what was fired d ticks ago through projections of delay d
        value = np.where(cfg.syn_delay <= t, fired[(t - cfg.syn_delay) % ring, cfg.syn_src], 0)
        live = value != 0
        acc = np.zeros(n, np.int64)
        np.add.at(acc, cfg.syn_tgt[live], weights[live] * value[live])
        target_core = core[cfg.syn_tgt[live]]
        ops = np.bincount(target_core, minlength=n_cores)
        # one packet per (spike, projection, target core)
        # (a 1-D key sorts as the (source, projection, core) rows would, and much faster)
        n_proj = max(len(cfg.network.projections), 1)
        key = np.unique((cfg.syn_src[live] * n_proj + cfg.syn_proj[live]) * n_cores
                        + target_core)
        packet = np.stack([key // (n_proj * n_cores), key // n_cores % n_proj, key % n_cores])
        packet_hops = cfg.hops(core[packet[0]], packet[2])
        counters["synaptic_ops"] += ops
        per_tick["synaptic_ops"][t] = ops
        counters["packets"] += np.bincount(packet[2], minlength=n_cores)
        counters["hops"] += np.bincount(packet[2], weights=packet_hops,
                                        minlength=n_cores).astype(np.int64)
        counters["chip_hops"] += np.bincount(
            packet[2], weights=cfg.chip_hops(core[packet[0]], packet[2]),
            minlength=n_cores).astype(np.int64)
        got = acc != 0
        if xylo:
            state, saturated = reference_xylo.deliver(cfg, state, fired[(t - 1) % ring] * (t > 0))
            got = np.bincount(cfg.syn_tgt[live], minlength=n) > 0

        # 2. populations due for a reset return to their initial state, then every neuron updates
        for p in cfg.resets_at(t):
            sl = slice(cfg.pop_offset[p], cfg.pop_offset[p + 1])
            state = {k: a.copy() for k, a in state.items()}
            state["v"][sl] = cfg.v_init[sl]
            state["u"][sl] = 0
            state["u2"][sl] = 0
            state["ref"][sl] = 0
            state["count"][sl] = 0
        old = state
        if xylo:
            state, out, over_u, over_v = reference_xylo.update(cfg, state, saturated)
        else:
            state, out, over_u, over_v = update_neurons(cfg, state, acc)
        changed = np.zeros(n, bool)
        for key in state:
            changed |= state[key] != old[key]
        updated = is_neuron & (got | (out != 0) | over_u | over_v | changed)
        upd = np.bincount(core[updated], minlength=n_cores)
        counters["neuron_updates"] += upd
        per_tick["neuron_updates"][t] = upd
        counters["overflow_u"] += np.bincount(core[over_u], minlength=n_cores)
        counters["overflow_v"] += np.bincount(core[over_v], minlength=n_cores)
        if first_overflow is None and (over_u.any() or over_v.any()):
            first = np.flatnonzero(over_u | over_v)[0]
            first_overflow = (t, int(first), 0 if over_u[first] else 1)

        # 3. input spikes of this tick join the neurons' spikes
        if stimulus is not None:
            now = stimulus.tick == t
            out[input_start + stimulus.channel[now]] = (
                reference_xylo.input_counts(cfg, stimulus.value[now]) if xylo
                else stimulus.value[now])
        fired[t % ring] = out
        who = np.flatnonzero(out)
        neurons = who[is_neuron[who]]  # input spikes are counted, not recorded
        spikes.append((np.full(neurons.size, t), neurons, out[neurons]))
        spk = np.bincount(core[who], minlength=n_cores)
        counters["spikes"] += spk
        per_tick["spikes"][t] = spk

        # 4., 5. traces, thresholds and (at an epoch's end) weights of a plastic run
        if plastic is not None:
            plastic.tick(t, out, weights)

        v_sum += np.where(tracked, state["v"], 0)
        probe_v[t] = state["v"][probes]
        probe_u[t] = state["u"][probes]
        probe_u2[t] = state["u2"][probes]
        if progress is not None:
            progress(t + 1, ticks)

    if plastic is not None:
        counters.update(plastic.counters)
        per_tick.update(plastic.per_tick)
    per_tick = {k: TickCounts.from_dense(a) for k, a in per_tick.items()}
    cat = (lambda i: np.concatenate([s[i] for s in spikes]).astype(np.int64)) if spikes else (
        lambda i: np.zeros(0, np.int64))
    return RunResult(
        config=cfg, ticks=ticks,
        spike_tick=cat(0), spike_neuron=cat(1), spike_value=cat(2),
        v=state["v"], u=state["u"], refractory=state["ref"], count=state["count"],
        v_sum=v_sum, counters=counters, per_tick=per_tick,
        probe_neurons=probes, probe_v=probe_v, probe_u=probe_u,
        u2=state["u2"], probe_u2=probe_u2,
        first_overflow=first_overflow, engine="reference",
        weights=weights.copy() if plastic is not None else None,
        wall_s=time.perf_counter() - start,
    )
