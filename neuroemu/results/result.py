"""What a run produced: :class:`Result`, the one type of every engine's outcome.

A :class:`Result` holds everything a run produced and everything an energy and
latency report needs (counters per core and per tick, the cores' placement,
the populations and projections), so a finished run can be priced again on
another profile, saved (:meth:`Result.save`) and loaded (:func:`load_run`)
without re-simulation. The fixed-point engines (``'event'``, ``'reference'``)
and the float twin (``'float'``, the network's own equations, no chip) give
the same type; a float run has no cores, counters or energy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import NeuroemuError
from ..mapping.codes import MODEL_INPUT

#: the key of :attr:`Energy.by_population` for what no population's cores spend
CHIP_WIDE = "(chip-wide)"


@dataclass(frozen=True)
class Energy:
    """A run priced on one profile, at three levels (:data:`neuroemu.energy.LEVELS`).

    Attributes
    ----------
    profile : str
        The profile whose figures priced the run.
    total_j : float
        Total energy of the run on that profile, joules: the chip's dynamic energy
        plus static power over the run (leakage and idle management cores).
    dynamic_j : float
        The chip's dynamic energy, joules: the cores' operations plus the chip's
        per-tick costs (barrier sync, management cores' per-step work and active
        power) and host I/O per injected and read-out spike.
    operations_j : float
        The cores' operations only, joules (synaptic ops, weight reads, neuron
        updates, packets, hops).
    static_j : float
        ``total_j - dynamic_j``: static power over the run, joules.
    by_category : dict of str to float
        Joules by category (:data:`neuroemu.energy.CATEGORIES`): the operations,
        tick, management, input_io, output_io, static.
    by_population : dict of str to float
        Joules by population: the operations on its cores and their own leakage;
        plus :data:`CHIP_WIDE` for the chip's per-tick costs, host I/O and static
        power, which no population's cores spend (when not zero), so that the values
        add up to ``total_j``.
    latency_s : float
        The run's chip time, seconds.
    convention_j : float
        The papers' convention: synaptic operations x E_AC (0.9 pJ).
    inferences : int
        Inferences the run holds; the ``per_inference`` figures divide by it.
    report : dict
        Everything the pricing computed (the ``report.json`` keys documented in
        :mod:`neuroemu.reports`).
    """

    profile: str
    total_j: float
    by_category: dict
    by_population: dict
    latency_s: float
    convention_j: float
    dynamic_j: float
    operations_j: float
    inferences: int
    report: dict = field(repr=False)

    @property
    def static_j(self) -> float:
        return self.total_j - self.dynamic_j

    @property
    def per_inference(self) -> dict:
        """{'operations_j', 'dynamic_j', 'total_j', 'latency_s'} of one inference (the
        run's figures divided by :attr:`inferences`)."""
        n = self.inferences
        return {"operations_j": self.operations_j / n, "dynamic_j": self.dynamic_j / n,
                "total_j": self.total_j / n, "latency_s": self.latency_s / n}


@dataclass(eq=False)
class Result:
    """The outcome of one run (see the module docstring).

    Neuron indices are global: population ``p``'s neurons are
    ``pop_offset[p] .. pop_offset[p + 1]`` (:meth:`neurons_of`).

    Attributes
    ----------
    network_name, profile_name : str
        The network and the profile it ran on ('' for a float run).
    engine : str
        'event', 'reference' or 'float'.
    ticks : int
        Ticks run.
    tick_us : float
        Microseconds per tick.
    wall_s, compile_s : float
        Seconds the run took, and compiling or loading the event kernel (not in wall_s).
    settings : dict
        The run's options (network file, input, profile, input mapping, ...).
    input_events, input_kind
        Events or spikes of the input that reached the network, and what the input was
        ('recording', 'events', 'spikes', 'rates' or 'none').
    spike_tick, spike_neuron : int arrays (K,); spike_value : int array (K,)
        Every spike of a neuron, sorted by (tick, neuron); input spikes are counted,
        not recorded.
    readout_class : int or None; readout_values : float array (n,)
        The readout (:meth:`readout`); readout_kind and readout_population name it.
    counters_by_core : dict of int64 arrays (C,)
        Per core: synaptic_ops, neuron_updates, spikes, packets, hops, overflow_v,
        overflow_u (:attr:`counters` sums them). Empty for a float run.
    per_tick : dict of :class:`~neuroemu.engine.tick_counts.TickCounts` (T, C)
        synaptic_ops, neuron_updates and spikes per tick and core (their non-zero
        entries; ``.dense()`` for a small run's (T, C) array).
    v, u, count : arrays (N,)
        Registers after the last tick (int64; float64 for a float run, in network units).
    core_population, core_xy, core_neurons, core_synapses, core_axons : int arrays (C, ...)
        What each core holds and where it sits on the mesh.
    pop_names, pop_offset (P + 1,), pop_model (P,)
    proj_names, proj_sources, proj_targets, proj_kinds, proj_synapses (n_proj,)
    probe_neurons (k,), probe_v, probe_u (T, k)
        Single neurons recorded every tick (``probes=``).
    profile_toml : str
        The profile file the run used, so the run can be priced as it was.
    """

    network_name: str
    profile_name: str
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
    counters_by_core: dict
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
    input_events: int = 0
    input_kind: str = "none"
    compile_s: float = 0.0
    #: spikes of the input population (a float run has no counters to take them from)
    input_spikes: int = 0
    #: the live network and profile of the run (None when loaded from a file)
    network: object = field(default=None, repr=False)
    profile: object = field(default=None, repr=False)
    #: the live run's mapping (a :class:`~neuroemu.mapping.HardwareConfig`), or None
    config: object = field(default=None, repr=False)
    #: a plastic run's final weights (the config's synapse order), else None
    weights: object = field(default=None, repr=False)
    #: where the recorded registers are (a :class:`~.records.Records`), or None
    records: object = field(default=None, repr=False)
    #: the trace file the result was read from ('' for a live run)
    origin: str = ""
    #: why :attr:`network` is None, for the report's note on connection sparsity
    network_note: str = ""

    # -- what the run did --------------------------------------------------------------

    @property
    def n_cores(self) -> int:
        return int(np.asarray(self.core_population).size)

    @property
    def counters(self) -> dict:
        """Totals of the run: synaptic_ops, neuron_updates, spikes, packets, hops, chip_hops,
        overflow_v, overflow_u (ints; the totals ``neuroemu run`` prints). Empty for a
        float run, which counts nothing."""
        return {name: self.total(name) for name in self.counters_by_core}

    def adapted_weights(self, projection: str) -> tuple:
        """``(source, target, weight)`` of a projection after a plastic run (register
        units; :func:`neuroemu.plasticity.adapted.adapted_weights`)."""
        from ..plasticity.adapted import adapted_weights

        return adapted_weights(self, projection)

    def adapted_network(self):
        """The network with the weights a plastic run ended with (save it with
        :func:`neuroemu.save_network`; :func:`neuroemu.plasticity.adapted.adapted_network`)."""
        from ..plasticity.adapted import adapted_network

        return adapted_network(self)

    def total(self, name: str) -> int:
        """The total of one counter (see :attr:`counters`)."""
        return int(np.asarray(self.counters_by_core[name], np.int64).sum())

    def neurons_of(self, population: str) -> slice:
        """Global indices of ``population``'s neurons."""
        if population not in self.pop_names:
            raise NeuroemuError(f"network {self.network_name!r} has no population "
                                f"{population!r}; it has {', '.join(self.pop_names)}")
        p = list(self.pop_names).index(population)
        return slice(int(self.pop_offset[p]), int(self.pop_offset[p + 1]))

    def spike_counts(self) -> dict:
        """Spikes per population, input included (an input spike carrying several events
        counts once), as ``neuroemu run`` prints them."""
        names = list(self.pop_names)
        if self.counters_by_core:
            n = np.bincount(np.asarray(self.core_population, np.int64),
                            weights=self.counters_by_core["spikes"],
                            minlength=len(names)).astype(np.int64)
            return {name: int(n[i]) for i, name in enumerate(names)}
        lo, hi = np.asarray(self.pop_offset[:-1]), np.asarray(self.pop_offset[1:])
        neuron = np.asarray(self.spike_neuron)
        out = {name: int(np.count_nonzero((neuron >= lo[i]) & (neuron < hi[i])))
               for i, name in enumerate(names)}
        inputs = [n for i, n in enumerate(names) if self.pop_model[i] == MODEL_INPUT]
        if inputs:
            out[inputs[0]] = int(self.input_spikes)
        return out

    def spikes(self, population: str, values: bool = False) -> tuple:
        """``(tick, neuron)`` of a population's spikes, neurons numbered within it.

        Parameters
        ----------
        population : str
        values : bool
            Also return each spike's value (+1, -1 for a reverse spike, or a graded
            payload): ``(tick, neuron, value)``.

        Returns
        -------
        tuple of int arrays (K,)
            In (tick, neuron) order. An input population's spikes are counted, not
            recorded (:meth:`spike_counts`): its arrays are empty.
        """
        sl = self.neurons_of(population)
        neuron = np.asarray(self.spike_neuron)
        m = (neuron >= sl.start) & (neuron < sl.stop)
        out = (np.asarray(self.spike_tick)[m].astype(np.int64),
               neuron[m].astype(np.int64) - sl.start)
        return (*out, np.asarray(self.spike_value)[m].astype(np.int64)) if values else out

    def readout(self) -> int | None:
        """The class the network's readout gives (the argmax of :attr:`readout_values`;
        ties go to the lowest index), or None (no readout, or a spike readout without
        spikes)."""
        return self.readout_class

    def registers(self, population: str, register: str = "v", ticks=None) -> np.ndarray:
        """A recorded register of a whole population at every tick.

        Parameters
        ----------
        population : str
        register : {'v', 'u'}
            Membrane, or synaptic current (0 for models without one).
        ticks : slice, optional
            Only these ticks (read from disk without the rest).

        Returns
        -------
        numpy.ndarray (ticks, neurons)
            int32 register values after each tick (float64 in network units for a
            float run).

        Raises
        ------
        NeuroemuError
            The register was not recorded (run with ``record=['pop.v']``).
        """
        if self.records is None or (population, register) not in self.records:
            have = ", ".join(f"{p}.{r}" for p, r in self.records) if self.records else "none"
            raise NeuroemuError(f"register {register!r} of population {population!r} was not "
                                f"recorded in this run (recorded: {have}); run with "
                                f"record=['{population}.{register}'] (--record "
                                f"{population}.{register})")
        return self.records.read(population, register, ticks)

    # -- what it costs ---------------------------------------------------------------------

    def energy(self, profile=None, inferences: int = 1, strict: bool = True) -> Energy:
        """The run priced on ``profile`` (default: the profile it ran on).

        Parameters
        ----------
        profile : str, path or neuroemu.hw.Profile, optional
            Another chip's figures re-price the same counts (cores, packets and hops
            stay those of the run's placement).
        inferences : int
            Inferences the run holds (default 1): :attr:`Energy.per_inference`
            divides by it.
        strict : bool
            Refuse a profile whose chip cannot hold the network (the default, as
            ``neuroemu report`` does); False prices the run's placement anyway and
            says so in the report's notes.

        Raises
        ------
        NeuroemuError
            A float run (no chip), or a profile without energy tables.
        """
        if not self.counters_by_core:
            raise NeuroemuError(f"a {self.engine} run has no chip operations to price; run "
                                "on the chip (engine='event') for energy")
        report = self.price(profile, inferences=inferences, strict=strict)
        lv = report["energy_levels_j"]
        by_population = dict(report["energy_by_population_j"])
        chip = float(sum(report["energy_chip_j"].values()))
        if chip:
            by_population[CHIP_WIDE] = chip
        return Energy(profile=report["profile"], total_j=report["energy_j"],
                      by_category=dict(report["energy_by_category_j"]),
                      by_population=by_population,
                      latency_s=report["latency_s"], convention_j=report["convention_energy_j"],
                      dynamic_j=lv["dynamic"], operations_j=lv["operations"],
                      inferences=int(report["inferences"]), report=report)

    @property
    def latency_s(self) -> float:
        """Chip time of the run on the profile it ran on, seconds."""
        return self.energy().latency_s

    def price(self, profile=None, inferences: int = 1, strict: bool = True) -> dict:
        """Energy, latency and NeuroBench metrics as one JSON-ready dict (the
        ``report.json`` keys of :mod:`neuroemu.reports`); cached per profile.

        A profile other than the run's own is first checked to hold the network
        (:func:`neuroemu.energy.fits.check_holds`): a chip that cannot is refused with
        a :class:`~neuroemu.errors.MappingError` when ``strict`` (the default, as
        ``neuroemu report``), else priced on the run's placement with a note saying so."""
        from ..energy import price

        prof, note = self._pricing_profile(profile)
        if profile is not None and prof.name != self.profile_name:
            from ..energy.fits import check_holds

            held = check_holds(self, prof, self.network, self.origin or "the run",
                               strict=strict)
        else:
            held = ""
        cache = self.__dict__.setdefault("_priced", {})
        key = (prof.name, prof.path, int(inferences) if not isinstance(inferences, bool)
               else inferences)
        if key not in cache:
            cache[key] = price(self, prof, network=self.network, inferences=inferences)
            for extra in (note, held):
                if extra:
                    cache[key]["notes"].append(extra)
        return cache[key]

    def report(self, folder, profile=None, inferences: int = 1, strict: bool = True) -> dict:
        """Write ``report.json``, ``report.txt`` and the figures into ``folder``
        (created if missing); returns the report (``strict``: as :meth:`price`)."""
        from ..reports import write_report

        report = self.price(profile, inferences=inferences, strict=strict)
        prof, _ = self._pricing_profile(profile)
        return write_report(self, prof, folder, network=self.network, report=report)

    def _pricing_profile(self, profile):
        """(profile, note): the one given, else the run's own, else the copy of its file
        the trace keeps (the note says when another had to stand in)."""
        from ..energy.costs import profile_of_run
        from ..hw import Profile, load_profile

        if isinstance(profile, Profile):
            return profile, ""
        if profile is not None:
            return load_profile(profile), ""
        if self.profile is None:
            self.profile, self.__dict__["_profile_note"] = profile_of_run(
                self, self.origin or "the run")
        return self.profile, self.__dict__.get("_profile_note", "")

    # -- files -------------------------------------------------------------------------------

    def save(self, path) -> None:
        """Write the run to ``path`` (HDF5, :mod:`.trace_file`; folders are made)."""
        from .trace_file import write_trace

        write_trace(path, self)

    def close(self) -> None:
        """Release the recorded registers' temporary file (if any); also done when the
        result is garbage-collected."""
        if self.records is not None:
            self.records.close()

    def __repr__(self) -> str:
        cls = self.readout_class
        chip = f" on {self.profile_name}" if self.profile_name else ""
        ops = (f", {self.total('synaptic_ops'):,} synaptic ops" if self.counters_by_core else "")
        return (f"<Result {self.network_name}{chip}, {self.engine} engine: {self.ticks} ticks "
                f"of {self.tick_us:g} us, readout {cls}{ops}>")
