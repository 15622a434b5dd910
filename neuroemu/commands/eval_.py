"""``neuroemu eval NET --dataset digits``: accuracy and costs per inference of a converted network.

Each sample runs on the emulated chip (event engine, fixed point); the
network's own meta data (written by ``neuroemu convert``) says how the data is
presented (Poisson rates, constant current, or one graded spike).
"""

from __future__ import annotations


def add_parser(sub) -> None:
    import argparse

    p = sub.add_parser(
        "eval", help="accuracy, spikes, synaptic operations and energy per inference",
        description="Evaluate a converted network on a labelled dataset on the emulated chip: "
                    "accuracy, spikes, synaptic operations and energy per inference.")
    p.add_argument("network", help="a net.h5 written by 'neuroemu convert'")
    p.add_argument("--dataset", default="digits",
                   help="'digits' (the shipped 360-image test split of scikit-learn's digits) "
                        "or an .npz with integer 'x' (N, n_inputs) and labels 'y'")
    p.add_argument("--window", type=int, default=None, metavar="T",
                   help="input window: T ticks of input per sample (PASCAL: phase schedule "
                        "length); default: the network's own")
    p.add_argument("--ticks", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--profile", default=None,
                   help="the chip it runs on (default: the file's suggestion, else loihi)")
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
    import numpy as np

    from ..api import load, resolve_profile
    from ..convert.evaluate import evaluate, load_dataset, pricing_profiles
    from ..errors import InputError
    from .common import print_json

    if args.ticks is not None:
        raise InputError(f"--ticks {args.ticks}: --ticks is a run's length; eval runs each "
                         f"sample for its input window and the network's depth: give --window "
                         f"{args.ticks}")
    if args.limit is not None and args.limit < 1:
        raise InputError(f"--limit {args.limit}: expected a number of samples >= 1")
    net = load(args.network)
    profile = resolve_profile(net, args.profile)
    ds = load_dataset(args.dataset)
    res = evaluate(net, ds, ticks=args.window, profile=profile,
                   energy_profiles=pricing_profiles(profile, args.energy_profile or ()),
                   seed=args.seed, limit=args.limit, engine=args.engine,
                   progress=not args.json)
    res.pop("predictions")
    if args.ann:
        from ..convert.ann import load_ann

        ann = load_ann(args.ann)
        x, y = ds.x[:args.limit] if args.limit else ds.x, ds.y[:args.limit] if args.limit \
            else ds.y
        res["ann_accuracy"] = float(np.mean(ann.predict(x) == y))
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
    return 0
