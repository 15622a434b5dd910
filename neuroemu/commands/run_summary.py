"""What ``neuroemu run`` prints: the run's counts, readout, energy (text or JSON)."""

from __future__ import annotations


def summary(res, energy) -> dict:
    """What ``run --json`` prints: the run's counts, readout and costs."""
    import numpy as np

    out = {"network": res.network_name}
    if res.engine == "float":
        out["mode"] = "float"
    else:
        out.update(profile=res.profile_name, engine=res.engine)
    out.update(ticks=res.ticks, tick_us=res.tick_us, input_events=res.input_events)
    if res.engine != "float":
        out["input_kind"] = res.input_kind
    out["spikes"] = res.spike_counts()
    c = res.counters
    if c:
        if res.settings.get("plasticity"):
            out.update(weight_updates=c["weight_updates"], trace_updates=c["trace_updates"],
                       weight_overflows=c["weight_overflows"])
        out.update(synaptic_ops=c["synaptic_ops"], neuron_updates=c["neuron_updates"],
                   packets=c["packets"], hops=c["hops"], chip_hops=c.get("chip_hops", 0),
                   overflows=c["overflow_v"] + c["overflow_u"])
    values = res.readout_values if res.readout_kind else None
    out["readout"] = {"class": res.readout(),
                      "values": None if values is None else np.asarray(values).tolist(),
                      "kind": res.readout_kind or None}
    if c:
        out.update(wall_s=res.wall_s, compile_s=res.compile_s,
                   synaptic_events_per_s=(c["synaptic_ops"] / res.wall_s if res.wall_s > 0
                                          else 0.0),
                   cores=res.n_cores)
    if energy is not None:
        # energy_j stays the total; the other levels beside it
        out["energy_j"] = energy.total_j
        out["energy_dynamic_j"] = energy.dynamic_j
        out["energy_operations_j"] = energy.operations_j
        out["energy_static_j"] = energy.static_j
        out["latency_s"] = energy.latency_s
    return out


def print_summary(res, net, out: dict, energy) -> None:
    """The run's summary as text."""
    if res.engine == "float":
        print(f"{res.network_name}, float equations: {res.ticks} ticks of {res.tick_us:g} us, "
              f"{res.input_events} input events")
    else:
        print(f"{res.network_name} on {res.profile_name} ({res.n_cores} cores), {res.engine} "
              f"engine: {res.ticks} ticks of {res.tick_us:g} us, {res.input_events} input "
              "events")
    print("spikes:         " + ", ".join(f"{k} {v}" for k, v in out["spikes"].items()))
    if res.engine != "float":
        print(f"synaptic ops:   {out['synaptic_ops']}   neuron updates: "
              f"{out['neuron_updates']}")
        chips = f"   inter-chip hops: {out['chip_hops']}" if out["chip_hops"] else ""
        print(f"packets:        {out['packets']}   router hops: {out['hops']}{chips}   "
              f"overflows: {out['overflows']}")
        if "weight_updates" in out:
            print(f"plasticity:     {out['weight_updates']} weight updates   "
                  f"{out['trace_updates']} trace updates   "
                  f"{out['weight_overflows']} weights saturated")
    if net.readout is not None:
        print(readout_line(net, res.readout(), res.readout_values))
    if energy is not None:
        print(f"energy:         {energy.total_j:.4g} J on {energy.profile}   "
              f"latency: {energy.latency_s:.4g} s")
        print(f"                total {energy.total_j:.4g} J = chip dynamic "
              f"{energy.dynamic_j:.4g} J (cores' operations {energy.operations_j:.4g} J + "
              f"per-tick costs and I/O) + static {energy.static_j:.4g} J")
    if "xylo" in out:
        print_xylo(out["xylo"], res.tick_us)
    if res.engine != "float":
        print(f"wall time:      {res.wall_s:.3f} s ({out['synaptic_events_per_s']:.3g} "
              "synaptic events/s)" + (f"; the kernel took {res.compile_s:.1f} s to compile "
                                      "or load (cached for later runs)"
                                      if res.compile_s > 1 else ""))


def print_xylo(x: dict, tick_us: float) -> None:
    """The Xylo core's latency (cycle model) and energy (measured power), with sources."""
    print(f"xylo latency:   {x['cycles_per_step']:.0f} clock cycles per step = "
          f"{x['step_s'] * 1e6:.2f} us at {x['clock_hz'] / 1e6:g} MHz (worst case "
          f"{x['worst_cycles_per_step']:.0f} cycles = {x['worst_step_s'] * 1e6:.2f} us; a step "
          f"is {tick_us:g} us: {'real time' if x['real_time'] else 'NOT real time'})")
    print(f"                source: {x['sources']['latency']}")
    print(f"xylo energy:    {x['energy_j']:.4g} J = {x['power_w'] * 1e6:g} uW over the run "
          f"(published: {x['published_inference_j'] * 1e6:g} uJ per keyword-spotting inference)")
    print(f"                source: {x['sources']['power']}")


def readout_line(net, cls, values) -> str:
    """The summary's readout line; a tie for the class is said, with the classes tied."""
    import numpy as np

    values = np.asarray(values)
    shown = np.array2string(values, precision=3, threshold=20)
    tied = np.flatnonzero(values == values[cls]) if cls is not None and values.size else []
    tie = (f" (a tie: classes {', '.join(str(int(c)) for c in tied)}; the lowest is taken)"
           if len(tied) > 1 else "")
    return (f"readout:        class {cls}{tie} ({net.readout.kind} of "
            f"{net.readout.population!r}): {shown}")
