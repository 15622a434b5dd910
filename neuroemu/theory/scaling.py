"""Neurons and weights of the constructions against the number of inputs and the memory.

Counts are measured on the built networks (units and synapses, the clock's
synapses included), for:

* ``threshold``: one at-least-k unit (OR, AND, majority): 1 unit, ``d`` weights;
* ``boolean, worst case``: the minterm construction of the function that is
  true on every pattern (the most minterms): ``2**d + 1`` units;
* ``parity, flat`` (``2**(d-1)`` minterms) and ``parity, tree``: a
  composition of ``d - 1`` XORs, linear in ``d`` — depth buys size;
* ``memory m, worst case``: delay lines and the minterm construction on the
  ``d * m`` window bits: ``2**(d*m) + 1`` units;
* ``exactly-one, composed`` and ``exactly-one, flat``: the same finite-memory
  function built from window-OR units (``d + 3`` units) or from minterms.

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
(``~ n 2**n`` weights) are within a factor of about ``n**2`` of it.
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


def _row(family: str, con, d: int, m: int, w_bits: int, c_bits: int) -> dict:
    return {"family": family, "d": d, "m": m, "n": d * m, "neurons": con.neurons,
            "weights": con.weights, "delay": con.delay,
            "counting_bound_weights": counting_bound(d * m, w_bits, c_bits, m)}


def scaling_table(ds=range(1, 7), ms=(1, 2, 3), *, w_bits: int = 8, v_bits: int = 24,
                  max_bits: int = 10) -> list[dict]:
    """Rows of measured counts (see the module docstring).

    Parameters
    ----------
    ds : iterable of int
        Numbers of inputs.
    ms : iterable of int
        Memories (instants) for the finite-memory families.
    max_bits : int
        Largest ``d * m`` for the flat (exponential) constructions.
    """
    c_bits = v_bits + 12
    rows = []
    for d in ds:
        rows.append(_row("threshold", C.at_least(d, max(1, (d + 1) // 2)), d, 1, w_bits, c_bits))
        if d <= max_bits:
            rows.append(_row("boolean, worst case", C.boolean(d, (1 << (1 << d)) - 1), d, 1,
                             w_bits, c_bits))
            rows.append(_row("parity, flat", C.parity(d, "flat"), d, 1, w_bits, c_bits))
        rows.append(_row("parity, tree", C.parity(d) if d >= 2 else C.identity(), d, 1, w_bits,
                         c_bits))
        for m in ms:
            if m < 2:
                continue
            if d * m <= max_bits:
                rows.append(_row(f"memory {m}, worst case", C.finite_memory(
                    d, m, lambda win: np.ones(win.shape[:-2], dtype=bool)), d, m, w_bits,
                    c_bits))
                rows.append(_row(f"exactly-one m={m}, flat", C.finite_memory(
                    d, m, C.exactly_one_in_window), d, m, w_bits, c_bits))
            rows.append(_row(f"exactly-one m={m}, composed", C.exactly_one(d, m), d, m, w_bits,
                             c_bits))
    return rows


def plot_scaling(rows: list[dict], path) -> None:
    """Neurons and weights against ``n = d * m`` per family, log scale, with the counting bound."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    families = list(dict.fromkeys(r["family"] for r in rows))
    fig = Figure(figsize=(13, 6.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    for ax, key in zip(axes, ("neurons", "weights")):
        for fam in families:
            pts = sorted((r["n"], r[key]) for r in rows if r["family"] == fam)
            ax.plot([p[0] for p in pts], [max(p[1], 0.5) for p in pts], marker="o", label=fam,
                    linestyle="-" if "m=" not in fam and "memory" not in fam else ":")
        if key == "weights":
            bound = sorted({(r["n"], r["counting_bound_weights"]) for r in rows
                            if r["m"] == 1} | {(r["n"], r["counting_bound_weights"])
                                               for r in rows if r["m"] > 1})
            best = {}
            for n, b in bound:
                best[n] = min(best.get(n, b), b)
            ns = sorted(best)
            ax.plot(ns, [max(best[n], 0.5) for n in ns], "k--", linewidth=1.5,
                    label="counting lower bound (hardest function of n bits)")
        ax.set_yscale("log")
        ax.set_xlabel("window bits n = d * m (inputs x memory)")
        ax.set_ylabel(key)
        ax.set_title(f"{key} per construction")
        ax.grid(True, which="both", alpha=0.3)
    # below the panels, where it covers no line
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=4,
               fontsize=8)
    from ..reports.figures import save_figure

    save_figure(fig, path, dpi=120)
