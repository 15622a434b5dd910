"""Running many input trains through constructions in one emulator run.

A construction is small (a handful of neurons) and a train short (a few
ticks), so one ``simulate`` call per train would spend its time in set-up.
Instead:

1. each construction is mapped once onto the profile (``map_network``), which
   gives its register values: thresholds, 12-bit decays, weight mantissas and
   exponents — the quantization of the single construction, exactly what a
   user mapping it alone would get;
2. an integer network holds ``B`` independent copies of every construction
   side by side (copy ``b`` of a population's neuron ``k`` is neuron
   ``b * size + k``; copy ``b``'s input channel ``c`` is ``b * n_inputs + c``,
   after the channels of the constructions before it), with the same register
   values and the same projections (same delays and weight exponents);
3. each copy runs ``L`` trains one after another in slots of
   ``T + depth`` ticks, where ``depth`` is the longest input-to-output path
   delay: a train's last spike has reached the output before the slot ends,
   and every population's ``reset_interval`` (the slot) returns all registers
   to their initial state at the start of the next slot;
4. the output neuron of copy ``b`` in slot ``l`` gives train ``l * B + b``'s output.

The batched network is mapped onto a profile with the same register widths,
rounding and overflow rules but cores large enough to hold it; core limits
only affect the counters, never the arithmetic. Copies share no synapse and
slots share no state, so every train's output is the one a run of that train
alone gives (tests check this against single runs and the reference engine).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from ..engine import simulate
from ..errors import NetworkError
from ..hw.fixed import ONE, ROUNDINGS, mul_frac
from ..hw.profile import Profile, load_profile
from ..inputs.stimulus import Stimulus
from ..ir import Network, Population, neuron, projection, synapses
from ..ir.graph import population_graph
from ..mapping import HardwareConfig, map_network
from ..mapping.codes import MODEL_CUBA
from .circuit import INPUT, OUTPUT, Construction

NEURON_BUDGET = 1 << 16  # neurons per batched run
WORK_BUDGET = 1 << 24  # neuron-ticks per batched run (bounds the spike record's memory)


def input_output_depth(net: Network) -> int:
    """Longest total delay from the input population to ``'out'`` (0 if unconnected).

    Raises :class:`NetworkError` when the population graph has a loop.
    """
    import networkx as nx

    g = population_graph(net)
    if not nx.is_directed_acyclic_graph(g):
        raise NetworkError(f"network {net.name!r}: the population graph has a loop")
    longest = {INPUT: 0}
    for node in nx.topological_sort(g):
        if node not in longest:
            continue
        for _, nxt, delay in g.out_edges(node, data="delay"):
            longest[nxt] = max(longest.get(nxt, 0), longest[node] + delay)
    return int(longest.get(OUTPUT, 0))


def batch_profile(profile: Profile) -> Profile:
    """``profile``'s arithmetic with cores large enough for any batch."""
    return profile.with_registers(neurons_per_core=1 << 40, axons_per_core=1 << 40,
                                  synapse_memory_bits=1 << 62, mesh_width=256, mesh_height=256)


def map_single(con: Construction, profile: Profile | str, scale=None) -> HardwareConfig:
    """Map one copy of ``con`` (raises MappingError when it does not fit)."""
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    return map_network(con.net, profile, scale=scale)


def _settings(pop: Population, q) -> tuple:
    n = pop.neuron
    return (n.model, n.reset, n.fire_on, q.v_min[pop.name], n.refractory, n.signed,
            q.neg_threshold[pop.name], n.max_count)


def batched_network(cfgs: list[HardwareConfig], copies: int, reset_interval: int):
    """One integer network with ``copies`` copies of each mapped construction.

    Returns
    -------
    net : Network
    in_base : list of int
        First input channel of each construction's copies.
    out_base : list of int
        First neuron of each construction's copies in population ``'out'``.
    bases : list of dict
        Per construction, the first neuron of its copies in each batched population.
    """
    pools: dict[str, dict] = {}
    order: list[str] = []
    in_base, out_base, bases = [], [], []
    n_in_total = 0
    proj_parts: dict[tuple, list] = {}
    for cfg in cfgs:
        net, q = cfg.network, cfg.quantization
        base = {}
        for pop in net.populations:
            if pop.is_input:
                in_base.append(n_in_total)
                base[pop.name] = n_in_total
                n_in_total += copies * pop.size
                continue
            if pop.neuron.reset_interval:
                raise NetworkError(f"population {pop.name!r} of {net.name!r} has its own "
                                   "reset_interval; it cannot be batched")
            sl = cfg.neurons_of(pop.name)
            settings = _settings(pop, q)
            if pop.name not in pools:
                pools[pop.name] = {"settings": settings, "size": 0,
                                   **{k: [] for k in ("thr", "bias", "v_init", "leak", "mul_v",
                                                      "mul_u", "mul_k")}}
                order.append(pop.name)
            pool = pools[pop.name]
            if pool["settings"] != settings:
                raise NetworkError(f"population {pop.name!r}: constructions disagree on its "
                                   "neuron settings; they cannot share a batch")
            base[pop.name] = pool["size"]
            if pop.name == OUTPUT:
                out_base.append(pool["size"])
            for key in ("thr", "bias", "v_init", "leak", "mul_v", "mul_u", "mul_k"):
                pool[key].append(np.tile(getattr(q, key)[sl], copies))
            pool["size"] += copies * pop.size
        bases.append(dict(base))
        for proj in net.projections:
            sp, tp = net.population(proj.source), net.population(proj.target)
            mant, exp = q.weights[proj.name]
            s, t, w = synapses(replace(proj, weight=mant), sp, tp)
            b = np.arange(copies, dtype=np.int64)[:, None]
            src = (base[sp.name] + b * sp.size + s[None, :]).reshape(-1)
            tgt = (base[tp.name] + b * tp.size + t[None, :]).reshape(-1)
            key = (sp.name, tp.name, proj.delay, exp)
            proj_parts.setdefault(key, []).append((src, tgt, np.tile(w, copies)))
    populations = [Population(INPUT, (n_in_total,), None)]
    for name in order:
        pool = pools[name]
        model, reset, fire_on, v_min, refr, signed, neg_thr, max_count = pool["settings"]
        cat = {k: np.concatenate(pool[k]) for k in ("thr", "bias", "v_init", "leak", "mul_v",
                                                   "mul_u", "mul_k")}
        populations.append(Population(name, (pool["size"],), neuron(
            model, pool["size"], threshold=cat["thr"], bias=cat["bias"], v_init=cat["v_init"],
            leak=cat["leak"], decay_v=(ONE - cat["mul_v"]) / ONE,
            decay_u=(ONE - cat["mul_u"]) / ONE if model == "cuba" else 0.0,
            scale_k=cat["mul_k"] / ONE if model == "klif" else 1.0, reset=reset,
            fire_on=fire_on, v_min=v_min, refractory=refr, signed=signed,
            neg_threshold=neg_thr, max_count=max_count, reset_interval=reset_interval,
            where=f"batched population {name!r}")))
    projections = []
    for (sp, tp, delay, exp), parts in proj_parts.items():
        src, tgt, w = (np.concatenate([p[i] for p in parts]) for i in range(3))
        projections.append(projection(f"{sp}->{tp}@{delay}e{exp}", sp, tp, "sparse", w,
                                      src=src, tgt=tgt, delay=delay, weight_exp=exp))
    net = Network("batch", tuple(populations), tuple(projections), input=INPUT)
    return net, in_base, out_base, bases


@dataclass
class BatchRun:
    """Outputs of a batched run: ``outputs[i]`` is bool (N, T + delay_i) for construction i.

    ``states[i]`` (when asked for with ``state_at``) is int64 (N, K): per train,
    the registers ``v`` and ``u`` of every neuron of construction i after tick
    ``state_at`` as the next tick will read them (decayed: ``v * mul_v / 4096``
    rounded, ``u`` likewise for current-based neurons, else 0), then one 0/1
    entry per neuron and tick ``state_at - D + 1 .. state_at`` (``D`` the
    longest projection delay) saying whether the neuron fired then and the
    spike is still in flight (0 for ticks older than the neuron's longest
    outgoing delay): with the input spikes still in flight, everything the
    chip's future depends on.
    """

    outputs: list
    ticks: int
    runs: int
    overflows: int
    seconds: float
    states: list | None = None


def max_delay(net: Network) -> int:
    """Longest projection delay of ``net`` (1 without projections)."""
    return max((p.delay for p in net.projections), default=1)


def out_delays(net: Network) -> dict:
    """Per population, each neuron's longest outgoing delay (0: no nonzero synapse out).

    A spike fired at tick ``s`` is still in flight after tick ``k`` only while
    ``s + delay > k``: this bounds how much of a neuron's spike history is state.
    """
    out = {p.name: np.zeros(p.size, dtype=np.int64) for p in net.populations}
    for proj in net.projections:
        sp, tp = net.population(proj.source), net.population(proj.target)
        s, _, w = synapses(proj, sp, tp)
        np.maximum.at(out[sp.name], s[w != 0], proj.delay)
    return out


def channel_delays(net: Network, channels) -> int | None:
    """The total delays of the paths from input ``channels`` to ``'out'``, as a bit mask.

    Bit ``k`` is set when some path of nonzero synapses from one of the input
    population's ``channels`` reaches an output neuron with total delay ``k``;
    neuron by neuron, populations in topological order. None when a path is
    longer than 62 ticks or the population graph has a loop.
    """
    import networkx as nx

    g = population_graph(net)
    if not nx.is_directed_acyclic_graph(g):
        return None
    masks = {p.name: np.zeros(p.size, dtype=np.int64) for p in net.populations}
    masks[INPUT][np.asarray(list(channels), dtype=np.int64)] = 1
    by_source: dict = {}
    for proj in net.projections:
        by_source.setdefault(proj.source, []).append(proj)
    for name in nx.topological_sort(g):
        for proj in by_source.get(name, ()):
            sp, tp = net.population(proj.source), net.population(proj.target)
            s, t, w = synapses(proj, sp, tp)
            keep = w != 0
            m = masks[name][s[keep]]
            if np.any(m >> (62 - proj.delay)):
                return None
            np.bitwise_or.at(masks[tp.name], t[keep], m << proj.delay)
    out = 0
    for v in masks.get(OUTPUT, np.zeros(0, np.int64)).tolist():
        out |= int(v)
    return out


def run_trains(cons: list[Construction], cfgs: list[HardwareConfig], x: np.ndarray, *,
               engine: str = "event", neuron_budget: int = NEURON_BUDGET,
               work_budget: int = WORK_BUDGET, copies: int | None = None,
               state_at: int | None = None) -> BatchRun:
    """Run every train of ``x`` through every construction; return the output trains.

    Parameters
    ----------
    cons, cfgs : lists of equal length
        Constructions and their single-copy mapped configurations (same ``d``).
    x : bool array (N, d, T)
        Input trains; a construction with a clock gets its clock channel on at
        every instant 0..T-1.
    copies : int, optional
        Copies per construction side by side (default: as many as fit the budget).
    state_at : int, optional
        Also return every train's chip state after this tick (:class:`BatchRun`).

    Returns
    -------
    BatchRun
        ``outputs[i][n, t]`` is construction i's output neuron at tick ``t`` of
        train n's slot, for ``t < T + delay_i``.
    """
    start = time.perf_counter()
    x = np.asarray(x, dtype=bool)
    n_trains, d, n_t = x.shape
    if any(con.d != d for con in cons):
        raise NetworkError(f"run_trains: trains have {d} inputs, constructions "
                           f"{sorted({con.d for con in cons})}")
    depth = max(input_output_depth(cfg.network) for cfg in cfgs)
    slot = n_t + max(depth, max(con.delay for con in cons))
    per_copy = sum(cfg.n_neurons for cfg in cfgs)
    if copies is None:
        copies = max(1, min(n_trains, neuron_budget // max(per_copy, 1)))
    if state_at is not None:  # every neuron is probed on every tick: a smaller budget
        work_budget = min(work_budget, 1 << 21)
        copies = max(1, min(copies, work_budget // (slot * max(per_copy, 1))))
    slots = max(1, min(math.ceil(n_trains / copies),
                       work_budget // (slot * copies * max(per_copy, 1))))
    states = None
    if state_at is not None:
        hist = [max_delay(cfg.network) for cfg in cfgs]
        states = [np.zeros((n_trains, _units(cfg) * (2 + h)), dtype=np.int64)
                  for cfg, h in zip(cfgs, hist)]
    prof = batch_profile(cfgs[0].profile)
    outputs = [np.zeros((n_trains, n_t + con.delay), dtype=bool) for con in cons]
    cache: dict = {}
    ticks = runs = overflows = 0
    for first in range(0, n_trains, copies * slots):
        count = min(copies * slots, n_trains - first)
        n_slots = math.ceil(count / copies)
        key = (n_slots > 1,)
        if key not in cache:
            net, in_base, out_base, bases = batched_network(cfgs, copies,
                                                            slot if n_slots > 1 else 0)
            cache[key] = (map_network(net, prof), in_base, out_base, bases)
        cfg_b, in_base, out_base, bases = cache[key]
        xb = np.zeros((n_slots * copies, d, n_t), dtype=bool)
        xb[:count] = x[first:first + count]
        xb = xb.reshape(n_slots, copies, d, n_t).transpose(0, 3, 1, 2)  # (L, T, B, d)
        channels = []
        for con in cons:
            part = np.zeros((n_slots, n_t, copies, con.n_inputs), dtype=bool)
            part[..., :d] = xb
            if con.clock:
                part[..., d] = True
            channels.append(part.reshape(n_slots, n_t, copies * con.n_inputs))
        grid = np.zeros((n_slots, slot, sum(c.shape[-1] for c in channels)), dtype=bool)
        grid[:, :n_t] = np.concatenate(channels, axis=-1)
        n_ch = grid.shape[-1]
        flat = np.flatnonzero(grid.reshape(-1))
        stim = Stimulus(tick=flat // n_ch, channel=flat % n_ch,
                        value=np.ones(flat.size, np.int64), n_channels=n_ch)
        total = n_slots * slot
        probes = (_state_probes(cfgs, cfg_b, bases, copies) if state_at is not None
                  else np.zeros(0, np.int64))
        res = simulate(cfg_b, stim, total, engine=engine, probes=probes)
        if state_at is not None:
            _collect_states(states, hist, cfgs, cfg_b, bases, res, probes, copies, n_slots,
                            slot, first, count, state_at)
        ticks += total
        runs += 1
        overflows += res.total("overflow_v") + res.total("overflow_u")
        tick, who, _ = res.spikes_of(OUTPUT)
        for i, con in enumerate(cons):
            lo = out_base[i]
            mine = (who >= lo) & (who < lo + copies)
            t_i, b_i = tick[mine], who[mine] - lo
            train = (t_i // slot) * copies + b_i
            tau = t_i % slot
            keep = (train < count) & (tau < n_t + con.delay)
            outputs[i][first + train[keep], tau[keep]] = True
    return BatchRun(outputs=outputs, ticks=ticks, runs=runs, overflows=overflows,
                    seconds=time.perf_counter() - start, states=states)


def _units(cfg: HardwareConfig) -> int:
    """Neurons of a mapped construction, its input channels not counted."""
    return sum(p.size for p in cfg.network.populations if not p.is_input)


def _state_probes(cfgs, cfg_b, bases, copies) -> np.ndarray:
    """Global neuron indices in the batch, ordered (construction, copy, its neuron)."""
    out = []
    for cfg, base in zip(cfgs, bases):
        for b in range(copies):
            for pop in cfg.network.populations:
                if pop.is_input:
                    continue
                start = cfg_b.neurons_of(pop.name).start + base[pop.name] + b * pop.size
                out.append(np.arange(start, start + pop.size, dtype=np.int64))
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def _collect_states(states, hist, cfgs, cfg_b, bases, res, probes, copies, n_slots, slot,
                    first, count, state_at) -> None:
    """Fill ``states`` for trains ``first .. first + count - 1`` from one batched run."""
    ticks = np.arange(n_slots) * slot + state_at  # (L,) the state tick of each slot
    owner = np.full(int(cfg_b.n_neurons), -1, dtype=np.int64)
    owner[probes] = np.arange(probes.size)
    spike_tick, spike_who = res.spike_tick, res.spike_neuron
    outs = [out_delays(cfg.network) for cfg in cfgs]
    col = 0
    for i, cfg in enumerate(cfgs):
        n = _units(cfg)
        h = hist[i]
        block = slice(col, col + copies * n)
        col += copies * n
        # the next tick reads v (and u) only through the decay: the decayed values are the
        # state (two states with the same decayed registers behave the same from then on)
        sl = [cfg.neurons_of(p.name) for p in cfg.network.populations if not p.is_input]
        mul_v = np.concatenate([cfg.mul_v[s] for s in sl])
        mul_u = np.concatenate([np.where(cfg.pop_model[cfg.pop_of[s]] == MODEL_CUBA,
                                         cfg.mul_u[s], 0) for s in sl])
        rounding = ROUNDINGS[cfg.profile.rounding]
        v = mul_frac(res.probe_v[ticks][:, block].reshape(n_slots, copies, n), mul_v, rounding)
        u = mul_frac(res.probe_u[ticks][:, block].reshape(n_slots, copies, n), mul_u, rounding)
        spk = np.zeros((n_slots, copies, n, h), dtype=np.int64)
        rel = spike_tick - (ticks[np.minimum(spike_tick // slot, n_slots - 1)] - h + 1)
        slot_of = spike_tick // slot
        pos = owner[spike_who]
        mine = (pos >= block.start) & (pos < block.stop) & (rel >= 0) & (rel < h)
        local = pos[mine] - block.start
        spk[slot_of[mine], local // n, local % n, rel[mine]] = 1
        longest = np.concatenate([outs[i][p.name] for p in cfg.network.populations
                                  if not p.is_input])
        spk *= np.arange(h)[None, None, None, :] > (h - 1 - longest)[None, None, :, None]
        flat = np.concatenate([v, u, spk.reshape(n_slots, copies, n * h)], axis=-1)
        flat = flat.reshape(n_slots * copies, -1)[:count]
        states[i][first:first + count] = flat
