"""Counters x profile -> energy and latency: :func:`price`.

The kernels only count (synaptic accumulates, neuron updates, spikes, packets,
router hops, per core and per tick); this module turns a run's counts into
joules and seconds with a profile's ``[energy]`` and ``[latency]`` tables
(:mod:`.costs`), so a finished run can be priced again on another profile.

Energy, per core ``c`` (picojoules as in the profile, reported in joules)::

    synaptic_ops    syn[c]     x synaptic_op_pj     accumulates, counted on the target core
    synapse_reads   syn[c]     x synapse_read_pj    weight reads (0 when inside the op figure)
    neuron_updates  upd[c]     x neuron_update_pj   updates the engine counts
    neuron_idle     idle[c]    x neuron_idle_pj     'every_tick' chips: the core's other neurons,
                                                    every tick (neurons x ticks - upd)
    packets         packets[c] x packet_pj          one per spike, projection and target core
    hops            hops[c]    x hop_pj             router hops, counted on the target core
    static          static_w_per_core x chip time   each core holding neurons

A population's energy is the sum over its cores, so spike traffic is charged
to the population that receives it. Beside the profile's own figure the report
always gives the field's convention, ``synaptic_ops x E_AC`` (0.9 pJ, a 32-bit
float add at 45 nm, Horowitz 2014), and the same network priced as an ANN:
one MAC per synapse per inference, at the profile's ``ann_mac_pj`` plus its
``synapse_read_pj`` (None when the chip has no MAC figure) and at the
convention's E_MAC (4.6 pJ). Latency: :mod:`.latency`. NeuroBench metrics:
:mod:`.neurobench`. The keys of the returned dict are documented in
:mod:`neuroemu.reports`.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from .costs import load_costs
from .latency import (
    first_output_tick,
    idle_per_tick,
    neuron_core_mask,
    stable_decision,
    tick_seconds,
)
from .neurobench import neurobench_metrics

SCHEMA = "neuroemu-report"
SCHEMA_VERSION = 1
CATEGORIES = ("synaptic_ops", "synapse_reads", "neuron_updates", "neuron_idle", "packets",
              "hops", "static")
#: the profile price (``[energy]`` key) of each category
PRICE_KEY = {"synaptic_ops": "synaptic_op_pj", "synapse_reads": "synapse_read_pj",
             "neuron_updates": "neuron_update_pj", "neuron_idle": "neuron_idle_pj",
             "packets": "packet_pj", "hops": "hop_pj", "static": "static_w_per_core"}
PJ = 1e-12


def _counts(trace, costs) -> dict:
    """int64 arrays (C,) of the operations of each category (static: none)."""
    c = {k: np.asarray(trace.counters_by_core[k], dtype=np.int64) for k in
         ("synaptic_ops", "neuron_updates", "packets", "hops", "spikes")}
    return {
        "synaptic_ops": c["synaptic_ops"], "synapse_reads": c["synaptic_ops"],
        "neuron_updates": c["neuron_updates"],
        "neuron_idle": idle_per_tick(trace, costs.neuron_policy).sum(axis=0).astype(np.int64),
        "packets": c["packets"], "hops": c["hops"],
    }


def profile_sha256(profile) -> str:
    """SHA-256 of the profile's tables as canonical JSON: identifies the figures a report
    used, the same whether the profile came from its file or from a trace's copy of it."""
    text = json.dumps(profile.tables or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def energy_by_core(trace, costs, chip_time_s: float) -> dict:
    """Energy in joules of each category on each core: dict of float64 arrays (C,)."""
    counts = _counts(trace, costs)
    pj = costs.energy_pj
    out = {cat: counts[cat] * (pj[PRICE_KEY[cat]] * PJ) for cat in CATEGORIES if cat != "static"}
    out["static"] = np.where(neuron_core_mask(trace),
                             pj["static_w_per_core"] * chip_time_s, 0.0)
    return {cat: out[cat] for cat in CATEGORIES}


def price(trace, profile, network=None) -> dict:
    """Energy, latency and NeuroBench metrics of a finished run on ``profile``.

    Parameters
    ----------
    trace : neuroemu.results.Result
        The run (live, or read from its trace file).
    profile : neuroemu.hw.Profile
        Its file's ``[energy]`` and ``[latency]`` tables are used (see
        :mod:`neuroemu.energy.costs`); need not be the profile of the run.
    network : neuroemu.ir.Network, optional
        Only for connection sparsity (None: not computed, and a note says why,
        from the run's ``network_note``). Nothing here reads a file.

    Returns
    -------
    dict
        JSON-ready (plain ints, floats, strings, lists, dicts, None); the keys
        are documented in :mod:`neuroemu.reports` (``energy_j`` in joules,
        ``latency_s`` in seconds, ...).

    Raises
    ------
    ProfileError
        The profile's energy or latency tables are missing or malformed.
    """
    costs = load_costs(profile)
    notes = []
    names = list(trace.pop_names)
    n_pop = len(names)
    core_pop = np.asarray(trace.core_population, dtype=np.int64)

    sec, parts = tick_seconds(trace, costs)
    cum = np.cumsum(sec)
    latency_s = float(sec.sum())
    per_core = energy_by_core(trace, costs, latency_s)
    by_cat = {cat: float(per_core[cat].sum()) for cat in CATEGORIES}
    core_total = np.sum([per_core[cat] for cat in CATEGORIES], axis=0) if trace.n_cores else \
        np.zeros(0)
    energy_j = float(sum(by_cat.values()))

    by_pop_cat = {name: {} for name in names}
    for cat in CATEGORIES:
        per_pop = np.bincount(core_pop, weights=per_core[cat], minlength=n_pop)
        for i, name in enumerate(names):
            by_pop_cat[name][cat] = float(per_pop[i])
    by_pop = {name: float(sum(by_pop_cat[name].values())) for name in names}

    counts = _counts(trace, costs)
    ops_by_cat = {cat: int(counts[cat].sum()) for cat in counts}
    count_by_pop = {}
    for key in ("synaptic_ops", "neuron_updates", "spikes", "packets", "hops"):
        per = np.zeros(n_pop, np.int64)
        np.add.at(per, core_pop, np.asarray(trace.counters_by_core[key], np.int64))
        for i, name in enumerate(names):
            count_by_pop.setdefault(name, {})[key] = int(per[i])

    syn_ops = ops_by_cat["synaptic_ops"]
    spikes = np.asarray(trace.counters_by_core["spikes"], np.int64)
    neuron_cores = neuron_core_mask(trace)
    macs = int(np.asarray(trace.proj_synapses, np.int64).sum())
    ann_profile = None
    if costs.ann_mac_pj is not None:
        ann_profile = macs * (costs.ann_mac_pj + costs.energy_pj["synapse_read_pj"]) * PJ
    else:
        notes.append(f"profile {costs.profile!r} gives no MAC energy: no ANN figure of its own "
                     "(see ann_convention_energy_j)")

    first = first_output_tick(trace)
    t_star, decided = stable_decision(trace)
    if trace.readout_kind in ("last_membrane", "mean_membrane"):
        notes.append(f"readout {trace.readout_kind!r}: no time to a stable decision (the trace "
                     "does not hold the readout's membrane over time)")

    if network is None:
        why = getattr(trace, "network_note", "") or "the network was not given"
        notes.append(f"connection sparsity not computed: {why}")
    nb = neurobench_metrics(trace, profile, network)
    if (trace.settings or {}).get("binning") == "count" and int(spikes[~neuron_cores].sum()):
        notes.append("input spikes carrying an event count are counted as accumulates "
                     "(NeuroBench would count a non-binary input as a MAC)")
    if costs.scope == "all-in chip average":
        notes.append(f"{costs.profile}: the synaptic-event figure is an all-in chip average "
                     "(memory, routing, neuron updates and leakage included), so the other "
                     "operations are priced at 0")
    elif costs.scope == "per-operation minimum":
        notes.append(f"{costs.profile}: per-operation minima ({costs.evidence}); a chip spends at "
                     "least this, static power excluded unless the profile sets it")

    if costs.profile != trace.profile_name:
        notes.append(f"priced on {costs.profile!r} with the run's mapping on "
                     f"{trace.profile_name!r}: cores, packets and hops are those of that "
                     "placement")

    dominant_cat = max(CATEGORIES, key=lambda c: by_cat[c]) if energy_j > 0 else None
    dominant_pop = max(names, key=lambda n: by_pop[n]) if energy_j > 0 and names else None
    ticks = int(trace.ticks)
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION,
        "network": trace.network_name, "profile": costs.profile,
        "profile_description": getattr(profile, "description", ""),
        "profile_sha256": profile_sha256(profile), "run_profile": trace.profile_name,
        "engine": trace.engine, "ticks": ticks, "tick_us": float(trace.tick_us),
        "cores": int(trace.n_cores),
        "evidence": costs.evidence, "scope": costs.scope, "neuron_policy": costs.neuron_policy,
        "latency_mode": costs.latency_mode,
        "energy_j": energy_j,
        "energy_by_category_j": by_cat,
        "energy_by_population_j": by_pop,
        "energy_by_population_category_j": by_pop_cat,
        "energy_by_core_j": [float(x) for x in core_total],
        "dominant_category": dominant_cat, "dominant_population": dominant_pop,
        "operations_by_category": {**ops_by_cat, "static": None},
        "price_by_category": {cat: costs.energy_pj[PRICE_KEY[cat]] for cat in CATEGORIES},
        "convention_energy_j": syn_ops * costs.convention_ac_pj * PJ,
        "convention_ac_pj": costs.convention_ac_pj, "convention_mac_pj": costs.convention_mac_pj,
        "ann_macs": macs, "ann_mac_pj": costs.ann_mac_pj,
        "ann_equivalent_energy_j": ann_profile,
        "ann_convention_energy_j": macs * costs.convention_mac_pj * PJ,
        "latency_s": latency_s,
        "real_time_s": ticks * float(trace.tick_us) * 1e-6,
        "tick_s": {"mean": float(sec.mean()) if ticks else 0.0,
                   "min": float(sec.min()) if ticks else 0.0,
                   "max": float(sec.max()) if ticks else 0.0},
        "latency_parts_s": parts,
        "first_output_tick": first,
        "time_to_first_output_s": None if first is None else float(cum[first]),
        "decision_tick": t_star, "decision_class": decided,
        "time_to_decision_s": None if t_star is None else float(cum[t_star]),
        "readout_kind": trace.readout_kind, "readout_population": trace.readout_population,
        "readout_class": trace.readout_class,
        "synaptic_ops": syn_ops,
        "neuron_updates": ops_by_cat["neuron_updates"],
        "neuron_idle_updates": ops_by_cat["neuron_idle"],
        "spikes": int(spikes.sum()),
        "neuron_spikes": int(spikes[neuron_cores].sum()),
        "input_spikes": int(spikes[~neuron_cores].sum()),
        "packets": ops_by_cat["packets"], "hops": ops_by_cat["hops"],
        "overflows": int(np.asarray(trace.counters_by_core["overflow_v"]).sum()
                         + np.asarray(trace.counters_by_core["overflow_u"]).sum()),
        "counts_by_population": count_by_pop,
        **nb,
        "latency_ns": dict(costs.latency_ns),
        "sources": dict(costs.sources),
        "notes": notes,
    }
