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

import math
from dataclasses import dataclass, field
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
    synapses: list = field(default_factory=list)
    output: str | None = None

    @property
    def clock_channel(self) -> int:
        return self.d

    def unit(self, name: str, pop: str, h: float = 0.0, scale: int | None = None) -> str:
        """Add a unit; ``pop='out'`` makes it the output. Returns its name."""
        if name in self.units:
            raise NetworkError(f"circuit: unit name {name!r} is used twice")
        self.units[name] = Unit(name, pop, float(h), scale)
        if pop == OUTPUT:
            if self.output is not None:
                raise NetworkError(f"circuit: a second output unit {name!r}")
            self.output = name
        return name

    def connect(self, src, dst: str, w, delay: int = 1) -> None:
        """Add a synapse from a unit or input channel ``src`` to unit ``dst``."""
        if dst not in self.units:
            raise NetworkError(f"circuit: no unit {dst!r}")
        if isinstance(src, (int, np.integer)):
            if not 0 <= src < self.d + int(self.clock):
                raise NetworkError(f"circuit: input channel {src} found, have "
                                   f"{self.d + int(self.clock)}")
            src = int(src)
        elif src not in self.units:
            raise NetworkError(f"circuit: no unit {src!r}")
        if int(delay) != delay or delay < 1:
            raise NetworkError(f"circuit: delay {delay} found, expected whole ticks >= 1")
        self.synapses.append(Synapse(src, dst, Fraction(w), int(delay)))

    def scales(self) -> dict:
        """Each unit's scale ``S`` (threshold 1 in register units)."""
        out = {}
        for name, u in self.units.items():
            if u.scale is not None:
                out[name] = int(u.scale)
        dens: dict = {name: 1 for name in self.units if name not in out}
        for s in self.synapses:
            if s.dst in dens:
                dens[s.dst] = math.lcm(dens[s.dst], s.w.denominator)
        out.update(dens)
        return out

    def network(self, name: str) -> Network:
        """The integer network of this circuit (see the module docstring)."""
        if self.output is None:
            raise NetworkError(f"circuit {name!r}: no output unit (a unit in population 'out')")
        scales = self.scales()
        pops: dict[str, list[str]] = {}
        for uname, u in self.units.items():
            if u.pop != OUTPUT:
                pops.setdefault(u.pop, []).append(uname)
        pops[OUTPUT] = [self.output]
        index = {}
        for pname, members in pops.items():
            for i, uname in enumerate(members):
                index[uname] = (pname, i)
        populations = [Population(INPUT, (self.d + int(self.clock),), None)]
        for pname, members in pops.items():
            units = [self.units[m] for m in members]
            populations.append(Population(pname, (len(members),), unit_neuron(
                len(members), h=np.array([u.h for u in units]),
                threshold=np.array([scales[m] for m in members], dtype=np.int64),
                where=f"population {pname!r}")))
        groups: dict = {}
        for s in self.synapses:
            src_pop, src_i = (INPUT, s.src) if isinstance(s.src, int) else index[s.src]
            dst_pop, dst_i = index[s.dst]
            w = s.w * scales[s.dst]
            w_int = int(w) if w.denominator == 1 else int(
                math.copysign(math.floor(abs(w) + Fraction(1, 2)), w))
            groups.setdefault((src_pop, dst_pop, s.delay), []).append((src_i, dst_i, w_int))
        projections = []
        for (sp, dp, delay), syn in groups.items():
            arr = np.array(syn, dtype=np.int64)
            projections.append(projection(
                f"{sp}->{dp}" + (f"@{delay}" if delay != 1 else ""), sp, dp, "sparse",
                arr[:, 2], src=arr[:, 0], tgt=arr[:, 1], delay=delay))
        return Network(name=name, populations=tuple(populations),
                       projections=tuple(projections), input=INPUT,
                       readout=Readout(OUTPUT, "count"))

    def path_delays(self) -> tuple[int, int]:
        """(shortest, longest) total delay from any input channel to the output."""
        memo: dict = {}

        def span(name):
            if name in memo:
                return memo[name]
            memo[name] = None  # cycle guard
            lo, hi = math.inf, -math.inf
            for s in self.synapses:
                if s.dst != name:
                    continue
                if isinstance(s.src, int):
                    a, b = s.delay, s.delay
                else:
                    sub = span(s.src)
                    if sub is None:
                        raise NetworkError(f"circuit: unit {name!r} is on a loop")
                    a, b = sub[0] + s.delay, sub[1] + s.delay
                lo, hi = min(lo, a), max(hi, b)
            memo[name] = (lo, hi)
            return memo[name]

        lo, hi = span(self.output)
        return (int(lo), int(hi)) if math.isfinite(lo) else (0, 0)


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
    """

    name: str
    circuit: Circuit
    net: Network
    target: Target
    delay: int
    memory: int | None
    description: str = ""
    params: dict = field(default_factory=dict)

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
        return len(self.circuit.synapses)


def make(name: str, circuit: Circuit, target: Target, memory: int | None,
         description: str = "", check_layered: bool = True, delay: int | None = None,
         **params) -> Construction:
    """Build a :class:`Construction`, checking that all input-to-output paths agree.

    With ``check_layered`` the shortest and longest path delays, minus the
    delay lines a finite-memory target needs (``memory - 1``), must agree. The
    output delay is ``delay`` when given, else the shortest path's.
    """
    lo, hi = circuit.path_delays()
    span = (memory - 1) if memory else 0
    if check_layered and circuit.synapses and hi - lo != span:
        raise NetworkError(
            f"construction {name!r}: path delays from the inputs to the output range "
            f"{lo}..{hi} ticks; a layered construction with memory {memory} needs a spread "
            f"of {span}")
    if delay is None:
        delay = max(lo, 1)
    elif check_layered and circuit.synapses and delay != lo:
        raise NetworkError(f"construction {name!r}: delay {delay} given, but the paths take {lo}")
    return Construction(name=name, circuit=circuit, net=circuit.network(name), target=target,
                        delay=int(delay), memory=memory, description=description,
                        params=dict(params))


def renamed(con: Construction, name: str, description: str | None = None) -> Construction:
    """The same construction under another name (its network renamed too)."""
    return Construction(name=name, circuit=con.circuit, net=con.circuit.network(name),
                        target=con.target, delay=con.delay, memory=con.memory,
                        description=con.description if description is None else description,
                        params=con.params)
