"""``neuroemu run NET --input FILE``: :func:`neuroemu.run`, then print what it did."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def add_input_map_options(p) -> None:
    g = p.add_argument_group("input mapping (sensor events onto the input population)")
    g.add_argument("--tick-us", type=float, default=None,
                   help="microseconds per tick (default: --dt if given, else the network's "
                        "dt, else 1000)")
    g.add_argument("--crop", default=None, metavar="X0,Y0,W,H",
                   help="keep the sensor window of width W and height H at (X0, Y0)")
    g.add_argument("--downsample", type=int, default=1, metavar="K",
                   help="merge K x K sensor pixels into one input (default 1)")
    g.add_argument("--polarity", choices=("keep", "merge"), default=None,
                   help="keep ON/OFF as two channels or merge them (default: from the input "
                        "population's shape)")
    g.add_argument("--flip-x", action="store_true", help="mirror x")
    g.add_argument("--flip-y", action="store_true", help="mirror y")
    g.add_argument("--start-us", type=float, default=0.0,
                   help="skip this many microseconds after the first event")
    g.add_argument("--duration-us", type=float, default=None,
                   help="use only this many microseconds of the recording")
    g.add_argument("--lenient", action="store_true",
                   help="drop (and count) damaged records of a recording instead of refusing it")
    g.add_argument("--input-format", choices=("nmnist",), default=None,
                   help="read a headerless recording as N-MNIST whatever its name (files named "
                        ".bin are read so without it; AEDAT files say what they are)")
    g.add_argument("--binning", choices=("count", "clip"), default="count",
                   help="several events on one input in one tick: add up (count) or one spike "
                        "(clip)")


def add_parser(sub) -> None:
    from .common import add_network_options, add_netx_options, add_out_option
    from .plastic import add_plasticity_options

    p = sub.add_parser(
        "run", help="run a network on input spikes or an event-camera recording",
        description="Run a network on the emulated chip and summarise what it did.")
    add_network_options(p)
    p.add_argument("--input", required=False, default=None,
                   help="input: .npz/.npy spikes or events, or a recording (.aedat, .aedat4, "
                        ".bin)")
    p.add_argument("--ticks", type=int, default=None,
                   help="run length in ticks (default: to the last input tick plus the "
                        "network's depth)")
    add_out_option(p, "write the run's trace (HDF5) to this file")
    p.add_argument("--seed", type=int, default=0, help="seed for rate-coded input (default 0)")
    p.add_argument("--on-overflow", choices=("ignore", "warn", "raise"), default="warn",
                   help="what a register overflow does (default warn)")
    p.add_argument("--engine", choices=("event", "reference"), default="event",
                   help="event-driven kernel (default) or the dense reference")
    p.add_argument("--float", action="store_true",
                   help="run the network's own float equations (no quantization, no registers), "
                        "to check an import against its framework; no energy or trace")
    p.add_argument("--probe", action="append", default=[], metavar="POP:INDEX",
                   help="record v and u of this neuron every tick into the --out trace "
                        "(repeatable)")
    p.add_argument("--record", action="append", default=[], metavar="POP.REG",
                   help="record register v or u of a whole population every tick into the "
                        "--out trace (repeatable; streamed, not held in memory)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write an energy/latency report (report.json, report.txt, figures)")
    p.add_argument("--threads", type=int, default=None, metavar="N",
                   help="threads the event engine spreads a busy tick's work over (default: "
                        "the cores this process may use, once the kernel's threaded version "
                        "is compiled; the same results for any N)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_input_map_options(p)
    add_netx_options(p)
    add_plasticity_options(p)
    p.set_defaults(handler=main)


def _listed(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _check_out(option: str, out: str, is_folder: bool, inputs=()) -> None:
    """Refuse, before anything runs, an output path (``--out`` a file, ``--report`` a
    folder) that cannot become one or would replace one of ``inputs``.

    Missing folders on the way are made when the output is written.
    """
    from ..errors import InputError

    path = Path(out)
    if any(Path(x).resolve() == path.resolve() for x in inputs if x):
        raise InputError(f"{option} {out}: is an input of this run; give another name")
    if not is_folder and (path.is_dir() or out.endswith(("/", os.sep))):
        raise InputError(f"{option} {out}: is a folder; give a file name (e.g. "
                         f"{path / 'run.h5'})")
    if is_folder and path.exists() and not path.is_dir():
        raise InputError(f"{option} {out}: is a file; give a folder for the report")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(f"{option} {out}: {parent} is a file, not a folder")
            return


def _check_args(args) -> None:
    """What the command line refuses before loading anything."""
    from ..errors import InputError

    if args.float:
        chip_only = [o for o, given in (("--profile", args.profile), ("--out", args.out),
                                         ("--report", args.report), ("--probe", args.probe),
                                         ("--record", args.record),
                                         ("--engine reference", args.engine != "event"))
                     if given]
        if chip_only:
            raise InputError(f"--float runs the float equations, not the chip: "
                             f"{_listed(chip_only)} {'does' if len(chip_only) == 1 else 'do'} "
                             "not apply")
    elif (args.probe or args.record) and not args.out:
        opt, val = ("--probe", args.probe[0]) if args.probe else ("--record", args.record[0])
        raise InputError(f"{opt} {val}: what is recorded goes into the trace --out writes; "
                         "give --out FILE.h5")
    if args.out:
        _check_out("--out", args.out, False, (args.network, args.input))
    if args.report:
        _check_out("--report", args.report, True, (args.network, args.input))


def main(args) -> int:
    import warnings

    from ..api import run
    from .common import network_or_path, print_warnings
    from .plastic import rule_from_args

    _check_args(args)
    rule = rule_from_args(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = run(network_or_path(args), args.input, profile=args.profile, ticks=args.ticks,
                  tick_us=args.tick_us, dt=args.dt,
                  engine="float" if args.float else args.engine,
                  on_overflow=args.on_overflow, seed=args.seed, record=args.record,
                  probes=args.probe, crop=args.crop, downsample=args.downsample,
                  polarity=args.polarity, flip_x=args.flip_x, flip_y=args.flip_y,
                  start_us=args.start_us, duration_us=args.duration_us, binning=args.binning,
                  lenient=args.lenient, input_format=args.input_format, plasticity=rule,
                  threads=args.threads, progress=not (args.quiet or args.json))
    print_warnings(caught)
    net = res.network
    energy = None
    if not args.float:
        from ..errors import ProfileError

        try:
            energy = res.energy()
        except ProfileError as exc:
            if args.report:
                raise
            print(f"neuroemu: warning: no energy figures: {exc}", file=sys.stderr)
        if args.report:  # first: a report that cannot be written leaves no trace behind
            res.report(args.report)
        if args.out:
            res.save(args.out)
        if args.adapted_out:
            from ..api import save_network

            save_network(res.adapted_network(), args.adapted_out)
    from .run_summary import print_summary, summary

    out = summary(res, energy)
    if not args.float:
        from ..energy.xylo_cycles import xylo_summary

        xylo = xylo_summary(res)
        if xylo is not None:
            out["xylo"] = xylo
    if args.out:
        out["trace"] = str(args.out)
    if args.json:
        from ..mapping.report import summary as network_summary
        from .common import print_json

        if not args.float:
            out["network_summary"] = network_summary(net, res.config)
        print_json(out)
        return 0
    print_summary(res, net, out, energy)
    if args.out:
        print(f"trace:          {args.out}")
    if args.report:
        print(f"report:         {args.report}/report.txt, report.json and figures")
    return 0
