"""The terminal form of a report: aligned tables of where the energy and time went."""

from __future__ import annotations

from ..energy.model import CATEGORIES


def _table(rows, header) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _j(x) -> str:
    return "-" if x is None else f"{x:.4g}"


def _s(x) -> str:
    if x is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(x) >= scale or unit == "ns":
            return f"{x / scale:.4g} {unit}"
    return f"{x:.4g} s"  # pragma: no cover


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole > 0 else "-"


def format_text(r: dict) -> str:
    """The report ``r`` (from :func:`neuroemu.energy.price`) as text for a terminal."""
    total = r["energy_j"]
    updates = ("every tick for every neuron" if r["neuron_policy"] == "every_tick"
               else "only when counted (event-driven)")
    out = [
        (f"{r['network']} priced on {r['profile']} ({r['cores']} cores; run on "
         f"{r['run_profile']}, {r['engine']} engine): {r['ticks']} ticks of {r['tick_us']:g} us"),
        f"profile {r['profile']}: {r['evidence']}, {r['scope']}; neuron updates {updates}",
        "",
    ]
    rows = []
    for cat in CATEGORIES:
        ops = r["operations_by_category"].get(cat)
        price = r["price_by_category"][cat]
        unit = "W/core" if cat == "static" else "pJ"
        rows.append([cat, "-" if ops is None else ops, f"{price:g} {unit}",
                     _j(r["energy_by_category_j"][cat]), _pct(r["energy_by_category_j"][cat],
                                                               total)])
    rows.append(["total", "", "", _j(total), "100.0%" if total > 0 else "-"])
    out.append(_table(rows, ["energy by operation", "count", "price", "energy (J)", "share"]))
    out.append("")
    out.append(f"convention: {r['synaptic_ops']} synaptic ops x {r['convention_ac_pj']:g} pJ "
               f"(E_AC, 32-bit float add at 45 nm) = {_j(r['convention_energy_j'])} J")
    ann = (f"{_j(r['ann_equivalent_energy_j'])} J at this profile's "
           f"{r['ann_mac_pj']:g} pJ/MAC + weight read" if r["ann_mac_pj"] is not None
           else "no MAC figure for this profile")
    out.append(f"as an ANN: {r['ann_macs']} MACs per inference: {ann}; "
               f"{_j(r['ann_convention_energy_j'])} J at the convention's "
               f"{r['convention_mac_pj']:g} pJ (E_MAC)")
    out.append("")
    rows = []
    for name, e in r["energy_by_population_j"].items():
        c = r["counts_by_population"][name]
        rows.append([name, c["synaptic_ops"], c["neuron_updates"], c["spikes"], c["packets"],
                     _j(e), _pct(e, total)])
    out.append(_table(rows, ["population", "synaptic ops", "updates", "spikes", "packets in",
                             "energy (J)", "share"]))
    out.append("")
    if r["dominant_category"] is not None:
        cat, pop = r["dominant_category"], r["dominant_population"]
        out.append(f"most energy: {cat} ({_pct(r['energy_by_category_j'][cat], total)} of the "
                   f"total); population {pop!r} ({_pct(r['energy_by_population_j'][pop], total)})")
    else:
        out.append("no energy spent")
    parts = r["latency_parts_s"]
    if r["latency_mode"] == "real_time":
        how = (f"real time: every tick lasts the run's own {_s(parts['tick_s'])}, as profile "
               f"{r['profile']} has no timing data")
    elif r["latency_mode"] == "fixed_tick":
        how = f"fixed ticks of {_s(parts['tick_s'])}"
    else:
        how = (f"mean tick {_s(r['tick_s']['mean'])} = busiest core {_s(parts['busiest_core_s'])}"
               f" + routing {_s(parts['routing_s'])} + barrier {_s(parts['barrier_s'])}")
    out.append(f"latency: {_s(r['latency_s'])} of chip time ({how}); the run's own ticks "
               f"span {_s(r['real_time_s'])}")
    first = ("no output spike" if r["first_output_tick"] is None else
             f"tick {r['first_output_tick']}, {_s(r['time_to_first_output_s'])}")
    decision = ("no stable decision" if r["decision_tick"] is None else
                f"class {r['decision_class']} from tick {r['decision_tick']}, "
                f"{_s(r['time_to_decision_s'])}")
    out.append(f"first output spike: {first}; stable decision: {decision}")
    cs = r["connection_sparsity"]
    out.append(f"NeuroBench: effective ACs {r['effective_acs']}, effective MACs "
               f"{r['effective_macs']}, dense {r['dense_synaptic_ops']}; activation sparsity "
               f"{r['activation_sparsity']:.4f}; connection sparsity "
               f"{'-' if cs is None else f'{cs:.4f}'}; footprint {r['footprint_bytes']} bytes")
    if r["notes"]:
        out.append("")
        out.append("notes:")
        out.extend(f"  - {n}" for n in r["notes"])
    return "\n".join(out) + "\n"
