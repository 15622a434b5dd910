"""``neuroemu run NET --input FILE``: run a network on input spikes or a recording."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def add_input_map_options(p) -> None:
    g = p.add_argument_group("input mapping (sensor events onto the input population)")
    g.add_argument("--tick-us", type=float, default=1000.0,
                   help="microseconds per tick (default 1000)")
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
    g.add_argument("--binning", choices=("count", "clip"), default="count",
                   help="several events on one input in one tick: add up (count) or one spike "
                        "(clip)")


def input_map_from_args(args, input_shape):
    from ..errors import InputError
    from ..formats.input_map import InputMap

    crop = None
    if args.crop:
        try:
            crop = tuple(int(x) for x in args.crop.split(","))
        except ValueError:
            crop = ()
        if len(crop) != 4:
            raise InputError(f"--crop {args.crop!r}: expected four integers X0,Y0,W,H")
    polarity = args.polarity
    if polarity is None:
        polarity = "keep" if len(input_shape) == 3 and input_shape[0] == 2 else "merge"
    return InputMap(tick_us=args.tick_us, crop=crop, downsample=args.downsample,
                    polarity=polarity, flip_x=args.flip_x, flip_y=args.flip_y,
                    start_us=args.start_us, duration_us=args.duration_us,
                    binning=args.binning)


def add_parser(sub) -> None:
    from .common import add_network_options

    p = sub.add_parser(
        "run", help="run a network on input spikes or an event-camera recording",
        description="Run a network on the emulated chip and summarise what it did.")
    add_network_options(p)
    p.add_argument("--input", required=False, default=None,
                   help="input: .npz/.npy spikes or events, or a recording (.aedat, .aedat4, "
                        ".bin)")
    p.add_argument("--ticks", type=int, default=None,
                   help="ticks to run (default: to the last input tick plus the network's depth)")
    p.add_argument("--out", default=None, help="write the run's trace (HDF5) here")
    p.add_argument("--seed", type=int, default=0, help="seed for rate-coded input (default 0)")
    p.add_argument("--on-overflow", choices=("ignore", "warn", "raise"), default="warn",
                   help="what a register overflow does (default warn)")
    p.add_argument("--engine", choices=("event", "reference"), default="event",
                   help="event-driven kernel (default) or the dense reference")
    p.add_argument("--float", action="store_true",
                   help="run the network's own float equations (no quantization, no registers), "
                        "to check an import against its framework; no energy or trace")
    p.add_argument("--probe", action="append", default=[], metavar="POP:INDEX",
                   help="record v and u of this neuron every tick (repeatable)")
    p.add_argument("--report", default=None, metavar="DIR",
                   help="write an energy/latency report (report.json, report.txt, figures)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    add_input_map_options(p)
    p.set_defaults(handler=main)


def _probes(args, cfg):
    from ..errors import NeuroemuError

    out = []
    for spec in args.probe:
        name, _, idx = spec.rpartition(":")
        try:
            sl = cfg.neurons_of(name)
            i = int(idx)
        except (ValueError, IndexError):
            raise NeuroemuError(f"--probe {spec!r}: expected POPULATION:INDEX with a population "
                                f"of {', '.join(cfg.pop_names)}") from None
        if not 0 <= i < sl.stop - sl.start:
            raise NeuroemuError(f"--probe {spec!r}: population {name!r} has "
                                f"{sl.stop - sl.start} neurons")
        out.append(sl.start + i)
    return out


class Progress:
    """Progress on stderr for runs longer than a second, when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.perf_counter()
        self.shown = False

    def __call__(self, done, total):
        if not self.enabled or time.perf_counter() - self.start < 1.0:
            return
        what = f"{done}/{total} ticks ({100 * done / total:.0f}%)" if total else f"{done} ticks"
        sys.stderr.write(f"\rrunning: {what}   ")
        sys.stderr.flush()
        self.shown = True

    def close(self):
        if self.shown:
            sys.stderr.write("\n")


def main(args) -> int:
    import warnings

    import numpy as np

    from ..engine import simulate
    from ..engine.stimulus import Stimulus
    from ..errors import InputError
    from ..formats.spikes import load_input
    from ..formats.traces import Trace, write_trace
    from ..ir.graph import depth_ticks
    from .common import open_mapped, print_json
    from .info import summary

    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: expected a whole number >= 0")
    if not 0 < args.tick_us <= 3.6e9:
        raise InputError(f"--tick-us {args.tick_us}: expected microseconds in (0, 3.6e9]")
    if args.float:
        chip_only = [o for o, given in (("--out", args.out), ("--report", args.report),
                                         ("--probe", args.probe),
                                         ("--engine reference", args.engine != "event"))
                     if given]
        if chip_only:
            raise InputError(f"--float runs the float equations, not the chip: "
                             f"{', '.join(chip_only)} do not apply")
    net, cfg = open_mapped(args)
    if net.input is None and args.input:
        raise InputError(f"{args.network}: the network has no input population; run without "
                         "--input")
    stimulus, info = None, {"kind": "none", "events": 0}
    if args.input:
        shape = net.population(net.input).shape
        stimulus, info = load_input(args.input, shape, input_map_from_args(args, shape),
                                    ticks=args.ticks, seed=args.seed, strict=not args.lenient)
        if args.engine == "reference" and not isinstance(stimulus, Stimulus):
            stimulus = gather(stimulus, net)  # the dense reference takes the whole input
    elif args.ticks is None:
        raise InputError("without --input, give --ticks")
    if args.float:
        return _run_float(args, net, stimulus, info)
    ticks = args.ticks
    if args.engine == "reference" and ticks is None:
        last = stimulus.last_tick if stimulus is not None else -1
        ticks = last + 1 + depth_ticks(net) + 1
    progress = Progress(not args.quiet and not args.json)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = simulate(cfg, stimulus, ticks, engine=args.engine,
                          probes=_probes(args, cfg), on_overflow=args.on_overflow,
                          progress=progress, drain_ticks=depth_ticks(net) + 1)
    progress.close()
    if args.input and info["events"] == 0:
        print(f"neuroemu: warning: no input event reached the network from {args.input} "
              "(check --start-us, --duration-us and --crop)", file=sys.stderr)
    for w in caught:
        print(f"neuroemu: warning: {w.message}", file=sys.stderr)
    settings = {
        "network": str(Path(args.network).resolve()), "input": args.input,
        "profile": cfg.profile.name,
        "ticks": result.ticks, "tick_us": args.tick_us, "seed": args.seed,
        "engine": args.engine, "on_overflow": args.on_overflow, "binning": args.binning,
        "crop": args.crop, "downsample": args.downsample, "polarity": args.polarity,
        "flip_x": args.flip_x, "flip_y": args.flip_y, "start_us": args.start_us,
        "duration_us": args.duration_us,
    }
    trace = Trace.from_result(result, tick_us=args.tick_us, settings=settings)
    from ..energy import price
    from ..errors import ProfileError

    try:
        energy = price(trace, cfg.profile, network=net)
    except ProfileError as exc:
        if args.report:
            raise
        energy = None  # a profile without cost tables still runs; only the pricing is skipped
        print(f"neuroemu: warning: no energy figures: {exc}", file=sys.stderr)
    if args.report:  # first: a report that cannot be written leaves no trace behind
        from ..reports import write_report

        write_report(trace, cfg.profile, args.report, network=net)
    if args.out:
        write_trace(args.out, trace)
    cls, values = result.readout()
    syn = result.total("synaptic_ops")
    out = {
        "network": net.name, "profile": cfg.profile.name, "engine": result.engine,
        "ticks": result.ticks, "tick_us": args.tick_us,
        "input_events": int(info["events"]), "input_kind": info["kind"],
        "spikes": result.spike_counts(),
        "synaptic_ops": syn, "neuron_updates": result.total("neuron_updates"),
        "packets": result.total("packets"), "hops": result.total("hops"),
        "overflows": result.total("overflow_v") + result.total("overflow_u"),
        "readout": {"class": cls, "values": None if values is None else np.asarray(values).tolist(),
                    "kind": net.readout.kind if net.readout else None},
        "wall_s": result.wall_s, "compile_s": result.compile_s,
        "synaptic_events_per_s": syn / result.wall_s if result.wall_s > 0 else 0.0,
        "cores": cfg.n_cores,
    }
    if energy is not None:
        out["energy_j"] = energy["energy_j"]
        out["latency_s"] = energy["latency_s"]
    if args.out:
        out["trace"] = str(args.out)
    if args.json:
        out["network_summary"] = summary(net, cfg)
        print_json(out)
        return 0
    print(f"{net.name} on {cfg.profile.name} ({cfg.n_cores} cores), {result.engine} engine: "
          f"{result.ticks} ticks of {args.tick_us:g} us, {out['input_events']} input events")
    print("spikes:         " + ", ".join(f"{k} {v}" for k, v in out["spikes"].items()))
    print(f"synaptic ops:   {syn}   neuron updates: {out['neuron_updates']}")
    print(f"packets:        {out['packets']}   router hops: {out['hops']}   "
          f"overflows: {out['overflows']}")
    if net.readout is not None:
        shown = np.array2string(np.asarray(values), precision=3, threshold=20)
        print(f"readout:        class {cls} ({net.readout.kind} of {net.readout.population!r}): "
              f"{shown}")
    if energy is not None:
        print(f"energy:         {energy['energy_j']:.4g} J on {cfg.profile.name}   "
              f"latency: {energy['latency_s']:.4g} s")
    print(f"wall time:      {result.wall_s:.3f} s ({out['synaptic_events_per_s']:.3g} synaptic "
          "events/s)" + (f"; the kernel took {result.compile_s:.1f} s to compile or load "
                         "(cached for later runs)" if result.compile_s > 1 else ""))
    if args.out:
        print(f"trace:          {args.out}")
    if args.report:
        print(f"report:         {args.report}/report.txt, report.json and figures")
    return 0


def gather(chunks, net):
    """One Stimulus from a streamed recording's chunks (for the engines that need it whole)."""
    import numpy as np

    from ..engine import make_stimulus

    parts = list(chunks)
    n = net.population(net.input).size
    cat = (lambda k: np.concatenate([getattr(c, k) for c in parts]) if parts
           else np.zeros(0, np.int64))
    return make_stimulus(cat("tick"), cat("channel"), n, value=cat("value"))


def _run_float(args, net, stimulus, info) -> int:
    """``run --float``: the float64 simulator of the same tick semantics."""
    import numpy as np

    from ..engine.float_reference import simulate_float
    from ..engine.stimulus import Stimulus
    from ..ir.graph import depth_ticks
    from .common import print_json

    if stimulus is not None and not isinstance(stimulus, Stimulus):
        stimulus = gather(stimulus, net)
    ticks = args.ticks
    if ticks is None:
        last = stimulus.last_tick if stimulus is not None else -1
        ticks = last + 1 + depth_ticks(net) + 1
    result = simulate_float(net, stimulus, ticks)
    cls, values = result.readout()
    out = {"network": net.name, "mode": "float", "ticks": ticks,
           "input_events": int(info["events"]), "spikes": result.spike_counts(),
           "readout": {"class": cls,
                       "values": None if values is None else np.asarray(values).tolist(),
                       "kind": net.readout.kind if net.readout else None}}
    if args.json:
        print_json(out)
        return 0
    print(f"{net.name}, float equations: {ticks} ticks, {out['input_events']} input events")
    print("spikes:         " + ", ".join(f"{k} {v}" for k, v in out["spikes"].items()))
    if net.readout is not None:
        shown = np.array2string(np.asarray(values), precision=3, threshold=20)
        print(f"readout:        class {cls} ({net.readout.kind} of {net.readout.population!r}): "
              f"{shown}")
    return 0
