"""Neurons and weights of the constructions against the number of inputs and the memory.

Counts are measured on the built networks (units and synapses, the clock's
synapses included), and every row is verified on the chip
(:func:`~neuroemu.theory.verify.verify` with the construction's own train
length: the window method or the state search, both covering every train of
every length) unless its estimated work is over a budget, for:

* ``threshold``: one at-least-k unit (OR, AND, majority): 1 unit, ``d`` weights;
* ``boolean, worst case``: the minterm construction of the function that is
  true on every pattern (the most minterms): ``2**d + 1`` units;
* ``parity, flat`` (``2**(d-1)`` minterms) and ``parity, tree``: a
  composition of ``d - 1`` XORs, linear in ``d`` — depth buys size;
* ``memory, worst case (flat)``: delay lines and the minterm construction on the
  ``d * m`` window bits of the function true on every window: ``2**(d*m) + 1`` units;
* ``exactly-one, composed`` and ``exactly-one, flat``: the same
  finite-memory function built from window-OR units (``d + 3`` units) or from
  minterms;
* ``random, flat`` and ``random, split``: a function of the window drawn
  uniformly (seeded; a typical function is as hard as the hardest up to lower
  order terms), flat or by the two-level decoder of
  :func:`~neuroemu.theory.constructions.finite_memory` (``method='split'``:
  about ``3 * 2**(n/2)`` units and ``2**(n-1)`` weights);
* ``table, flat`` and ``table, split`` for truth tables a user gives.

The reference curve is a counting lower bound (ours; the paper's own bounds
were not at hand). Any function of the last ``m`` instants of ``d`` inputs is
a Boolean function of ``n = d*m`` bits, and there are ``2**(2**n)`` of them.
A network with ``N`` units and ``W`` synapses is fixed by, per synapse, its
two end points (at most ``N (N + n)`` choices), its ``b``-bit weight and its
delay (``D`` choices), and per unit its threshold and decay (``c`` bits), so at
most ``(N (N + n) 2**b D)**W 2**(c N)`` functions are representable. Every
function needs ``W log2(N (N + n) 2**b D) + c N >= 2**n``; with ``N <= W + 1``
(a unit without synapses never fires, apart from the output) the least such
``W`` is the bound plotted, for ``b = w_bits``, ``c = v_bits + 12`` of the
profile and ``D = m``. It grows like ``2**n / n``: the flat constructions
(``~ n 2**n`` weights) are within a factor of about ``n**2`` of it, the split
ones within a factor of about ``n``.
"""

from __future__ import annotations

import math

import numpy as np

from . import constructions as C


def counting_bound(n: int, w_bits: int = 8, c_bits: int = 36, delays: int = 1) -> int:
    """Least ``W`` with ``W log2((W+1)(W+1+n) 2**w_bits delays) + c (W+1) >= 2**n``."""
    need = 2.0 ** n

    def capacity(w):
        units = w + 1
        return w * (math.log2(units * (units + n)) + w_bits + math.log2(max(delays, 1))) \
            + c_bits * units

    lo, hi = 0, 1
    while capacity(hi) < need:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        if capacity(mid) >= need:
            hi = mid
        else:
            lo = mid + 1
    return lo


VERIFY_BUDGET = 10_000_000_000  # estimated synaptic events per verified row (~5 s)


def estimate_events(con) -> int:
    """Rough synaptic events the verification of ``con`` takes (for the budget).

    The window method runs a de Bruijn train of about ``2**(d * memory)``
    instants, in which every data input spikes half the time and the clock
    always; each synapse from an input delivers then, and a unit's synapses
    deliver when it fires (about one unit per population per instant). The
    state search of an unbounded-memory construction is counted as 4096
    instants.
    """
    src, _, _, _, _ = con.circuit.columns()
    from_in = src < 0
    channel = -1 - src[from_in]
    per_instant = float((channel < con.d).sum()) / 2 + float((channel == con.d).sum())
    units = max(len(con.circuit.units), 1)
    pops = len({u.pop for u in con.circuit.units.values()})
    per_instant += float((~from_in).sum()) / units * pops
    instants = 4096 if con.memory is None else (1 << (con.d * con.memory)) + con.memory
    return int(instants * per_instant)


def verify_row(con, profile, budget: float = VERIFY_BUDGET) -> dict:
    """Verify ``con`` for a scaling row (or say why not); the keys :func:`scaling_table` adds.

    ``verified`` is ``'exact'``, ``'N mismatches'``, ``'does not map'`` or
    ``'skipped'`` (estimated work over ``budget``, with ``events`` the estimate);
    ``method``, ``cases``, ``all_lengths`` and ``verify_seconds`` as in
    :class:`~neuroemu.theory.verify.Verification`.
    """
    from .verify import verify

    est = estimate_events(con)
    if est > budget:
        return {"verified": "skipped", "method": None, "cases": 0, "all_lengths": False,
                "events": est, "verify_seconds": 0.0}
    r = verify(con, profile=profile)
    verdict = ("exact" if r.exact else "does not map" if r.mapping_error
               else f"{r.mismatches} mismatches")
    return {"verified": verdict, "method": r.method, "cases": r.cases,
            "all_lengths": r.all_lengths, "events": est, "verify_seconds": r.seconds}


def _row(family: str, con, d: int, m: int, w_bits: int, c_bits: int) -> dict:
    return {"family": family, "d": d, "m": m, "n": d * m, "neurons": con.neurons,
            "weights": con.weights, "delay": con.delay,
            "counting_bound_weights": counting_bound(d * m, w_bits, c_bits, m)}


def scaling_table(ds=range(1, 7), ms=(1, 2, 3), *, profile="generic", max_bits: int = 10,
                  verify: bool = True, budget: float = VERIFY_BUDGET, tables=None,
                  seed: int = 0, progress=None) -> list[dict]:
    """Rows of measured counts, each verified on the chip (see the module docstring).

    Parameters
    ----------
    ds : iterable of int
        Numbers of inputs.
    ms : iterable of int
        Memories (instants) for the finite-memory families.
    profile : Profile or name
        The chip the rows are verified on; its ``w_bits`` and ``v_bits`` set the
        counting bound. The default, ``generic``, has cores large enough for the
        flat constructions' fan-in (Loihi's 4,096 axons per core hold a flat
        construction of at most 12 window bits).
    max_bits : int
        Largest ``d * m`` for the flat (exponential) and random constructions.
    verify : bool
        Verify each row (:func:`verify_row`); False only counts.
    budget : float
        Estimated synaptic events above which a row is not verified.
    tables : list of (d, m, int), or str, optional
        Truth tables of finite-memory functions (layout of
        :func:`~neuroemu.theory.constructions.table_function`), built flat and split;
        one table as text (:func:`~neuroemu.theory.catalog.parse_table`) for the one
        ``d`` and ``m`` given.
    seed : int
        Seed of the random functions (one table per ``(d, m)``).
    progress : callable(row), optional
        Called with each row when it is done.

    Returns
    -------
    list of dict
        ``family``, ``d``, ``m``, ``n``, ``neurons``, ``weights``, ``delay``,
        ``counting_bound_weights``, and when verifying the keys of :func:`verify_row`.

    Raises
    ------
    InputError
        A ``d`` or ``m`` below 1, ``max_bits`` above 20, a negative ``budget``, a table
        without exactly one ``d`` and ``m`` (``d * m`` at most 20).
    """
    from ..errors import InputError
    from ..hw.profile import Profile, load_profile

    ds, ms = list(ds), list(ms)
    if not ds or not ms or min(ds) < 1 or min(ms) < 1:
        raise InputError(f"--d {ds} --m {ms}: inputs and memories start at 1")
    if max_bits > 20:
        raise InputError(f"--max-bits {max_bits}: at most 20 (2**20 minterms)")
    if budget < 0:
        raise InputError(f"--verify-budget {budget:g}: expected >= 0")
    if isinstance(tables, str):
        from .catalog import parse_table

        if len(ds) != 1 or len(ms) != 1 or ds[0] * ms[0] > 20:
            raise InputError("--table: give one --d and one --m (d*m <= 20 window bits) "
                             "for the table's window")
        tables = [(ds[0], ms[0], parse_table(tables, ds[0] * ms[0]))]

    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    w_bits, c_bits = prof.w_bits, prof.v_bits + 12
    rows = []

    def add(family, con, d, m):
        row = _row(family, con, d, m, w_bits, c_bits)
        if verify:
            row.update(verify_row(con, prof, budget))
        rows.append(row)
        if progress is not None:
            progress(row)

    def always(win):
        return np.ones(win.shape[:-2], dtype=bool)

    for d in ds:
        add("threshold", C.at_least(d, max(1, (d + 1) // 2)), d, 1)
        if d <= max_bits:
            add("boolean, worst case", C.boolean(d, (1 << (1 << d)) - 1), d, 1)
            add("parity, flat", C.parity(d, "flat"), d, 1)
        add("parity, tree", C.parity(d) if d >= 2 else C.identity(), d, 1)
        for m in ms:
            if m < 2:
                continue
            if d * m <= max_bits:
                add("memory, worst case (flat)", C.finite_memory(d, m, always), d, m)
                add("exactly-one, flat",
                    C.finite_memory(d, m, C.exactly_one_in_window), d, m)
            add("exactly-one, composed", C.exactly_one(d, m), d, m)
            if d * m <= max_bits:
                table = C.random_table(d * m, seed)
                for method in ("flat", "split"):
                    add(f"random, {method}", C.memory_table(d, m, table, method), d, m)
    for d, m, table in tables or ():
        for method in ("flat", "split"):
            add(f"table, {method}", C.memory_table(d, m, table, method), d, m)
    return rows


def plot_scaling(rows: list[dict], path) -> None:
    """Neurons and weights against ``n = d * m`` per family, log scale, with the counting bound.

    One line per family and memory (a sweep over ``d``) or per family and input
    count (a sweep over ``m``). Filled markers: verified exact on the chip;
    hollow: not verified (over the work budget, or counted only); a red cross:
    the chip disagreed with the target or the construction did not map.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    by_d = len({r["d"] for r in rows}) > 1
    lines: dict = {}
    for r in rows:
        if by_d:
            key = r["family"] + (f" (m={r['m']})" if r["m"] > 1 else "")
        else:
            key = r["family"] + (f" (d={r['d']})" if r["d"] > 1 else "")
        lines.setdefault(key, []).append(r)
    single_d = None if by_d else rows[0]["d"] if rows else None
    from matplotlib import colormaps

    palette = colormaps["tab20"]
    fig = Figure(figsize=(13, 6.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("neurons", "weights")):
        for i, (label, group) in enumerate(lines.items()):
            group = sorted(group, key=lambda r: r["n"])
            xs = [r["n"] for r in group]
            ys = [max(r[key], 0.5) for r in group]
            (line,) = ax.plot(xs, ys, linestyle=":" if "m=" in label else "-", label=label,
                              color=palette(i % 20))
            status = [r.get("verified") for r in group]
            ok = [s == "exact" for s in status]
            bad = [s not in (None, "exact", "skipped") for s in status]
            color = line.get_color()
            ax.scatter([x for x, o in zip(xs, ok) if o], [y for y, o in zip(ys, ok) if o],
                       color=color, s=22, zorder=3)
            rest = [not o and not b for o, b in zip(ok, bad)]
            ax.scatter([x for x, o in zip(xs, rest) if o], [y for y, o in zip(ys, rest) if o],
                       facecolors="white", edgecolors=color, s=22, zorder=3)
            ax.scatter([x for x, o in zip(xs, bad) if o], [y for y, o in zip(ys, bad) if o],
                       color="red", marker="x", s=40, zorder=4)
        if key == "weights":
            best: dict = {}
            for r in rows:
                best[r["n"]] = min(best.get(r["n"], r["counting_bound_weights"]),
                                   r["counting_bound_weights"])
            ns = sorted(best)
            ax.plot(ns, [max(best[n], 0.5) for n in ns], "k--", linewidth=1.5,
                    label="counting lower bound (hardest function of n bits)")
        ax.set_yscale("log")
        ax.set_xlabel("memory m (instants) of one input" if single_d == 1
                      else "window bits n = d * m (inputs x memory)")
        ax.set_ylabel(key)
        ax.set_title(f"{key} per construction (filled: verified exactly on the chip)")
        ax.grid(True, which="both", alpha=0.3)
    # below the panels, where it covers no line
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=4,
               fontsize=8)
    from ..reports.figures import save_figure

    save_figure(fig, path, dpi=120)
