"""Circuits of theory units, their integer networks, and the Construction type.

A :class:`Circuit` lists units (each in a named population, with a memory
time constant ``h``) and synapses with exact rational weights in model units
(threshold 1) and integer delays. :meth:`Circuit.network` turns it into a
frozen :class:`~neuroemu.ir.Network` of integers:

* the input population ``'in'`` has one channel per data input, plus a last
  channel for the clock when the circuit uses one (the clock spikes at every
  instant of the input train; it is how NOT and the all-zero minterm get an
  instant to fire at, since a unit only moves at input instants);
* each unit's threshold is its scale ``S`` (the model's threshold 1 in register
  units) and each synapse into it carries ``S * w``. ``S`` is the smallest
  integer making all of the unit's incoming weights whole, unless the unit
  states its own scale (then ``S * w`` is rounded half away from zero);
* synapses between two populations with one delay form one sparse projection
  (one weight exponent when quantized to a narrow profile);
* the output unit is alone in population ``'out'``.

Delays: the model has none; on the chip every projection delays by at least one
tick. Constructions are layered so that every path from an input to the output
has the same delay ``delay``; the chip's output train is the target's shifted by
``delay`` ticks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Callable

import numpy as np

from ..errors import NetworkError
from ..ir import Network, Population, Readout, projection
from .unit import unit_neuron

INPUT = "in"
OUTPUT = "out"


@dataclass(frozen=True)
class Unit:
    """One unit: population, memory time constant ``h``, optional fixed scale."""

    name: str
    pop: str
    h: float = 0.0
    scale: int | None = None


@dataclass(frozen=True)
class Synapse:
    """``src`` is a unit name or an input channel ``int``; ``w`` in model units."""

    src: str | int
    dst: str
    w: Fraction
    delay: int = 1


@dataclass
class Circuit:
    """A mutable builder of units and synapses (see the module docstring).

    Synapses are kept as columns (source code, target unit index, weight numerator and
    denominator, delay), so that constructions with a million synapses build in seconds;
    :attr:`synapses` gives them as :class:`Synapse` objects.

    Parameters
    ----------
    d : int
        Number of data inputs (channels 0..d-1).
    clock : bool
        Whether channel ``d`` carries a clock (a spike at every instant).
    """

    d: int
    clock: bool = False
    units: dict = field(default_factory=dict)
    output: str | None = None
    _index: dict = field(default_factory=dict, repr=False)
    _blocks: list = field(default_factory=list, repr=False)
    _cols: tuple | None = field(default=None, repr=False)

    @property
    def clock_channel(self) -> int:
        return self.d

    @property
    def n_inputs(self) -> int:
        return self.d + int(self.clock)

    def unit(self, name: str, pop: str, h: float = 0.0, scale: int | None = None) -> str:
        """Add a unit; ``pop='out'`` makes it the output. Returns its name."""
        if name in self.units:
            raise NetworkError(f"circuit: unit name {name!r} is used twice")
        self._index[name] = len(self.units)
        self.units[name] = Unit(name, pop, float(h), scale)
        if pop == OUTPUT:
            if self.output is not None:
                raise NetworkError(f"circuit: a second output unit {name!r}")
            self.output = name
        return name

    def code(self, src) -> int:
        """A source as a column code: unit index >= 0, input channel ``c`` as ``-1 - c``."""
        if isinstance(src, (int, np.integer)):
            if not 0 <= src < self.n_inputs:
                raise NetworkError(f"circuit: input channel {src} found, have {self.n_inputs}")
            return -1 - int(src)
        if src not in self._index:
            raise NetworkError(f"circuit: no unit {src!r}")
        return self._index[src]

    def connect(self, src, dst: str, w, delay: int = 1) -> None:
        """Add a synapse from a unit or input channel ``src`` to unit ``dst``."""
        if dst not in self._index:
            raise NetworkError(f"circuit: no unit {dst!r}")
        code = self.code(src)
        if int(delay) != delay or delay < 1:
            raise NetworkError(f"circuit: delay {delay} found, expected whole ticks >= 1")
        w = Fraction(w)
        self._blocks.append(([code], [self._index[dst]], [w.numerator], [w.denominator],
                             [int(delay)]))
        self._cols = None

    def connect_many(self, srcs, dsts, num, den, delays) -> None:
        """Add many synapses at once; weights ``num / den`` (integer arrays, ``den > 0``).

        ``srcs`` are source codes (:meth:`code`: unit index, or ``-1 - channel`` for an
        input) and ``dsts`` unit indices (:meth:`index`); arrays have one entry per
        synapse, scalars apply to all.
        """
        try:
            cols = np.broadcast_arrays(*(np.asarray(a, dtype=np.int64).reshape(-1)
                                         for a in (srcs, dsts, num, den, delays)))
        except ValueError:
            raise NetworkError("circuit: connect_many needs arrays of one length (or "
                               "scalars)") from None
        src, dst, num, den, delay = (np.array(c) for c in cols)
        n = src.size
        if n and (src.min() < -self.n_inputs or src.max() >= len(self.units)
                  or dst.min() < 0 or dst.max() >= len(self.units)):
            raise NetworkError("circuit: connect_many names a unit or channel that is not there")
        if n and (den.min() < 1 or delay.min() < 1):
            raise NetworkError("circuit: connect_many needs denominators and delays >= 1")
        g = np.gcd(num, den)
        g[g == 0] = 1
        self._blocks.append((src, dst, num // g, den // g, delay))
        self._cols = None

    def index(self, name: str) -> int:
        """Column code of unit ``name`` (see :meth:`connect_many`)."""
        return self._index[name]

    def columns(self) -> tuple:
        """int64 arrays ``(src, dst, num, den, delay)``, one entry per synapse, in order."""
        if self._cols is None:
            if self._blocks:
                parts = [np.concatenate([np.asarray(b[i], dtype=np.int64) for b in self._blocks])
                         for i in range(5)]
            else:
                parts = [np.zeros(0, np.int64) for _ in range(5)]
            self._blocks = [tuple(parts)] if parts[0].size else []
            self._cols = tuple(parts)
        return self._cols

    @property
    def n_synapses(self) -> int:
        return int(self.columns()[0].size)

    @property
    def synapses(self) -> list:
        """The synapses as :class:`Synapse` objects (built on each call)."""
        names = list(self.units)
        src, dst, num, den, delay = self.columns()
        return [Synapse(-1 - int(s) if s < 0 else names[s], names[t], Fraction(int(a), int(b)),
                        int(dl)) for s, t, a, b, dl in zip(src, dst, num, den, delay)]

    def scales(self) -> dict:
        """Each unit's scale ``S`` (threshold 1 in register units)."""
        return dict(zip(self.units, self._scale_array().tolist()))

    def _scale_array(self) -> np.ndarray:
        _, dst, _, den, _ = self.columns()
        out = np.ones(len(self.units), dtype=np.int64)
        if dst.size:
            np.lcm.at(out, dst, den)
        for i, u in enumerate(self.units.values()):
            if u.scale is not None:
                out[i] = int(u.scale)
        return out

    def network(self, name: str) -> Network:
        """The integer network of this circuit (see the module docstring)."""
        if self.output is None:
            raise NetworkError(f"circuit {name!r}: no output unit (a unit in population 'out')")
        scales = self._scale_array()
        units = list(self.units.values())
        pop_names = list(dict.fromkeys(u.pop for u in units if u.pop != OUTPUT)) + [OUTPUT]
        pop_id = {p: i for i, p in enumerate(pop_names)}
        upop = np.array([pop_id[u.pop] for u in units], dtype=np.int64)
        local = np.zeros(len(units), dtype=np.int64)
        members: list[list[int]] = [[] for _ in pop_names]
        for i, p in enumerate(upop.tolist()):
            local[i] = len(members[p])
            members[p].append(i)
        populations = [Population(INPUT, (self.n_inputs,), None)]
        for p, pname in enumerate(pop_names):
            idx = members[p]
            populations.append(Population(pname, (len(idx),), unit_neuron(
                len(idx), h=np.array([units[i].h for i in idx]),
                threshold=scales[idx], where=f"population {pname!r}")))
        src, dst, num, den, delay = self.columns()
        w_int = _register_weights(num, den, scales[dst])
        src_pop = np.where(src < 0, -1, upop[np.maximum(src, 0)])
        src_loc = np.where(src < 0, -1 - src, local[np.maximum(src, 0)])
        dst_pop, dst_loc = upop[dst], local[dst]
        projections = []
        if src.size:
            keys = np.stack([src_pop, dst_pop, delay], axis=1)
            uniq, first, inv = np.unique(keys, axis=0, return_index=True, return_inverse=True)
            inv = inv.reshape(-1)
            for g in np.argsort(first, kind="stable"):  # in the order the synapses came
                sp, dp, dl = (int(v) for v in uniq[g])
                sel = np.flatnonzero(inv == g)
                spn = INPUT if sp < 0 else pop_names[sp]
                projections.append(projection(
                    f"{spn}->{pop_names[dp]}" + (f"@{dl}" if dl != 1 else ""), spn,
                    pop_names[dp], "sparse", w_int[sel], src=src_loc[sel], tgt=dst_loc[sel],
                    delay=dl))
        return Network(name=name, populations=tuple(populations),
                       projections=tuple(projections), input=INPUT,
                       readout=Readout(OUTPUT, "count"))

    def path_delays(self, channels=None) -> tuple[int, int]:
        """(shortest, longest) total delay from the input channels to the output.

        ``channels`` limits the sources (default: every input channel). Linear in the
        number of units and synapses: units are visited in topological order (Kahn's
        algorithm, one vectorised step per layer). Raises :class:`NetworkError` when
        the output depends on a loop.
        """
        if self.output is None:
            return (0, 0)
        lo, hi = self._unit_delays(channels)
        out = self._index[self.output]
        if lo[out] > hi[out]:
            return (0, 0)
        return int(lo[out]), int(hi[out])

    def _unit_delays(self, channels=None):
        """Per unit: shortest and longest delay from ``channels`` (lo > hi: unreached)."""
        n = len(self.units)
        src, dst, _, _, delay = self.columns()
        big = np.iinfo(np.int64).max // 4
        lo = np.full(n, big, dtype=np.int64)
        hi = np.full(n, -big, dtype=np.int64)
        from_in = src < 0
        chans = np.arange(self.n_inputs) if channels is None else np.asarray(channels)
        sel = from_in & np.isin(-1 - src, chans)
        np.minimum.at(lo, dst[sel], delay[sel])
        np.maximum.at(hi, dst[sel], delay[sel])
        # Kahn's algorithm over the unit-to-unit synapses, a layer at a time
        us, ud, ul = src[~from_in], dst[~from_in], delay[~from_in]
        order = np.argsort(us, kind="stable")
        us, ud, ul = us[order], ud[order], ul[order]
        start = np.searchsorted(us, np.arange(n + 1))
        indeg = np.bincount(ud, minlength=n)
        frontier = np.flatnonzero(indeg == 0)
        done = 0
        while frontier.size:
            done += frontier.size
            counts = start[frontier + 1] - start[frontier]
            edges = np.repeat(start[frontier] - np.cumsum(np.r_[0, counts[:-1]]),
                              counts) + np.arange(counts.sum())
            s, t, dl = us[edges], ud[edges], ul[edges]
            reached = lo[s] <= hi[s]
            np.minimum.at(lo, t[reached], lo[s[reached]] + dl[reached])
            np.maximum.at(hi, t[reached], hi[s[reached]] + dl[reached])
            np.subtract.at(indeg, t, 1)
            nxt = np.unique(t)
            frontier = nxt[indeg[nxt] == 0]
        if done < n:
            stuck = [name for name, k in zip(self.units, indeg) if k > 0]
            raise NetworkError(f"circuit: unit {stuck[0]!r} is on a loop")
        return lo, hi


def _register_weights(num, den, scale) -> np.ndarray:
    """``scale * num / den`` rounded half away from zero (exact when it is whole), int64.

    Products that could leave int64 (weights given as floats have 54-bit
    denominators) are done in Python integers.
    """
    if num.size and (int(np.abs(num).max()) * int(scale.max()) >= 1 << 61
                     or int(den.max()) >= 1 << 61):
        num, den, scale = (a.astype(object) for a in (num, den, scale))
    p = num * scale
    out = np.sign(p) * ((2 * np.abs(p) + den) // (2 * den))
    return out.astype(np.int64)


Target = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class Construction:
    """A network that should compute a spike-train function, and that function.

    Attributes
    ----------
    name : str
    circuit : Circuit
    net : Network
        The integer network (:meth:`Circuit.network`).
    target : callable
        Bool array (..., d, T) of input trains -> bool array (..., T), the
        output train the theory says (unshifted).
    delay : int
        Ticks from an input instant to the output it causes: the chip's output
        at tick ``t + delay`` is the target's at ``t``.
    memory : int or None
        The target's output at ``t`` depends only on inputs at ``t - memory + 1
        .. t`` (1: pointwise); None for unbounded memory (e.g. counters).
    description : str
    params : dict
    state : callable or None
        Bool array (N, d, T) of input trains -> int64 array (N, T): the target's
        state after each instant, as an id in ``0 .. states - 1``. Two trains with
        the same state after ``t`` must give the same target output at every later
        instant for every continuation, and the output at ``t`` must be a function
        of the state after ``t - 1`` and the input at ``t`` (a Mealy machine). A
        finite ``memory`` gives one by default: the last ``memory - 1`` instants.
    states : int or None
        The number of state ids (an upper bound suffices).
    expect : str or None
        None for a construction that should compute its target exactly; else why
        it does not (a deliberately failing example, e.g. the chip's fixed-point
        decay against the float model).
    """

    name: str
    circuit: Circuit
    net: Network
    target: Target
    delay: int
    memory: int | None
    description: str = ""
    params: dict = field(default_factory=dict)
    state: Callable | None = None
    states: int | None = None
    expect: str | None = None

    @property
    def d(self) -> int:
        return self.circuit.d

    @property
    def clock(self) -> bool:
        return self.circuit.clock

    @property
    def n_inputs(self) -> int:
        """Input channels, the clock included."""
        return self.circuit.d + int(self.circuit.clock)

    @property
    def neurons(self) -> int:
        """Units (neurons) of the construction, inputs not counted."""
        return len(self.circuit.units)

    @property
    def weights(self) -> int:
        """Synapses (weights), the clock's included."""
        return self.circuit.n_synapses


def window_state(d: int, m: int):
    """State of a memory-``m`` target: the last ``m - 1`` instants as an id (``2**(d(m-1))``).

    Bit ``j * (m - 1) + k`` of the id after instant ``t`` is input ``j`` at
    instant ``t - m + 2 + k`` (instants before 0 are silent).
    """
    k = max(m - 1, 0)

    def state(x):
        x = np.asarray(x, dtype=bool)
        n_t = x.shape[-1]
        pad = np.zeros(x.shape[:-1] + (k + n_t,), dtype=np.int64)
        pad[..., k:] = x
        out = np.zeros(x.shape[:-2] + (n_t,), dtype=np.int64)
        for j in range(x.shape[-2]):
            for i in range(k):
                out |= pad[..., j, 1 + i:1 + i + n_t] << (j * k + i)
        return out

    return state, 1 << (d * k)


def make(name: str, circuit: Circuit, target: Target, memory: int | None,
         description: str = "", check_layered: bool = True, delay: int | None = None,
         state: Callable | None = None, states: int | None = None, expect: str | None = None,
         **params) -> Construction:
    """Build a :class:`Construction`, checking that all input-to-output paths agree.

    With ``check_layered`` the shortest and longest path delays, minus the
    delay lines a finite-memory target needs (``memory - 1``), must agree. The
    output delay is ``delay`` when given, else the shortest path's. A finite
    ``memory`` without a ``state`` gets :func:`window_state` (when its ``2**(d(m-1))``
    ids fit in 62 bits).
    """
    if state is None and memory is not None and circuit.d * (memory - 1) <= 62:
        state, states = window_state(circuit.d, memory)
    lo, hi = circuit.path_delays()
    span = (memory - 1) if memory else 0
    if check_layered and circuit.n_synapses and hi - lo != span:
        raise NetworkError(
            f"construction {name!r}: path delays from the inputs to the output range "
            f"{lo}..{hi} ticks; a layered construction with memory {memory} needs a spread "
            f"of {span}")
    if delay is None:
        delay = max(lo, 1)
    elif check_layered and circuit.n_synapses and delay != lo:
        raise NetworkError(f"construction {name!r}: delay {delay} given, but the paths take {lo}")
    return Construction(name=name, circuit=circuit, net=circuit.network(name), target=target,
                        delay=int(delay), memory=memory, description=description,
                        params=dict(params), state=state, states=states, expect=expect)


def renamed(con: Construction, name: str, description: str | None = None) -> Construction:
    """The same construction under another name (its network renamed too)."""
    return replace(con, name=name, net=con.circuit.network(name),
                   description=con.description if description is None else description)
