"""``neuroemu import MODEL -o net.h5``: bring a NIR graph or a lava-dl network into neuroemu.

Reads a NIR file (snnTorch, Norse, Sinabs, Lava, Rockpool, Spyx, SpiNNaker2) or
a lava-dl netx ``.net`` file, maps it onto a hardware profile to report what
quantization does to it (scale, and the largest change of weights,
thresholds, biases and decays per population), and writes the network as a
``net.h5`` that ``neuroemu run`` takes.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "import", help="import a NIR graph or a lava-dl .net file into a net.h5",
        description="Import a trained network (NIR or lava-dl netx), report how quantization "
                    "onto a hardware profile moves its parameters, and write it as net.h5.")
    p.add_argument("model", help="a .nir file or a lava-dl .net file (chosen by content)")
    p.add_argument("-o", "--output", default=None, help="write the network here (net.h5)")
    p.add_argument("--dt", type=float, default=None,
                   help="seconds per tick (NIR stores continuous time; needed for LIF/CubaLIF "
                        "time constants and delays)")
    p.add_argument("--profile", default=None,
                   help="hardware profile to quantize for (default: loihi)")
    g = p.add_argument_group("NIR options")
    g.add_argument("--reset", choices=("zero", "subtract"), default=None,
                   help="reset after a spike: NIR's reset to v_reset (default) or by "
                        "subtraction (for networks trained that way; NIR cannot say so)")
    g.add_argument("--fire-on", choices=(">", ">="), default=">",
                   help="spike when v > threshold (NIR, default) or v >= threshold")
    g.add_argument("--discretization", choices=("euler", "exp"), default="euler",
                   help="forward Euler (snnTorch, Norse, Spyx; default) or exp(-dt/tau)")
    g.add_argument("--bias", choices=("neuron", "register"), default="neuron",
                   help="constant inputs through an always-firing bias neuron (exact timing, "
                        "default) or the neurons' bias register")
    g.add_argument("--readout", choices=("count", "first_spike", "last_membrane",
                                         "mean_membrane"), default=None,
                   help="readout of the population feeding the Output node")
    g = p.add_argument_group("lava-dl options")
    g.add_argument("--input-bias", default=None, metavar="FILE.npy",
                   help="bias mantissa of the input layer, (x, y, c) as Lava holds it")
    g.add_argument("--reset-interval", type=int, default=0,
                   help="reset every layer's u and v every this many ticks (0: never)")
    g.add_argument("--reset-offset", type=int, default=0,
                   help="layer i resets at ticks t with t %% interval == (offset + i) %% interval")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def load_for_import(args):
    """(network, kind, notes) of the model named on the command line."""
    from ..networks.loader import network_kind

    kind = network_kind(args.model)
    notes: list = []
    if kind == "nir":
        from ..networks.nir_import import read_nir

        net = read_nir(args.model, dt=args.dt, reset=args.reset, fire_on=args.fire_on,
                       discretization=args.discretization, bias=args.bias,
                       readout=args.readout, notes=notes)
    elif kind == "netx":
        import numpy as np

        from ..errors import InputError
        from ..networks.netx import read_netx

        bias = None
        if args.input_bias:
            try:
                bias = np.load(args.input_bias, allow_pickle=False)
            except (OSError, ValueError) as exc:
                raise InputError(f"--input-bias {args.input_bias}: not a readable .npy file "
                                 f"({exc})") from None
        net = read_netx(args.model, bias, reset_interval=args.reset_interval,
                        reset_offset=args.reset_offset, readout=args.readout or "count")
    else:
        from ..networks.network_h5 import read_network

        net, _ = read_network(args.model)
    return net, kind, notes


def quantization_rows(net, cfg) -> list[dict]:
    """Per population: scale and the largest absolute and relative change of each parameter."""
    import numpy as np

    q = cfg.quantization
    rows = []
    for pop in net.populations:
        if pop.neuron is None:
            continue
        rep = q.report[pop.name]
        w_max = max((float(np.max(np.abs(pr.weight))) * 2.0**pr.weight_exp
                     for pr in net.projections if pr.target == pop.name and pr.weight.size),
                    default=0.0)
        thr = float(np.max(np.abs(pop.neuron.threshold)))
        exps = sorted({q.weights[pr.name][1] for pr in net.projections if pr.target == pop.name})
        rows.append({
            "population": pop.name, "model": pop.neuron.model, "neurons": pop.size,
            "scale": float(rep.scale), "weight_exp": exps,
            "weight_error": rep.weight_error,
            "weight_error_rel": rep.weight_error / w_max if w_max else 0.0,
            "threshold_error": rep.threshold_error,
            "threshold_error_rel": rep.threshold_error / thr if thr else 0.0,
            "bias_error": rep.bias_error, "decay_error": rep.decay_error,
        })
    return rows


def main(args) -> int:
    from ..hw import load_profile
    from ..mapping import map_network
    from .common import print_json, table

    net, kind, notes = load_for_import(args)
    profile = load_profile(args.profile or "loihi")
    cfg = map_network(net, profile)
    rows = quantization_rows(net, cfg)
    meta = dict(net.meta)
    if args.output:
        from ..networks.network_h5 import write_network

        write_network(args.output, net, profile=profile.name)
    if args.json:
        print_json({
            "model": str(args.model), "kind": kind, "network": net.name,
            "writer_version": meta.get("nir_writer_version"), "dt": args.dt,
            "populations": [{"name": p.name, "shape": list(p.shape),
                             "model": "input" if p.neuron is None else p.neuron.model}
                            for p in net.populations],
            "projections": [{"name": pr.name, "source": pr.source, "target": pr.target,
                             "kind": pr.kind, "delay": pr.delay} for pr in net.projections],
            "readout": None if net.readout is None else {"population": net.readout.population,
                                                         "kind": net.readout.kind},
            "notes": notes, "profile": profile.name, "integer": net.is_integer,
            "quantization": rows, "output": args.output,
        })
        return 0
    what = {"nir": "NIR", "netx": "lava-dl netx", "neuroemu": "neuroemu net.h5"}[kind]
    writer = f", written by version {meta['nir_writer_version']}" if meta.get(
        "nir_writer_version") else ""
    step = f" with dt = {args.dt:g} s" if args.dt else ""
    print(f"imported {args.model} ({what}{writer}){step}: {len(net.populations)} populations, "
          f"{len(net.projections)} projections, readout {net.readout}")
    print(table([[p.name, "x".join(map(str, p.shape)), "input" if p.neuron is None else
                  p.neuron.model] for p in net.populations], ["population", "shape", "model"]))
    print()
    print(table([[pr.name, pr.kind, pr.delay] for pr in net.projections],
                ["projection", "kind", "delay"]))
    if notes:
        print("\nnotes:")
        for n in notes:
            print(f"  - {n}")
    exact = (" (integer network: exact; weights wider than the profile's are stored as a "
             "mantissa and a weight exponent)" if net.is_integer else "")
    print(f"\nquantization onto {profile.name}{exact}: largest change per population, in its "
          "own units (relative to the largest weight / threshold)")
    print(table([[r["population"], r["model"], f"{r['scale']:g}",
                  ",".join(map(str, r["weight_exp"])) or "-",
                  f"{r['weight_error']:.3g} ({100 * r['weight_error_rel']:.2g}%)",
                  f"{r['threshold_error']:.3g} ({100 * r['threshold_error_rel']:.2g}%)",
                  f"{r['bias_error']:.3g}", f"{r['decay_error']:.3g}"] for r in rows],
                ["population", "model", "scale", "w exp", "weight", "threshold", "bias",
                 "decay"]))
    if args.output:
        print(f"\nwrote {args.output} (profile {profile.name})")
    return 0
