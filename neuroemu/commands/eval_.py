"""``neuroemu eval NET --dataset digits``: accuracy and costs per inference of a converted network.

Each sample runs on the emulated chip (event engine, fixed point); the
network's own meta data (written by ``neuroemu convert``) says how the data is
presented (Poisson rates, constant current, or one graded spike).
"""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval", help="accuracy, spikes, synaptic operations and energy per inference",
        description="Evaluate a converted network on a labelled dataset on the emulated chip: "
                    "accuracy, spikes, synaptic operations and energy per inference.")
    p.add_argument("network", help="a net.h5 written by 'neuroemu convert'")
    p.add_argument("--dataset", default="digits",
                   help="'digits' (the shipped 360-image test split of scikit-learn's digits) "
                        "or an .npz with integer 'x' (N, n_inputs) and labels 'y'")
    p.add_argument("--ticks", type=int, default=None, metavar="T",
                   help="input window T (PASCAL: phase schedule length); default: the "
                        "network's own")
    p.add_argument("--profile", default=None,
                   help="hardware profile to run on (default: the file's suggestion, else loihi)")
    p.add_argument("--energy-profile", action="append", default=None, metavar="NAME",
                   help="also price the runs on this profile, beside the profile they run "
                        "on (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of Poisson input (default 0)")
    p.add_argument("--limit", type=int, default=None, help="only the first N samples (N >= 1)")
    p.add_argument("--engine", choices=("event", "reference"), default="event")
    p.add_argument("--ann", default=None, metavar="ANN.npz",
                   help="also report this ANN's accuracy on the dataset")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def main(args) -> int:
    if args.limit is not None and args.limit < 1:
        from ..errors import NeuroemuError

        raise NeuroemuError(f"--limit {args.limit}: expected a number of samples >= 1")
    import sys

    import numpy as np

    from ..convert.evaluate import EnergyUnavailable, evaluate, load_dataset
    from ..errors import InputError
    from ..hw import load_profile
    from ..networks.loader import load_network
    from .common import print_json

    net, suggested = load_network(args.network)
    profile = load_profile(args.profile or suggested or "loihi")
    ds = load_dataset(args.dataset)
    eprofs = [profile]  # the chip the runs are on, then the others asked, each once
    for name in args.energy_profile or ():
        extra = load_profile(name)
        same = next((p for p in eprofs if p.name == extra.name), None)
        if same is None:
            eprofs.append(extra)
        elif same.path != extra.path:  # results are by profile name
            raise InputError(f"--energy-profile {name}: profile {extra.name!r} ({extra.path}) "
                             f"has the name of {same.path}; give it another name")
    note = None
    try:
        res = evaluate(net, ds, ticks=args.ticks, profile=profile, energy_profiles=eprofs,
                       seed=args.seed, limit=args.limit, engine=args.engine)
    except EnergyUnavailable as exc:
        note = str(exc)
        res = evaluate(net, ds, ticks=args.ticks, profile=profile, seed=args.seed,
                       limit=args.limit, engine=args.engine)
    res.pop("predictions")
    if args.ann:
        from ..convert.ann import load_ann

        ann = load_ann(args.ann)
        x, y = ds.x[:args.limit] if args.limit else ds.x, ds.y[:args.limit] if args.limit \
            else ds.y
        res["ann_accuracy"] = float(np.mean(ann.predict(x) == y))
    if note:
        res["energy_note"] = note
    if args.json:
        print_json(res)
        return 0
    print(f"{net.name} ({res['method']}) on {res['profile']}: {res['n']} samples of "
          f"{res['dataset']!r}, T = {res['T']} ({res['ticks']} ticks per inference)")
    if "ann_accuracy" in res:
        print(f"ANN accuracy:          {res['ann_accuracy']:.4f}")
    print(f"SNN accuracy:          {res['accuracy']:.4f}")
    print(f"spikes / inference:    {res['spikes_per_inference']:.1f} "
          f"(+ {res['input_spikes_per_inference']:.1f} input)")
    print(f"synaptic ops / inf.:   {res['synaptic_ops_per_inference']:.1f}")
    for name, e in res["energy_j_per_inference"].items():
        print(f"energy / inference:    {e:.4g} J on {name}")
    if note:
        print(f"energy:                unavailable ({note})", file=sys.stderr)
    return 0
