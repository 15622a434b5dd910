"""Run traces, ``traces/*.h5``: what a run produced, readable with one call.

Layout (format ``neuroemu-trace``, ``format_version`` 1)::

    /            attrs: format, format_version, network, profile, engine, ticks, tick_us,
                        wall_s, settings_json, readout_class (-1 for none), readout_kind,
                        readout_population, profile_toml (the profile file the run used)
    /spikes/{tick, neuron, value}           (K,) integers, global neuron index, sorted
    /readout/values                         (n,) readout values
    /counters/<name>                        (C,) int64 per core
    /per_tick/<name>                        (T, C) int32 (or int64) per tick and core
    /registers/{v, u, count}                (N,) int64 after the last tick
    /cores/{population, xy, neurons, synapses, axons}
    /populations: attrs names; datasets offset (P + 1,), model (P,)
    /projections: attrs names, sources, targets, kinds; dataset synapses (n_proj,)
    /probes/{neurons, v, u}

A trace holds everything an energy and latency report needs, so a finished run
can be priced again on another profile without re-simulation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..engine.result import COUNTERS, PER_TICK
from ..h5io import Reader, atomic_h5, open_h5

FORMAT = "neuroemu-trace"
FORMAT_VERSION = 1


@dataclass(eq=False)
class Trace:
    """A finished run, as saved (see the module docstring for the fields)."""

    network: str
    profile: str
    engine: str
    ticks: int
    tick_us: float
    wall_s: float
    settings: dict
    spike_tick: np.ndarray
    spike_neuron: np.ndarray
    spike_value: np.ndarray
    readout_class: int | None
    readout_kind: str
    readout_values: np.ndarray
    counters: dict
    per_tick: dict
    v: np.ndarray
    u: np.ndarray
    count: np.ndarray
    core_population: np.ndarray
    core_xy: np.ndarray
    core_neurons: np.ndarray
    core_synapses: np.ndarray
    core_axons: np.ndarray
    pop_names: list
    pop_offset: np.ndarray
    pop_model: np.ndarray
    readout_population: str
    proj_names: list
    proj_sources: list
    proj_targets: list
    proj_kinds: list
    proj_synapses: np.ndarray
    probe_neurons: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    probe_v: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    probe_u: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    profile_toml: str = ""

    @property
    def n_cores(self) -> int:
        return int(self.core_population.size)

    def total(self, name: str) -> int:
        return int(self.counters[name].sum())

    def spike_counts(self) -> dict:
        """Spikes per population (input spikes included)."""
        n = np.bincount(self.core_population, weights=self.counters["spikes"],
                        minlength=len(self.pop_names)).astype(np.int64)
        return {name: int(n[i]) for i, name in enumerate(self.pop_names)}

    def population_of_core(self) -> list[str]:
        return [self.pop_names[p] for p in self.core_population]

    @classmethod
    def from_result(cls, result, tick_us: float = 1000.0, settings: dict | None = None) -> Trace:
        """The trace of a live :class:`~neuroemu.engine.RunResult`."""
        cfg = result.config
        cls_, values = result.readout()
        ro = cfg.network.readout
        proj_syn = np.bincount(cfg.syn_proj, minlength=len(cfg.network.projections))
        profile_path = Path(cfg.profile.path) if cfg.profile.path else None
        return cls(
            network=cfg.network.name, profile=cfg.profile.name, engine=result.engine,
            ticks=int(result.ticks), tick_us=float(tick_us), wall_s=float(result.wall_s),
            settings=dict(settings or {}),
            spike_tick=result.spike_tick, spike_neuron=result.spike_neuron,
            spike_value=result.spike_value,
            readout_class=cls_, readout_kind=ro.kind if ro else "",
            readout_values=np.asarray(values if values is not None else [], dtype=np.float64),
            counters=dict(result.counters), per_tick=dict(result.per_tick),
            v=result.v, u=result.u, count=result.count,
            core_population=cfg.core_pop, core_xy=cfg.core_xy,
            core_neurons=np.bincount(cfg.core_of, minlength=cfg.n_cores),
            core_synapses=cfg.core_synapses, core_axons=cfg.core_axons,
            pop_names=cfg.pop_names, pop_offset=cfg.pop_offset, pop_model=cfg.pop_model,
            readout_population=ro.population if ro else "",
            proj_names=[p.name for p in cfg.network.projections],
            proj_sources=[p.source for p in cfg.network.projections],
            proj_targets=[p.target for p in cfg.network.projections],
            proj_kinds=[p.kind for p in cfg.network.projections],
            proj_synapses=proj_syn.astype(np.int64),
            probe_neurons=result.probe_neurons, probe_v=result.probe_v, probe_u=result.probe_u,
            profile_toml=profile_path.read_text() if profile_path and profile_path.exists() else "",
        )


def write_trace(path, trace: Trace) -> None:
    """Write ``trace`` to ``path`` (atomically)."""
    with atomic_h5(path) as f:
        f.attrs["format"] = FORMAT
        f.attrs["format_version"] = FORMAT_VERSION
        for key in ("network", "profile", "engine", "ticks", "tick_us", "wall_s",
                    "readout_kind", "readout_population"):
            f.attrs[key] = getattr(trace, key)
        f.attrs["readout_class"] = -1 if trace.readout_class is None else trace.readout_class
        f.attrs["settings_json"] = json.dumps(trace.settings, default=str)
        f.attrs["profile_toml"] = trace.profile_toml
        for key, arr in (("tick", trace.spike_tick), ("neuron", trace.spike_neuron),
                         ("value", trace.spike_value)):
            f.create_dataset(f"spikes/{key}", data=arr, compression="gzip")
        f.create_dataset("readout/values", data=trace.readout_values)
        for name, arr in trace.counters.items():
            f.create_dataset(f"counters/{name}", data=arr)
        for name, arr in trace.per_tick.items():
            f.create_dataset(f"per_tick/{name}", data=arr, compression="gzip")
        for key in ("v", "u", "count"):
            f.create_dataset(f"registers/{key}", data=getattr(trace, key))
        for key, arr in (("population", trace.core_population), ("xy", trace.core_xy),
                         ("neurons", trace.core_neurons), ("synapses", trace.core_synapses),
                         ("axons", trace.core_axons)):
            f.create_dataset(f"cores/{key}", data=arr)
        g = f.create_group("populations")
        g.attrs["names"] = list(trace.pop_names)
        g.create_dataset("offset", data=trace.pop_offset)
        g.create_dataset("model", data=trace.pop_model)
        g = f.create_group("projections")
        for key in ("names", "sources", "targets", "kinds"):
            g.attrs[key] = list(getattr(trace, f"proj_{key}"))
        g.create_dataset("synapses", data=trace.proj_synapses)
        for key, arr in (("neurons", trace.probe_neurons), ("v", trace.probe_v),
                         ("u", trace.probe_u)):
            f.create_dataset(f"probes/{key}", data=arr)


def read_trace(path) -> Trace:
    """Read a trace written by :func:`write_trace` (or ``neuroemu run --out``)."""
    with open_h5(path, "trace") as f:
        r = Reader(f, path)
        fmt = r.attr("/", "format", default=None)
        if fmt != FORMAT:
            r.fail("/", f"attribute 'format' = {fmt!r}, expected {FORMAT!r}")
        version = r.attr("/", "format_version", int)
        if version > FORMAT_VERSION or version < 1:
            r.fail("/", f"format_version {version}, this neuroemu reads 1..{FORMAT_VERSION}")

        def names(node, key):
            return [x.decode() if isinstance(x, bytes) else str(x) for x in r.attr(node, key)]

        n_cores = int(np.asarray(f["cores/population"]).size) if "cores/population" in f else 0
        ticks = r.attr("/", "ticks", int)
        counters = {k: r.array(f"counters/{k}", "iu", (n_cores,)) for k in COUNTERS}
        per_tick = {k: r.array(f"per_tick/{k}", "iu", (ticks, n_cores)) for k in PER_TICK}
        rc = r.attr("/", "readout_class", int)
        return Trace(
            network=r.attr("/", "network", str), profile=r.attr("/", "profile", str),
            engine=r.attr("/", "engine", str), ticks=r.attr("/", "ticks", int),
            tick_us=float(r.attr("/", "tick_us")), wall_s=float(r.attr("/", "wall_s")),
            settings=json.loads(r.attr("/", "settings_json", str)),
            spike_tick=r.array("spikes/tick", "iu"), spike_neuron=r.array("spikes/neuron", "iu"),
            spike_value=r.array("spikes/value", "iu"),
            readout_class=None if rc < 0 else rc,
            readout_kind=r.attr("/", "readout_kind", str),
            readout_values=r.array("readout/values", "iuf"),
            counters=counters, per_tick=per_tick,
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
        )
