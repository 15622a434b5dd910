"""The costs of a hardware profile: its ``[energy]`` and ``[latency]`` tables, validated.

:mod:`neuroemu.hw.profile` loads a profile's core limits, mesh and registers;
this module reads the rest of the same file (``profile.tables``) and checks it.
A missing or malformed key is a :class:`~neuroemu.errors.ProfileError` naming
the file and the key. Every number must have its source in the file's
``[sources]`` table, under ``"energy.<key>"`` or ``"latency.<key>"``: hardware
numbers live in data files with their origin, never in code.

``[energy]`` (picojoules per operation, watts for static power)::

    evidence          'measured' | 'simulated' | 'derived'
    scope             'per-operation minimum' | 'all-in chip average' | 'per-operation estimate'
                      | 'chip floor and marginal per event' (a fitted rate-independent
                      floor in static_w, and the marginal chip energy of an event)
    neuron_policy     'every_tick': the chip updates every neuron of a used core on every
                      tick; counted updates cost neuron_update_pj, the others neuron_idle_pj.
                      'event': only the updates the engine counts are charged.
    synaptic_op_pj    per synaptic accumulate (one per synapse of a delivered spike)
    synapse_read_pj   per synaptic accumulate, for reading its weight (0 when the
                      synaptic-op figure already includes the read)
    neuron_update_pj  per counted neuron update
    neuron_idle_pj    per neuron and tick not counted as an update ('every_tick' only)
    packet_pj         per packet (one per spike, projection and target core)
    hop_pj            per router hop of a packet
    static_w_per_core leakage power of each used core (W), times the run's chip time
    ann_mac_pj        optional: one multiply-accumulate of an ANN on this hardware

  whole-chip terms (optional; a missing one is 0 and the report says so):

    static_w          static power of the chip or board while the run lasts (W): leakage
                      and the management cores idling; times the run's chip time
    management_w      power the management cores draw while a model runs, beyond
                      static_w (W); times the run's chip time (a per-tick cost: the cores
                      stay active for as long as the ticks last)
    tick_pj           fixed energy of every tick: barrier synchronisation and the
                      management cores' per-step work
    input_spike_pj    host I/O: per spike injected into the input population
    output_spike_pj   host I/O: per spike of the readout population read out

  a board of several chips (``[board]`` in the profile) also needs:

    chip_hop_pj       per inter-chip hop of a packet (a step across a chip boundary;
                      0 and not asked for on a one-chip profile)

  a chip that learns on-chip (plastic runs, :mod:`neuroemu.plasticity`):

    synaptic_update_pj  per weight update; without it the profile has no on-chip
                        learning and refuses plastic runs

``[latency]``::

    mode = 'per_tick_work'  a tick lasts as long as its busiest core's work, plus spike
                            routing, the barrier and the chip's fixed per-tick work: keys
                            synaptic_op_ns, neuron_update_ns, neuron_idle_ns, packet_ns,
                            hop_ns, barrier_ns (the barrier across the whole mesh); optional
                            barrier_min_ns (across one tile; the barrier then grows
                            linearly with the tiles the run uses, default barrier_ns),
                            tick_overhead_ns (the management cores' per-step work),
                            input_spike_ns and output_spike_ns (host I/O per spike),
                            each 0 when missing; chip_hop_ns per inter-chip hop
                            (a board of several chips only); synaptic_update_ns per
                            weight update (added to its core's work)
    mode = 'fixed_tick'     every tick lasts tick_ns (a chip with a fixed time step)
    mode = 'real_time'      every tick lasts the run's own tick length (no timing data)

``[convention]`` (in ``models/horowitz45nm.toml``, or in any profile that sets
its own): ``ac_pj`` and ``mac_pj``, the E_AC / E_MAC figures SNN papers use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ProfileError

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

EVIDENCE = ("measured", "simulated", "derived")
SCOPES = ("per-operation minimum", "all-in chip average", "per-operation estimate",
          "chip floor and marginal per event")
NEURON_POLICIES = ("every_tick", "event")
LATENCY_MODES = ("per_tick_work", "fixed_tick", "real_time")

ENERGY_KEYS = ("synaptic_op_pj", "synapse_read_pj", "neuron_update_pj", "neuron_idle_pj",
               "packet_pj", "hop_pj", "static_w_per_core")
#: whole-chip energy terms (optional, 0 when missing): what a chip spends beside its
#: cores' operations
CHIP_ENERGY_KEYS = ("static_w", "management_w", "tick_pj", "input_spike_pj", "output_spike_pj")
#: whole-chip time terms of a 'per_tick_work' profile (optional, 0 when missing)
CHIP_LATENCY_KEYS = ("tick_overhead_ns", "input_spike_ns", "output_spike_ns")
#: what a packet costs crossing from one chip of a board to the next (required when the
#: profile's board has more than one chip; 0 on one chip)
BOARD_KEYS = (("energy", "chip_hop_pj", "picojoules"), ("latency", "chip_hop_ns", "nanoseconds"))
#: what a weight update of a plastic run costs; a profile without synaptic_update_pj has
#: no on-chip learning (neuroemu.plasticity)
LEARNING_KEYS = (("energy", "synaptic_update_pj", "picojoules"),
                 ("latency", "synaptic_update_ns", "nanoseconds"))
LATENCY_KEYS = {
    "per_tick_work": ("synaptic_op_ns", "neuron_update_ns", "neuron_idle_ns", "packet_ns",
                      "hop_ns", "barrier_ns"),
    "fixed_tick": ("tick_ns",),
    "real_time": (),
}
CONVENTION_KEYS = ("ac_pj", "mac_pj")
#: The shipped profile that carries the field's E_AC / E_MAC convention.
CONVENTION_PROFILE = "horowitz45nm.toml"


@dataclass(frozen=True)
class Costs:
    """A profile's validated energy and latency figures.

    Attributes
    ----------
    profile, path : str
        The profile's name and file (for messages).
    evidence, scope, neuron_policy, latency_mode : str
        See the module docstring.
    energy_pj : dict of str -> float
        ``ENERGY_KEYS`` in picojoules (``static_w_per_core`` in watts).
    ann_mac_pj : float or None
        Energy of one ANN multiply-accumulate on this hardware, if the profile gives one.
    latency_ns : dict of str -> float
        The keys of ``LATENCY_KEYS[latency_mode]`` in nanoseconds.
    convention_ac_pj, convention_mac_pj : float
        The literature's E_AC and E_MAC (Horowitz 2014 32-bit float add, multiply-add).
    sources : dict of str -> str
        ``"energy.<key>"`` / ``"latency.<key>"`` / ``"convention.<key>"`` -> source text.
    chip : dict of str -> float
        ``CHIP_ENERGY_KEYS`` (watts for ``*_w``, picojoules otherwise) and, for
        ``per_tick_work``, ``CHIP_LATENCY_KEYS`` and ``barrier_min_ns`` (nanoseconds).
    chip_missing : tuple of str
        Whole-chip keys the profile does not give (priced at 0).
    tile_width, tile_height : int
        The pricing profile's router tiles (for the barrier's span).
    mesh_tiles : int
        Tiles of the mesh the profile's file describes, which its whole-mesh barrier
        figure spans.
    """

    profile: str
    path: str
    evidence: str
    scope: str
    neuron_policy: str
    energy_pj: dict
    ann_mac_pj: float | None
    latency_mode: str
    latency_ns: dict
    convention_ac_pj: float
    convention_mac_pj: float
    sources: dict = field(default_factory=dict)
    chip: dict = field(default_factory=dict)
    chip_missing: tuple = ()
    tile_width: int = 1
    tile_height: int = 1
    mesh_tiles: int = 1


def _source(tables: dict, section: str, key: str):
    """Source text of ``section.key``: flat ``"section.key"`` or nested ``[sources.section]``."""
    sources = tables.get("sources", {})
    if not isinstance(sources, dict):
        return None
    flat = sources.get(f"{section}.{key}")
    if flat is None and isinstance(sources.get(section), dict):
        flat = sources[section].get(key)
    return flat


def _table(tables: dict, path: str, section: str) -> dict:
    table = tables.get(section)
    if table is None:
        raise ProfileError(f"{path}: missing table [{section}] (energy and latency costs; see "
                           "neuroemu/energy/costs.py for its keys)")
    if not isinstance(table, dict):
        raise ProfileError(f"{path}: [{section}] must be a table, found {table!r}")
    return table


def _choice(table: dict, path: str, section: str, key: str, allowed) -> str:
    if key not in table:
        raise ProfileError(f"{path}: missing key [{section}] {key} (one of {', '.join(allowed)})")
    val = table[key]
    if val not in allowed:
        raise ProfileError(f"{path}: [{section}] {key} = {val!r}, expected one of "
                           f"{', '.join(repr(a) for a in allowed)}")
    return val


def _number(tables: dict, table: dict, path: str, section: str, key: str, unit: str) -> float:
    if key not in table:
        raise ProfileError(f"{path}: missing key [{section}] {key} (a number >= 0, {unit})")
    val = table[key]
    if isinstance(val, bool) or not isinstance(val, (int, float)) or not math.isfinite(val) \
            or val < 0:
        raise ProfileError(f"{path}: [{section}] {key} = {val!r}, expected a number >= 0 ({unit})")
    src = _source(tables, section, key)
    if not isinstance(src, str) or not src.strip():
        raise ProfileError(f"{path}: [{section}] {key} has no source; add "
                           f"\"{section}.{key}\" = \"paper, table or page\" to [sources]")
    return float(val)


def convention_of(tables: dict, path: str) -> tuple[float, float, dict]:
    """(E_AC pJ, E_MAC pJ, sources) from ``tables`` if it has ``[convention]``, else from
    the shipped ``models/horowitz45nm.toml``."""
    if "convention" not in tables:
        from ..hw.profile import read_toml, shipped_models_dir

        conv = shipped_models_dir() / CONVENTION_PROFILE
        try:
            tables = read_toml(conv)
        except FileNotFoundError:
            raise ProfileError(f"{conv}: no such file; it holds the E_AC / E_MAC "
                               "convention ([convention] ac_pj, mac_pj)") from None
        except tomllib.TOMLDecodeError as exc:
            raise ProfileError(f"{conv}: not valid TOML ({exc})") from None
        path = str(conv)
    table = _table(tables, path, "convention")
    ac, mac = (_number(tables, table, path, "convention", k, "picojoules")
               for k in CONVENTION_KEYS)
    return ac, mac, {f"convention.{k}": _source(tables, "convention", k) for k in CONVENTION_KEYS}


def load_costs(profile) -> Costs:
    """Validate and return the costs of a :class:`~neuroemu.hw.Profile`.

    Raises
    ------
    ProfileError
        A table or key is missing, a value is not a number >= 0 or not one of
        the allowed words, or a number has no source; the message names the
        file and the key.
    """
    tables = profile.tables or {}
    path = profile.path or f"profile {profile.name!r}"
    energy = _table(tables, path, "energy")
    evidence = _choice(energy, path, "energy", "evidence", EVIDENCE)
    scope = _choice(energy, path, "energy", "scope", SCOPES)
    policy = _choice(energy, path, "energy", "neuron_policy", NEURON_POLICIES)
    prices = {k: _number(tables, energy, path, "energy",
                         k, "watts" if k.endswith("_w_per_core") else "picojoules")
              for k in ENERGY_KEYS}
    ann = None
    if "ann_mac_pj" in energy:
        ann = _number(tables, energy, path, "energy", "ann_mac_pj", "picojoules")
    latency = _table(tables, path, "latency")
    mode = _choice(latency, path, "latency", "mode", LATENCY_MODES)
    times = {k: _number(tables, latency, path, "latency", k, "nanoseconds")
             for k in LATENCY_KEYS[mode]}
    if mode == "fixed_tick" and times["tick_ns"] <= 0:
        raise ProfileError(f"{path}: [latency] tick_ns = {times['tick_ns']!r}, expected a "
                           "number > 0 (nanoseconds)")
    chip, missing = {}, []
    for key in CHIP_ENERGY_KEYS:
        if key in energy:
            chip[key] = _number(tables, energy, path, "energy", key,
                                "watts" if key.endswith("_w") else "picojoules")
        else:
            chip[key] = 0.0
            missing.append(f"energy.{key}")
    timed = (*CHIP_LATENCY_KEYS, "barrier_min_ns")
    if mode == "per_tick_work":
        for key in CHIP_LATENCY_KEYS:
            if key in latency:
                chip[key] = _number(tables, latency, path, "latency", key, "nanoseconds")
            else:
                chip[key] = 0.0
                missing.append(f"latency.{key}")
        chip["barrier_min_ns"] = (
            _number(tables, latency, path, "latency", "barrier_min_ns", "nanoseconds")
            if "barrier_min_ns" in latency else times["barrier_ns"])
        if chip["barrier_min_ns"] > times["barrier_ns"]:
            raise ProfileError(f"{path}: [latency] barrier_min_ns = {chip['barrier_min_ns']!r}"
                               f" exceeds barrier_ns = {times['barrier_ns']!r}; expected the "
                               "one-tile barrier <= the whole-mesh barrier")
    else:
        extra = [k for k in timed if k in latency]
        if extra:
            raise ProfileError(f"{path}: [latency] {extra[0]} applies to mode "
                               f"'per_tick_work' only; mode {mode!r} gives each tick's "
                               "whole duration (remove the key)")
    board = int(getattr(profile, "chips", 1)) > 1
    for section, key, unit in BOARD_KEYS:
        table = energy if section == "energy" else latency
        if key in table or (board and (section == "energy" or mode == "per_tick_work")):
            if not board:
                raise ProfileError(f"{path}: [{section}] {key} prices hops between chips, "
                                   "and the profile has one chip ([board] chips_x, chips_y)")
            chip[key] = _number(tables, table, path, section, key, unit)
        else:
            chip[key] = 0.0
    for section, key, unit in LEARNING_KEYS:
        table = energy if section == "energy" else latency
        chip[key] = _number(tables, table, path, section, key, unit) if key in table else 0.0
    chip["learning"] = "synaptic_update_pj" in energy
    ac, mac, conv_sources = convention_of(tables, path)
    energy_keys = (*ENERGY_KEYS, *(("ann_mac_pj",) if ann is not None else ()),
                   *(k for k in (*CHIP_ENERGY_KEYS, "chip_hop_pj", "synaptic_update_pj")
                     if k in energy))
    latency_keys = ("mode", *LATENCY_KEYS[mode],
                    *(k for k in (*timed, "chip_hop_ns", "synaptic_update_ns") if k in latency))
    sources = {f"{sec}.{k}": _source(tables, sec, k)
               for sec, keys in (("energy", energy_keys), ("latency", latency_keys))
               for k in keys if _source(tables, sec, k)}
    sources.update(conv_sources)
    return Costs(profile=profile.name, path=path, evidence=evidence, scope=scope,
                 neuron_policy=policy, energy_pj=prices, ann_mac_pj=ann, latency_mode=mode,
                 latency_ns=times, convention_ac_pj=ac, convention_mac_pj=mac, sources=sources,
                 chip=chip, chip_missing=tuple(missing),
                 tile_width=int(getattr(profile, "tile_width", 1)),
                 tile_height=int(getattr(profile, "tile_height", 1)),
                 mesh_tiles=_file_tiles(tables, profile))


def _file_tiles(tables: dict, profile) -> int:
    """Router tiles of the mesh the profile's file describes: the span its whole-mesh
    barrier figure is given for (kept when a copy resizes the mesh)."""
    mesh = tables.get("mesh")
    try:
        return max(1, (int(mesh["width"]) // int(mesh.get("tile_width", 1)))
                   * (int(mesh["height"]) // int(mesh.get("tile_height", 1))))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return max(1, int(getattr(profile, "tiles", 1)))


def profile_of_run(trace, where: str):
    """The profile a trace was run on, from the copy of its file the trace keeps.

    Falls back to the shipped profile of the same name when the trace holds no
    copy, or a copy without ``[energy]`` (a trace written before profiles had
    costs). ``where`` names the trace in messages.

    Returns
    -------
    profile : neuroemu.hw.Profile
    note : str
        What was used instead of the trace's copy (empty when the copy was used).
    """
    import tempfile
    from dataclasses import replace

    from ..hw import load_profile

    if not trace.profile_toml:
        return load_profile(trace.profile_name), (
            f"{where} keeps no copy of its profile; priced with the shipped profile "
            f"{trace.profile_name!r}")
    label = f"{where} (its copy of profile {trace.profile_name!r})"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{trace.profile_name or 'run'}.toml"
        path.write_text(trace.profile_toml)
        try:
            profile = load_profile(path)
        except ProfileError as exc:
            raise ProfileError(str(exc).replace(str(path), label)) from None
    if "energy" not in profile.tables:
        return load_profile(trace.profile_name), (
            f"{label} has no [energy] table; priced with the shipped profile "
            f"{trace.profile_name!r}")
    return replace(profile, path=label), ""


def describe_profile(profile) -> dict:
    """A profile as a JSON-ready dict: core limits, mesh, registers, energy and latency
    figures with their kinds (evidence, scope), the papers' convention, and the source
    of every number (what ``neuroemu profiles`` prints)."""
    costs = load_costs(profile)
    sources = profile.tables.get("sources", {})
    flat = {}
    for key, val in sources.items():
        if isinstance(val, dict):
            flat.update({f"{key}.{k}": v for k, v in val.items()})
        else:
            flat[key] = val
    return {
        "name": profile.name, "description": profile.description, "file": profile.path,
        "core": {"neurons": profile.neurons_per_core, "axons": profile.axons_per_core,
                 "synapse_memory_bits": profile.synapse_memory_bits,
                 "state_bits": profile.state_bits},
        "mesh": {"width": profile.mesh_width, "height": profile.mesh_height,
                 "cores": profile.cores, "tile_width": profile.tile_width,
                 "tile_height": profile.tile_height, "tiles": profile.tiles,
                 "chips": profile.chips, "chips_x": profile.chips_x,
                 "chips_y": profile.chips_y},
        "registers": {"w_bits": profile.w_bits, "v_bits": profile.v_bits,
                      "u_bits": profile.u_bits, "v_overflow": profile.v_overflow,
                      "u_overflow": profile.u_overflow, "rounding": profile.rounding,
                      "max_weight_exp": profile.max_weight_exp},
        "energy": {"evidence": costs.evidence, "scope": costs.scope,
                   "neuron_policy": costs.neuron_policy, **costs.energy_pj,
                   "ann_mac_pj": costs.ann_mac_pj,
                   **{k: costs.chip[k] for k in CHIP_ENERGY_KEYS}},
        "latency": {"mode": costs.latency_mode, **costs.latency_ns,
                    **{k: costs.chip[k] for k in (*CHIP_LATENCY_KEYS, "barrier_min_ns")
                       if k in costs.chip}},
        "whole_chip_missing": list(costs.chip_missing),
        "convention": {"ac_pj": costs.convention_ac_pj, "mac_pj": costs.convention_mac_pj,
                       "sources": {k: v for k, v in costs.sources.items()
                                   if k.startswith("convention.")}},
        "sources": flat,
    }
