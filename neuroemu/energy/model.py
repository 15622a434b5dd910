"""Counters x profile -> energy and latency: :func:`price`.

The kernels only count (synaptic accumulates, neuron updates, spikes, packets,
router hops, per core and per tick); this module turns a run's counts into
joules and seconds with a profile's ``[energy]`` and ``[latency]`` tables
(:mod:`.costs`), so a finished run can be priced again on another profile.

Energy comes in three levels, never one unlabelled figure (:data:`LEVELS`):

``operations`` (the cores' operations only), per core ``c``::

    synaptic_ops    syn[c]     x synaptic_op_pj     accumulates, counted on the target core
    synapse_reads   syn[c]     x synapse_read_pj    weight reads (0 when inside the op figure)
    neuron_updates  upd[c]     x neuron_update_pj   updates the engine counts
    neuron_idle     idle[c]    x neuron_idle_pj     'every_tick' chips: the core's other neurons,
                                                    every tick (neurons x ticks - upd)
    packets         packets[c] x packet_pj          one per spike, projection and target core
    hops            hops[c]    x hop_pj             router hops between tiles, on the target core

``dynamic`` (the chip's dynamic energy): operations, plus the chip's per-tick
and I/O costs::

    tick        ticks            x tick_pj          barrier sync, management cores' step work
    management  chip time        x management_w     management cores active while it runs
    input_io    injected spikes  x input_spike_pj   host I/O into the input population
    output_io   read-out spikes  x output_spike_pj  host I/O from the readout population

``total``: dynamic plus static power over the run::

    static          chip time x (static_w + static_w_per_core x cores holding neurons)

Every level is given for the run and per inference (the run divided by the
number of inferences it holds, 1 unless told). Chip time is the latency model's
(:mod:`.latency`), whose tick includes the per-tick costs too. A population's
energy (``energy_by_population_j``) is its cores' operations and their own
leakage, so spike traffic is charged to the population that receives it; the
chip-wide terms are in ``energy_chip_j``.

Beside the profile's own figures the report gives the field's convention,
``synaptic_ops x E_AC`` (0.9 pJ, a 32-bit float add at 45 nm, Horowitz 2014),
and the same network as an ANN: one forward pass over the logical network's
connections (:mod:`.neurobench`'s dense operations per time step) at the
profile's ``ann_mac_pj`` plus its ``synapse_read_pj`` (None when the chip has
no MAC figure) and at the convention's E_MAC (4.6 pJ). That is one inference of
the ANN, set beside the SNN's energy per inference. The keys of the returned
dict are documented in :mod:`neuroemu.reports`.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

from .costs import load_costs
from .latency import (
    core_work,
    first_output_tick,
    idle_by_core,
    io_spikes_per_tick,
    neuron_core_mask,
    stable_decision,
    tick_seconds,
)
from .neurobench import neurobench_metrics

SCHEMA = "neuroemu-report"
SCHEMA_VERSION = 1
#: the cores' operations (level 'operations')
OPERATION_CATEGORIES = ("synaptic_ops", "synapse_reads", "neuron_updates", "neuron_idle",
                        "packets", "hops", "chip_hops", "weight_updates")
#: the chip's per-tick and I/O costs (added at level 'dynamic')
CHIP_CATEGORIES = ("tick", "management", "input_io", "output_io")
CATEGORIES = (*OPERATION_CATEGORIES, *CHIP_CATEGORIES, "static")
LEVELS = ("operations", "dynamic", "total")
#: the level at which each category first counts
LEVEL_OF_CATEGORY = {**{c: "operations" for c in OPERATION_CATEGORIES},
                     **{c: "dynamic" for c in CHIP_CATEGORIES}, "static": "total"}
#: the profile price (``[energy]`` key) of each category; static has two (chip, per core)
PRICE_KEY = {"synaptic_ops": "synaptic_op_pj", "synapse_reads": "synapse_read_pj",
             "neuron_updates": "neuron_update_pj", "neuron_idle": "neuron_idle_pj",
             "packets": "packet_pj", "hops": "hop_pj", "chip_hops": "chip_hop_pj",
             "weight_updates": "synaptic_update_pj",
             "tick": "tick_pj",
             "management": "management_w", "input_io": "input_spike_pj",
             "output_io": "output_spike_pj", "static": "static_w"}
#: what one unit of each category is (for the tables)
PRICE_UNIT = {**{c: "pJ" for c in CATEGORIES}, "management": "W", "static": "W"}
PJ = 1e-12


def _counts(trace, costs) -> dict:
    """int64 arrays (C,) of the cores' operations of each operation category."""
    c = {k: np.asarray(trace.counters_by_core[k], dtype=np.int64) for k in
         ("synaptic_ops", "neuron_updates", "packets", "hops", "spikes")}
    return {
        "synaptic_ops": c["synaptic_ops"], "synapse_reads": c["synaptic_ops"],
        "neuron_updates": c["neuron_updates"],
        "neuron_idle": idle_by_core(trace, costs.neuron_policy),
        "packets": c["packets"], "hops": c["hops"],
        **{k: np.asarray(trace.counters_by_core.get(k, np.zeros_like(c["hops"])),
                         dtype=np.int64) for k in ("chip_hops", "weight_updates")},
    }


def _price(costs, cat: str) -> float:
    key = PRICE_KEY[cat]
    return float(costs.energy_pj[key] if key in costs.energy_pj else costs.chip[key])


def profile_sha256(profile) -> str:
    """SHA-256 of the profile's tables as canonical JSON: identifies the figures a report
    used, the same whether the profile came from its file or from a trace's copy of it."""
    text = json.dumps(profile.tables or {}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def energy_by_core(trace, costs, chip_time_s: float) -> dict:
    """Joules of each operation category, and of each core's own leakage ('static':
    ``static_w_per_core`` x chip time on cores holding neurons), on each core:
    dict of float64 arrays (C,)."""
    counts = _counts(trace, costs)
    out = {cat: counts[cat] * (_price(costs, cat) * PJ) for cat in OPERATION_CATEGORIES}
    out["static"] = np.where(neuron_core_mask(trace),
                             costs.energy_pj["static_w_per_core"] * chip_time_s, 0.0)
    return out


def chip_energy(trace, costs, chip_time_s: float) -> tuple[dict, dict]:
    """Joules of the chip-wide terms ({'tick', 'management', 'input_io', 'output_io',
    'static'}; 'static' is ``static_w`` x chip time) and their counts."""
    injected, read = io_spikes_per_tick(trace)
    chip = costs.chip
    counts = {"tick": int(trace.ticks), "management": None, "input_io": int(injected.sum()),
              "output_io": int(read.sum()), "static": None}
    energy = {"tick": counts["tick"] * chip.get("tick_pj", 0.0) * PJ,
              "management": chip.get("management_w", 0.0) * chip_time_s,
              "input_io": counts["input_io"] * chip.get("input_spike_pj", 0.0) * PJ,
              "output_io": counts["output_io"] * chip.get("output_spike_pj", 0.0) * PJ,
              "static": chip.get("static_w", 0.0) * chip_time_s}
    return energy, counts


def levels(by_category: dict) -> dict:
    """{'operations', 'dynamic', 'total'} joules from joules by category."""
    ops = float(sum(by_category[c] for c in OPERATION_CATEGORIES))
    dyn = ops + float(sum(by_category[c] for c in CHIP_CATEGORIES))
    return {"operations": ops, "dynamic": dyn, "total": dyn + float(by_category["static"])}


def price(trace, profile, network=None, inferences: int = 1) -> dict:
    """Energy, latency and NeuroBench metrics of a finished run on ``profile``.

    Parameters
    ----------
    trace : neuroemu.results.Result
        The run (live, or read from its trace file).
    profile : neuroemu.hw.Profile
        Its file's ``[energy]`` and ``[latency]`` tables are used (see
        :mod:`neuroemu.energy.costs`); need not be the profile of the run.
    network : neuroemu.ir.Network, optional
        For NeuroBench's metrics on the logical network and connection sparsity
        (None: computed on the chip's mapping, and a note says why, from the run's
        ``network_note``). Nothing here reads a file.
    inferences : int
        Inferences the run holds (>= 1): the per-inference figures are the run's
        divided by it.

    Returns
    -------
    dict
        JSON-ready (plain ints, floats, strings, lists, dicts, None); the keys
        are documented in :mod:`neuroemu.reports` (``energy_j`` the total in joules,
        ``energy_levels_j``, ``latency_s`` in seconds, ...).

    Raises
    ------
    ProfileError
        The profile's energy or latency tables are missing or malformed, or the run
        adapted weights and the profile has no on-chip learning.
    NeuroemuError
        ``inferences`` is not a whole number >= 1.
    """
    from ..errors import NeuroemuError, ProfileError

    if isinstance(inferences, bool) or int(inferences) != inferences or inferences < 1:
        raise NeuroemuError(f"inferences = {inferences!r}: expected a whole number >= 1 (the "
                            "inferences the run holds)")
    inferences = int(inferences)
    costs = load_costs(profile)
    learned = int(np.asarray(trace.counters_by_core.get("weight_updates", 0)).sum())
    if learned and not costs.chip.get("learning"):
        raise ProfileError(f"profile {costs.profile!r} has no on-chip learning (no [energy] "
                           f"synaptic_update_pj): it cannot price the {learned} weight updates "
                           "of this plastic run")
    notes = []
    names = list(trace.pop_names)
    n_pop = len(names)
    core_pop = np.asarray(trace.core_population, dtype=np.int64)

    work = core_work(trace, costs) if costs.latency_mode == "per_tick_work" else None
    sec, parts = tick_seconds(trace, costs, work)
    cum = np.cumsum(sec)
    latency_s = float(sec.sum())
    per_core = energy_by_core(trace, costs, latency_s)
    chip_j, chip_counts = chip_energy(trace, costs, latency_s)
    by_cat = {cat: float(per_core[cat].sum()) for cat in OPERATION_CATEGORIES}
    by_cat.update({cat: chip_j[cat] for cat in CHIP_CATEGORIES})
    by_cat["static"] = float(per_core["static"].sum()) + chip_j["static"]
    level_j = levels(by_cat)
    energy_j = level_j["total"]
    core_cats = (*OPERATION_CATEGORIES, "static")
    core_total = np.sum([per_core[cat] for cat in core_cats], axis=0) if trace.n_cores else \
        np.zeros(0)

    by_pop_cat = {name: {cat: 0.0 for cat in CATEGORIES} for name in names}
    for cat in core_cats:
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

    first = first_output_tick(trace)
    t_star, decided = stable_decision(trace)
    if trace.readout_kind in ("last_membrane", "mean_membrane"):
        notes.append(f"readout {trace.readout_kind!r}: no time to a stable decision (the trace "
                     "does not hold the readout's membrane over time)")

    if network is None:
        why = getattr(trace, "network_note", "") or "the network was not given"
        notes.append(f"connection sparsity not computed: {why}")
    nb, nb_notes = neurobench_metrics(trace, profile, network)
    notes.extend(nb_notes)
    macs = int(nb["dense_synaptic_ops_per_tick"])
    ann_profile = None
    if costs.ann_mac_pj is not None:
        ann_profile = macs * (costs.ann_mac_pj + costs.energy_pj["synapse_read_pj"]) * PJ
    else:
        notes.append(f"profile {costs.profile!r} gives no MAC energy: no ANN figure of its own "
                     "(see ann_convention_energy_j)")
    if costs.scope == "all-in chip average":
        notes.append(f"{costs.profile}: the synaptic-event figure is an all-in chip average "
                     "(memory, routing, neuron updates and leakage included), so the other "
                     "operations are priced at 0")
    elif costs.scope == "chip floor and marginal per event":
        notes.append(f"{costs.profile}: the synaptic-event figure is the chip's marginal energy "
                     "per event and static_w its rate-independent floor (leakage and per-tick "
                     "work together, level 'total'), both fitted on measured chip power; the "
                     "other operations are priced at 0, being inside one of the two")
    elif costs.scope == "per-operation minimum":
        notes.append(f"{costs.profile}: per-operation minima ({costs.evidence}) for the cores' "
                     "operations; a chip spends at least this")
    if costs.chip_missing:
        notes.append(f"{costs.profile}: no whole-chip figure for "
                     f"{', '.join(costs.chip_missing)} (priced at 0): the dynamic and total "
                     "levels leave that out")

    if costs.profile != trace.profile_name:
        notes.append(f"priced on {costs.profile!r} with the run's mapping on "
                     f"{trace.profile_name!r}: cores, packets and hops are those of that "
                     "placement")

    dominant_cat = max(CATEGORIES, key=lambda c: by_cat[c]) if energy_j > 0 else None
    core_energy = sum(by_pop.values())
    dominant_pop = max(names, key=lambda n: by_pop[n]) if core_energy > 0 and names else None
    ticks = int(trace.ticks)
    static_price = {"static_w": costs.chip.get("static_w", 0.0),
                    "static_w_per_core": costs.energy_pj["static_w_per_core"]}
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
        "energy_levels_j": level_j,
        "inferences": inferences,
        "energy_per_inference_j": {k: v / inferences for k, v in level_j.items()},
        "latency_per_inference_s": latency_s / inferences,
        "level_of_category": dict(LEVEL_OF_CATEGORY),
        "energy_by_category_j": by_cat,
        "energy_chip_j": {k: float(v) for k, v in chip_j.items()},
        "energy_by_population_j": by_pop,
        "energy_by_population_category_j": by_pop_cat,
        "energy_by_core_j": [float(x) for x in core_total],
        "dominant_category": dominant_cat, "dominant_population": dominant_pop,
        "operations_by_category": {**ops_by_cat, **{k: chip_counts[k] for k in CHIP_CATEGORIES},
                                   "static": None},
        "price_by_category": {cat: _price(costs, cat) for cat in CATEGORIES},
        "static_price_w": static_price,
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
        "busy_s_by_core": (None if work is None else [float(x) for x in work[1] * 1e-9]),
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
        "chip_hops": ops_by_cat["chip_hops"],
        "overflows": int(np.asarray(trace.counters_by_core["overflow_v"]).sum()
                         + np.asarray(trace.counters_by_core["overflow_u"]).sum()),
        "counts_by_population": count_by_pop,
        **nb,
        "latency_ns": {**costs.latency_ns,
                       **{k: v for k, v in costs.chip.items() if k.endswith("_ns")}},
        "sources": dict(costs.sources),
        "notes": notes,
    }
