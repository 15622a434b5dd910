"""``neuroemu convert ANN.npz --method M -o net.h5``: ANN -> SNN conversion.

Methods: ``maxnorm`` (data-based max/percentile normalisation, Poisson input),
``l4`` (the same with Allred & Roy's L4-norm weight adjustment), ``l4-bias`` (an
L4-sized bias shift instead), ``qcfs`` (QCFS, constant
current, T-tick windows) and ``pascal`` (exact: signed spikes, one graded
input spike, the phase schedule). See :mod:`neuroemu.convert`.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    import argparse

    from .common import add_out_option

    p = sub.add_parser(
        "convert", help="convert a trained ANN (.npz or PyTorch) into a spiking network",
        description="Convert a trained ANN into a spiking network file (net.h5) for a "
                    "hardware profile. The ANN is neuroemu's .npz layout (see "
                    "neuroemu.convert.ann) or, when torch is installed, a saved "
                    "torch.nn.Module (.pt, with --input-shape): an nn.Sequential or a "
                    "module whose forward torch.fx can trace (identity and conv projection "
                    "shortcuts included); "
                    "with --calibrate its outputs are checked against the model's own.")
    p.add_argument("ann", help="the ANN: .npz in neuroemu's layout, or .pt/.pth (torch)")
    p.add_argument("--method", required=True,
                   choices=("maxnorm", "l4", "l4-bias", "qcfs", "pascal"),
                   help="conversion method")
    p.add_argument("--levels", default=None, metavar="L[,L...]|auto",
                   help="QCFS levels per hidden layer (qcfs, pascal): one value, one per layer, "
                        "or 'auto' for PASCAL's layerwise choice (default: the QCFS ANN's own)")
    p.add_argument("--window", type=int, default=None, metavar="T",
                   help="the network's input window: T ticks of input per sample, eval's "
                        "default (maxnorm, l4, l4-bias: 32; qcfs: L). l4-bias corrects for this T")
    p.add_argument("--ticks", type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument("--calibrate", default=None, metavar="DATA.npz",
                   help="calibration data: .npz with integer 'x' (N, n_inputs) and optional "
                        "labels 'y', or a dataset name (digits-calib)")
    p.add_argument("--percentile", type=float, default=None,
                   help="percentile of activations used as λ (default 100 for maxnorm/l4, 99.9 "
                        "for QCFS thresholds of a ReLU ANN)")
    p.add_argument("--kappa", type=float, default=1.0,
                   help="strength of the L4 adjustment, l4 and l4-bias (default 1)")
    p.add_argument("--input-shape", default=None, metavar="C,H,W",
                   help="input shape of a PyTorch model (required for .pt)")
    p.add_argument("--input-scale", type=float, default=1.0,
                   help="ANN input per unit of integer data, for a PyTorch model (default 1)")
    p.add_argument("--profile", default="loihi",
                   help="the chip it is made for and runs on (default loihi)")
    add_out_option(p, "the spiking network file to write (net.h5)", required=True)
    p.add_argument("--save-ann", default=None, metavar="ANN.npz",
                   help="also write the ANN the SNN stands for (e.g. a ReLU ANN with the QCFS "
                        "activations and levels used), for 'neuroemu eval --ann'")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def _load(args):
    from pathlib import Path

    from ..convert.ann import load_ann
    from ..errors import InputError

    path = Path(args.ann)
    if path.suffix in (".pt", ".pth"):
        if not args.input_shape:
            raise InputError(f"{path}: a PyTorch model needs --input-shape (e.g. 1,8,8)")
        try:
            import torch
        except ImportError:
            raise InputError(f"{path}: reading a PyTorch model needs torch, which is not "
                             "installed; save the ANN in neuroemu's .npz layout instead") from None
        model = torch.load(path, map_location="cpu", weights_only=False)
        if not isinstance(model, torch.nn.Module):
            raise InputError(f"{path}: holds a {type(model).__name__}, expected a whole saved "
                             "torch.nn.Module (torch.save(model, path))")
        return model.eval()
    return load_ann(path)


def _calibration(spec):
    import numpy as np

    from ..convert.evaluate import DATASETS, load_dataset
    from ..errors import InputError

    if spec is None:
        return None, None
    if spec in DATASETS:
        ds = load_dataset(spec)
        return ds.x, ds.y
    try:
        with np.load(spec, allow_pickle=False) as z:
            if "x" not in z.files:
                raise InputError(f"--calibrate {spec}: arrays {sorted(z.files)}; expected 'x' "
                                 "(N, n_inputs) integer data and optional labels 'y'")
            x = z["x"]
            y = z["y"] if "y" in z.files else None
    except (OSError, ValueError) as exc:
        raise InputError(f"--calibrate {spec}: not a readable .npz ({exc})") from None
    if x.dtype.kind not in "iu":
        raise InputError(f"--calibrate {spec}: 'x' must be integer data (the values the chip "
                         f"receives), got dtype {x.dtype}")
    return x.reshape(len(x), -1).astype(np.int64), y


def _levels(text):
    from ..errors import InputError

    if text is None or text == "auto":
        return text
    try:
        vals = [int(v) for v in text.split(",")]
    except ValueError:
        raise InputError(f"--levels {text!r}: expected whole numbers (4 or 4,8) or 'auto'") \
            from None
    return vals[0] if len(vals) == 1 else vals


def main(args) -> int:
    from ..api import load_profile, map_network, save_network
    from ..convert import convert
    from ..errors import InputError
    from .common import print_json

    if args.ticks is not None:
        raise InputError(f"--ticks {args.ticks}: --ticks is a run's length; the input window "
                         f"of the converted network is --window {args.ticks}")
    ann = _load(args)
    x, y = _calibration(args.calibrate)
    profile = load_profile(args.profile)
    shape = None if not args.input_shape else \
        tuple(int(s) for s in args.input_shape.split(","))
    conv = convert(ann, args.method, profile, levels=_levels(args.levels), ticks=args.window,
                   calibration=x, labels=y, percentile=args.percentile, kappa=args.kappa,
                   input_shape=shape, input_scale=args.input_scale)
    net = conv.network
    cfg = map_network(net, profile)  # refuses now what would not fit the chip
    save_network(net, args.out, profile=profile.name)
    if args.save_ann:
        from ..convert.ann import save_ann

        save_ann(args.save_ann, conv.ann)
    meta = dict(net.meta)
    out = {"ann": str(args.ann), "network": net.name, "output": str(args.out),
           "method": conv.method, "profile": profile.name, "coding": meta["convert.coding"],
           "T": int(meta["convert.T"]), "cores": cfg.n_cores,
           "populations": {p.name: p.size for p in net.populations},
           "synapses": int(cfg.syn_src.size), **{k: v for k, v in conv.info.items()}}
    if args.json:
        print_json(out)
        return 0
    print(f"{conv.method}: {args.ann} -> {args.out} ({net.name}, profile {profile.name}, "
          f"{cfg.n_cores} cores, {out['synapses']} synapses)")
    print("populations:   " + ", ".join(f"{k} {v}" for k, v in out["populations"].items()))
    print(f"input coding:  {out['coding']}, default T = {out['T']}")
    for key in ("lambda", "levels", "D", "exact", "sigma", "scale", "shift"):
        if key in conv.info:
            val = conv.info[key]
            shown = ", ".join(f"{v:.4g}" if isinstance(v, float) else str(v) for v in val) \
                if isinstance(val, list) else val
            print(f"{key + ':':14} {shown}")
    return 0
