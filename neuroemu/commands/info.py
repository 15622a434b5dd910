"""``neuroemu info NET``: populations, projections, cores used, register widths."""

from __future__ import annotations


def add_parser(sub) -> None:
    from .common import add_network_options

    p = sub.add_parser("info", help="describe a network and how it maps onto a profile",
                       description="Describe a network: populations, projections, cores used "
                                   "and register widths on a hardware profile.")
    add_network_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def summary(net, cfg) -> dict:
    """The network summary printed by ``info`` (also used by ``run --json``)."""
    import numpy as np

    prof = cfg.profile
    q = cfg.quantization
    cores = np.bincount(cfg.core_pop, minlength=len(net.populations))
    pops = []
    for i, p in enumerate(net.populations):
        entry = {"name": p.name, "shape": list(p.shape), "size": p.size,
                 "model": "input" if p.neuron is None else p.neuron.model,
                 "cores": int(cores[i])}
        if p.neuron is not None:
            rep = q.report[p.name]
            entry.update(reset=p.neuron.reset, fire_on=p.neuron.fire_on, scale=rep.scale,
                         quantization_error={"weight": rep.weight_error,
                                             "threshold": rep.threshold_error,
                                             "bias": rep.bias_error, "decay": rep.decay_error})
        pops.append(entry)
    syn = np.bincount(cfg.syn_proj, minlength=len(net.projections))
    projs = [{"name": pr.name, "source": pr.source, "target": pr.target, "kind": pr.kind,
              "synapses": int(syn[k]), "delay": pr.delay,
              "weight_exp": q.weights[pr.name][1]} for k, pr in enumerate(net.projections)]
    return {
        "network": net.name, "neurons": net.size, "synapses": int(cfg.syn_src.size),
        "input": net.input,
        "readout": None if net.readout is None else {"population": net.readout.population,
                                                     "kind": net.readout.kind},
        "profile": prof.name, "cores": cfg.n_cores,
        "registers": {"w_bits": prof.w_bits, "v_bits": prof.v_bits, "u_bits": prof.u_bits,
                      "v_overflow": prof.v_overflow, "u_overflow": prof.u_overflow,
                      "rounding": prof.rounding},
        "populations": pops, "projections": projs,
    }


def main(args) -> int:
    from .common import open_mapped, print_json, table

    net, cfg = open_mapped(args)
    s = summary(net, cfg)
    if args.json:
        print_json(s)
        return 0
    r = s["registers"]
    print(f"network {s['network']}: {s['neurons']} neurons, {s['synapses']} synapses, "
          f"input {s['input']!r}, readout {s['readout']}")
    print(f"profile {s['profile']}: {s['cores']} cores; weights {r['w_bits']}-bit, "
          f"v {r['v_bits']}-bit {r['v_overflow']}, u {r['u_bits']}-bit {r['u_overflow']}, "
          f"decay rounding {r['rounding']}\n")
    print(table([[p["name"], "x".join(map(str, p["shape"])), p["model"], p["cores"],
                  f"{p.get('scale', 1):g}",
                  f"{p['quantization_error']['weight']:.3g}" if "scale" in p else "-"]
                 for p in s["populations"]],
                ["population", "shape", "model", "cores", "scale", "max weight err"]))
    print()
    print(table([[p["name"], f"{p['source']} -> {p['target']}", p["kind"], p["synapses"],
                  p["delay"], p["weight_exp"]] for p in s["projections"]],
                ["projection", "path", "kind", "synapses", "delay", "w exp"]))
    return 0
