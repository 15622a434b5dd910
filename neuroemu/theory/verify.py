"""Verifying constructions on the emulated chip against their target functions.

Four methods, chosen by :func:`verify` (``method='auto'``) or by the caller:

``literal``
    Every one of the ``2**(d*T)`` input trains of length ``T`` (train number
    ``n`` has input ``j`` spiking at instant ``t`` when bit ``j*T + t`` of ``n``
    is set), each run from the initial state; the chip's output at ticks
    ``0 .. T + delay - 1`` must be the target shifted by ``delay`` (silent
    before ``delay``).

``window``
    For constructions whose chip configuration provably forgets: every neuron
    keeps nothing of ``v`` from one tick to the next (``mul_v = 0``, i.e.
    ``h = 0`` exactly), has no refractory period, current register, spike-count
    cap, signed spikes or periodic reset, and the network has no loop. Then a
    neuron's spikes at tick ``τ`` depend only on what arrives at ``τ``, and by
    induction along the network the output at ``τ`` is a fixed function ``G``
    of the input spikes at instants ``τ - δ``, ``δ`` running over the total
    delays of the paths from that input to the output (found neuron by neuron,
    :func:`~neuroemu.theory.batch.channel_delays`). With ``lo`` and ``hi`` the
    shortest and longest of them over the data inputs and the clock, the
    target's output at ``t = τ - delay`` (which depends on ``t - m + 1 .. t``,
    its declared memory ``m``, checked on random trains) and the chip's output
    at ``τ`` are both functions of the instants ``τ - W .. τ - l``, with
    ``W = max(hi, delay + m - 1)`` and ``l = min(lo, delay)``: a window of
    ``L = W - l + 1`` instants. Instants before a train or after it are silent,
    which for a data input is the same as not spiking. So:

    * every window with the clock on (if there is one) is a window of one de
      Bruijn train, in which each of the ``(2**d)**L`` patterns of ``L``
      instants occurs once; it is run and compared whole;
    * the clock is off before and after a train. When every path from the
      clock to the output has exactly the output delay, the clock matters at
      ``τ - delay = t`` only, which is inside the train at every compared tick
      ``τ >= delay``; the ticks ``τ < delay`` see the clock off, and when
      ``lo < delay`` also the first ``delay - lo`` instants, so all ``2**(d *
      (delay - lo))`` trains of that length are run as well. When the clock has
      other path delays, all ``2**(d*W)`` trains of length ``W`` are run (every
      window that reaches past a train's start or end).

    Agreement on those trains is therefore equivalent to agreement on every
    train of every length.

``states``
    For layered constructions (no input reaches the output sooner than the
    output delay) whose target declares its state (``Construction.state``: a
    Mealy machine, e.g. a counter's count mod ``m``), without refractory
    periods, caps, signed spikes or periodic resets. The chip's state after a
    tick is its registers plus the spikes still in flight (which neurons and
    inputs fired in the last ``D`` ticks, ``D`` the longest projection delay);
    the output for instant ``t`` (tick ``t + delay``) is a function of the
    state after ``t``. A breadth-first search runs, for each (chip state,
    target state) pair found so far, one train that reaches it (the first
    found) extended by every input pattern of one instant, and compares each
    train's output with the target; new pairs are expanded in turn. When no new
    pair appears, every reachable pair and every transition out of it has been
    run, so every train of every length agrees if and only if every run did.

``random``
    ``samples`` random trains (each instant and input spikes with
    probability 1/2, seeded): evidence, not a proof (``exhaustive`` is False).

Train length. Without ``T`` the construction chooses it: for a finite memory
``m`` the chip's window ``W`` (memory plus output delay minus one, or the
longest path when that is longer), in which every window, i.e. every state
the chip can be in, occurs; with a declared target state, the length of the
longest train the state search needed; else :data:`DEFAULT_T`.

Reports say which method ran, how many trains were simulated (``cases``) and
how many trains of length ``T`` the verdict covers (``covers``), and whether
it covers trains of every length (``all_lengths``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import MappingError, NetworkError, NeuroemuError
from ..hw.profile import Profile, load_profile
from ..mapping import HardwareConfig
from ..mapping.codes import MODEL_CUBA, MODEL_INPUT
from .batch import channel_delays, input_output_depth, map_single, max_delay, out_delays, run_trains
from .circuit import INPUT, Construction

LITERAL_BUDGET = 1 << 22  # train runs (trains x functions) the literal method may take
WINDOW_LIMIT = 1 << 22  # largest de Bruijn train (instants) and short-train count
STATE_LIMIT = 1 << 14  # (chip, target) states the states method may find per function
DEPTH_LIMIT = 4096  # longest train the states method may need
DEFAULT_T = 8  # train length when the construction gives none
CHUNK = 1 << 20  # trains per call of run_trains


def enumerate_trains(d: int, n_t: int, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Trains ``start .. stop - 1`` of all ``2**(d*T)``, bool (N, d, T).

    Input ``j`` of train ``n`` spikes at instant ``t`` when bit ``j*T + t`` of ``n`` is set.
    """
    stop = (1 << (d * n_t)) if stop is None else stop
    n = np.arange(start, stop, dtype=np.int64)
    bits = (n[:, None] >> np.arange(d * n_t, dtype=np.int64)) & 1
    return bits.astype(bool).reshape(-1, d, n_t)


def de_bruijn(k: int, n: int) -> np.ndarray:
    """A de Bruijn sequence B(k, n) made linear: int64 (k**n + n - 1,).

    Every sequence of ``n`` symbols from ``0..k-1`` appears exactly once as a
    contiguous window. Built by concatenating, in lexicographic order, the
    Lyndon words whose length divides ``n`` (the Fredricksen–Kessler–Maiorana
    construction), then repeating the first ``n - 1`` symbols at the end.
    """
    if k < 1 or n < 1:
        raise ValueError(f"de_bruijn: k = {k}, n = {n}; both must be >= 1")
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    seq: list[int] = []
    word = [0] * (n + 1)

    def db(t: int, p: int) -> None:
        if t > n:
            if n % p == 0:
                seq.extend(word[1:p + 1])
            return
        word[t] = word[t - p]
        db(t + 1, p)
        for j in range(word[t - p] + 1, k):
            word[t] = j
            db(t + 1, t)

    db(1, 1)  # recursion depth is n + 1
    return np.array(seq + seq[:n - 1], dtype=np.int64)


def _extras(cfg: HardwareConfig) -> str:
    """The first neuron feature that keeps state outside ``v``/``u`` (empty if none)."""
    for p, name in enumerate(cfg.pop_names):
        if cfg.pop_model[p] == MODEL_INPUT:
            continue
        for key, what in (("pop_refractory", "a refractory period"),
                          ("pop_maxcount", "a spike-count cap"), ("pop_signed", "signed spikes"),
                          ("pop_reset_interval", "a periodic reset")):
            if getattr(cfg, key)[p] != 0:
                return f"population {name!r} has {what}"
    return ""


def forgets(cfg: HardwareConfig) -> tuple[bool, str]:
    """Whether a mapped construction keeps no state between ticks (see the module docstring).

    Returns
    -------
    (ok, reason) : the reason names the first population and register that keep state.
    """
    for p, name in enumerate(cfg.pop_names):
        if cfg.pop_model[p] == MODEL_INPUT:
            continue
        sl = cfg.neurons_of(name)
        if np.any(cfg.mul_v[sl] != 0):
            return False, f"population {name!r} keeps part of v between ticks (h > 0)"
        if cfg.pop_model[p] == MODEL_CUBA and np.any(cfg.mul_u[sl] != 0):
            return False, f"population {name!r} keeps its current u between ticks"
    why = _extras(cfg)
    if why:
        return False, why
    try:
        input_output_depth(cfg.network)
    except NetworkError as exc:
        return False, str(exc)
    return True, ""


def check_memory(con: Construction, n_t: int, rng: np.random.Generator, n: int = 64) -> bool:
    """Whether the target's output at ``t`` depends only on instants ``t - m + 1 .. t``.

    Compares the target on random trains with the target on each instant's
    window alone (as a train of length ``m``, zero before the train).
    """
    m = con.memory
    if m is None:
        return False
    x = rng.random((n, con.d, n_t)) < 0.5
    full = np.asarray(con.target(x), dtype=bool)
    pad = np.concatenate([np.zeros((n, con.d, m - 1), bool), x], axis=-1)
    for t in range(n_t):
        win = pad[:, :, t:t + m]
        if not np.array_equal(np.asarray(con.target(win), bool)[:, -1], full[:, t]):
            return False
    return True


@dataclass(frozen=True)
class Paths:
    """Path delays of a mapped construction: bit masks of the total delays to the output.

    ``data`` from the data inputs, ``clock`` from the clock channel (0 without
    one); ``lo`` and ``hi`` the shortest and longest over both (0 if none).
    """

    data: int
    clock: int

    @property
    def lo(self) -> int:
        both = self.data | self.clock
        return (both & -both).bit_length() - 1 if both else 0

    @property
    def hi(self) -> int:
        return (self.data | self.clock).bit_length() - 1 if (self.data | self.clock) else 0


def paths(con: Construction, cfg: HardwareConfig) -> Paths | None:
    """The :class:`Paths` of ``con`` mapped as ``cfg`` (None: a loop or a path > 62 ticks)."""
    data = channel_delays(cfg.network, range(con.d))
    clock = channel_delays(cfg.network, [con.d]) if con.clock else 0
    if data is None or clock is None:
        return None
    return Paths(data, clock)


@dataclass(frozen=True)
class WindowPlan:
    """What the window method runs: a de Bruijn train over ``length`` instants, and short trains.

    ``W`` is the longest look-back (``τ - W``), ``length = W - l + 1``; ``short``
    is the length of the short trains run in full (all ``2**(d*short)`` of them;
    0 for none) and ``why_short`` says why they are needed.
    """

    W: int
    length: int
    short: int
    why_short: str


def window_plan(cons, cfgs, T: int, seed: int = 0) -> tuple[WindowPlan | None, str]:
    """The :class:`WindowPlan`, or None and the reason the window method does not apply."""
    d = cons[0].d
    W, low, short, why_short = 0, None, 0, ""
    for c, cfg in zip(cons, cfgs):
        ok, why = forgets(cfg)
        if not ok:
            return None, f"{c.name}: {why}"
        if c.memory is None:
            return None, f"{c.name}: the target has unbounded memory"
        if not check_memory(c, max(T, 2 * c.memory + 2), np.random.default_rng(seed)):
            return None, f"{c.name}: the target depends on more than its memory"
        p = paths(c, cfg)
        if p is None:
            return None, f"{c.name}: a path to the output is longer than 62 ticks"
        W = max(W, p.hi, c.delay + c.memory - 1)
        lo = p.lo if (p.data | p.clock) else c.delay  # no path: the output reads nothing
        low = min(c.delay, lo) if low is None else min(low, c.delay, lo)
        if c.clock and p.clock & ~(1 << c.delay):
            short, why_short = -1, f"{c.name}: the clock reaches the output at other delays " \
                "than the output delay"
        elif c.clock and lo < c.delay and short >= 0:
            if c.delay - lo > short:
                short, why_short = c.delay - lo, (
                    f"{c.name}: inputs reach the output {c.delay - lo} tick(s) before the "
                    "output delay, while the clock is still off")
    length = W - low + 1
    if short < 0:
        short = W
    if (1 << d) ** length > WINDOW_LIMIT or (1 << (d * short)) > WINDOW_LIMIT:
        return None, f"the window of {length} instants is too long to cover"
    return WindowPlan(W, length, short, why_short), ""


def states_plan(cons, cfgs) -> str:
    """Why the states method does not apply to ``cons`` (empty when it does)."""
    for c, cfg in zip(cons, cfgs):
        if c.state is None:
            return f"{c.name}: the target declares no state"
        why = _extras(cfg)
        if why:
            return f"{c.name}: {why}"
        p = paths(c, cfg)
        if p is None:
            return f"{c.name}: a loop, or a path to the output longer than 62 ticks"
        if (p.data | p.clock) and p.lo < c.delay:
            return (f"{c.name}: not layered (an input reaches the output after {p.lo} ticks, "
                    f"the output delay is {c.delay})")
    return ""


@dataclass
class Verification:
    """The outcome of verifying one construction or a family of them.

    ``cases`` input trains were simulated per function; the verdict covers
    ``covers`` trains of length ``T`` per function (equal to ``cases`` for
    ``random``; all ``2**(d*T)`` for the exhaustive methods), and trains of
    every length when ``all_lengths``. ``mismatches`` counts failing
    (function, train) pairs. ``neurons`` and ``weights`` are per function
    (the largest when there are several). ``length_from`` says how ``T`` was
    chosen when the caller did not give it; ``states`` is the number of
    (chip, target) state pairs the states method found (per function, the
    largest); ``expect`` the reason a deliberately failing example fails.
    """

    construction: str
    method: str
    T: int
    d: int
    cases: int
    covers: int
    exhaustive: bool
    functions: int
    mismatches: int
    neurons: int
    weights: int
    neurons_total: int
    weights_total: int
    delay: int
    memory: int | None
    window: int | None
    profile: str
    w_bits: int
    scale: float | None
    ticks: int = 0
    runs: int = 0
    overflows: int = 0
    seconds: float = 0.0
    failing_functions: list = field(default_factory=list)
    first_failure: dict | None = None
    mapping_error: str | None = None
    note: str = ""
    all_lengths: bool = False
    states: int | None = None
    length_from: str = ""
    expect: str | None = None

    @property
    def exact(self) -> bool:
        return self.mismatches == 0 and self.mapping_error is None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["exact"] = self.exact
        return out

    def describe(self) -> list[str]:
        """The verdict in words, as ``neuroemu theory verify`` prints it: one line each.

        The first line names the construction, the method, the trains run and
        covered and the verdict (``exact``, ``does not map`` or the number of
        mismatches); the indented lines give the size, output delay, profile and
        scale, how ``T`` was chosen (when it was), the method's note, the
        reason a deliberately failing example fails, the mapping error or
        failing functions if any, the first failure (input, and the expected and
        emulated output ticks within 8 ticks of the first wrong one) and the
        time and ticks spent.
        """
        def plural(n: int, what: str) -> str:
            return f"{n} {what}" + ("" if n == 1 else "s")

        scale = ("integer network as built" if self.scale is None
                 else f"re-quantized, scale {self.scale:g}")
        head = (f"{self.construction}: {self.cases} input train{'s' if self.cases != 1 else ''} "
                f"run ({self.method})")
        if self.functions > 1:
            head += f" per function, {self.functions} functions"
        verdict = "exact" if self.exact else (
            "does not map" if self.mapping_error else f"{self.mismatches} mismatch"
            + ("es" if self.mismatches != 1 else ""))
        if self.all_lengths and not self.mapping_error:
            cover = "covers every train of every length (exhaustive)"
        elif self.method == "states":
            cover = (f"the search stopped before every state was reached (trains of up to "
                     f"{self.T} instants)")
        else:
            cover = (f"covers {self.covers} of {1 << (self.d * self.T)} trains of length "
                     f"{self.T}{' (exhaustive)' if self.exhaustive else ''}")
        lines = [f"{head}; {cover}: {verdict}"]
        size = (f"{plural(self.neurons, 'neuron')}, {plural(self.weights, 'weight')}"
                if self.functions == 1 else
                f"up to {self.neurons} neurons and {self.weights} weights per function "
                f"({self.neurons_total} and {self.weights_total} in all)")
        lines.append(f"  {size}; output delay {plural(self.delay, 'tick')}; profile "
                     f"{self.profile} (w_bits {self.w_bits}), {scale}")
        if self.length_from:
            lines.append(f"  {self.length_from}")
        lines.append(f"  {self.note}")
        if self.expect:
            lines.append(("  a deliberately failing example: " if not self.exact else
                          "  listed as a deliberately failing example, exact here: ")
                         + self.expect)
        if self.mapping_error:
            lines.append(f"  mapping: {self.mapping_error}")
        if self.failing_functions and self.functions > 1:
            shown = ", ".join(self.failing_functions[:8])
            more = len(self.failing_functions) - 8
            lines.append(f"  failing functions: {shown}"
                         f"{f' and {more} more' if more > 0 else ''}")
        f = self.first_failure
        if f:
            if "window_input" in f:
                shown = (f"input instants {f['window_start']}..{f['first_tick'] - 1} "
                         f"{f['window_input']}")
            else:
                shown = f"input {f['input']}"
            near = [t for t in f["expected"] if abs(t - f["first_tick"]) <= 8][:8]
            got = [t for t in f["got"] if abs(t - f["first_tick"]) <= 8][:8]
            lines.append(f"  first failure: {f['function']}, {f['case']} #{f['train_index']}: "
                         f"{shown}; output ticks near tick {f['first_tick']}: expected {near}, "
                         f"got {got}")
        lines.append(f"  {self.seconds:.2f} s, {plural(self.runs, 'emulator run')}, "
                     f"{self.ticks} ticks" + (f", {self.overflows} register overflows"
                                              if self.overflows else ""))
        return lines


def _compare(con: Construction, x: np.ndarray, got: np.ndarray):
    """Failing rows and the expected outputs: bool (N,), bool (N, T + delay)."""
    n, _, n_t = x.shape
    want = np.zeros((n, n_t + con.delay), dtype=bool)
    want[:, con.delay:] = np.asarray(con.target(x), dtype=bool)
    return np.any(want != got, axis=1), want


def _failure(con, x, want, got, row, label, offset=0, window=None) -> dict:
    diff = np.flatnonzero(want[row] != got[row])
    tick = int(diff[0])
    out = {
        "function": con.name, "case": label, "train_index": int(offset + row),
        "input": x[row].astype(int).tolist(),
        "expected": np.flatnonzero(want[row]).tolist(),
        "got": np.flatnonzero(got[row]).tolist(),
        "first_tick": tick,
        "note": f"output spike ticks (target shifted by delay {con.delay})",
    }
    if window is not None:
        lo = max(0, tick - window)
        out["window_start"] = lo
        out["window_input"] = x[row, :, lo:tick].astype(int).tolist()
    return out


def _symbols(d: int) -> np.ndarray:
    """Every input pattern of one instant, bool (2**d, d)."""
    return ((np.arange(1 << d)[:, None] >> np.arange(d)) & 1).astype(bool)


@dataclass
class _Search:
    """The outcome of the states method for one construction."""

    cases: int = 0
    states: int = 0
    depth: int = 0
    closed: bool = False
    mismatches: int = 0
    first: dict | None = None
    ticks: int = 0
    runs: int = 0
    overflows: int = 0
    why_open: str = ""


def explore(con: Construction, cfg: HardwareConfig, *, engine: str = "event",
            limit: int = STATE_LIMIT, max_depth: int = DEPTH_LIMIT) -> _Search:
    """The states method (module docstring) for one construction; see :class:`_Search`."""
    d = con.d
    syms = _symbols(d)
    hist = max_delay(cfg.network)
    in_flight = out_delays(cfg.network)[INPUT][:d]  # how long each input's spikes travel
    seen: set = set()
    frontier = np.zeros((1, d, 0), dtype=bool)
    out = _Search()
    level = 0
    while frontier.shape[0]:
        if level >= max_depth:
            out.why_open = f"trains longer than {max_depth} instants would be needed"
            break
        n_f = frontier.shape[0]
        x = np.concatenate([np.repeat(frontier, syms.shape[0], axis=0),
                            np.tile(syms, (n_f, 1))[:, :, None]], axis=2)
        res = run_trains([con], [cfg], x, engine=engine, state_at=level)
        out.cases += x.shape[0]
        out.ticks += res.ticks
        out.runs += res.runs
        out.overflows += res.overflows
        bad, want = _compare(con, x, res.outputs[0])
        if bad.any():
            out.mismatches += int(bad.sum())
            if out.first is None:
                row = int(np.argmax(bad))
                out.first = _failure(con, x, want, res.outputs[0], row, "states search", 0)
                out.first["train_index"] = out.cases - x.shape[0] + row
        recent = np.zeros((x.shape[0], d, hist), dtype=np.int64)
        take = min(hist, level + 1)
        recent[:, :, hist - take:] = x[:, :, level + 1 - take:level + 1]
        recent *= np.arange(hist)[None, None, :] > (hist - 1 - in_flight)[None, :, None]
        target = np.asarray(con.state(x), dtype=np.int64)[:, level:level + 1]
        keys = np.concatenate([res.states[0], recent.reshape(x.shape[0], -1), target], axis=1)
        _, first = np.unique(keys, axis=0, return_index=True)
        new = []
        for row in np.sort(first):
            key = keys[row].tobytes()
            if key not in seen:
                seen.add(key)
                new.append(row)
        frontier = x[np.asarray(new, dtype=np.int64)]
        level += 1
        if out.mismatches:
            out.why_open = "stopped at the first trains that fail"
            break
        if len(seen) > limit:
            out.why_open = f"more than {limit} (chip, target) states"
            break
    out.states = len(seen)
    out.depth = level
    out.closed = not frontier.shape[0] and not out.why_open
    return out


def verify(cons, T: int | None = None, *, method: str = "auto",
           profile: Profile | str = "loihi", scale=None, samples: int = 1 << 16, seed: int = 0,
           engine: str = "event", literal_budget: int = LITERAL_BUDGET,
           name: str | None = None) -> Verification:
    """Verify one construction, or several with the same number of inputs.

    Parameters
    ----------
    cons : Construction or list of Construction
    T : int, optional
        Train length in instants (ticks). None: chosen from the construction
        (module docstring), and ``method='auto'`` then prefers a method whose
        verdict covers trains of every length.
    method : {'auto', 'literal', 'window', 'states', 'random'}
        'auto' with ``T`` given takes literal when ``functions * 2**(d*T) <=
        literal_budget``, else window when every construction forgets, else
        states when the targets declare their state, else random.
    profile : Profile or name
        Register widths, rounding and overflow rules of the chip.
    scale : None, float or dict
        Passed to ``map_network``: None maps the integer network exactly; a
        number re-quantizes it (weights rounded to ``w_bits`` with exponents).
    samples, seed : random method's train count and seed.
    """
    start = time.perf_counter()
    cons = [cons] if isinstance(cons, Construction) else list(cons)
    if not cons:
        raise NeuroemuError("verify: no construction given")
    d = cons[0].d
    if any(c.d != d for c in cons):
        raise NeuroemuError("verify: constructions must have the same number of inputs")
    if T is not None and (int(T) != T or T < 1):
        raise NeuroemuError(f"verify: T = {T} found, expected a whole number of instants >= 1")
    methods = ("auto", "literal", "window", "states", "random")
    if method not in methods:
        raise NeuroemuError(f"verify: method {method!r} is not one of {', '.join(methods)}")
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    label = name or (cons[0].name if len(cons) == 1 else f"{len(cons)} functions")
    memories = [c.memory for c in cons]
    expects = sorted({c.expect for c in cons if c.expect})
    report = Verification(
        construction=label, method=method, T=int(T or DEFAULT_T), d=d, cases=0,
        covers=1 << (d * int(T or DEFAULT_T)), exhaustive=False, functions=len(cons),
        mismatches=0, neurons=max(c.neurons for c in cons),
        weights=max(c.weights for c in cons), neurons_total=sum(c.neurons for c in cons),
        weights_total=sum(c.weights for c in cons), delay=max(c.delay for c in cons),
        memory=None if None in memories else max(memories), window=None,
        profile=profile.name, w_bits=profile.w_bits,
        scale=None if scale is None or isinstance(scale, dict) else float(scale),
        expect="; ".join(expects) or None)
    try:
        cfgs = [map_single(c, profile, scale) for c in cons]
    except MappingError as exc:
        report.mapping_error = str(exc)
        report.mismatches = len(cons)
        report.failing_functions = [c.name for c in cons]
        report.note = "the construction does not map onto the profile"
        report.seconds = time.perf_counter() - start
        return report

    chosen = T is None
    plan, why_not = None, ""
    if method in ("auto", "window"):
        plan, why_not = window_plan(cons, cfgs, T or DEFAULT_T, seed)
    why_no_states = states_plan(cons, cfgs) if method in ("auto", "states") else ""
    if chosen:
        if plan is not None:
            T = plan.W
            report.length_from = (
                f"T = {T} chosen from the construction: memory {report.memory} + output delay "
                f"{report.delay} - 1 (or the longest path) = the chip's window of {T} instants; "
                "every window, i.e. every state the chip can be in, occurs")
        else:
            T = DEFAULT_T
            report.length_from = f"T = {T} (the default): the window method does not apply " \
                f"({why_not})"
        report.T, report.covers = T, 1 << (d * T)
    n_lit = len(cons) * (1 << (d * T)) if d * T < 62 else None
    if method == "auto":
        if chosen and plan is not None:
            method = "window"
        elif chosen and not why_no_states:
            method = "states"
        elif n_lit is not None and n_lit <= literal_budget:
            method = "literal"
        elif plan is not None:
            method = "window"
        elif not why_no_states:
            method = "states"
        else:
            method = "random"
    if method == "window" and plan is None:
        raise NeuroemuError(f"verify {label}: the window method does not apply ({why_not})")
    if method == "states" and why_no_states:
        raise NeuroemuError(f"verify {label}: the states method does not apply "
                            f"({why_no_states})")
    report.method = method
    rng = np.random.default_rng(seed)

    failing = set()
    first = None
    total_ticks = runs = overflows = 0

    def check(x, case_label, offset=0, window=None):
        nonlocal first, total_ticks, runs, overflows
        res = run_trains(cons, cfgs, x, engine=engine)
        total_ticks += res.ticks
        runs += res.runs
        overflows += res.overflows
        bad_total = 0
        for c, got in zip(cons, res.outputs):
            bad, want = _compare(c, x, got)
            n_bad = int(bad.sum())
            bad_total += n_bad
            if n_bad:
                failing.add(c.name)
                row = int(np.argmax(bad))
                if first is None or (first["case"] == case_label
                                      and offset + row < first["train_index"]):
                    first = _failure(c, x, want, got, row, case_label, offset, window)
        return bad_total

    if method == "literal":
        if d * T > 40:
            raise NeuroemuError(f"verify {label}: 2**{d * T} trains are too many to run one by "
                                "one; use --method window, states or random")
        total = 1 << (d * T)
        for lo in range(0, total, CHUNK):
            hi = min(total, lo + CHUNK)
            report.mismatches += check(enumerate_trains(d, T, lo, hi), "literal", lo)
        report.cases = total
        report.exhaustive = True
        report.note = f"all {total} input trains of length {T}"
    elif method == "window":
        report.window = plan.W
        seq = de_bruijn(1 << d, plan.length)
        x_db = ((seq[None, :] >> np.arange(d)[:, None]) & 1).astype(bool)[None]
        report.mismatches += check(x_db, "de Bruijn train", window=plan.W)
        short = (1 << (d * plan.short)) if plan.short else 0
        for lo in range(0, short, CHUNK):
            hi = min(short, lo + CHUNK)
            report.mismatches += check(enumerate_trains(d, plan.short, lo, hi),
                                       f"train of length {plan.short}", lo)
        report.cases = 1 + short
        report.exhaustive = report.all_lengths = True
        ends = (f"; all {short} trains of length {plan.short} ({plan.why_short})" if short
                else "; no train of its own for the ends (no clock, or the clock only at the "
                     "output delay)")
        report.note = (f"window method: the chip forgets, so its output at tick τ is a function "
                       f"of the input instants τ-{plan.W}..τ-{plan.W - plan.length + 1}; one de "
                       f"Bruijn train of {seq.size} instants holds every pattern of those "
                       f"{plan.length} instants{ends}; together they stand for every train of "
                       "every length")
    elif method == "states":
        depth = n_states = cases = 0
        closed = True
        whys = []
        for c, cfg in zip(cons, cfgs):
            s = explore(c, cfg, engine=engine)
            cases = max(cases, s.cases)
            depth, n_states = max(depth, s.depth), max(n_states, s.states)
            total_ticks += s.ticks
            runs += s.runs
            overflows += s.overflows
            report.mismatches += s.mismatches
            if s.mismatches:
                failing.add(c.name)
                first = first or s.first
            if not s.closed:
                closed = False
                whys.append(f"{c.name}: {s.why_open}")
        report.cases, report.states = cases, n_states
        report.exhaustive = report.all_lengths = closed
        if not closed:
            report.covers = cases
        if chosen:
            report.T, report.covers = depth, 1 << (d * depth)
            report.length_from = (
                f"T = {depth} chosen from the construction: the longest train the state search "
                + ("needed to reach every reachable state" if closed
                   else "ran before it stopped"))
        report.note = (f"states method: {n_states} (chip, target) state pairs, every one reached "
                       f"by a train of at most {depth - 1} instants and run with every input "
                       "of one more instant; no new pair remains, so the runs stand for every "
                       "train of every length" if closed else
                       f"states method stopped ({'; '.join(whys)})"
                       + ("" if report.mismatches else ": not exhaustive"))
    else:
        n = int(samples)
        x = rng.random((n, d, T)) < 0.5
        report.mismatches += check(x, "random")
        report.cases = n
        report.covers = n
        report.exhaustive = False
        reasons = "; ".join(r for r in (why_not, why_no_states) if r)
        report.note = f"{n} random trains (seed {seed})" + (f"; not exhaustive: {reasons}"
                                                          if reasons else "")
    report.failing_functions = sorted(failing)
    report.first_failure = first
    report.ticks, report.runs, report.overflows = total_ticks, runs, overflows
    report.seconds = time.perf_counter() - start
    return report
