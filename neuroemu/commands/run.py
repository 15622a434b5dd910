"""``neuroemu run NET --input FILE``: run a network on input spikes or a recording."""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path


def add_input_map_options(p) -> None:
    g = p.add_argument_group("input mapping (sensor events onto the input population)")
    g.add_argument("--tick-us", type=float, default=None,
                   help="microseconds per tick (default: --dt if given, else 1000)")
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


def network_dt(net) -> float | None:
    """Seconds per tick a network was made for (an imported NIR graph's ``dt``), or None."""
    dt = dict(net.meta).get("dt", "")
    return float(dt) if dt else None


def tick_us_from_args(args, net_dt: float | None = None) -> float:
    """Microseconds per tick: ``--tick-us``, else ``--dt`` (seconds per tick), else the
    ``dt`` the network was made for, else 1000.

    Raises
    ------
    InputError
        When two of them disagree (the network's time constants were discretized
        with its ``dt``, and the input is binned with the tick), or are out of range.
    """
    from ..errors import InputError

    dt = getattr(args, "dt", None)
    if dt is not None and not 0 < dt <= 3600:
        raise InputError(f"--dt {dt:g}: expected seconds per tick in (0, 3600]")
    if args.tick_us is not None and not 0 < args.tick_us <= 3.6e9:
        raise InputError(f"--tick-us {args.tick_us:g}: expected microseconds in (0, 3.6e9]")
    if dt is not None and net_dt is not None and not math.isclose(dt, net_dt, rel_tol=1e-9):
        raise InputError(f"--dt {dt:g}: {args.network} was made for dt = {net_dt:g} s (its "
                         "time constants are discretized for it); give --dt "
                         f"{net_dt:g} or re-import the network")
    given = "--dt" if dt is not None else "the network's dt"
    dt = dt if dt is not None else net_dt
    dt_us = None
    if dt is not None:
        dt_us = dt * 1e6
        if math.isclose(dt_us, round(dt_us), rel_tol=1e-9):
            dt_us = float(round(dt_us))  # 1e-4 s is 100 us, not 100.00000000000001
    if args.tick_us is None:
        if dt_us is not None and args.input and dt_us != round(dt_us):
            raise InputError(f"{given} {dt:g}: a tick of {dt_us:g} us, but input is binned "
                             "into ticks of whole microseconds")
        return 1000.0 if dt_us is None else dt_us
    if dt_us is not None and not math.isclose(args.tick_us, dt_us, rel_tol=1e-9):
        raise InputError(f"--tick-us {args.tick_us:g} and {given} {dt:g} ({dt_us:g} us) "
                         "disagree; give one of them, or none")
    return args.tick_us


def input_map_from_args(args, input_shape, tick_us: float, ticks: int | None = None):
    """The InputMap of the command line; with ``ticks``, the time window ends with the run.

    Events after the last tick run would never reach the network: leaving them
    out of the window also leaves them out of the count of input events.
    """
    from ..errors import InputError
    from ..inputs.input_map import InputMap

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
    duration_us = args.duration_us
    if ticks is not None:
        duration_us = ticks * tick_us if duration_us is None else min(duration_us,
                                                                      ticks * tick_us)
    return InputMap(tick_us=tick_us, crop=crop, downsample=args.downsample,
                    polarity=polarity, flip_x=args.flip_x, flip_y=args.flip_y,
                    start_us=args.start_us, duration_us=duration_us,
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
    p.add_argument("--out", default=None,
                   help="write the run's trace (HDF5) to this file (missing folders are made)")
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


def _readout_line(net, cls, values) -> str:
    """The summary's readout line; a tie for the class is said, with the classes tied."""
    import numpy as np

    values = np.asarray(values)
    shown = np.array2string(values, precision=3, threshold=20)
    tied = np.flatnonzero(values == values[cls]) if cls is not None and values.size else []
    tie = (f" (a tie: classes {', '.join(str(int(c)) for c in tied)}; the lowest is taken)"
           if len(tied) > 1 else "")
    return (f"readout:        class {cls}{tie} ({net.readout.kind} of "
            f"{net.readout.population!r}): {shown}")


def _no_input_hint(kind: str, ticks: int | None) -> str:
    """What to check when no input event reached the network, by kind of input."""
    if kind in ("spikes", "rates"):
        return "it has no spike" + (f" before tick {ticks}" if ticks else "")
    window = ["--start-us", "--duration-us", "--crop"] + ["--ticks"] * bool(ticks)
    return f"the recording may be empty; else check {_listed(window)}"


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
    from ..errors import InputError
    from ..inputs.load import load_input
    from ..inputs.stimulus import Stimulus
    from ..ir.graph import depth_ticks
    from ..results.trace_file import Trace, write_trace
    from .common import open_mapped, open_network, print_json
    from .info import summary

    if args.seed < 0:
        raise InputError(f"--seed {args.seed}: expected a whole number >= 0")
    if args.ticks is not None and args.ticks < 1:
        raise InputError(f"--ticks {args.ticks}: expected a whole number >= 1")
    if args.float:
        chip_only = [o for o, given in (("--profile", args.profile), ("--out", args.out),
                                         ("--report", args.report), ("--probe", args.probe),
                                         ("--engine reference", args.engine != "event"))
                     if given]
        if chip_only:
            raise InputError(f"--float runs the float equations, not the chip: "
                             f"{_listed(chip_only)} {'does' if len(chip_only) == 1 else 'do'} "
                             "not apply")
    elif args.probe and not args.out:
        raise InputError(f"--probe {args.probe[0]}: a probe's v and u go into the trace "
                         "--out writes; give --out FILE.h5")
    if args.out:
        _check_out("--out", args.out, False, (args.network, args.input))
    if args.report:
        _check_out("--report", args.report, True, (args.network, args.input))
    if args.float:
        net, cfg = open_network(args)[0], None  # the float equations need no mapping
    else:
        net, cfg = open_mapped(args)
    if net.input is None and args.input:
        raise InputError(f"{args.network}: the network has no input population; run without "
                         "--input")
    tick_us = tick_us_from_args(args, network_dt(net))
    stimulus, info = None, {"kind": "none", "events": 0}
    if args.input:
        shape = net.population(net.input).shape
        imap = input_map_from_args(args, shape, tick_us, ticks=args.ticks)
        stimulus, info = load_input(args.input, shape, imap, ticks=args.ticks, seed=args.seed,
                                    strict=not args.lenient)
        if args.engine == "reference" and not isinstance(stimulus, Stimulus):
            stimulus = gather(stimulus, net)  # the dense reference takes the whole input
    elif args.ticks is None:
        raise InputError("without --input, give --ticks")
    if args.float:
        return _run_float(args, net, stimulus, info, tick_us)
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
    events = int(info["events"])
    if args.input and events == 0:
        print(f"neuroemu: warning: no input event reached the network from {args.input} "
              f"({_no_input_hint(info['kind'], args.ticks)})", file=sys.stderr)
    for w in caught:
        print(f"neuroemu: warning: {w.message}", file=sys.stderr)
    settings = {
        "network": str(Path(args.network).resolve()), "input": args.input,
        "profile": cfg.profile.name,
        "ticks": result.ticks, "tick_us": tick_us, "seed": args.seed,
        "engine": args.engine, "on_overflow": args.on_overflow, "binning": args.binning,
        "crop": args.crop, "downsample": args.downsample, "polarity": args.polarity,
        "flip_x": args.flip_x, "flip_y": args.flip_y, "start_us": args.start_us,
        "duration_us": args.duration_us,
    }
    trace = Trace.from_result(result, tick_us=tick_us, settings=settings)
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
        "ticks": result.ticks, "tick_us": tick_us,
        "input_events": events, "input_kind": info["kind"],
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
          f"{result.ticks} ticks of {tick_us:g} us, {out['input_events']} input events")
    print("spikes:         " + ", ".join(f"{k} {v}" for k, v in out["spikes"].items()))
    print(f"synaptic ops:   {syn}   neuron updates: {out['neuron_updates']}")
    print(f"packets:        {out['packets']}   router hops: {out['hops']}   "
          f"overflows: {out['overflows']}")
    if net.readout is not None:
        print(_readout_line(net, cls, values))
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


def _run_float(args, net, stimulus, info, tick_us: float) -> int:
    """``run --float``: the float64 simulator of the same tick semantics."""
    import numpy as np

    from ..engine.float_reference import simulate_float
    from ..inputs.stimulus import Stimulus
    from ..ir.graph import depth_ticks
    from .common import print_json

    if stimulus is not None and not isinstance(stimulus, Stimulus):
        stimulus = gather(stimulus, net)
    ticks = args.ticks
    if ticks is None:
        last = stimulus.last_tick if stimulus is not None else -1
        ticks = last + 1 + depth_ticks(net) + 1
    result = simulate_float(net, stimulus, ticks)
    spikes = result.spike_counts()  # neurons only: the input spikes are counted here
    if stimulus is not None:  # one per channel and tick, as the chip counts them
        spikes[net.input] = int((stimulus.tick < ticks).sum())
    cls, values = result.readout()
    out = {"network": net.name, "mode": "float", "ticks": ticks, "tick_us": tick_us,
           "input_events": int(info["events"]), "spikes": spikes,
           "readout": {"class": cls,
                       "values": None if values is None else np.asarray(values).tolist(),
                       "kind": net.readout.kind if net.readout else None}}
    if args.json:
        print_json(out)
        return 0
    print(f"{net.name}, float equations: {ticks} ticks of {tick_us:g} us, "
          f"{out['input_events']} input events")
    print("spikes:         " + ", ".join(f"{k} {v}" for k, v in out["spikes"].items()))
    if net.readout is not None:
        print(_readout_line(net, cls, values))
    return 0
