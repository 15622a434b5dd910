"""Constructions of spike-train functions from theory units, each with its target.

Every builder returns a :class:`~neuroemu.theory.circuit.Construction`: an
integer network (thresholds are the units' scales) and the target function,
a Python function from input trains (bool array ``(..., d, T)``) to the output
train (bool array ``(..., T)``). Weights are exact fractions in model units
(threshold 1); unless stated, units have ``h = 0`` (no memory between
instants), so a unit computes a threshold function of the inputs that arrive
at one tick: it fires when ``(sum of arriving weights)_+ > 1``.

Weights sit in the middle of their admissible interval: a unit that must fire
when at least ``k`` of its inputs spike takes ``w = 2 / (2k - 1)``, so ``k - 1``
inputs give ``1 - 1/(2k-1)`` and ``k`` give ``1 + 1/(2k-1)`` — the same margin
on both sides, which is what survives quantization best.

Layering. The chip delays every synapse by at least one tick, the model by
none. Every construction therefore has equal path delays from the inputs to
the output (identity/SKIP units of weight 2, or projection delays), and the
chip's output is the target shifted by ``delay`` ticks. Finite-memory
constructions read input ``x_j(t - i)`` through a delay line of ``i`` extra
ticks (a projection delay, or a chain of ``i`` SKIP units).

The clock. A unit moves only at input instants; NOT and the minterm of the
all-zero pattern need an instant to fire at, so they take a clock input (the
last input channel, spiking at every instant of the train).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable, Sequence

import numpy as np

from ..errors import NetworkError
from .circuit import OUTPUT, Circuit, Construction, make, renamed
from .unit import model_response

TWO = Fraction(2)


def at_least_weight(k: int) -> Fraction:
    """Weight of a unit that fires when at least ``k`` inputs spike: ``2 / (2k - 1)``."""
    return Fraction(2, 2 * k - 1)


# ----------------------------------------------------------------------------- targets


def _window_any(x: np.ndarray, m: int) -> np.ndarray:
    """``y[..., t] = any(x[..., t-m+1 .. t])`` (instants before 0 are silent)."""
    c = np.cumsum(x, axis=-1, dtype=np.int64)
    past = np.zeros_like(c)
    if m < x.shape[-1]:
        past[..., m:] = c[..., :-m]
    return (c - past) > 0


def windows(x: np.ndarray, m: int) -> np.ndarray:
    """Sliding windows: bool (..., d, T) -> (..., T, d, m), entry ``k`` is instant ``t-m+1+k``."""
    x = np.asarray(x, dtype=bool)
    n_t = x.shape[-1]
    pad = np.zeros(x.shape[:-1] + (m - 1 + n_t,), dtype=bool)
    pad[..., m - 1:] = x
    out = np.stack([pad[..., k:k + n_t] for k in range(m)], axis=-1)  # (..., d, T, m)
    return np.moveaxis(out, -3, -2)


def _pattern_index(x):
    """``sum_j x_j 2**j`` over axis -2: bool (..., d, T) -> int64 (..., T)."""
    x = np.asarray(x, dtype=np.int64)
    d = x.shape[-2]
    return np.einsum("...jt,j->...t", x, 1 << np.arange(d, dtype=np.int64))


# ----------------------------------------------------------------------------- logic


def identity() -> Construction:
    """SKIP: one unit of weight 2 repeats its input one tick later."""
    c = Circuit(d=1)
    c.unit("skip", OUTPUT)
    c.connect(0, "skip", TWO)
    return make("identity", c, lambda x: np.asarray(x, bool)[..., 0, :], 1,
                "identity / SKIP unit: out(t) = x(t)")


def at_least(d: int, k: int, name: str | None = None) -> Construction:
    """One unit: spikes when at least ``k`` of ``d`` inputs spike (weights ``2/(2k-1)``)."""
    if not 1 <= k <= d:
        raise NetworkError(f"at_least: k = {k} found, expected 1..d = 1..{d}")
    c = Circuit(d=d)
    c.unit("sum", OUTPUT)
    for j in range(d):
        c.connect(j, "sum", at_least_weight(k))
    name = name or f"atleast{k}of{d}"
    return make(name, c, lambda x: np.asarray(x, bool).sum(axis=-2) >= k, 1,
                f"at least {k} of {d} inputs spike at t", d=d, k=k)


def or_(d: int = 2) -> Construction:
    """OR of ``d`` inputs: at least 1 (weights 2)."""
    return at_least(d, 1, name=f"or{d}")


def and_(d: int = 2) -> Construction:
    """AND of ``d`` inputs: at least ``d`` (weights ``2/(2d-1)``)."""
    return at_least(d, d, name=f"and{d}")


def and_not() -> Construction:
    """``x0 AND NOT x1``: weights +2 and -2."""
    c = Circuit(d=2)
    c.unit("andnot", OUTPUT)
    c.connect(0, "andnot", TWO)
    c.connect(1, "andnot", -TWO)
    return make("andnot", c, lambda x: np.asarray(x, bool)[..., 0, :] & ~np.asarray(x, bool)[
        ..., 1, :], 1, "x0 and not x1")


def not_() -> Construction:
    """``NOT x0`` against the clock: clock +2, input -2."""
    c = Circuit(d=1, clock=True)
    c.unit("not", OUTPUT)
    c.connect(c.clock_channel, "not", TWO)
    c.connect(0, "not", -TWO)
    return make("not", c, lambda x: ~np.asarray(x, bool)[..., 0, :], 1,
                "not x0 (a spike at every clock instant without input)")


def xor(routing: str = "skip") -> Construction:
    """XOR of two inputs: ``2 a + 2 b - 4 AND(a, b)``, layered.

    routing
        ``'skip'``: the inputs pass through SKIP units so that their excitation
        reaches the output in the same tick as the AND unit's inhibition (4
        units, 7 weights). ``'delay'``: the inputs reach the output through
        projections of delay 2 instead (2 units, 5 weights). ``'naive'``: the
        model's wiring with no delay compensation (inputs straight to the
        output, delay 1): on the chip excitation arrives one tick before the
        inhibition, and the construction breaks.
    """
    if routing not in ("skip", "delay", "naive"):
        raise NetworkError(f"xor: routing {routing!r} is not 'skip', 'delay' or 'naive'")
    c = Circuit(d=2)
    c.unit("and", "and")
    out = c.unit("xor", OUTPUT)
    for j in range(2):
        c.connect(j, "and", at_least_weight(2))
        if routing == "skip":
            s = c.unit(f"skip{j}", "skip")
            c.connect(j, s, TWO)
            c.connect(s, out, TWO)
        else:
            c.connect(j, out, TWO, delay=2 if routing == "delay" else 1)
    c.connect("and", out, -2 * TWO)
    target = lambda x: np.asarray(x, bool)[..., 0, :] ^ np.asarray(x, bool)[..., 1, :]  # noqa: E731
    name = "xor" if routing == "skip" else f"xor-{routing}"
    return make(name, c, target, 1, f"x0 xor x1 ({routing} routing)",
                check_layered=routing != "naive", delay=2, routing=routing)


# ----------------------------------------------------------------------------- counting


def clock_m(m: int, w=None) -> Construction:
    """Every ``m``-th input spike: one integrating unit (``h = inf``).

    A weight ``w`` in ``(1/m, 1/(m-1)]`` makes the potential cross 1 exactly at
    the ``m``-th spike after a reset. The default is the interval's midpoint
    ``(2m - 1) / (2m(m - 1))`` (``2`` for ``m = 1``); a ``w`` outside the
    interval builds a broken counter (the target stays "every m-th spike").
    """
    if int(m) != m or m < 1:
        raise NetworkError(f"clock_m: m = {m} found, expected a whole number >= 1")
    m = int(m)
    if w is None:
        w = TWO if m == 1 else Fraction(2 * m - 1, 2 * m * (m - 1))
    w = Fraction(w)
    c = Circuit(d=1)
    c.unit("count", OUTPUT, h=float("inf"))
    c.connect(0, "count", w)

    def target(x):
        x = np.asarray(x, bool)[..., 0, :]
        return x & (np.cumsum(x, axis=-1) % m == 0)

    inside = (m == 1 and w > 1) or (m > 1 and Fraction(1, m) < w <= Fraction(1, m - 1))
    return make(f"clock{m}", c, target, None,
                f"every {m}-th input spike (h = inf, w = {w}"
                + ("" if inside else ", outside (1/m, 1/(m-1)]: broken") + ")", m=m, w=str(w))


# ----------------------------------------------------------------------------- Boolean


def _minterm(c: Circuit, name: str, inputs, pattern, clock_src=None) -> str:
    """A unit that fires exactly when the ``inputs`` (``(src, delay)`` pairs) show ``pattern``.

    With ``k`` ones in the pattern: ones weigh ``2/(2k-1)`` (the AND of the ones)
    and zeros ``-2k/(2k-1)`` (one wrong spike cancels them all). The all-zero
    pattern takes the clock at +2 and every input at -2.
    """
    c.unit(name, "minterm")
    k = int(sum(pattern))
    if k == 0:
        if clock_src is None:
            raise NetworkError("the all-zero minterm needs a clock")
        c.connect(clock_src[0], name, TWO, delay=clock_src[1])
        for (src, delay) in inputs:
            c.connect(src, name, -TWO, delay=delay)
        return name
    for (src, delay), bit in zip(inputs, pattern):
        c.connect(src, name, at_least_weight(k) if bit else -k * at_least_weight(k),
                  delay=delay)
    return name


def boolean(d: int, table: int) -> Construction:
    """Any pointwise Boolean function of ``d`` inputs: one minterm unit per true pattern, OR.

    Parameters
    ----------
    table : int in [0, 2**(2**d))
        Truth table: bit ``p`` is the output for the input pattern
        ``p = sum_j x_j 2**j``.
    """
    if not 0 <= table < 1 << (1 << d):
        raise NetworkError(f"boolean: table {table} found, expected 0..{(1 << (1 << d)) - 1} "
                           f"for d = {d}")
    true = [p for p in range(1 << d) if table >> p & 1]
    c = Circuit(d=d, clock=0 in true)
    c.unit("or", OUTPUT)
    inputs = [(j, 1) for j in range(d)]
    for p in true:
        bits = [(p >> j) & 1 for j in range(d)]
        mt = _minterm(c, f"m{p}", inputs, bits, (d, 1) if p == 0 else None)
        c.connect(mt, "or", TWO)

    def target(x):
        return (table >> _pattern_index(x)) & 1 == 1

    width = (1 << d) // 4 or 1
    return make(f"boolean{d}:{table:#0{width + 2}x}", c, target, 1,
                f"Boolean function {table:#x} of {d} inputs ({len(true)} true patterns)",
                delay=2, d=d, table=table)


def boolean_from(d: int, fn: Callable[[np.ndarray], np.ndarray]) -> Construction:
    """:func:`boolean` with the table of ``fn`` (bool (P, d) patterns -> bool (P,))."""
    pats = ((np.arange(1 << d)[:, None] >> np.arange(d)) & 1).astype(bool)
    vals = np.asarray(fn(pats), dtype=bool)
    return boolean(d, int(sum(1 << p for p in range(1 << d) if vals[p])))


# ----------------------------------------------------------------------------- finite memory


class _Lags:
    """Sources that deliver ``x_j(t - i)`` at tick ``t + 1``: projection delays or SKIP chains."""

    def __init__(self, c: Circuit, delay_lines: str):
        if delay_lines not in ("projection", "skip"):
            raise NetworkError(f"delay_lines {delay_lines!r} is not 'projection' or 'skip'")
        self.c, self.kind, self.chain = c, delay_lines, {}

    def __call__(self, j: int, i: int):
        if i == 0 or self.kind == "projection":
            return (j, 1 + i)
        for step in range(1, i + 1):
            if (j, step) not in self.chain:
                name = self.c.unit(f"delay{j}_{step}", f"delay{step}")
                prev = j if step == 1 else self.chain[(j, step - 1)]
                self.c.connect(prev, name, TWO)
                self.chain[(j, step)] = name
        return (self.chain[(j, i)], 1)


def finite_memory(d: int, m: int, window_fn: Callable[[np.ndarray], np.ndarray],
                  name: str = "window", delay_lines: str = "projection") -> Construction:
    """A function of the last ``m`` instants: delay lines, then the Boolean construction.

    Parameters
    ----------
    window_fn : callable
        Bool (..., d, m) windows -> bool (...); entry ``[j, k]`` is input ``j``
        at instant ``t - m + 1 + k`` (``k = m - 1`` is now).
    delay_lines : {'projection', 'skip'}
        Projections of delay ``1 + i`` for lag ``i``, or chains of SKIP units.
    """
    n = d * m
    pats = ((np.arange(1 << n)[:, None] >> np.arange(n)) & 1).astype(bool).reshape(-1, d, m)
    true = np.flatnonzero(np.asarray(window_fn(pats), dtype=bool))
    c = Circuit(d=d, clock=bool(true.size and true[0] == 0))
    c.unit("or", OUTPUT)
    lag = _Lags(c, delay_lines)
    inputs = [lag(j, m - 1 - k) for j in range(d) for k in range(m)] if true.size else []
    for p in true:
        mt = _minterm(c, f"m{p}", inputs, pats[p].reshape(-1).astype(int).tolist(),
                      (d, 1) if p == 0 else None)
        c.connect(mt, "or", TWO)

    def target(x):
        return np.asarray(window_fn(windows(x, m)), dtype=bool)

    return make(name, c, target, m, f"{name}: a Boolean function of the last {m} instants of "
                f"{d} inputs ({true.size} true windows, {delay_lines} delay lines)",
                delay=2, d=d, m=m, delay_lines=delay_lines)


def exactly_one_in_window(window: np.ndarray) -> np.ndarray:
    """Window function: exactly one input channel spiked in the window ((..., d, m) -> (...))."""
    return np.asarray(window, bool).any(axis=-1).sum(axis=-1) == 1


def exactly_one(d: int = 3, m: int = 3, delay_lines: str = "projection") -> Construction:
    """Spike at ``t`` when exactly one of the ``d`` inputs spiked in ``[t - m + 1, t]``.

    Composed, not flat: a window-OR unit per input (its input through delay
    lines 0..m-1), then at-least-1 and at-least-2 units, then
    ``(at least 1) AND NOT (at least 2)``: ``d + 3`` units.
    """
    c = Circuit(d=d)
    lag = _Lags(c, delay_lines)
    c.unit("ge1", "count")
    c.unit("ge2", "count")
    for j in range(d):
        y = c.unit(f"seen{j}", "window")
        for i in range(m):
            src, delay = lag(j, i)
            c.connect(src, y, TWO, delay=delay)
        c.connect(y, "ge1", at_least_weight(1))
        c.connect(y, "ge2", at_least_weight(2))
    c.unit("one", OUTPUT)
    c.connect("ge1", "one", TWO)
    c.connect("ge2", "one", -TWO)

    def target(x):
        return _window_any(np.asarray(x, bool), m).sum(axis=-2) == 1

    return make("exactly-one", c, target, m,
                f"exactly one of {d} inputs spiked in [t-{m - 1}, t] ({delay_lines} delay lines)",
                d=d, m=m, delay_lines=delay_lines)


# ----------------------------------------------------------------------------- composition


def compose(outer: Construction, inners: Sequence[Construction | None], wiring=None,
            d: int | None = None, name: str | None = None) -> Construction:
    """Feed the outputs of ``inners`` into the inputs of ``outer``.

    Parameters
    ----------
    inners : list, one per data input of ``outer``
        A construction, or None for a raw input channel.
    wiring : list of lists of int, optional
        Global input channels of each inner's data inputs (one channel for a
        None); by default every inner reads channels 0..d-1.
    d : int, optional
        Data inputs of the composite (default: one more than the largest wired channel).

    Paths are equalized with projection delays: an inner with a smaller delay,
    or a raw channel, reaches ``outer`` later by the difference, and the
    clock reaches ``outer`` after the inners' delay.
    """
    if len(inners) != outer.d:
        raise NetworkError(f"compose: {outer.name!r} has {outer.d} inputs, got {len(inners)}")
    if wiring is None:
        if any(inner is None for inner in inners):
            raise NetworkError("compose: raw input channels need a wiring")
        wiring = [list(range(inner.d)) for inner in inners]
    wiring = [list(w) for w in wiring]
    for inner, w in zip(inners, wiring):
        need = 1 if inner is None else inner.d
        if len(w) != need:
            raise NetworkError(f"compose: wiring {w} for an inner with {need} inputs")
    d = d if d is not None else 1 + max(ch for w in wiring for ch in w)
    clock = outer.clock or any(inner is not None and inner.clock for inner in inners)
    c = Circuit(d=d, clock=clock)
    depth = max((inner.delay for inner in inners if inner is not None), default=0)
    out_unit = []
    for i, (inner, w) in enumerate(zip(inners, wiring)):
        if inner is None:
            out_unit.append(None)
            continue
        tag = f"x{i}."
        ic = inner.circuit
        for u in ic.units.values():
            pop = tag + u.pop
            c.unit(tag + u.name, pop, u.h, u.scale)
        for s in ic.synapses:
            src = s.src
            if isinstance(src, int):
                src = c.clock_channel if src == ic.d else w[src]
            else:
                src = tag + src
            c.connect(src, tag + s.dst, s.w, s.delay)
        out_unit.append((tag + ic.output, depth - inner.delay))
    oc = outer.circuit
    for u in oc.units.values():
        c.unit(u.name if u.pop == OUTPUT else "o." + u.name, u.pop if u.pop == OUTPUT
               else "o." + u.pop, u.h, u.scale)
    rename = {u.name: (u.name if u.pop == OUTPUT else "o." + u.name) for u in oc.units.values()}
    for s in oc.synapses:
        if isinstance(s.src, int):
            if s.src == oc.d:  # the outer's clock
                src, extra = c.clock_channel, depth
            elif out_unit[s.src] is None:
                src, extra = wiring[s.src][0], depth
            else:
                src, extra = out_unit[s.src]
        else:
            src, extra = rename[s.src], 0
        c.connect(src, rename[s.dst], s.w, s.delay + extra)

    def target(x):
        x = np.asarray(x, bool)
        ys = [x[..., w[0], :] if inner is None else inner.target(x[..., w, :])
              for inner, w in zip(inners, wiring)]
        return outer.target(np.stack(ys, axis=-2))

    mems = [1 if inner is None else inner.memory for inner in inners]
    memory = None if outer.memory is None or None in mems else outer.memory + max(mems) - 1
    name = name or f"{outer.name}({', '.join('x' if i is None else i.name for i in inners)})"
    return make(name, c, target, memory, f"composition: {name}", check_layered=False,
                delay=depth + outer.delay)


def parity(d: int, method: str = "tree", routing: str = "skip") -> Construction:
    """Parity of ``d`` inputs: a balanced tree of XORs (composition) or flat Boolean."""
    if method == "flat":
        table = sum(1 << p for p in range(1 << d) if bin(p).count("1") % 2)
        return renamed(boolean(d, table), f"parity{d}-flat",
                       f"parity of {d} inputs, flat minterms")
    if method != "tree":
        raise NetworkError(f"parity: method {method!r} is not 'tree' or 'flat'")
    if d < 2:
        raise NetworkError(f"parity: d = {d} found, a tree needs d >= 2")

    def tree(channels):
        if len(channels) == 1:
            return None
        half = len(channels) // 2
        left, right = channels[:half], channels[half:]
        inners = [tree(left), tree(right)]
        wiring = [[0] if inner is None else list(range(len(part)))
                  for inner, part in zip(inners, (left, right))]
        # inners read the composite's channels: left part then right part
        wiring = [[ch + (0 if k == 0 else len(left)) for ch in w]
                  for k, w in enumerate(wiring)]
        return compose(xor(routing), inners, wiring, d=len(channels))

    return renamed(tree(list(range(d))), f"parity{d}",
                   f"parity of {d} inputs, a tree of {d - 1} XORs ({routing} routing)")


def unit(w: Sequence[float], h: float, scale: int = 64) -> Construction:
    """One unit of the model with weights ``w`` and memory ``h``, against the exact model.

    The target is :func:`~neuroemu.theory.unit.model_response` in float64: a
    finite ``h`` shows where the chip's per-tick 12-bit decay and rounding
    depart from ``exp(-(t - t⁻)/h)``. The unit's register scale is ``scale``
    (``S * w`` rounded half away from zero).
    """
    w = [float(x) for x in w]
    c = Circuit(d=len(w))
    c.unit("unit", OUTPUT, h=h, scale=int(scale))
    for j, wj in enumerate(w):
        c.connect(j, "unit", Fraction(wj))
    memory = 1 if h == 0 else None
    return make("unit", c, lambda x: model_response(x, w, h), memory,
                f"one model unit, w = {w}, h = {h}, scale {scale}", w=w, h=h, scale=scale)
