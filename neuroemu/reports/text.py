"""The terminal form of a report: aligned tables of where the energy and time went."""

from __future__ import annotations

from ..energy.model import CATEGORIES, LEVEL_OF_CATEGORY, LEVELS, PRICE_UNIT
from .figures import energy_unit


def _table(rows, header) -> str:
    rows = [[str(c) for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]

    def line(r):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(r, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def _j(x, scale: float = 1.0) -> str:
    return "-" if x is None else f"{x / scale:.4g}"


def _s(x) -> str:
    if x is None:
        return "-"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if abs(x) >= scale or unit == "ns":
            return f"{x / scale:.4g} {unit}"
    return f"{x:.4g} s"  # pragma: no cover


def _pct(part: float, whole: float) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole > 0 else "-"


LEVEL_TEXT = {"operations": "the cores' operations only",
              "dynamic": "chip dynamic: operations + per-tick costs + host I/O",
              "total": "total: dynamic + static power over the run"}


def _price_text(r: dict, cat: str) -> str:
    if cat == "static":
        sp = r.get("static_price_w", {})
        return f"{sp.get('static_w', 0.0):g} W + {sp.get('static_w_per_core', 0.0):g} W/core"
    unit = PRICE_UNIT.get(cat, "pJ")
    return f"{r['price_by_category'][cat]:g} {unit}"


def format_text(r: dict) -> str:
    """The report ``r`` (from :func:`neuroemu.energy.price`) as text for a terminal."""
    total = r["energy_j"]
    levels = r["energy_levels_j"]
    unit, scale = energy_unit(total)
    updates = ("every tick for every neuron" if r["neuron_policy"] == "every_tick"
               else "only when counted (event-driven)")
    out = [
        (f"{r['network']} priced on {r['profile']} ({r['cores']} cores; run on "
         f"{r['run_profile']}, {r['engine']} engine): {r['ticks']} ticks of {r['tick_us']:g} us"),
        f"profile {r['profile']}: {r['evidence']}, {r['scope']}; neuron updates {updates}",
        "",
    ]
    n = r["inferences"]
    rows = [[lv, LEVEL_TEXT[lv], _j(levels[lv], scale), _j(levels[lv] / n, scale)]
            for lv in LEVELS]
    out.append(_table(rows, ["energy level", "what it holds", f"run ({unit})",
                             f"per inference ({unit})"]))
    out.append(f"(the run is taken as {n} inference{'s' if n != 1 else ''}; energy_j is the "
               "total)")
    out.append("")
    rows = []
    for cat in CATEGORIES:
        ops = r["operations_by_category"].get(cat)
        e = r["energy_by_category_j"][cat]
        rows.append([cat, LEVEL_OF_CATEGORY[cat], "-" if ops is None else ops,
                     _price_text(r, cat), _j(e, scale), _pct(e, total)])
    rows.append(["total", "", "", "", _j(total, scale), "100.0%" if total > 0 else "-"])
    out.append(_table(rows, ["energy by category", "from level", "count", "price",
                             f"energy ({unit})", "share"]))
    out.append("")
    out.append(f"convention: {r['synaptic_ops']} synaptic ops x {r['convention_ac_pj']:g} pJ "
               f"(E_AC, 32-bit float add at 45 nm) = {_j(r['convention_energy_j'], scale)} "
               f"{unit}")
    ann = (f"{_j(r['ann_equivalent_energy_j'], scale)} {unit} at this profile's "
           f"{r['ann_mac_pj']:g} pJ/MAC + weight read" if r["ann_mac_pj"] is not None
           else "no MAC figure for this profile")
    out.append(f"as an ANN, one forward pass (one inference) of the logical network: "
               f"{r['ann_macs']} MACs: {ann}; {_j(r['ann_convention_energy_j'], scale)} {unit} "
               f"at the convention's {r['convention_mac_pj']:g} pJ (E_MAC) -- set it beside the "
               "SNN's energy per inference above, not beside the whole run")
    out.append("")
    rows = []
    cores_total = sum(r["energy_by_population_j"].values())
    for name, e in r["energy_by_population_j"].items():
        c = r["counts_by_population"][name]
        rows.append([name, c["synaptic_ops"], c["neuron_updates"], c["spikes"], c["packets"],
                     _j(e, scale), _pct(e, total)])
    out.append(_table(rows, ["population", "synaptic ops", "updates", "spikes", "packets in",
                             f"its cores ({unit})", "share"]))
    chip = total - cores_total
    out.append(f"chip-wide (per-tick costs, host I/O, chip static power): {_j(chip, scale)} "
               f"{unit} ({_pct(chip, total)})")
    out.append("")
    if r["dominant_category"] is not None:
        cat, pop = r["dominant_category"], r["dominant_population"]
        where = (f"; population {pop!r} ({_pct(r['energy_by_population_j'][pop], total)})"
                 if pop is not None else "")
        out.append(f"most energy: {cat} ({_pct(r['energy_by_category_j'][cat], total)} of the "
                   f"total){where}")
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
               f" + routing {_s(parts['routing_s'])} + barrier {_s(parts['barrier_s'])}"
               f" + management and host I/O {_s(parts.get('host_s', 0.0))}")
    out.append(f"latency: {_s(r['latency_s'])} of chip time ({how}); the run's own ticks "
               f"span {_s(r['real_time_s'])}; per inference {_s(r['latency_per_inference_s'])}")
    first = ("no output spike" if r["first_output_tick"] is None else
             f"tick {r['first_output_tick']}, {_s(r['time_to_first_output_s'])}")
    decision = ("no stable decision" if r["decision_tick"] is None else
                f"class {r['decision_class']} from tick {r['decision_tick']}, "
                f"{_s(r['time_to_decision_s'])}")
    out.append(f"first output spike: {first}; stable decision: {decision}")
    cs = r["connection_sparsity"]
    out.append(f"NeuroBench ({r.get('neurobench_network', 'logical')} network): effective ACs "
               f"{r['effective_acs']}, effective MACs {r['effective_macs']}, dense "
               f"{r['dense_synaptic_ops']}; activation sparsity "
               f"{r['activation_sparsity']:.4f}; connection sparsity "
               f"{'-' if cs is None else f'{cs:.4f}'}; footprint {r['footprint_bytes']} bytes")
    if r["notes"]:
        out.append("")
        out.append("notes:")
        out.extend(f"  - {n}" for n in r["notes"])
    return "\n".join(out) + "\n"
