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


def main(args) -> int:
    from ..mapping.report import summary
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
