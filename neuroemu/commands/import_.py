"""``neuroemu import MODEL -o net.h5``: bring a NIR graph or a lava-dl network into neuroemu.

Reads a NIR file (snnTorch, Norse, Sinabs, Lava, Rockpool, Spyx, SpiNNaker2) or
a lava-dl netx ``.net`` file, maps it onto a hardware profile to report what
quantization does to it (scale, and the largest change of weights,
thresholds, biases and decays per population), and writes the network as a
``net.h5`` that ``neuroemu run`` takes.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    from .common import add_netx_options, add_out_option

    p = sub.add_parser(
        "import", help="import a NIR graph or a lava-dl .net file into a net.h5",
        description="Import a trained network (NIR or lava-dl netx), report how quantization "
                    "onto a hardware profile moves its parameters, and write it as net.h5.")
    p.add_argument("model", help="a .nir file or a lava-dl .net file (chosen by content)")
    add_out_option(p, "write the network here (net.h5)")
    p.add_argument("--dt", type=float, default=None,
                   help="seconds per tick (NIR stores continuous time; needed for LIF/CubaLIF "
                        "time constants and delays)")
    p.add_argument("--profile", default=None,
                   help="the chip to quantize for (default: the file's own suggestion, else "
                        "loihi)")
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
    add_netx_options(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def _load(args):
    """(network, kind, notes) of the model named on the command line."""
    from ..api import load
    from ..networks.loader import network_kind

    kind = network_kind(args.model)
    notes: list = []
    options = {"nir": dict(reset=args.reset, fire_on=args.fire_on,
                           discretization=args.discretization, bias=args.bias,
                           readout=args.readout, notes=notes),
               "netx": dict(input_bias=args.input_bias, reset_interval=args.reset_interval,
                            reset_offset=args.reset_offset, readout=args.readout),
               }.get(kind, {})
    return load(args.model, dt=args.dt, **options), kind, notes


def main(args) -> int:
    from ..api import map_network, save_network
    from ..mapping.report import quantization_rows
    from .common import print_json, table

    net, kind, notes = _load(args)
    cfg = map_network(net, args.profile)
    profile = cfg.profile
    rows = quantization_rows(net, cfg)
    meta = dict(net.meta)
    if args.out:
        save_network(net, args.out, profile=profile.name)
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
            "quantization": rows, "output": args.out,
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
    if args.out:
        print(f"\nwrote {args.out} (profile {profile.name})")
    return 0
