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

Boundary-weight ("tight") variants put the weights at the closed end of the
interval instead, so that exhaustive verification exercises the model's edges:
``at_least(d, k, tight=True)`` takes ``w = 1/(k-1)`` (register weight 1,
threshold ``k - 1``: ``k - 1`` inputs give exactly the threshold, which must
not fire, since the comparison is strict), ``clock_m(m, tight=True)`` takes
``w = 1/(m-1)`` (the potential sits exactly at 1 after ``m - 1`` spikes), and
:func:`clear` is a counter whose inhibitory input drives the potential below 0
unless it is exactly full, so that the positive part decides every count after
a clear.

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


def at_least(d: int, k: int, name: str | None = None, tight: bool = False) -> Construction:
    """One unit: spikes when at least ``k`` of ``d`` inputs spike (weights ``2/(2k-1)``).

    ``tight``: weights ``1/(k-1)`` (register weight 1, threshold ``k - 1``), the
    closed end of the admissible interval ``(1/k, 1/(k-1)]``: ``k - 1`` inputs
    reach the threshold exactly and must not fire. For ``k = 1`` the weight is 2
    either way (register weight 2 against threshold 1).
    """
    if not 1 <= k <= d:
        raise NetworkError(f"at_least: k = {k} found, expected 1..d = 1..{d}")
    w = (Fraction(1, k - 1) if k > 1 else TWO) if tight else at_least_weight(k)
    c = Circuit(d=d)
    c.unit("sum", OUTPUT)
    for j in range(d):
        c.connect(j, "sum", w)
    name = (name or f"atleast{k}of{d}") + ("-tight" if tight else "")
    return make(name, c, lambda x: np.asarray(x, bool).sum(axis=-2) >= k, 1,
                f"at least {k} of {d} inputs spike at t (w = {w}"
                + (", the interval's closed end" if tight else "") + ")", d=d, k=k, tight=tight)


def or_(d: int = 2) -> Construction:
    """OR of ``d`` inputs: at least 1 (weights 2)."""
    return at_least(d, 1, name=f"or{d}")


def and_(d: int = 2, tight: bool = False) -> Construction:
    """AND of ``d`` inputs: at least ``d`` (weights ``2/(2d-1)``, or ``1/(d-1)`` tight)."""
    return at_least(d, d, name=f"and{d}", tight=tight)


def and_not(tight: bool = False) -> Construction:
    """``x0 AND NOT x1``: weights +2 and -2.

    ``tight``: +2 and -1, so that both inputs together give exactly the
    threshold 1 (which must not fire) and ``x1`` alone gives -1 (floored to 0).
    """
    c = Circuit(d=2)
    c.unit("andnot", OUTPUT)
    c.connect(0, "andnot", TWO)
    c.connect(1, "andnot", -1 if tight else -TWO)
    return make("andnot" + ("-tight" if tight else ""), c,
                lambda x: np.asarray(x, bool)[..., 0, :] & ~np.asarray(x, bool)[..., 1, :], 1,
                "x0 and not x1" + (" (both together reach the threshold exactly)" if tight
                                   else ""), tight=tight)


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


def _count_state(m: int):
    """Target state of a mod-``m`` counter of input 0: spikes so far, mod ``m``."""
    def state(x):
        return np.cumsum(np.asarray(x, bool)[..., 0, :], axis=-1, dtype=np.int64) % m
    return state


def clock_m(m: int, w=None, tight: bool = False) -> Construction:
    """Every ``m``-th input spike: one integrating unit (``h = inf``).

    A weight ``w`` in ``(1/m, 1/(m-1)]`` makes the potential cross 1 exactly at
    the ``m``-th spike after a reset. The default is the interval's midpoint
    ``(2m - 1) / (2m(m - 1))`` (``2`` for ``m = 1``); ``tight`` takes the closed
    end ``1/(m-1)`` (register weight 1, threshold ``m - 1``: after ``m - 1``
    spikes the potential is exactly 1 and must not fire); a ``w`` outside the
    interval builds a broken counter (the target stays "every m-th spike").
    """
    if int(m) != m or m < 1:
        raise NetworkError(f"clock_m: m = {m} found, expected a whole number >= 1")
    m = int(m)
    if w is None:
        w = TWO if m == 1 else (Fraction(1, m - 1) if tight else
                                Fraction(2 * m - 1, 2 * m * (m - 1)))
    w = Fraction(w)
    c = Circuit(d=1)
    c.unit("count", OUTPUT, h=float("inf"))
    c.connect(0, "count", w)

    def target(x):
        x = np.asarray(x, bool)[..., 0, :]
        return x & (np.cumsum(x, axis=-1) % m == 0)

    inside = (m == 1 and w > 1) or (m > 1 and Fraction(1, m) < w <= Fraction(1, m - 1))
    return make(f"clock{m}" + ("-tight" if tight else ""), c, target, None,
                f"every {m}-th input spike (h = inf, w = {w}"
                + ("" if inside else ", outside (1/m, 1/(m-1)]: broken") + ")",
                state=_count_state(m), states=m, m=m, w=str(w), tight=tight)


def clear(m: int = 3) -> Construction:
    """Every ``m``-th spike of ``x0`` since the last spike of ``x1`` (a counter with a clear).

    One integrating unit (``h = inf``), ``m >= 2``: ``x0`` weighs ``1/(m-1)``
    (the closed end of the counter's interval: ``m - 1`` counts put the
    potential exactly at 1, which must not fire) and ``x1`` weighs
    ``-m/(m-1)``, so that a clear takes any count ``c <= m - 1`` (plus an
    ``x0`` spike at the same instant) to ``(c + 1 - m)/(m-1) <= 0``: the positive
    part floors it to 0, exactly 0 when the counter was full. Register units:
    threshold ``m - 1``, weights ``+1`` and ``-m``. Without the positive part the
    potential would stay negative after a clear and later counts would come late.

    Target: ``out(t) = x0(t)`` and not ``x1(t)`` and the number of ``x0`` spikes
    after the last ``x1`` instant, up to ``t``, is a multiple of ``m``.
    """
    if int(m) != m or m < 2:
        raise NetworkError(f"clear: m = {m} found, expected a whole number >= 2")
    m = int(m)
    c = Circuit(d=2)
    c.unit("count", OUTPUT, h=float("inf"))
    c.connect(0, "count", Fraction(1, m - 1))
    c.connect(1, "count", Fraction(-m, m - 1))

    def run(x):
        x = np.asarray(x, bool)
        a, b = x[..., 0, :], x[..., 1, :]
        count = np.zeros(a.shape[:-1], dtype=np.int64)
        out = np.zeros(a.shape, dtype=bool)
        state = np.zeros(a.shape, dtype=np.int64)
        for t in range(a.shape[-1]):
            count = np.where(b[..., t], 0, count + a[..., t])
            fire = count == m
            out[..., t] = fire
            count = np.where(fire, 0, count)
            state[..., t] = count
        return out, state

    return make(f"clear{m}", c, lambda x: run(x)[0], None,
                f"every {m}-th spike of x0 since the last spike of x1 (h = inf, weights "
                f"1/{m - 1} and -{m}/{m - 1}: the positive part and the strict threshold "
                "both decide)", state=lambda x: run(x)[1], states=m, m=m)


# ----------------------------------------------------------------------------- Boolean


def _minterms(c: Circuit, inputs, patterns, ids, clock_src=None, pop: str = "minterm",
              prefix: str = "m") -> np.ndarray:
    """Units that fire exactly when the ``inputs`` (``(src, delay)`` pairs) show a pattern.

    One unit per row of ``patterns`` (bool (P, n)), named ``prefix + str(id)``.
    With ``k`` ones in the pattern: ones weigh ``2/(2k-1)`` (the AND of the ones)
    and zeros ``-2k/(2k-1)`` (one wrong spike cancels them all). The all-zero
    pattern takes the clock at +2 and every input at -2. Returns the units' codes.
    """
    n = len(inputs)
    patterns = np.asarray(patterns, dtype=bool).reshape(len(ids), n)
    n_pat = len(ids)
    first = len(c.units)
    for p in ids:
        c.unit(f"{prefix}{p}", pop)
    codes = first + np.arange(n_pat, dtype=np.int64)
    k = patterns.sum(axis=1)
    zero = codes[k == 0]
    if zero.size:
        if clock_src is None:
            raise NetworkError("the all-zero minterm needs a clock")
        c.connect_many(np.full(zero.size, c.code(clock_src[0])), zero, 2, 1, clock_src[1])
    if n:
        src = np.array([c.code(s) for s, _ in inputs], dtype=np.int64)
        delay = np.array([dl for _, dl in inputs], dtype=np.int64)
        kk = np.repeat(k, n)
        ones = patterns.reshape(-1)
        c.connect_many(np.tile(src, n_pat), np.repeat(codes, n),
                       np.where(kk == 0, -2, np.where(ones, 2, -2 * kk)),
                       np.where(kk == 0, 1, 2 * kk - 1), np.tile(delay, n_pat))
    return codes


def _patterns(n: int) -> np.ndarray:
    """All ``2**n`` patterns of ``n`` bits, bool (2**n, n): row ``p`` has bit ``i`` of ``p``."""
    return ((np.arange(1 << n, dtype=np.int64)[:, None] >> np.arange(n)) & 1).astype(bool)


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
    codes = _minterms(c, [(j, 1) for j in range(d)], _patterns(d)[true], true, (d, 1))
    c.connect_many(codes, np.full(codes.size, c.index("or")), 2, 1, 1)

    bits = table_bits(table, d)

    def target(x):
        return bits[_pattern_index(x)]

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


def table_bits(table: int, n: int) -> np.ndarray:
    """Truth table ``table`` of ``n`` input bits as bool (2**n,): entry ``p`` is bit ``p``."""
    if not 0 <= table < 1 << (1 << n):
        raise NetworkError(f"truth table: {table:#x} found, expected 0 .. 2**{1 << n} - 1 for "
                           f"{n} window bits")
    raw = np.frombuffer(int(table).to_bytes(max(1, (1 << n) // 8 + 1), "little"), np.uint8)
    return np.unpackbits(raw, bitorder="little")[:1 << n].astype(bool)


def random_table(n: int, seed: int = 0) -> int:
    """A truth table of ``n`` bits drawn uniformly (seeded): a typical, hence hard, function."""
    bits = np.random.default_rng(seed).random(1 << n) < 0.5
    return int.from_bytes(np.packbits(bits, bitorder="little").tobytes(), "little")


def table_function(d: int, m: int, table: int) -> Callable[[np.ndarray], np.ndarray]:
    """The window function (bool (..., d, m) -> bool (...)) of truth table ``table``.

    Bit ``p`` of ``table`` is the output for the window whose entry ``[j, k]``
    (input ``j`` at instant ``t - m + 1 + k``; ``k = m - 1`` is now) is bit
    ``j * m + k`` of ``p``.
    """
    bits = table_bits(table, d * m)
    weights = 1 << np.arange(d * m, dtype=np.int64)

    def fn(window):
        w = np.asarray(window, dtype=np.int64)
        return bits[(w.reshape(w.shape[:-2] + (d * m,)) * weights).sum(axis=-1)]

    return fn


def finite_memory(d: int, m: int, window_fn: Callable[[np.ndarray], np.ndarray],
                  name: str = "window", delay_lines: str = "projection",
                  method: str = "flat") -> Construction:
    """A function of the last ``m`` instants: delay lines, then a Boolean construction.

    Parameters
    ----------
    window_fn : callable
        Bool (..., d, m) windows -> bool (...); entry ``[j, k]`` is input ``j``
        at instant ``t - m + 1 + k`` (``k = m - 1`` is now).
    delay_lines : {'projection', 'skip'}
        Projections of delay ``1 + i`` for lag ``i``, or chains of SKIP units.
    method : {'flat', 'split'}
        ``'flat'``: one minterm unit per true window (``n = d*m`` window bits,
        ``n`` weights each) and an OR; delay 2. ``'split'``: a two-level decoder.
        The window bits are split into a low half ``A`` (``a = n // 2`` bits)
        and a high half ``B``; every pattern of each half that is needed gets a
        minterm unit, and for each ``A`` pattern ``pa`` a select unit fires when
        ``A`` shows ``pa`` and ``B`` shows a pattern on which the function is true:
        ``A[pa]`` and the true ``B`` minterms at ``2/3`` each (exactly one ``B``
        minterm fires), or, when more than half of them are true, ``A[pa]`` at
        +2 and the false ``B`` minterms at -2. An OR of the select units; delay 3.
        At most ``2**a + 2**b + 2**a + 1`` units and about
        ``a 2**a + b 2**b + 2**(n-1) + 2**(a+1)`` weights, against ``2**n + 1``
        units and ``(n + 1) 2**n`` weights flat. ``n < 2`` builds flat.
    """
    if method not in ("flat", "split"):
        raise NetworkError(f"finite_memory: method {method!r} is not 'flat' or 'split'")
    n = d * m
    pats = _patterns(n).reshape(-1, d, m)
    truth = np.asarray(window_fn(pats), dtype=bool).reshape(-1)
    if method == "split" and n < 2:
        method = "flat"
    if method == "flat":
        true = np.flatnonzero(truth)
        c = Circuit(d=d, clock=bool(true.size and true[0] == 0))
        c.unit("or", OUTPUT)
        lag = _Lags(c, delay_lines)
        inputs = [lag(j, m - 1 - k) for j in range(d) for k in range(m)] if true.size else []
        codes = _minterms(c, inputs, pats[true].reshape(true.size, n), true.tolist(),
                          (d, 1))
        c.connect_many(codes, np.full(codes.size, c.index("or")), 2, 1, 1)
        delay, what = 2, f"{true.size} true windows, flat"
    else:
        c, what = _split(d, m, truth, delay_lines)
        delay = 3

    def target(x):
        return np.asarray(window_fn(windows(x, m)), dtype=bool)

    return make(name, c, target, m, f"{name}: a Boolean function of the last {m} instants of "
                f"{d} inputs ({what}, {delay_lines} delay lines)",
                delay=delay, d=d, m=m, delay_lines=delay_lines, method=method)


def _split(d: int, m: int, truth: np.ndarray, delay_lines: str):
    """The circuit of :func:`finite_memory` with ``method='split'``, and a summary."""
    n = d * m
    a = n // 2
    b = n - a
    grid = truth.reshape(1 << b, 1 << a)  # [pb, pa]: window bits 0..a-1 are A
    n_true = grid.sum(axis=0)
    used_a = np.flatnonzero(n_true)
    positive = n_true[used_a] <= (1 << b) - n_true[used_a]
    edges = [np.flatnonzero(grid[:, pa] if pos else ~grid[:, pa])
             for pa, pos in zip(used_a, positive)]
    used_b = np.unique(np.concatenate(edges)) if edges else np.zeros(0, np.int64)
    clock = bool((used_a.size and used_a[0] == 0) or (used_b.size and used_b[0] == 0))
    c = Circuit(d=d, clock=clock)
    c.unit("or", OUTPUT)
    lag = _Lags(c, delay_lines)
    bits = [lag(j, m - 1 - k) for j in range(d) for k in range(m)] if used_a.size else []
    pats_a, pats_b = _patterns(a), _patterns(b)
    code_a = _minterms(c, bits[:a], pats_a[used_a], used_a.tolist(), (d, 1), pop="low",
                       prefix="a")
    code_b = _minterms(c, bits[a:], pats_b[used_b], used_b.tolist(), (d, 1), pop="high",
                       prefix="b")
    where_b = np.full(1 << b, -1, dtype=np.int64)
    where_b[used_b] = code_b
    first = len(c.units)
    for pa in used_a:
        c.unit(f"s{pa}", "select")
    sel = first + np.arange(used_a.size, dtype=np.int64)
    counts = np.array([e.size for e in edges], dtype=np.int64)
    b_src = where_b[np.concatenate(edges)] if edges else np.zeros(0, np.int64)
    b_dst = np.repeat(sel, counts)
    pos_edge = np.repeat(positive, counts)
    c.connect_many(code_a, sel, np.where(positive, 2, 2), np.where(positive, 3, 1), 1)
    c.connect_many(b_src, b_dst, np.where(pos_edge, 2, -2), np.where(pos_edge, 3, 1), 1)
    c.connect_many(sel, np.full(sel.size, c.index("or")), 2, 1, 1)
    what = (f"{int(truth.sum())} true windows, split {a} + {b} bits: {used_a.size} + "
            f"{used_b.size} minterms, {used_a.size} selects")
    return c, what


def memory_table(d: int, m: int, table: int, method: str = "flat",
                 delay_lines: str = "projection", name: str | None = None) -> Construction:
    """:func:`finite_memory` of a truth table (:func:`table_function` gives its layout)."""
    n = d * m
    digits = max(1, (1 << n) // 4)
    label = name or (f"table{d}x{m}:{table:#0{digits + 2}x}" if n <= 4 else
                     f"table{d}x{m}-{method}")
    return finite_memory(d, m, table_function(d, m, table), name=label,
                         delay_lines=delay_lines, method=method)


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
    state, states = None, None
    sizes = [1 if inner is None else inner.states for inner in inners]
    if memory is None and outer.state is not None and None not in sizes and all(
            inner is None or inner.state is not None for inner in inners):
        states = outer.states * int(np.prod(sizes, dtype=object))
        if states >= 1 << 62:
            states = None

    def combined(x):
        x = np.asarray(x, bool)
        ys = [x[..., w[0], :] if inner is None else inner.target(x[..., w, :])
              for inner, w in zip(inners, wiring)]
        sid = np.asarray(outer.state(np.stack(ys, axis=-2)), dtype=np.int64)
        for inner, w, size in zip(inners, wiring, sizes):
            if inner is not None:
                sid = sid * size + np.asarray(inner.state(x[..., w, :]), dtype=np.int64)
        return sid

    if states is not None:
        state = combined
    return make(name, c, target, memory, f"composition: {name}", check_layered=False,
                delay=depth + outer.delay, state=state, states=states)


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
    expect = None
    if 0 < h < float("inf"):
        expect = ("finite h: the chip keeps a 12-bit fraction of v on every tick and rounds "
                  "each product toward zero, while the model decays by exp(-gap/h) exactly; "
                  "potentials that end within that rounding of the threshold are decided "
                  "differently (neuroemu.theory.unit)")
    return make("unit", c, lambda x: model_response(x, w, h), memory,
                f"one model unit, w = {w}, h = {h}, scale {scale}", expect=expect, w=w, h=h,
                scale=scale)
