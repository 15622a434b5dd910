"""Run traces, ``traces/*.h5``: a :class:`~.result.Result` on disk, readable with one call.

Layout (format ``neuroemu-trace``, ``format_version`` 3)::

    /            attrs: format, format_version, network, profile, engine, ticks, tick_us,
                        wall_s, compile_s, settings_json, readout_class (-1 for none),
                        readout_kind, readout_population, profile_toml (the profile file
                        the run used), input_events, input_kind
    /spikes/{tick, neuron, value}           (K,) integers, global neuron index, sorted
    /readout/values                         (n,) readout values
    /counters/<name>                        (C,) int64 per core
    /per_tick/<name>/{tick, core, value}    (K,) integers: the non-zero counts per tick
                                            and core, sorted by (tick, core)
    /registers/{v, u, count}                (N,) int64 after the last tick
    /cores/{population, xy, neurons, synapses, axons}
    /populations: attrs names; datasets offset (P + 1,), model (P,)
    /projections: attrs names, sources, targets, kinds; dataset synapses (n_proj,)
    /probes/{neurons, v, u}
    /records/<population>/<register>        (T, n) registers of whole populations, every
                                            tick (only those recorded; neuroemu.results.records)

Versions 1 and 2 hold ``/per_tick/<name>`` as a dense (T, C) array; they are read
as well. Version 1 (before ``input_events``, ``input_kind``, ``compile_s`` and
``/records``) has no input count and no records. A float run
(``engine='float'``) has no chip to save: it is refused.
"""

from __future__ import annotations

import json

import numpy as np

from ..engine.result import COUNTERS, PER_TICK
from ..engine.tick_counts import TickCounts
from ..errors import NeuroemuError
from ..h5io import Reader, atomic_h5, open_h5
from ..plasticity.dense import PLASTIC_PER_TICK
from .records import Records

#: counters a trace written before them does not hold (read as zeros)
LATER_COUNTERS = ("chip_hops", "trace_updates", "weight_updates", "weight_overflows")

FORMAT = "neuroemu-trace"
FORMAT_VERSION = 3


def write_trace(path, result, h5=None) -> None:
    """Write ``result`` (a :class:`~.result.Result`) to ``path`` atomically (no partial
    file on failure).

    ``h5``: an HDF5 file already open for writing (the run's own, whose records
    were streamed into it); the fields are added to it instead.
    """
    if not result.counters_by_core:
        raise NeuroemuError(f"a {result.engine} run has no chip trace to save (no cores, no "
                            "counters); run on the chip (engine='event') to save it")
    if h5 is not None:
        _write_fields(h5, result)
        return
    with atomic_h5(path) as f:
        _write_fields(f, result)
        if result.records is not None:
            result.records.copy_into(f)


def _write_fields(f, result) -> None:
    f.attrs["format"] = FORMAT
    f.attrs["format_version"] = FORMAT_VERSION
    for key, attr in (("network", "network_name"), ("profile", "profile_name"),
                      ("engine", "engine"), ("ticks", "ticks"), ("tick_us", "tick_us"),
                      ("wall_s", "wall_s"), ("compile_s", "compile_s"),
                      ("readout_kind", "readout_kind"),
                      ("readout_population", "readout_population"),
                      ("input_events", "input_events"), ("input_kind", "input_kind")):
        f.attrs[key] = getattr(result, attr)
    f.attrs["readout_class"] = -1 if result.readout_class is None else result.readout_class
    f.attrs["settings_json"] = json.dumps(result.settings, default=str)
    f.attrs["profile_toml"] = result.profile_toml
    for key, arr in (("tick", result.spike_tick), ("neuron", result.spike_neuron),
                     ("value", result.spike_value)):
        f.create_dataset(f"spikes/{key}", data=arr, compression="gzip")
    f.create_dataset("readout/values", data=result.readout_values)
    for name, arr in result.counters_by_core.items():
        f.create_dataset(f"counters/{name}", data=arr)
    for name, counts in result.per_tick.items():
        for key in ("tick", "core", "value"):
            f.create_dataset(f"per_tick/{name}/{key}", data=getattr(counts, key),
                             compression="gzip")
    for key in ("v", "u", "count"):
        f.create_dataset(f"registers/{key}", data=getattr(result, key))
    for key, arr in (("population", result.core_population), ("xy", result.core_xy),
                     ("neurons", result.core_neurons), ("synapses", result.core_synapses),
                     ("axons", result.core_axons)):
        f.create_dataset(f"cores/{key}", data=arr)
    g = f.create_group("populations")
    g.attrs["names"] = list(result.pop_names)
    g.create_dataset("offset", data=result.pop_offset)
    g.create_dataset("model", data=result.pop_model)
    g = f.create_group("projections")
    for key in ("names", "sources", "targets", "kinds"):
        g.attrs[key] = list(getattr(result, f"proj_{key}"))
    g.create_dataset("synapses", data=result.proj_synapses)
    for key, arr in (("neurons", result.probe_neurons), ("v", result.probe_v),
                     ("u", result.probe_u)):
        f.create_dataset(f"probes/{key}", data=arr)


def read_trace(path) -> dict:
    """The fields of the :class:`~.result.Result` saved at ``path`` by :func:`write_trace`
    (``Result.save``, ``neuroemu run --out``); :func:`neuroemu.load_run` reads a run."""
    with open_h5(path, "trace") as f:
        r = Reader(f, path)
        version = r.format_version(FORMAT, FORMAT_VERSION,
                                   "a run written by neuroemu run --out or Result.save")

        def names(node, key):
            return [x.decode() if isinstance(x, bytes) else str(x) for x in r.attr(node, key)]

        n_cores = int(np.asarray(f["cores/population"]).size) if "cores/population" in f else 0
        ticks = r.attr("/", "ticks", int)
        # runs saved before boards and plasticity hold no such counters: they made none
        counters = {k: (np.zeros(n_cores, np.int64) if k in LATER_COUNTERS
                        and f"counters/{k}" not in f else r.array(f"counters/{k}", "iu",
                                                                 (n_cores,)))
                    for k in COUNTERS}
        per_tick = {k: _tick_counts(r, k, version, ticks, n_cores) for k in PER_TICK}
        per_tick.update({k: _tick_counts(r, k, version, ticks, n_cores)
                         for k in PLASTIC_PER_TICK if f"per_tick/{k}" in f})
        rc = r.attr("/", "readout_class", int)
        return dict(
            network_name=r.attr("/", "network", str), profile_name=r.attr("/", "profile", str),
            engine=r.attr("/", "engine", str), ticks=ticks,
            tick_us=float(r.attr("/", "tick_us")), wall_s=float(r.attr("/", "wall_s")),
            compile_s=float(r.attr("/", "compile_s", default=0.0)),
            settings=r.json("/", "settings_json"), origin=str(path),
            spike_tick=r.array("spikes/tick", "iu"), spike_neuron=r.array("spikes/neuron", "iu"),
            spike_value=r.array("spikes/value", "iu"),
            readout_class=None if rc < 0 else rc,
            readout_kind=r.attr("/", "readout_kind", str),
            readout_values=r.array("readout/values", "iuf"),
            counters_by_core=counters, per_tick=per_tick,
            v=r.array("registers/v", "iu"), u=r.array("registers/u", "iu"),
            count=r.array("registers/count", "iu"),
            core_population=r.array("cores/population", "iu"), core_xy=r.array("cores/xy", "iu"),
            core_neurons=r.array("cores/neurons", "iu"),
            core_synapses=r.array("cores/synapses", "iu"), core_axons=r.array("cores/axons", "iu"),
            pop_names=names("populations", "names"), pop_offset=r.array("populations/offset", "iu"),
            pop_model=r.array("populations/model", "iu"),
            readout_population=r.attr("/", "readout_population", str),
            proj_names=names("projections", "names"), proj_sources=names("projections", "sources"),
            proj_targets=names("projections", "targets"), proj_kinds=names("projections", "kinds"),
            proj_synapses=r.array("projections/synapses", "iu"),
            probe_neurons=r.array("probes/neurons", "iu"), probe_v=r.array("probes/v", "iu"),
            probe_u=r.array("probes/u", "iu"),
            profile_toml=r.attr("/", "profile_toml", str, ""),
            input_events=r.attr("/", "input_events", int, 0),
            input_kind=r.attr("/", "input_kind", str, "none"),
            records=Records.in_file(f, path),
        )


def _tick_counts(r, name: str, version: int, ticks: int, n_cores: int) -> TickCounts:
    """``/per_tick/<name>``: dense (T, C) before version 3, then its non-zero entries."""
    node = f"per_tick/{name}"
    if version < 3:
        return TickCounts.from_dense(r.array(node, "iu", (ticks, n_cores)))
    tick, core, value = (r.array(f"{node}/{key}", "iu") for key in ("tick", "core", "value"))
    if not tick.ndim == core.ndim == value.ndim == 1 or not tick.size == core.size == value.size:
        r.fail(node, f"tick, core and value have shapes {tick.shape}, {core.shape}, "
                     f"{value.shape}, expected one length (K,)")
    for key, arr, top in (("tick", tick, ticks), ("core", core, n_cores)):
        bad = np.flatnonzero((arr < 0) | (arr >= top))
        if bad.size:
            r.fail(f"{node}/{key}", f"entry {bad[0]} = {arr[bad[0]]}, expected 0..{top - 1}")
    key = tick.astype(np.int64) * max(n_cores, 1) + core
    if np.any(key[1:] <= key[:-1]):
        i = int(np.flatnonzero(key[1:] <= key[:-1])[0]) + 1
        r.fail(node, f"entry {i} (tick {tick[i]}, core {core[i]}) is not after entry {i - 1} "
                     f"(tick {tick[i - 1]}, core {core[i - 1]}): expected distinct entries "
                     "sorted by (tick, core)")
    return TickCounts(tick, core, value, ticks, n_cores)
