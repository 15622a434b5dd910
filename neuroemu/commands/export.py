"""``neuroemu export NET -o model.nir --dt DT``: write a network as a NIR graph."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "export", help="write a network (net.h5, .nir, lava-dl .net) as a NIR graph",
        description="Write a network as a NIR graph (HDF5) that snnTorch, Norse, Sinabs, Lava, "
                    "Rockpool, Spyx and SpiNNaker2 read. A network imported from NIR is "
                    "written back with its original nodes and parameters.")
    from .common import add_out_option

    p.add_argument("network", help="network file: net.h5, .nir or lava-dl .net")
    add_out_option(p, "the NIR file to write", required=True)
    p.add_argument("--dt", type=float, default=None,
                   help="seconds per tick, to turn decays and delays into seconds (default: "
                        "the dt of a NIR import)")
    p.add_argument("--lossy", action="store_true",
                   help="drop what NIR cannot express (reset by subtraction, refractory "
                        "periods, ...) with a warning instead of refusing")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def main(args) -> int:
    import warnings

    from ..api import export_nir, load
    from .common import print_json, print_warnings

    net = load(args.network, dt=args.dt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        notes = export_nir(net, args.out, dt=args.dt, lossy=args.lossy)
    print_warnings(caught)
    warned = {str(w.message) for w in caught}
    notes = [n for n in notes if n not in warned]
    import nir

    graph = nir.read(args.out, type_check=False)
    if args.json:
        print_json({"network": net.name, "output": str(args.out), "dt": args.dt,
                    "nodes": {k: type(v).__name__ for k, v in graph.nodes.items()},
                    "edges": [list(e) for e in graph.edges], "notes": notes})
        return 0
    kinds: dict = {}
    for node in graph.nodes.values():
        kinds[type(node).__name__] = kinds.get(type(node).__name__, 0) + 1
    print(f"wrote {args.out}: {len(graph.nodes)} NIR nodes ("
          + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items())) + f"), "
          f"{len(graph.edges)} edges")
    for n in notes:
        print(f"  - {n}")
    return 0
