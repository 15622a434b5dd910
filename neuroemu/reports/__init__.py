"""Reports of a run: ``report.json``, ``report.txt`` and PNG figures.

:func:`write_report` prices a trace on a profile (:func:`neuroemu.energy.price`)
and writes, into one folder::

    report.json            the numbers (schema below)
    report.txt             the same as a terminal table (neuroemu.reports.text)
    raster.png             spike raster, one panel per neuron population
    spikes_per_tick.png    spikes per tick of every population
    core_load.png          synaptic operations and energy of each core on the mesh
    energy_breakdown.png   energy by operation, by population, and against the conventions

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
                                        'per-operation estimate'
neuron_policy                           'every_tick' | 'event' (which neuron updates cost)
latency_mode                            'per_tick_work' | 'fixed_tick' | 'real_time'
energy_j                                total energy on the profile
energy_by_category_j                    {category: J}; categories synaptic_ops,
                                        synapse_reads, neuron_updates, neuron_idle,
                                        packets, hops, static (neuroemu.energy.model)
energy_by_population_j                  {population: J}, sum over the population's cores
energy_by_population_category_j         {population: {category: J}}
energy_by_core_j                        [J] per core, in core order
dominant_category, dominant_population  where most energy goes (null when none is spent)
operations_by_category                  {category: int operations} (static: null)
price_by_category                       {category: pJ per operation} (static: W per core)
convention_energy_j                     synaptic_ops x convention_ac_pj (the papers' figure)
convention_ac_pj, convention_mac_pj     E_AC 0.9 pJ, E_MAC 4.6 pJ (Horowitz 2014, 45 nm)
ann_macs                                MACs of the same network as an ANN: one per synapse
ann_mac_pj                              the profile's MAC energy (null: it has none)
ann_equivalent_energy_j                 ann_macs x (ann_mac_pj + synapse read), or null
ann_convention_energy_j                 ann_macs x convention_mac_pj
latency_s                               the run's chip time (sum of tick durations)
real_time_s                             ticks x tick_us: the run's own time span
tick_s                                  {mean, min, max} tick duration
latency_parts_s                         mean tick split: busiest_core_s, routing_s,
                                        barrier_s (per_tick_work) or tick_s
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
effective_acs, effective_macs           NeuroBench Effective_ACs / Effective_MACs (int)
dense_synaptic_ops                      NeuroBench Dense: synapses x ticks (int)
activation_sparsity                     NeuroBench ActivationSparsity (0..1)
connection_sparsity                     NeuroBench ConnectionSparsity (0..1, or null)
footprint_bytes                         NeuroBench Footprint: synapses + state registers
latency_ns                              the profile's per-operation times used (ns)
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
