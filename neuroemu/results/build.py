"""A :class:`~.result.Result` from what an engine returned."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..mapping.codes import model_code
from .result import Result


def from_chip_run(raw, tick_us: float = 1000.0, settings: dict | None = None,
                  input_events: int = 0, input_kind: str = "none", network=None) -> Result:
    """The Result of a fixed-point run (:class:`~neuroemu.engine.RunResult`)."""
    cfg = raw.config
    cls_, values = raw.readout()
    ro = cfg.network.readout
    profile_path = Path(cfg.profile.path) if cfg.profile.path else None
    return Result(
        network_name=cfg.network.name, profile_name=cfg.profile.name, engine=raw.engine,
        ticks=int(raw.ticks), tick_us=float(tick_us), wall_s=float(raw.wall_s),
        compile_s=float(raw.compile_s), settings=dict(settings or {}),
        spike_tick=raw.spike_tick, spike_neuron=raw.spike_neuron, spike_value=raw.spike_value,
        readout_class=cls_, readout_kind=ro.kind if ro else "",
        readout_values=np.asarray(values if values is not None else [], dtype=np.float64),
        counters_by_core=dict(raw.counters), per_tick=dict(raw.per_tick),
        v=raw.v, u=raw.u, count=raw.count,
        core_population=cfg.core_pop, core_xy=cfg.core_xy,
        core_neurons=cfg.core_neurons,
        core_synapses=cfg.core_synapses, core_axons=cfg.core_axons,
        pop_names=cfg.pop_names, pop_offset=cfg.pop_offset, pop_model=cfg.pop_model,
        readout_population=ro.population if ro else "",
        proj_names=[p.name for p in cfg.network.projections],
        proj_sources=[p.source for p in cfg.network.projections],
        proj_targets=[p.target for p in cfg.network.projections],
        proj_kinds=[p.kind for p in cfg.network.projections],
        proj_synapses=cfg.proj_synapses,
        probe_neurons=raw.probe_neurons, probe_v=raw.probe_v, probe_u=raw.probe_u,
        profile_toml=profile_path.read_text() if profile_path and profile_path.exists() else "",
        input_events=int(input_events), input_kind=input_kind,
        network=network if network is not None else cfg.network, profile=cfg.profile,
        config=cfg, weights=raw.weights,
    )


def from_float_run(raw, tick_us: float = 1000.0, settings: dict | None = None,
                   input_events: int = 0, input_kind: str = "none", network=None,
                   stimulus=None) -> Result:
    """The Result of a float run (:class:`~neuroemu.engine.float_reference.FloatResult`):
    no cores, counters or energy; input spikes counted one per channel and tick, as
    the chip counts them."""
    net = raw.network
    cls_, values = raw.readout()
    ro = net.readout
    empty = np.zeros(0, np.int64)
    inputs = 0 if stimulus is None else int(np.count_nonzero(stimulus.tick < raw.ticks))
    return Result(
        network_name=net.name, profile_name="", engine="float", ticks=int(raw.ticks),
        tick_us=float(tick_us), wall_s=float(raw.wall_s), settings=dict(settings or {}),
        spike_tick=raw.spike_tick, spike_neuron=raw.spike_neuron, spike_value=raw.spike_value,
        readout_class=cls_, readout_kind=ro.kind if ro else "",
        readout_values=np.asarray(values if values is not None else [], dtype=np.float64),
        counters_by_core={}, per_tick={}, v=raw.v, u=raw.u, count=raw.count,
        core_population=empty, core_xy=np.zeros((0, 2), np.int64), core_neurons=empty,
        core_synapses=empty, core_axons=empty,
        pop_names=[p.name for p in net.populations], pop_offset=raw.pop_offset,
        pop_model=np.array([model_code(p) for p in net.populations], np.int64),
        readout_population=ro.population if ro else "",
        proj_names=[p.name for p in net.projections],
        proj_sources=[p.source for p in net.projections],
        proj_targets=[p.target for p in net.projections],
        proj_kinds=[p.kind for p in net.projections], proj_synapses=empty,
        probe_neurons=raw.probe_neurons, probe_v=raw.probe_v, probe_u=raw.probe_u,
        input_events=int(input_events), input_kind=input_kind, input_spikes=inputs,
        network=network if network is not None else net,
    )
