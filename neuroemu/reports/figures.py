"""PNG figures of a run: spike raster, spikes per tick, load on the mesh, energy breakdown.

matplotlib is imported inside the functions and drawn through its Agg canvas
(no pyplot, no global backend change), so importing this module is cheap and
works without a display.
"""

from __future__ import annotations

import numpy as np

from ..energy.model import CATEGORIES
from ..mapping.codes import MODEL_INPUT

#: most spikes drawn in one raster panel (a random, seeded subset above it)
MAX_RASTER_POINTS = 200_000
CATEGORY_COLORS = dict(zip(CATEGORIES, ("#1f77b4", "#aec7e8", "#d62728", "#ff9896", "#2ca02c",
                                        "#98df8a", "#7f7f7f")))
FIGURES = ("raster.png", "spikes_per_tick.png", "core_load.png", "energy_breakdown.png")


def check_figure_path(path, option: str = "--plot") -> None:
    """Refuse, before any work, a figure file name whose extension matplotlib cannot
    write (no extension writes PNG)."""
    from pathlib import Path

    from matplotlib.backend_bases import FigureCanvasBase

    from ..errors import InputError

    ext = Path(path).suffix.lower().lstrip(".")
    kinds = FigureCanvasBase.get_supported_filetypes()
    if ext and ext not in kinds:
        raise InputError(f"{option} {path}: cannot write a figure as .{ext}; use one of "
                         + ", ".join(f".{k}" for k in sorted(kinds)))


def _figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig, path, dpi: int = 110) -> None:
    """Write ``fig`` to ``path`` (its extension picks the format; none writes PNG):
    atomically, making missing folders."""
    from pathlib import Path

    from ..h5io import atomic_path

    fmt = Path(path).suffix.lower().lstrip(".") or "png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, facecolor="white", format=fmt)



def _compact(value: float) -> str:
    """A number in at most about five characters: 0.878, 21.1, 1.08M, 1M (for 999,999)."""
    value = float(f"{value:.3g}")  # round first, so that 999,999 is 1M, not 1e+03k
    for suffix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"


def energy_unit(largest: float) -> tuple[str, float]:
    """(unit, joules per unit) putting ``largest`` joules between 1 and 1000 units."""
    for unit, scale in (("J", 1.0), ("mJ", 1e-3), ("uJ", 1e-6), ("nJ", 1e-9), ("pJ", 1e-12)):
        if largest >= scale:
            return unit, scale
    return "pJ", 1e-12


def spikes_by_population(trace) -> np.ndarray:
    """int64 (T, P): spikes of each population in each tick (input spikes included)."""
    per_tick = np.asarray(trace.per_tick["spikes"], dtype=np.int64)
    out = np.zeros((per_tick.shape[0], len(trace.pop_names)), np.int64)
    core_pop = np.asarray(trace.core_population, dtype=np.int64)
    for p in range(len(trace.pop_names)):
        out[:, p] = per_tick[:, core_pop == p].sum(axis=1)
    return out


def raster(trace, path) -> None:
    """Spike raster, one panel per neuron population (time on x, neuron on y)."""
    from matplotlib.ticker import MaxNLocator

    pops = [i for i, m in enumerate(trace.pop_model) if m != MODEL_INPUT]
    fig = _figure(10, 1.0 + 1.9 * max(len(pops), 1))
    tick = np.asarray(trace.spike_tick, np.int64)
    neuron = np.asarray(trace.spike_neuron, np.int64)
    value = np.asarray(trace.spike_value, np.int64)
    if not pops:
        ax = fig.add_subplot(1, 1, 1)
        ax.text(0.5, 0.5, "no neuron populations", ha="center", va="center")
        ax.set_axis_off()
        save_figure(fig, path)
        return
    axes = fig.subplots(len(pops), 1, sharex=True, squeeze=False)[:, 0]
    rng = np.random.default_rng(0)
    for ax, p in zip(axes, pops):
        lo, hi = int(trace.pop_offset[p]), int(trace.pop_offset[p + 1])
        m = (neuron >= lo) & (neuron < hi)
        t, n, v = tick[m], neuron[m] - lo, value[m]
        shown = ""
        if t.size > MAX_RASTER_POINTS:
            keep = np.sort(rng.choice(t.size, MAX_RASTER_POINTS, replace=False))
            t, n, v = t[keep], n[keep], v[keep]
            shown = f", {MAX_RASTER_POINTS} drawn"
        small = hi - lo <= 64
        size = 60.0 / max(1.0, (hi - lo) / 8) if small else 1.0
        marker = "|" if small else "."
        ax.scatter(t[v > 0], n[v > 0], s=size, marker=marker, color="black",
                   linewidths=1.5 if small else 0.0, rasterized=True, label="+1")
        if np.any(v < 0):
            ax.scatter(t[v < 0], n[v < 0], s=size, marker=marker, color="#d62728",
                       linewidths=1.5 if small else 0.0, rasterized=True, label="-1")
            ax.legend(loc="upper right", fontsize=8)
        ax.set_xlim(-0.5, max(int(trace.ticks), 1) - 0.5)
        ax.set_ylim(-0.5, hi - lo - 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
        ax.set_ylabel(f"{trace.pop_names[p]}\nneuron", fontsize=9)
        count = int(m.sum())
        ax.set_title(f"{trace.pop_names[p]}: {hi - lo} neurons, {count} spikes{shown}",
                     fontsize=9, loc="left")
        if count == 0:
            ax.text(0.5, 0.5, "no spikes", transform=ax.transAxes, ha="center", va="center",
                    color="gray")
    axes[-1].set_xlabel("tick")
    fig.suptitle(f"Spike raster: {trace.network_name} ({trace.ticks} ticks of "
                 f"{trace.tick_us:g} us; input spikes are counted, not recorded)", fontsize=10)
    save_figure(fig, path)


def spikes_per_tick(trace, path) -> None:
    """Spikes per tick of every population (input included), as step lines."""
    counts = spikes_by_population(trace)
    fig = _figure(10, 3.8)
    ax = fig.add_subplot(1, 1, 1)
    ticks = np.arange(counts.shape[0])
    for p, name in enumerate(trace.pop_names):
        style = "--" if trace.pop_model[p] == MODEL_INPUT else "-"
        ax.step(ticks, counts[:, p], where="mid", linestyle=style, linewidth=1.2,
                label=f"{name} ({int(counts[:, p].sum())})")
    ax.set_xlabel("tick")
    ax.set_ylabel("spikes per tick")
    ax.set_xlim(-0.5, max(counts.shape[0], 1) - 0.5)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(title="population (total)", fontsize=8, title_fontsize=8, loc="upper right")
    ax.set_title(f"Spikes per tick: {trace.network_name}", fontsize=10)
    save_figure(fig, path)


def core_load(trace, report: dict, path) -> None:
    """Heat maps on the mesh (core_xy) of each core's synaptic operations and energy."""
    from matplotlib import colormaps

    xy = np.asarray(trace.core_xy, np.int64).reshape(-1, 2)
    width = int(xy[:, 0].max()) + 1 if xy.size else 1
    height = int(xy[:, 1].max()) + 1 if xy.size else 1
    energy = np.asarray(report["energy_by_core_j"], np.float64)
    unit, scale = energy_unit(float(energy.max()) if energy.size else 0.0)
    ops = np.asarray(trace.counters_by_core["synaptic_ops"], np.float64)
    panels = (("synaptic operations", ops), (f"energy ({unit})", energy / scale))
    aspect = height / width
    fig = _figure(min(12, 2.0 + 5.0 * 2), max(2.8, min(8, 1.6 + 4.8 * aspect)))
    axes = fig.subplots(1, 2, squeeze=False)[0]
    cmap = colormaps["viridis"].with_extremes(bad="#eeeeee")
    # label the cells only when they are wide enough for a short name and number
    cell_in = fig.get_figwidth() / 2.6 / max(width, 1)
    annotate = cell_in >= 0.25 and trace.n_cores <= 48
    fontsize = 7 if cell_in >= 0.5 else 5.5
    for ax, (label, values) in zip(axes, panels):
        grid = np.full((height, width), np.nan)
        if xy.size:
            grid[xy[:, 1], xy[:, 0]] = values
        vmax = float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0
        im = ax.imshow(grid, cmap=cmap, origin="upper", vmin=0, vmax=vmax if vmax > 0 else 1,
                       interpolation="nearest", aspect="equal")
        fig.colorbar(im, ax=ax, shrink=0.85, label=label)
        if annotate:
            for c in range(trace.n_cores):
                x, y = int(xy[c, 0]), int(xy[c, 1])
                val = values[c]
                light = vmax > 0 and val > 0.6 * vmax
                text = f"{trace.pop_names[int(trace.core_population[c])]}\n{_compact(val)}"
                ax.text(x, y, text, ha="center", va="center", fontsize=fontsize,
                        color="black" if light else "white")
        ax.set_xlabel("mesh x")
        ax.set_ylabel("mesh y")
        ax.set_xticks(range(width) if width <= 32 else ax.get_xticks())
        ax.set_yticks(range(height) if height <= 32 else ax.get_yticks())
        ax.set_title(f"{label} per core", fontsize=10)
    fig.suptitle(f"Load on the mesh: {trace.n_cores} cores used ({report['profile']} prices; "
                 "grey: no core)", fontsize=10)
    save_figure(fig, path)


def energy_breakdown(report: dict, path) -> None:
    """Energy by operation, by population (stacked by operation), and against the conventions."""
    fig = _figure(12.5, 5.0)
    axes = fig.subplots(1, 3, width_ratios=[1.0, 1.2, 1.1])
    total = report["energy_j"]
    unit, scale = energy_unit(total)
    by_cat = report["energy_by_category_j"]
    cats = list(CATEGORIES)
    vals = [by_cat[c] / scale for c in cats]
    ax = axes[0]
    ax.barh(range(len(cats)), vals, color=[CATEGORY_COLORS[c] for c in cats])
    ax.set_yticks(range(len(cats)), cats)
    ax.invert_yaxis()
    for i, c in enumerate(cats):
        share = f"{100 * by_cat[c] / total:.1f}%" if total > 0 else "0%"
        ax.text(vals[i], i, f" {share}", va="center", fontsize=8)
    ax.set_xlabel(f"energy ({unit})")
    ax.set_xlim(0, max(vals) * 1.3 if max(vals) > 0 else 1)
    ax.set_title("by operation", fontsize=10)

    ax = axes[1]
    pops = list(report["energy_by_population_j"])
    left = np.zeros(len(pops))
    for cat in cats:
        part = np.array([report["energy_by_population_category_j"][p][cat] / scale
                         for p in pops])
        if part.any():
            ax.barh(range(len(pops)), part, left=left, color=CATEGORY_COLORS[cat], label=cat)
        left += part
    for i, p in enumerate(pops):
        e = report["energy_by_population_j"][p]
        share = f"{100 * e / total:.1f}%" if total > 0 else "0%"
        ax.text(left[i], i, f" {share}", va="center", fontsize=8)
    ax.set_yticks(range(len(pops)), pops)
    ax.invert_yaxis()
    ax.set_xlabel(f"energy ({unit})")
    ax.set_xlim(0, left.max() * 1.3 if left.size and left.max() > 0 else 1)
    if total > 0:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3,
                  frameon=False)
    ax.set_title("by population (the core that receives or works)", fontsize=10)

    ax = axes[2]
    rows = [(f"SNN on {report['profile']}", total, "#1f77b4"),
            (f"SNN x {report['convention_ac_pj']:g} pJ/AC", report["convention_energy_j"],
             "#9467bd"),
            (f"ANN on {report['profile']}", report["ann_equivalent_energy_j"], "#ff7f0e"),
            (f"ANN x {report['convention_mac_pj']:g} pJ/MAC", report["ann_convention_energy_j"],
             "#8c564b")]
    known = [v for _, v, _ in rows if v is not None and v > 0]
    if known:
        lo, hi = min(known), max(known)
        for i, (_, v, color) in enumerate(rows):
            if v is None:
                ax.text(lo / 2.5, i, " no MAC figure for this profile", va="center",
                        fontsize=8, color="gray")
            elif v > 0:
                ax.barh(i, v, color=color)
                ax.text(v, i, f" {v:.3g} J", va="center", fontsize=8)
        ax.set_yticks(range(len(rows)), [label for label, _, _ in rows])
        ax.set_xscale("log")
        ax.set_xlim(lo / 3, hi * 40)
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "no energy", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("energy (J, log scale)")
    ax.set_title("beside the papers' convention", fontsize=10)
    fig.suptitle(f"Energy: {total:.4g} J for {report['network']} on {report['profile']} "
                 f"({report['evidence']}, {report['scope']}); most in "
                 f"{report['dominant_category']} of {report['dominant_population']!r}",
                 fontsize=10)
    save_figure(fig, path)


def write_figures(trace, report: dict, folder) -> list[str]:
    """Draw every figure into ``folder``; returns the file names (:data:`FIGURES`)."""
    from pathlib import Path

    folder = Path(folder)
    raster(trace, folder / FIGURES[0])
    spikes_per_tick(trace, folder / FIGURES[1])
    core_load(trace, report, folder / FIGURES[2])
    energy_breakdown(report, folder / FIGURES[3])
    return list(FIGURES)
