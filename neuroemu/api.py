"""The library's front door: load a network, run it, read what it did and what it cost.

::

    import neuroemu as ne

    net = ne.load("models/nmnist_cnn.h5")
    res = ne.run(net, "traces/nmnist_4.aedat", profile="loihi")
    res.readout(), res.spike_counts(), res.counters["synaptic_ops"], res.energy().total_j

Every default of a run is decided here, once, and the command line calls these
same functions (``neuroemu run`` is argparse, :func:`run`, print), so a notebook
and the CLI give the same bits:

* profile: the one given, else the one the network's file suggests, else
  :data:`DEFAULT_PROFILE`;
* tick length: ``tick_us``, else ``dt`` (seconds per tick), else the ``dt`` the
  network was made for (an imported NIR graph's), else :data:`DEFAULT_TICK_US`;
  two of them that disagree are an error;
* run length: ``ticks``, else until the last input tick plus the network's
  depth and one tick, so that the last input has crossed the network (drained);
* overflow: :data:`DEFAULT_ON_OVERFLOW` (a warning naming the register, the
  neuron and the tick).
"""

from __future__ import annotations

import math
import os
import warnings
import weakref
from pathlib import Path

from .cores import check_count
from .errors import InputError, InputWarning, NeuroemuError

DEFAULT_PROFILE = "loihi"
DEFAULT_TICK_US = 1000.0
DEFAULT_ON_OVERFLOW = "warn"
ENGINES = ("event", "reference", "float")
OVERFLOW_POLICIES = ("ignore", "warn", "raise")


# -- networks and profiles -------------------------------------------------------------------


def load(path, *, dt: float | None = None, **options):
    """Read a network file: a neuroemu ``net.h5``, a NIR graph or a lava-dl ``.net``.

    The kind is recognised by content, not by name.

    Parameters
    ----------
    path : path-like
    dt : float, optional
        Seconds per tick: NIR stores continuous time, and its time constants and
        delays are discretized with ``dt`` (required when the graph has any).
    **options
        NIR: ``reset`` ('zero' | 'subtract'), ``fire_on`` ('>' | '>='),
        ``discretization`` ('euler' | 'exp'), ``bias`` ('neuron' | 'register'),
        ``readout``, ``notes`` (a list the import's notes are appended to).
        lava-dl: ``input_bias`` (array or ``.npy`` path), ``reset_interval``,
        ``reset_offset``, ``readout``. See :mod:`neuroemu.networks`.

    Returns
    -------
    neuroemu.ir.Network
        Frozen; the profile its file suggests (if any) is kept in its meta.
    """
    from .networks.loader import load_network

    return load_network(path, dt=dt, **options)


def save_network(network, path, profile=None) -> None:
    """Write ``network`` as a ``net.h5`` (atomically; folders are made).

    ``profile``: the profile the file suggests to whoever runs it (default: the
    network's own suggestion).
    """
    from .networks.network_h5 import write_network

    write_network(path, network, profile=getattr(profile, "name", profile))


def profiles() -> list[str]:
    """Names of the hardware profiles available (``models/*.toml``, or ``$NEUROEMU_MODELS``)."""
    from .hw import available_profiles

    return available_profiles()


def load_profile(name):
    """A hardware profile by name (``'loihi'``, ``'truenorth'``, ...) or TOML path."""
    from .hw import load_profile as _load

    return _load(name)


def describe_profile(profile) -> dict:
    """A profile's limits, registers, costs and the source of every number (a dict)."""
    from .energy.costs import describe_profile as _describe

    return _describe(profile if not isinstance(profile, (str, os.PathLike))
                     else load_profile(profile))


def resolve_profile(network, profile=None):
    """The profile a run of ``network`` uses: ``profile``, else the network's suggestion,
    else :data:`DEFAULT_PROFILE`."""
    from .hw import Profile
    from .networks.loader import suggested_profile

    if isinstance(profile, Profile):
        return profile
    return load_profile(profile or suggested_profile(network) or DEFAULT_PROFILE)


def map_network(network, profile=None):
    """Quantize ``network`` onto a profile's registers and place it on its cores.

    Returns a :class:`~neuroemu.mapping.HardwareConfig`; design-rule violations
    raise :class:`~neuroemu.errors.MappingError` naming the core, limit and value.
    The mapping is kept while ``network`` lives: mapping it again on the same
    profile gives the same (frozen) configuration without the work, so that
    repeated runs of one network (a loop over recordings, the tasks of
    :func:`neuroemu.evaluate` on a worker) map it once, and the event kernel's view
    of the mapping (kept per mapping) is built once too. Mapping is a pure function
    of the network and the profile's fields, so a kept mapping gives the same bits
    as a new one; the key includes the profile's whole file (its costs, which
    price the run).
    """
    import json

    from .mapping import map_network as _map

    prof = resolve_profile(network, profile)
    key = (prof, json.dumps(prof.tables, sort_keys=True, default=str))
    kept = _MAPPED.setdefault(network, {})
    cfg = kept.get(key)
    if cfg is None:
        cfg = _map(network, prof)
        if len(kept) >= _MAPPED_PER_NETWORK:
            kept.pop(next(iter(kept)))
        kept[key] = cfg
    return cfg


#: network -> {(profile, its tables as JSON): HardwareConfig}, for as long as the network lives
_MAPPED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: mappings kept per network (a sweep over profiles keeps each)
_MAPPED_PER_NETWORK = 8


def describe(network, profile=None) -> dict:
    """What ``network`` is and how it maps onto a profile (what ``neuroemu info`` prints):
    populations, projections, cores, register widths, quantization errors."""
    from .mapping.report import summary

    return summary(network, map_network(network, profile))


def export_nir(network, path, *, dt: float | None = None, lossy: bool = False) -> list[str]:
    """Write ``network`` as a NIR graph; returns the export's notes.

    ``dt``: seconds per tick, to turn decays and delays back into seconds
    (default: the ``dt`` of a NIR import). ``lossy``: drop what NIR cannot
    express with a warning instead of refusing.
    """
    from .networks.nir_export import write_nir

    notes: list = []
    write_nir(network, path, dt=dt, lossy=lossy, notes=notes)
    return notes


# -- running -------------------------------------------------------------------------------


def network_dt(network) -> float | None:
    """Seconds per tick a network was made for (an imported NIR graph's ``dt``), or None."""
    dt = dict(network.meta).get("dt", "")
    return float(dt) if dt else None


def tick_length_us(tick_us=None, dt=None, net_dt=None, label: str = "the network",
                   binned: bool = False) -> float:
    """Microseconds per tick by the rule in the module docstring.

    ``binned``: the input is sensor events binned into ticks, which needs a whole
    number of microseconds.

    Raises
    ------
    InputError
        Two of them disagree, or one is out of range.
    """
    if dt is not None and not 0 < dt <= 3600:
        raise InputError(f"--dt {dt:g}: expected seconds per tick in (0, 3600]")
    if tick_us is not None and not 0 < tick_us <= 3.6e9:
        raise InputError(f"--tick-us {tick_us:g}: expected microseconds in (0, 3.6e9]")
    if dt is not None and net_dt is not None and not math.isclose(dt, net_dt, rel_tol=1e-9):
        raise InputError(f"--dt {dt:g}: {label} was made for dt = {net_dt:g} s (its "
                         "time constants are discretized for it); give --dt "
                         f"{net_dt:g} or re-import the network")
    given = "--dt" if dt is not None else "the network's dt"
    dt = dt if dt is not None else net_dt
    dt_us = None
    if dt is not None:
        dt_us = dt * 1e6
        if math.isclose(dt_us, round(dt_us), rel_tol=1e-9):
            dt_us = float(round(dt_us))  # 1e-4 s is 100 us, not 100.00000000000001
    if tick_us is None:
        if dt_us is not None and binned and dt_us != round(dt_us):
            raise InputError(f"{given} {dt:g}: a tick of {dt_us:g} us, but input is binned "
                             "into ticks of whole microseconds")
        return DEFAULT_TICK_US if dt_us is None else dt_us
    if dt_us is not None and not math.isclose(tick_us, dt_us, rel_tol=1e-9):
        raise InputError(f"--tick-us {tick_us:g} and {given} {dt:g} ({dt_us:g} us) "
                         "disagree; give one of them, or none")
    return float(tick_us)


def run(network, input=None, *, profile=None, ticks: int | None = None,
        tick_us: float | None = None, dt: float | None = None, engine: str = "event",
        on_overflow: str = DEFAULT_ON_OVERFLOW, seed: int = 0, record=(), probes=(),
        out=None, crop=None, downsample: int = 1, polarity: str | None = None,
        flip_x: bool = False, flip_y: bool = False, start_us: float = 0,
        duration_us: float | None = None, binning: str = "count", lenient: bool = False,
        input_format: str | None = None, plasticity=None, threads: int | None = None,
        progress=True):
    """Run a network on the emulated chip (or its float twin) and return what it did.

    Parameters
    ----------
    network : Network or path-like
        A network (:func:`load`) or a network file (read with ``dt``).
    input : path, numpy array, tuple, dict or Stimulus, optional
        A recording (AEDAT 2.0/3.1/4.0, N-MNIST; streamed), ``.npz``/``.npy``
        spikes, events or rates, an event array with fields ``t`` (µs), ``x``,
        ``y``, ``p``, or spikes ``(tick, channel[, value])`` (see
        :mod:`neuroemu.inputs.load`). None runs without input (give ``ticks``).
    profile : str, path or Profile, optional
        The chip (module docstring for the default).
    ticks : int, optional
        Run length (default: until the network has drained the last input; without
        input, a network whose layers reset every R ticks, as lava-dl's protocol does
        (``load(..., reset_interval=R)``), runs one sample: R ticks plus its depth).
    tick_us, dt : float, optional
        Microseconds per tick, or seconds per tick (module docstring).
    engine : {'event', 'reference', 'float'}
        The event-driven kernel, the dense reference (bit-identical, slow), or the
        network's own float equations (no quantization, no chip: no counters or
        energy; to check an import against its framework).
    on_overflow : {'warn', 'ignore', 'raise'}
        What a register overflow does ('raise': :class:`~neuroemu.errors.RegisterOverflow`).
    seed : int
        Seed of rate-coded input.
    record : sequence of str
        Registers of whole populations to record at every tick, ``'POP.v'`` or
        ``'POP.u'``; streamed to HDF5 as the run goes (into ``out``, else a
        temporary file) and read with :meth:`Result.registers`.
    probes : sequence of str or (population, index)
        Single neurons (``'POP:INDEX'``) whose v and u are kept in memory every tick
        (``Result.probe_v``, ``Result.probe_u``; ``Result.probe_neurons`` their
        global indices).
    out : path-like, optional
        Also write the run's trace here (HDF5; :func:`load_run` reads it).
    crop, downsample, polarity, flip_x, flip_y, start_us, duration_us, binning
        How sensor events become input spikes (:class:`~neuroemu.inputs.input_map.InputMap`);
        ``polarity`` defaults to 'keep' for an input of shape (2, H, W), else 'merge'.
    lenient : bool
        Drop (and count) damaged records of a recording instead of refusing it.
    input_format : str, optional
        ``'nmnist'`` reads a headerless recording as N-MNIST whatever its name (a file
        named ``.bin`` is read so without it; AEDAT files say what they are).
    plasticity : neuroemu.BCM, optional
        Adapt the weights during the run, as a chip that learns on-chip does
        (:mod:`neuroemu.plasticity`; the profile must have on-chip learning). The
        adapted weights: :meth:`Result.adapted_weights`, :meth:`Result.adapted_network`.
    threads : int, optional
        Threads the event engine spreads a tick's work over (default: the cores this
        process may use, once the kernel's threaded version is compiled:
        :func:`neuroemu.engine.event.run_threads`); a tick with little work runs on one.
        The result is the same bits for any number
        (:mod:`neuroemu.engine.kernels.threaded`).
    progress : bool or Progress
        A progress bar on stderr for runs longer than a second, and a note before the
        event kernel compiles (the first run after installing; cached on disk), and
        before its threaded version compiles in a long run
        (:func:`neuroemu.engine.event.run_threads`).

    Returns
    -------
    neuroemu.results.Result

    Warns
    -----
    OverflowWarning
        A register overflowed (``on_overflow='warn'``).
    InputWarning
        No input event reached the network.
    """
    from .engine.float_reference import simulate_float
    from .inputs.load import gather, is_path, load_input
    from .ir import Network
    from .ir.graph import depth_ticks
    from .progress import as_progress
    from .results.build import from_chip_run, from_float_run
    from .results.recording import Recording

    net = network if isinstance(network, Network) else load(network, dt=dt)
    if input is None and ticks is None:
        ticks = _sample_ticks(net)
    _check_run(net, input, engine, on_overflow, seed, ticks, profile, out)
    if threads is not None:
        check_count(threads, "threads")
    chip = engine != "float"
    if plasticity is not None and not chip:
        raise InputError("plasticity adapts the chip's weights: engine 'float' does not apply")
    cfg = map_network(net, profile) if chip else None
    learn = None
    if plasticity is not None:
        from .plasticity.rule import plan

        learn = plan(cfg, plasticity)
    step_us = tick_length_us(tick_us, dt, network_dt(net), _label(network, net),
                             binned=input is not None)
    stimulus, info = None, {"kind": "none", "events": 0}
    if input is not None:
        shape = net.population(net.input).shape
        imap = _input_map(shape, step_us, ticks, crop=crop, downsample=downsample,
                          polarity=polarity, flip_x=flip_x, flip_y=flip_y, start_us=start_us,
                          duration_us=duration_us, binning=binning)
        stimulus, info = load_input(input, shape, imap, ticks=ticks, seed=seed,
                                    strict=not lenient, format=input_format)
        if engine != "event":  # the dense engines take the whole input at once
            stimulus = gather(stimulus, int(net.population(net.input).size))
    drain = depth_ticks(net) + 1
    if ticks is None and engine != "event":
        ticks = (stimulus.last_tick if stimulus is not None else -1) + 1 + drain
    rec = Recording(net, record, probes, out if chip else None, float_registers=not chip)
    with as_progress(progress) as bar, rec:
        if chip:
            raw = _run_chip(cfg, stimulus, ticks, engine, on_overflow, rec, bar, drain, learn,
                            threads)
        else:
            raw = simulate_float(net, stimulus, ticks, probes=rec.neurons, progress=bar)
            rec.take(raw.probe_v, raw.probe_u)
        shown_input = str(input) if is_path(input) else (None if input is None else "array")
        if input is not None and int(info["events"]) == 0:
            warnings.warn(f"no input event reached the network from {shown_input} "
                          f"({_no_input_hint(info['kind'], ticks)})", InputWarning,
                          stacklevel=2)
        settings = {
            "network": str(Path(network).resolve()) if is_path(network) else net.name,
            "input": shown_input, "profile": cfg.profile.name if chip else "",
            "ticks": raw.ticks, "tick_us": step_us, "seed": seed, "engine": engine,
            "on_overflow": on_overflow, "binning": binning, "crop": crop,
            "downsample": downsample, "polarity": polarity, "flip_x": flip_x,
            "flip_y": flip_y, "start_us": start_us, "duration_us": duration_us,
            "record": list(record),
            "plasticity": None if plasticity is None else plasticity.describe(),
        }
        common = dict(tick_us=step_us, settings=settings, input_events=int(info["events"]),
                      input_kind=info["kind"], network=net)
        result = (from_chip_run(raw, **common) if chip
                  else from_float_run(raw, stimulus=stimulus, **common))
        rec.finish(result)
    return result


def check_run_options(network, *, profile=None, ticks: int | None = None,
                      tick_us: float | None = None, dt: float | None = None,
                      engine: str = "event", on_overflow: str = DEFAULT_ON_OVERFLOW,
                      seed: int = 0, crop=None, downsample: int = 1, polarity: str | None = None,
                      flip_x: bool = False, flip_y: bool = False, start_us: float = 0,
                      duration_us: float | None = None, binning: str = "count",
                      lenient: bool = False, input_format: str | None = None) -> float:
    """Refuse, before any work, the options that :func:`run` of ``network`` on a recording
    would refuse (for callers that run many recordings with one set of options, such as
    :func:`neuroemu.evaluate`); returns the tick length in microseconds.

    Raises
    ------
    InputError, NeuroemuError
        The same errors, with the same messages, as :func:`run`.
    """
    _check_run(network, "recording", engine, on_overflow, seed, ticks,
               profile if engine == "float" else None, None)
    step_us = tick_length_us(tick_us, dt, network_dt(network), _label(network, network),
                             binned=True)
    _input_map(network.population(network.input).shape, step_us, ticks, crop=crop,
               downsample=downsample, polarity=polarity, flip_x=flip_x, flip_y=flip_y,
               start_us=start_us, duration_us=duration_us, binning=binning)
    return step_us


def _check_run(net, input, engine, on_overflow, seed, ticks, profile, out) -> None:
    """What :func:`run` refuses before any work."""
    if engine not in ENGINES:
        raise NeuroemuError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if on_overflow not in OVERFLOW_POLICIES:
        raise NeuroemuError(f"on_overflow {on_overflow!r}: expected one of "
                            f"{', '.join(OVERFLOW_POLICIES)}")
    if int(seed) != seed or seed < 0:
        raise InputError(f"--seed {seed}: expected a whole number >= 0")
    if ticks is not None and (int(ticks) != ticks or ticks < 1):
        raise InputError(f"--ticks {ticks}: expected a whole number >= 1")
    if engine == "float" and (profile is not None or out is not None):
        given = [n for n, v in (("profile", profile), ("out", out)) if v is not None]
        raise InputError(f"engine 'float' runs the float equations, not the chip: "
                         f"{' and '.join(given)} do not apply")
    if net.input is None and input is not None:
        raise InputError(f"network {net.name!r} has no input population; run without input")
    if input is None and ticks is None:
        raise InputError("without --input, give --ticks (the run length; a lava-dl network "
                         "read with --reset-interval R runs R ticks plus its depth)")


def _sample_ticks(net) -> int | None:
    """One sample of a network whose layers reset every R ticks: R plus its depth (None
    when nothing resets)."""
    from .ir.graph import depth_ticks

    every = max((int(getattr(p.neuron, "reset_interval", 0) or 0) for p in net.populations
                 if p.neuron is not None), default=0)
    return every + depth_ticks(net) if every > 0 else None


def _label(network, net) -> str:
    from .inputs.load import is_path

    return str(network) if is_path(network) else f"network {net.name!r}"


def _run_chip(cfg, stimulus, ticks, engine, on_overflow, rec, bar, drain, learn=None,
              threads=None):
    """The fixed-point engines, with the compile note and the records streamed."""
    from .engine import simulate

    if engine == "event":
        from .engine.event import compile_notice

        notice = compile_notice(cfg, plastic=learn is not None, threads=threads)
        if notice is not None:
            bar.note(notice)
        if learn is not None:
            from .plasticity.kernel import compiles

            if compiles():
                bar.note("compiling the plasticity steps (the first plastic run after "
                         "installing; cached on disk)")
        return simulate(cfg, stimulus, ticks, engine="event", probes=rec.neurons,
                        on_overflow=on_overflow, progress=bar, drain_ticks=drain,
                        probe_sink=rec.take, plasticity=learn, threads=threads,
                        note=bar.note)
    raw = simulate(cfg, stimulus, ticks, engine="reference", probes=rec.neurons,
                   on_overflow=on_overflow, progress=bar, plasticity=learn)
    rec.take(raw.probe_v, raw.probe_u)
    return raw


def _input_map(shape, tick_us: float, ticks: int | None, *, crop, downsample, polarity,
               flip_x, flip_y, start_us, duration_us, binning):
    """The InputMap of a run; with ``ticks``, the time window ends with the run.

    Events after the last tick run would never reach the network: leaving them
    out of the window also leaves them out of the count of input events.
    """
    from .inputs.input_map import InputMap

    if isinstance(crop, str):
        try:
            crop = tuple(int(x) for x in crop.split(","))
        except ValueError:
            crop = ()
        if len(crop) != 4:
            raise InputError(f"--crop {crop!r}: expected four integers X0,Y0,W,H")
    if polarity is None:
        polarity = "keep" if len(shape) == 3 and shape[0] == 2 else "merge"
    if ticks is not None:
        duration_us = ticks * tick_us if duration_us is None else min(duration_us,
                                                                      ticks * tick_us)
    return InputMap(tick_us=tick_us, crop=crop, downsample=downsample, polarity=polarity,
                    flip_x=flip_x, flip_y=flip_y, start_us=start_us, duration_us=duration_us,
                    binning=binning)


def _no_input_hint(kind: str, ticks: int | None) -> str:
    """What to check when no input event reached the network, by kind of input."""
    if kind in ("spikes", "rates"):
        return "it has no spike" + (f" before tick {ticks}" if ticks else "")
    window = ["--start-us", "--duration-us", "--crop"] + ["--ticks"] * bool(ticks)
    return f"the recording may be empty; else check {', '.join(window[:-1])} and {window[-1]}"


def load_run(path, network=None):
    """Read a run saved by :meth:`Result.save` (or ``neuroemu run --out``).

    Parameters
    ----------
    path : path-like
    network : Network or path-like, optional
        The network it ran, for the connection sparsity of its report; must be the
        same network (name, populations, projections). Default: the ``net.h5``
        named in the run's settings, when it still exists and matches.

    Returns
    -------
    neuroemu.results.Result
        Without a live profile: pricing uses the copy of the profile file the
        trace keeps.
    """
    from .ir import Network
    from .results.result import Result
    from .results.trace_file import read_trace

    result = Result(**read_trace(path))
    if network is not None:
        label = str(network)
        net = network if isinstance(network, Network) else load(network)
        if not _same_network(net, result):
            raise NeuroemuError(
                f"--network {label}: network {net.name!r} is not the one the trace "
                f"{path} was run on ({result.network_name!r}, populations "
                f"{', '.join(result.pop_names)})")
        result.network = net
    else:
        result.network, result.network_note = _network_of_run(result)
    return result


def _same_network(net, result) -> bool:
    return (net.name == result.network_name
            and [p.name for p in net.populations] == list(result.pop_names)
            and [p.name for p in net.projections] == list(result.proj_names))


def _network_of_run(result):
    """(the network named in the run's settings, or None; why not)."""
    path = (result.settings or {}).get("network")
    if not path or not Path(path).exists():
        return None, (f"network file {path} not found" if path else
                      "the trace does not name its network file")
    from .networks.loader import network_kind

    try:
        if network_kind(path) != "neuroemu":
            # NIR and lava-dl imports take options (dt, ...) a trace does not keep
            return None, (f"{path} is not a neuroemu net.h5 (pass the network with "
                          "neuroemu report --network FILE)")
        net = load(path)
    except NeuroemuError as exc:
        return None, f"network file {path} could not be read ({exc})"
    if not _same_network(net, result):
        return None, f"network file {path} no longer matches the trace"
    return net, ""
