"""Verifying constructions on the emulated chip against their target functions.

Three methods, chosen by :func:`verify` (``method='auto'``) or by the caller:

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
    cap, signed spikes or periodic reset, and the population graph has no
    loop. Then a neuron's spikes at tick ``τ`` depend only on what arrives at
    ``τ``, and by induction along the graph the output at ``τ`` is a fixed
    function ``G`` of the input instants ``τ - W .. τ - 1``, where ``W`` is the
    longest input-to-output delay (instants before 0 or after the train are
    silent, as the initial state is the state after silence: ``v`` is never
    read). The target's output at ``t = τ - delay`` depends only on
    ``t - m + 1 .. t`` (its declared memory ``m``, checked on random trains),
    which lies inside that window when ``W >= delay + m - 1``. So the chip
    agrees with the target on every train of every length ``T`` if and only
    if it agrees on every window that can occur:

    * windows inside a train: all ``(2**d)**W`` of them are the windows of
      one de Bruijn train (each length-``W`` pattern of input instants appears
      exactly once), which is run and compared whole;
    * windows that reach before the train's start or past its end (where the
      clock, if any, is off): they are exactly the windows of the trains of
      length ``W``, all ``2**(d*W)`` of which are run.

    Agreement on those ``1 + 2**(d*W)`` trains is therefore equivalent to
    agreement on all ``2**(d*T)`` trains for any ``T >= W`` (for ``T <= W``
    the literal method is used instead).

``random``
    ``samples`` random trains (each instant and input spikes with
    probability 1/2, seeded): evidence, not a proof (``exhaustive`` is False).

Reports say which method ran, how many trains were simulated (``cases``) and
how many trains of length ``T`` the verdict covers (``covers``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import MappingError, NetworkError, NeuroemuError
from ..hw.profile import Profile, load_profile
from ..mapping import HardwareConfig
from ..mapping.codes import MODEL_CUBA, MODEL_INPUT
from .batch import input_output_depth, map_single, run_trains
from .circuit import Construction

LITERAL_BUDGET = 1 << 22  # train runs (trains x functions) the literal method may take
WINDOW_LIMIT = 1 << 22  # largest de Bruijn train (instants) and short-train count
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
        for key, what in (("pop_refractory", "a refractory period"),
                          ("pop_maxcount", "a spike-count cap"), ("pop_signed", "signed spikes"),
                          ("pop_reset_interval", "a periodic reset")):
            if getattr(cfg, key)[p] != 0:
                return False, f"population {name!r} has {what}"
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


def window_length(cons, cfgs, T: int, seed: int = 0) -> tuple[int | None, str]:
    """The window ``W`` of the window method, or None and the reason it does not apply.

    ``W`` is the largest of each construction's longest input-to-output delay
    and ``delay + memory - 1``; every construction must forget (:func:`forgets`)
    and have a target that depends on its declared memory only (:func:`check_memory`).
    """
    d = cons[0].d
    for c, cfg in zip(cons, cfgs):
        ok, why = forgets(cfg)
        if not ok:
            return None, f"{c.name}: {why}"
        if c.memory is None:
            return None, f"{c.name}: the target has unbounded memory"
        if not check_memory(c, max(T, 2 * c.memory + 2), np.random.default_rng(seed)):
            return None, f"{c.name}: the target depends on more than its memory"
    window = max(max(input_output_depth(cfg.network), c.delay + c.memory - 1)
                 for c, cfg in zip(cons, cfgs))
    if (1 << d) ** window > WINDOW_LIMIT or (1 << (d * window)) > WINDOW_LIMIT:
        return None, f"the window of {window} instants is too long to cover"
    return window, ""


@dataclass
class Verification:
    """The outcome of verifying one construction or a family of them.

    ``cases`` input trains were simulated per function; the verdict covers
    ``covers`` trains of length ``T`` per function (equal for ``literal`` and
    ``random``; all ``2**(d*T)`` for ``window``). ``mismatches`` counts failing
    (function, train) pairs. ``neurons`` and ``weights`` are per function
    (the largest when there are several).
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
        scale, the method's note, the mapping error or failing functions if any,
        the first failure (input, and the expected and emulated output ticks
        within 8 ticks of the first wrong one) and the time and ticks spent.
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
        lines = [f"{head}; covers {self.covers} of {1 << (self.d * self.T)} trains of length "
                 f"{self.T}{' (exhaustive)' if self.exhaustive else ''}: {verdict}"]
        size = (f"{plural(self.neurons, 'neuron')}, {plural(self.weights, 'weight')}"
                if self.functions == 1 else
                f"up to {self.neurons} neurons and {self.weights} weights per function "
                f"({self.neurons_total} and {self.weights_total} in all)")
        lines.append(f"  {size}; output delay {plural(self.delay, 'tick')}; profile "
                     f"{self.profile} (w_bits {self.w_bits}), {scale}")
        lines.append(f"  {self.note}")
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


def verify(cons, T: int, *, method: str = "auto", profile: Profile | str = "loihi",
           scale=None, samples: int = 1 << 16, seed: int = 0, engine: str = "event",
           literal_budget: int = LITERAL_BUDGET, name: str | None = None) -> Verification:
    """Verify one construction, or several with the same number of inputs, for trains of length T.

    Parameters
    ----------
    cons : Construction or list of Construction
    T : int
        Train length in instants (ticks).
    method : {'auto', 'literal', 'window', 'random'}
        'auto' takes literal when ``functions * 2**(d*T) <= literal_budget``,
        else window when every construction forgets (see the module
        docstring), else random.
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
    if int(T) != T or T < 1:
        raise NeuroemuError(f"verify: T = {T} found, expected a whole number of instants >= 1")
    if method not in ("auto", "literal", "window", "random"):
        raise NeuroemuError(f"verify: method {method!r} is not auto, literal, window or random")
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    label = name or (cons[0].name if len(cons) == 1 else f"{len(cons)} functions")
    memories = [c.memory for c in cons]
    report = Verification(
        construction=label, method=method, T=int(T), d=d, cases=0, covers=1 << (d * T),
        exhaustive=False, functions=len(cons), mismatches=0,
        neurons=max(c.neurons for c in cons), weights=max(c.weights for c in cons),
        neurons_total=sum(c.neurons for c in cons), weights_total=sum(c.weights for c in cons),
        delay=max(c.delay for c in cons),
        memory=None if None in memories else max(memories), window=None,
        profile=profile.name, w_bits=profile.w_bits,
        scale=None if scale is None or isinstance(scale, dict) else float(scale))
    try:
        cfgs = [map_single(c, profile, scale) for c in cons]
    except MappingError as exc:
        report.mapping_error = str(exc)
        report.mismatches = len(cons)
        report.failing_functions = [c.name for c in cons]
        report.note = "the construction does not map onto the profile"
        report.seconds = time.perf_counter() - start
        return report

    n_lit = len(cons) * (1 << (d * T)) if d * T < 62 else None
    window, why_not = None, ""
    if method in ("auto", "window"):
        window, why_not = window_length(cons, cfgs, T, seed)
    if method == "auto":
        if n_lit is not None and n_lit <= literal_budget:
            method = "literal"
        elif window is not None:
            method = "literal" if T <= window else "window"
        else:
            method = "random"
    if method == "window":
        if window is None:
            raise NeuroemuError(f"verify {label}: the window method does not apply ({why_not})")
        if T <= window:
            method = "literal"
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
                                "one; use --method window or random")
        total = 1 << (d * T)
        for lo in range(0, total, CHUNK):
            hi = min(total, lo + CHUNK)
            report.mismatches += check(enumerate_trains(d, T, lo, hi), "literal", lo)
        report.cases = total
        report.exhaustive = True
        report.note = f"all {total} input trains of length {T}"
    elif method == "window":
        report.window = window
        seq = de_bruijn(1 << d, window)
        x_db = ((seq[None, :] >> np.arange(d)[:, None]) & 1).astype(bool)[None]
        report.mismatches += check(x_db, "de Bruijn train", window=window)
        short = 1 << (d * window)
        for lo in range(0, short, CHUNK):
            hi = min(short, lo + CHUNK)
            report.mismatches += check(enumerate_trains(d, window, lo, hi),
                                       f"train of length {window}", lo)
        report.cases = 1 + short
        report.exhaustive = True
        report.note = (f"window method: the chip forgets, so its output is a function of the "
                       f"last {window} input instants; one de Bruijn train of {seq.size} instants "
                       f"(every window inside a train) and all {short} trains of length "
                       f"{window} (every window at a train's ends) cover all "
                       f"{1 << (d * T)} trains of length {T}")
    else:
        n = int(samples)
        x = rng.random((n, d, T)) < 0.5
        report.mismatches += check(x, "random")
        report.cases = n
        report.covers = n
        report.exhaustive = False
        report.note = f"{n} random trains (seed {seed})" + (f"; not exhaustive: {why_not}"
                                                          if why_not else "")
    report.failing_functions = sorted(failing)
    report.first_failure = first
    report.ticks, report.runs, report.overflows = total_ticks, runs, overflows
    report.seconds = time.perf_counter() - start
    return report
