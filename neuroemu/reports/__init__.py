"""Reports of a run: ``report.json``, ``report.txt`` and PNG figures.

:func:`write_report` prices a trace on a profile (:func:`neuroemu.energy.price`)
and writes, into one folder::

    report.json            the numbers (schema below)
    report.txt             the same as a terminal table (neuroemu.reports.text)
    raster.png             spike raster, one panel per neuron population
    spikes_per_tick.png    spikes per tick of every population
    core_load.png          time each core works (or its operations) and energy per core on the mesh
    energy_breakdown.png   energy by category, by population, and the levels per inference
                           beside the conventions and the ANN (one unit throughout)

``report.json`` schema (``schema`` = "neuroemu-report", ``schema_version`` = 1).
Energies in joules, times in seconds unless the key says otherwise; "int" are
exact counts from the run's counters. A key is added, never renamed, within a
schema version.

======================================  ================================================
key                                     meaning
======================================  ================================================
schema, schema_version                  "neuroemu-report", 1
network, run_profile, engine            the run: network name, profile it ran on, engine
profile, profile_description            the profile the report prices with
profile_sha256                          SHA-256 of the profile's tables (canonical JSON)
ticks, tick_us, cores                   run length, the run's tick length (us), cores used
evidence                                'measured' | 'simulated' | 'derived' (the figures)
scope                                   'per-operation minimum' | 'all-in chip average' |
                                        'per-operation estimate' | 'chip floor and
                                        marginal per event'
neuron_policy                           'every_tick' | 'event' (which neuron updates cost)
latency_mode                            'per_tick_work' | 'fixed_tick' | 'real_time'
energy_j                                TOTAL energy of the run on the profile (level
                                        'total'; the same as energy_levels_j.total)
energy_levels_j                         {operations, dynamic, total}: the cores'
                                        operations only; chip dynamic = operations +
                                        per-tick costs + host I/O; total = dynamic +
                                        static power over the run (neuroemu.energy.model)
inferences                              inferences the run is taken to hold (default 1)
energy_per_inference_j                  energy_levels_j divided by inferences
latency_per_inference_s                 latency_s divided by inferences
level_of_category                       {category: level at which it first counts}
energy_by_category_j                    {category: J}; categories synaptic_ops,
                                        synapse_reads, neuron_updates, neuron_idle,
                                        packets, hops (operations); tick, management,
                                        input_io, output_io (dynamic); static (total)
energy_chip_j                           {tick, management, input_io, output_io, static}:
                                        the chip-wide terms (static: static_w x chip time)
energy_by_population_j                  {population: J}: its cores' operations and their
                                        own leakage (static_w_per_core); chip-wide terms
                                        are in energy_chip_j
energy_by_population_category_j         {population: {category: J}}
energy_by_core_j                        [J] per core, in core order (as by population)
dominant_category, dominant_population  where most energy goes (null when none is spent)
operations_by_category                  {category: int count}: operations; ticks (tick);
                                        injected / read-out spikes (input_io, output_io);
                                        null for management and static
price_by_category                       {category: price}: pJ per count; W for
                                        management and static (static: static_w)
static_price_w                          {static_w, static_w_per_core}
convention_energy_j                     synaptic_ops x convention_ac_pj (the papers' figure)
convention_ac_pj, convention_mac_pj     E_AC 0.9 pJ, E_MAC 4.6 pJ (Horowitz 2014, 45 nm)
ann_macs                                MACs of one forward pass (one inference) of the
                                        same network as an ANN: the logical network's
                                        connections (dense_synaptic_ops_per_tick)
ann_mac_pj                              the profile's MAC energy (null: it has none)
ann_equivalent_energy_j                 ann_macs x (ann_mac_pj + synapse read), or null:
                                        one inference, beside energy_per_inference_j
ann_convention_energy_j                 ann_macs x convention_mac_pj (one inference)
latency_s                               the run's chip time (sum of tick durations)
real_time_s                             ticks x tick_us: the run's own time span
tick_s                                  {mean, min, max} tick duration
latency_parts_s                         mean tick split: busiest_core_s, routing_s,
                                        barrier_s, host_s (per_tick_work) or tick_s
busy_s_by_core                          [s] each core's work over the run (per_tick_work;
                                        null otherwise)
first_output_tick                       tick of the readout population's first spike
time_to_first_output_s                  chip time to the end of that tick (null: none)
decision_tick, decision_class           stable decision (neuroemu.energy.latency)
time_to_decision_s                      chip time to the end of decision_tick (or null)
readout_kind, readout_population        the network's readout
readout_class                           the run's final readout class (or null)
synaptic_ops                            int, one per stored synapse of a delivered spike
neuron_updates                          int, updates the engine counted
neuron_idle_updates                     int, other neuron-ticks charged ('every_tick')
spikes, neuron_spikes, input_spikes     int, all / of neurons / of the input population
packets, hops, overflows                int
counts_by_population                    {population: {synaptic_ops, neuron_updates,
                                        spikes, packets, hops}} per receiving/owning core
effective_acs, effective_macs           NeuroBench Effective_ACs / Effective_MACs (int),
                                        on the logical network
dense_synaptic_ops                      NeuroBench Dense: connections x ticks (int)
dense_synaptic_ops_per_tick             the logical network's connections (int)
neurobench_network                      'logical', or 'chip' without the network
activation_sparsity                     NeuroBench ActivationSparsity (0..1)
connection_sparsity                     NeuroBench ConnectionSparsity (0..1, or null)
footprint_bytes                         NeuroBench Footprint: weights + state registers
latency_ns                              the profile's times used (ns), whole-chip ones too
sources                                 {"energy.<key>" | "latency.<key>" |
                                        "convention.<key>": source of the figure}
notes                                   [str], caveats that apply to this report
files                                   [str], the figure files written beside it
======================================  ================================================

NeuroBench metrics follow :mod:`neuroemu.energy.neurobench`.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import NeuroemuError

__all__ = ["format_text", "write_report"]


def format_text(report: dict) -> str:
    """The report as a terminal table (see :mod:`.text`)."""
    from .text import format_text as _fmt

    return _fmt(report)


def write_report(trace, profile, out_dir, network=None, report=None) -> dict:
    """Price ``trace`` on ``profile`` and write the report into ``out_dir``.

    Everything is drawn into a hidden staging folder inside ``out_dir`` and then
    moved into place, ``report.json`` last, so a failure leaves ``out_dir`` as
    it was: never a half-written ``report.json``.

    Parameters
    ----------
    trace : neuroemu.results.Result
    profile : neuroemu.hw.Profile
    out_dir : str or os.PathLike
        Created if missing.
    network : neuroemu.ir.Network, optional
        For connection sparsity (see :func:`neuroemu.energy.price`).
    report : dict, optional
        The run already priced on ``profile`` (``Result.price``); priced here if None.

    Returns
    -------
    dict
        The report as written to ``report.json`` (schema in the module docstring).
    """
    from ..energy import price
    from .figures import write_figures
    from .text import format_text as _fmt

    if report is None:
        report = price(trace, profile, network=network)
    report = dict(report)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise NeuroemuError(f"--report {out}: exists and is not a folder") from None
    stage = Path(tempfile.mkdtemp(dir=out, prefix=".report-"))
    try:
        report["files"] = write_figures(trace, report, stage)
        (stage / "report.txt").write_text(_fmt(report))
        (stage / "report.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
        for name in [*report["files"], "report.txt", "report.json"]:
            os.replace(stage / name, out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return report
