"""``neuroemu eval NET``: accuracy and costs per inference, on a dataset.

Two kinds of dataset:

* ``--inputs PATH``: recordings (a folder of label sub-folders such as N-MNIST's
  ``Test/<digit>/*.bin``, a CSV of file,label, or a glob), each run with
  :func:`neuroemu.run`'s options on a Dask cluster by :func:`neuroemu.evaluate`;
  one row per recording in ``--out`` (Parquet), a summary, a confusion matrix.
* ``--dataset digits`` (the default) or an ``.npz`` of static vectors, for a network
  converted by ``neuroemu convert``: each sample runs on the emulated chip in this
  process; the network's own meta data (written by ``neuroemu convert``) says how
  the data is presented (Poisson rates, constant current, or one graded spike).
"""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "eval", help="accuracy, spikes, synaptic operations and energy per inference",
        description="Evaluate a network on a labelled dataset on the emulated chip: accuracy, "
                    "spikes, synaptic operations, energy and latency per inference. With "
                    "--inputs, recordings (N-MNIST's Test/<digit>/*.bin, ...) run on a Dask "
                    "cluster, one row each in a Parquet file; with --dataset (default digits), "
                    "the static vectors of a network made by 'neuroemu convert'.")
    p.add_argument("network", help="the network: a net.h5 written by 'neuroemu convert' "
                                    "(--dataset), or any network file (--inputs)")
    p.add_argument("--inputs", default=None, metavar="PATH",
                   help="recordings: a folder of label sub-folders (N-MNIST's Test/<digit>/), "
                        "a CSV of file,label, or a quoted glob (no labels)")
    p.add_argument("--dataset", default=None,
                   help="'digits' (the default: the shipped 360-image test split of "
                        "scikit-learn's digits) or an .npz with integer 'x' (N, n_inputs) and "
                        "labels 'y'")
    p.add_argument("--window", type=int, default=None, metavar="T",
                   help="--dataset: input window: T ticks of input per sample (PASCAL: phase "
                        "schedule length); default: the network's own")
    p.add_argument("--ticks", type=int, default=None,
                   help="--inputs: each run's length in ticks (default: to the last input "
                        "tick plus the network's depth)")
    p.add_argument("--profile", default=None,
                   help="the chip it runs on (default: the file's suggestion, else loihi)")
    p.add_argument("--energy-profile", action="append", default=None, metavar="NAME",
                   help="also price the runs on this profile, beside the profile they run "
                        "on (repeatable)")
    p.add_argument("--seed", type=int, default=0, help="seed of Poisson input (default 0)")
    p.add_argument("--limit", type=int, default=None,
                   help="only the first N samples or recordings (N >= 1)")
    p.add_argument("--engine", choices=("event", "reference"), default="event")
    p.add_argument("--ann", default=None, metavar="ANN.npz",
                   help="--dataset: also report this ANN's accuracy on the dataset")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    from .dataset import add_cluster_options
    from .run import add_input_map_options

    add_cluster_options(p)
    add_input_map_options(p)
    p.set_defaults(handler=main)


def main(args) -> int:
    from ..errors import InputError

    if args.inputs is not None:
        if args.dataset is not None:
            raise InputError(f"--inputs {args.inputs} and --dataset {args.dataset}: give one "
                             "dataset")
        given = [o for o, v in (("--window", args.window), ("--ann", args.ann)) if v]
        if given:
            raise InputError(f"{given[0]} applies to --dataset (static vectors), not to "
                             "--inputs (recordings)")
        return main_recordings(args)
    defaults = _dataset_defaults()
    given = [opt for opt, dest in _RECORDING_OPTIONS if getattr(args, dest) != defaults[dest]]
    if given:
        raise InputError(f"{given[0]} applies to --inputs (recordings on Dask), not to "
                         f"--dataset {args.dataset or 'digits'}")
    args.dataset = args.dataset or "digits"
    return main_vectors(args)


#: options of --inputs only: (option, dest)
_RECORDING_OPTIONS = (
    ("--workers", "workers"), ("--scheduler", "scheduler"), ("--out", "out"),
    ("--resume", "resume"), ("--batch-size", "batch_size"), ("--plot", "plot"),
    ("--on-overflow", "on_overflow"), ("--dt", "dt"),
    ("--tick-us", "tick_us"), ("--crop", "crop"), ("--downsample", "downsample"),
    ("--polarity", "polarity"), ("--flip-x", "flip_x"), ("--flip-y", "flip_y"),
    ("--start-us", "start_us"), ("--duration-us", "duration_us"), ("--lenient", "lenient"),
    ("--binning", "binning"), ("--input-format", "input_format"),
)


def _dataset_defaults() -> dict:
    import argparse

    sub = argparse.ArgumentParser().add_subparsers()
    add_parser(sub)
    return vars(sub.choices["eval"].parse_args(["NET"]))


def main_recordings(args) -> int:
    """``--inputs``: :func:`neuroemu.evaluate`, then print its summary."""
    from ..evaluation import evaluate
    from .common import print_json
    from .dataset import check_outputs, cluster_options, note, run_options

    figure = check_outputs(args, "confusion")
    ev = evaluate(args.network, args.inputs, profile=args.profile, engine=args.engine,
                  seed=args.seed, energy_profiles=args.energy_profile or (), limit=args.limit,
                  **run_options(args), **cluster_options(args))
    s = ev.summary
    if figure and s["confusion"] is not None:
        ev.save_figure(figure)
    elif figure and args.plot:
        note(f"warning: no labelled recording ran: no confusion matrix for --plot {figure}")
        figure = None
    else:
        figure = None
    if args.json:
        print_json({**{k: v for k, v in s.items() if k != "errors"}, "figure": figure,
                    "errors": s["errors"]})
        return 0
    print_recordings(args, s, figure)
    return 0


def print_recordings(args, s: dict, figure) -> None:
    from .dataset import stats_line

    print(f"{s['network']} on {s['profile']} ({s['tick_us']:g} us ticks): {s['n']} recordings "
          f"from {args.inputs}" + (f" on {s['workers']}" if s["workers"] else ""))
    print(f"computed:              {s['n_run']} (skipped, already done: {s['skipped_done']})")
    if s["accuracy"] is None:
        print("accuracy:              none (no labels)")
    else:
        print(f"accuracy:              {s['accuracy']:.4f} ({s['correct']} of "
              f"{s['n_labelled']} labelled)")
    print(f"errors:                {s['n_errors']}" + "".join(
        f"\n  {f}: {e}" for f, e in s["errors"][:3]))
    print(stats_line("energy / inference:", s["energy_j"], f"J on {s['profile']}"))
    for key in [k for k in s if k.startswith("energy_j_") and s[k]]:
        print(stats_line("", s[key], f"J on {key[len('energy_j_'):]}"))
    print(stats_line("latency / inference:", s["latency_s"], "s"))
    rate = s["n_run"] / s["wall_s"] if s["wall_s"] > 0 else 0.0
    print(f"wall time:             {s['wall_s']:.2f} s ({rate:.1f} recordings/s)")
    if s.get("note"):
        print(f"note:                  {s['note']}")
    if s["out"]:
        print(f"rows:                  {s['out']}")
    if figure:
        print(f"confusion matrix:      {figure}")


def main_vectors(args) -> int:
    """``--dataset``: static vectors, each sample run in this process."""
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
                   progress=not (args.json or args.quiet))
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
