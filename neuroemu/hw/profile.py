"""Hardware profiles: data files in ``models/*.toml``, each number with its source.

A profile says what a chip's cores can hold, how wide its registers are and
what its operations cost. Numbers live in the file, never in code; the
``[sources]`` table names, for each key, the paper, table or page it comes from.
"""

from __future__ import annotations

import copy
import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python < 3.11
    import tomli as tomllib

from ..errors import ProfileError
from .fixed import OVERFLOW_RULES, ROUNDINGS


def models_dir() -> Path:
    """Folder of the profiles and example networks: ``$NEUROEMU_MODELS`` if set, else
    :func:`shipped_models_dir`."""
    env = os.environ.get("NEUROEMU_MODELS")
    return Path(env) if env else shipped_models_dir()


def shipped_models_dir() -> Path:
    """The ``models/`` shipped with neuroemu.

    ``models/`` of the source tree this package runs from (a checkout or an
    editable install); else the copy a wheel installs under
    ``share/neuroemu/models`` of its prefix (or of the user's base, for
    ``pip install --user``).
    """
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "models").is_dir():
        return root / "models"
    import site
    import sysconfig

    installed = [Path(base) / "share" / "neuroemu" / "models"
                 for base in (sysconfig.get_path("data"), site.getuserbase())]
    return next((d for d in installed if d.is_dir()), installed[0])


@dataclass(frozen=True)
class Profile:
    """A chip: core limits, mesh, register widths and (optional) costs.

    Attributes
    ----------
    neurons_per_core, axons_per_core, synapse_memory_bits : int
        Per-core limits: neurons, distinct input axons (source neurons that
        reach the core), and synapse memory (each synapse takes ``w_bits``).
    state_bits : int
        Bits of each neuron's state kept in the same memory as the synapses
        (``[core] state_bits``; 0, the default, when neuron state has a memory
        of its own): a core holds ``synapses * w_bits + neurons * state_bits <=
        synapse_memory_bits``.
    mesh_width, mesh_height : int
        Cores on the 2-D mesh of one chip; spikes route in x then y.
    chips_x, chips_y : int
        Chips of the board (``[board] chips_x``, ``chips_y``; 1 x 1 by default),
        a grid whose neighbours are linked edge to edge: the board is one mesh of
        ``chips_x * mesh_width`` by ``chips_y * mesh_height`` cores, and a step
        across a chip boundary is an inter-chip hop, not a router hop.
    tile_width, tile_height : int
        Cores per router tile along x and y (``[mesh] tile_width``, ``tile_height``;
        1 when a router serves one core). A packet's hops are counted between
        tiles: cores of one tile exchange spikes without a hop.
    w_bits, v_bits, u_bits : int
        Signed widths of weights, membrane and synaptic current.
    v_overflow, u_overflow : {'saturate', 'wrap'}
    rounding : {'toward_zero', 'floor'}
        Rounding of 12-bit fractional multiplies (decays, scales).
    max_weight_exp : int
        Largest weight exponent (left shift) the synapse supports.
    tables : dict
        The whole file, for the energy model and reports.
    """

    name: str
    description: str
    neurons_per_core: int
    axons_per_core: int
    synapse_memory_bits: int
    mesh_width: int
    mesh_height: int
    w_bits: int
    v_bits: int
    u_bits: int
    v_overflow: str
    u_overflow: str
    rounding: str
    max_weight_exp: int
    path: str = ""
    tables: dict = field(default_factory=dict, compare=False, repr=False)
    tile_width: int = 1
    tile_height: int = 1
    state_bits: int = 0
    chips_x: int = 1
    chips_y: int = 1

    @property
    def synapses_per_core(self) -> int:
        """Synapses a core holds beside one neuron's state."""
        return (self.synapse_memory_bits - self.state_bits) // self.w_bits

    @property
    def chips(self) -> int:
        return self.chips_x * self.chips_y

    @property
    def cores_per_chip(self) -> int:
        return self.mesh_width * self.mesh_height

    @property
    def cores(self) -> int:
        """Cores of the whole board."""
        return self.cores_per_chip * self.chips

    @property
    def tiles(self) -> int:
        """Router tiles on the board."""
        return ((self.mesh_width // self.tile_width) * (self.mesh_height // self.tile_height)
                * self.chips)

    def with_registers(self, **changes) -> Profile:
        """A copy with other register widths, rules or limits (e.g. ``w_bits=4``).

        A router tile must divide the mesh: a new mesh the profile's tile does not
        divide drops the tile (one core per router); a tile given with it that does
        not divide it is refused (:class:`~neuroemu.errors.ProfileError`).
        """
        from dataclasses import replace

        out = replace(self, **changes)
        fits = (out.mesh_width % out.tile_width == 0 and out.mesh_height % out.tile_height == 0)
        if not fits:
            if {"tile_width", "tile_height"} & set(changes):
                raise ProfileError(f"profile {self.name!r}: tile {out.tile_width} x "
                                   f"{out.tile_height} does not divide the mesh "
                                   f"{out.mesh_width} x {out.mesh_height}")
            out = replace(out, tile_width=1, tile_height=1)
        return out


_INT_KEYS = {
    ("core", "neurons"): (1, 1 << 24),
    ("core", "axons"): (1, 1 << 24),
    ("core", "synapse_memory_bits"): (1, 1 << 40),
    ("mesh", "width"): (1, 1 << 16),
    ("mesh", "height"): (1, 1 << 16),
    ("registers", "w_bits"): (1, 16),
    ("registers", "v_bits"): (8, 32),
    ("registers", "u_bits"): (8, 32),
    ("registers", "max_weight_exp"): (0, 24),
}


#: every key a profile file may hold, by table (None: the table's keys are free-form);
#: a key outside these is refused, naming the key and the file
PROFILE_KEYS = {
    "name": None, "description": None,
    "core": ("neurons", "axons", "synapse_memory_bits", "state_bits"),
    "mesh": ("width", "height", "tile_width", "tile_height"),
    "board": ("chips_x", "chips_y"),
    "registers": ("w_bits", "v_bits", "u_bits", "v_overflow", "u_overflow", "rounding",
                  "max_weight_exp"),
    "energy": ("evidence", "scope", "neuron_policy", "synaptic_op_pj", "synapse_read_pj",
               "neuron_update_pj", "neuron_idle_pj", "packet_pj", "hop_pj",
               "static_w_per_core", "ann_mac_pj", "static_w", "management_w", "tick_pj",
               "input_spike_pj", "output_spike_pj", "chip_hop_pj", "synaptic_update_pj"),
    "latency": ("mode", "synaptic_op_ns", "neuron_update_ns", "neuron_idle_ns", "packet_ns",
                "hop_ns", "chip_hop_ns", "synaptic_update_ns", "barrier_ns", "barrier_min_ns",
                "tick_overhead_ns",
                "input_spike_ns", "output_spike_ns", "tick_ns"),
    "convention": ("ac_pj", "mac_pj"),
    "chip": ("arithmetic", "inputs", "hidden_neurons", "outputs", "dash_bits",
             "max_input_count", "max_hidden_spikes", "max_output_spikes", "clock_hz",
             "core_power_w", "inference_energy_j", "inference_s"),
    "sources": None,
}


def check_keys(tables: dict, path: str) -> None:
    """Refuse a key no table of a profile has, and a source naming no such key.

    Raises
    ------
    ProfileError
        Naming the file, the table and the key, and the keys that table takes.
    """
    for key, val in tables.items():
        if key not in PROFILE_KEYS:
            tabs = ", ".join(k for k in PROFILE_KEYS if PROFILE_KEYS[k] is not None or
                             k == "sources")
            raise ProfileError(f"{path}: unknown key {key!r} (a profile has name, description "
                               f"and the tables {tabs})")
        allowed = PROFILE_KEYS[key]
        if allowed is None or not isinstance(val, dict):
            continue
        for sub in val:
            if sub not in allowed:
                raise ProfileError(f"{path}: unknown key [{key}] {sub} (known: "
                                   f"{', '.join(allowed)})")
    sources = tables.get("sources", {})
    if not isinstance(sources, dict):
        raise ProfileError(f"{path}: [sources] must be a table of \"table.key\" = \"source\"")
    for key, val in sources.items():
        pairs = ([(key, k) for k in val] if isinstance(val, dict)
                 else [tuple(key.split(".", 1))] if "." in key else [(key, "")])
        for section, sub in pairs:
            allowed = PROFILE_KEYS.get(section)
            if not isinstance(allowed, tuple) or sub not in allowed:
                raise ProfileError(f"{path}: [sources] {section}.{sub} names no key of a "
                                   "profile (sources are \"table.key\", e.g. "
                                   "\"energy.synaptic_op_pj\")")


def _get(tables: dict, path: str, section: str, key: str):
    try:
        return tables[section][key]
    except (KeyError, TypeError):
        raise ProfileError(f"{path}: missing key [{section}] {key}") from None


def read_toml(path: Path) -> dict:
    """The tables of the TOML file at ``path``, parsed once per version of the file (its
    modification time and size) and returned as a copy of their own each call: a run of
    every recording of a dataset loads its profile each time, and parsing it (twice a
    run, with the energy convention's file) took about 7 % of a short recording's run.

    Raises
    ------
    FileNotFoundError, tomllib.TOMLDecodeError
        As reading and parsing the file would.
    """
    stat = os.stat(path)
    return copy.deepcopy(_parsed(os.path.abspath(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> dict:
    return tomllib.loads(Path(path).read_text())


def available_profiles() -> list[str]:
    """Names of the profiles shipped in ``models/``."""
    return sorted(p.stem for p in models_dir().glob("*.toml"))


def load_profile(name_or_path: str | os.PathLike) -> Profile:
    """Load a profile by name (``loihi``) or by path to a TOML file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = models_dir() / f"{name_or_path}.toml"
        if not path.exists():
            have = ", ".join(available_profiles()) or "none"
            raise ProfileError(f"no hardware profile {str(name_or_path)!r} (shipped: {have})")
    try:
        tables = read_toml(path)
    except FileNotFoundError:
        raise ProfileError(f"{path}: no such profile file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from None
    check_keys(tables, str(path))
    values = {}
    for (section, key), (lo, hi) in _INT_KEYS.items():
        val = _get(tables, str(path), section, key)
        if not isinstance(val, int) or isinstance(val, bool) or not lo <= val <= hi:
            raise ProfileError(
                f"{path}: [{section}] {key} = {val!r}, expected a whole number in {lo}..{hi}"
            )
        values[(section, key)] = val
    choices = {}
    for key, allowed in (("v_overflow", OVERFLOW_RULES), ("u_overflow", OVERFLOW_RULES),
                         ("rounding", ROUNDINGS)):
        val = _get(tables, str(path), "registers", key)
        if val not in allowed:
            raise ProfileError(
                f"{path}: [registers] {key} = {val!r}, expected one of {', '.join(allowed)}"
            )
        choices[key] = val
    tile = {}
    for key, extent in (("tile_width", "width"), ("tile_height", "height")):
        val = tables["mesh"].get(key, 1)
        mesh = values[("mesh", extent)]
        if not isinstance(val, int) or isinstance(val, bool) or not 1 <= val <= mesh \
                or mesh % val:
            raise ProfileError(f"{path}: [mesh] {key} = {val!r}, expected a whole number in "
                               f"1..{mesh} that divides the mesh {extent} {mesh}")
        tile[key] = val
    for section, key, default, hi in (("core", "state_bits", 0, 1 << 16),
                                      ("board", "chips_x", 1, 1 << 10),
                                      ("board", "chips_y", 1, 1 << 10)):
        table = tables.get(section, {})
        val = table.get(key, default) if isinstance(table, dict) else table
        if not isinstance(val, int) or isinstance(val, bool) or not default <= val <= hi:
            raise ProfileError(f"{path}: [{section}] {key} = {val!r}, expected a whole number "
                               f"in {default}..{hi}")
        tile[key] = val
    if tile["state_bits"] >= values[("core", "synapse_memory_bits")]:
        raise ProfileError(f"{path}: [core] state_bits = {tile['state_bits']} leaves no room "
                           f"for synapses in synapse_memory_bits = "
                           f"{values[('core', 'synapse_memory_bits')]}")
    return Profile(
        name=str(tables.get("name", path.stem)),
        description=str(tables.get("description", "")),
        neurons_per_core=values[("core", "neurons")],
        axons_per_core=values[("core", "axons")],
        synapse_memory_bits=values[("core", "synapse_memory_bits")],
        mesh_width=values[("mesh", "width")],
        mesh_height=values[("mesh", "height")],
        w_bits=values[("registers", "w_bits")],
        v_bits=values[("registers", "v_bits")],
        u_bits=values[("registers", "u_bits")],
        max_weight_exp=values[("registers", "max_weight_exp")],
        path=str(path),
        tables=tables,
        **choices,
        **tile,
    )
