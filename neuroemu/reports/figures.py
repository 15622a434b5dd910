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
                                        "#98df8a", "#9467bd", "#c5b0d5", "#8c564b", "#c49c94",
                                        "#7f7f7f", "#bcbd22", "#17becf")))
#: most cores drawn one bar each in core_load.png (by population above it)
MAX_CORE_BARS = 64
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
    spikes = trace.per_tick["spikes"]
    out = np.zeros((spikes.ticks, len(trace.pop_names)), np.int64)
    core_pop = np.asarray(trace.core_population, dtype=np.int64)
    np.add.at(out, (spikes.tick, core_pop[spikes.core]), spikes.value.astype(np.int64))
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


def time_unit(largest: float) -> tuple[str, float]:
    """(unit, seconds per unit) putting ``largest`` seconds between 1 and 1000 units."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if largest >= scale:
            return unit, scale
    return "ns", 1e-9


def core_load(trace, report: dict, path) -> None:
    """Left: the time each core works over the run (bars, one per core, or per population
    above :data:`MAX_CORE_BARS` cores), beside the run's chip time; a profile without
    per-operation times draws synaptic operations instead. Right: energy of each core on
    the mesh (the rows in use)."""
    from matplotlib import colormaps

    n = int(trace.n_cores)
    names = list(trace.pop_names)
    core_pop = np.asarray(trace.core_population, np.int64)
    busy = report.get("busy_s_by_core")
    fig = _figure(12, max(3.6, min(9.0, 1.4 + 0.16 * min(n, MAX_CORE_BARS))))
    ax_bar, ax_mesh = fig.subplots(1, 2, width_ratios=[1.15, 1.0])
    if busy is not None:
        values = np.asarray(busy, np.float64)
        unit, scale = time_unit(max(float(values.max(initial=0.0)), 1e-12))
        what = f"time the core works over the run ({unit})"
    else:
        values = np.asarray(trace.counters_by_core["synaptic_ops"], np.float64)
        unit, scale = "", 1.0
        what = f"synaptic operations (profile {report['profile']} gives no per-operation times)"
    if n > MAX_CORE_BARS:
        labels = names
        shown = np.zeros(len(names))
        np.maximum.at(shown, core_pop, values)
        colors = [f"C{i % 10}" for i in range(len(names))]
        what += ", busiest core of each population"
    else:
        labels = [f"core {c} ({names[int(core_pop[c])]})" for c in range(n)]
        shown = values
        colors = [f"C{int(core_pop[c]) % 10}" for c in range(n)]
    if len(shown):
        ax_bar.barh(range(len(shown)), shown / scale, color=colors)
        ax_bar.set_yticks(range(len(shown)), labels, fontsize=7 if len(shown) > 24 else 8)
        ax_bar.invert_yaxis()
        chip = report.get("latency_s") or 0.0
        if busy is not None and chip > 0:
            for i, v in enumerate(shown):
                ax_bar.text(v / scale, i, f" {100 * v / chip:.1f}% of chip time", va="center",
                            fontsize=7)
            ax_bar.set_xlim(0, float(shown.max(initial=0.0)) / scale * 1.45 or 1)
    else:
        ax_bar.text(0.5, 0.5, "no cores", ha="center", va="center", transform=ax_bar.transAxes)
    ax_bar.set_xlabel(what)
    ax_bar.set_title("work per core (the busiest sets each tick's length)", fontsize=10)

    xy = np.asarray(trace.core_xy, np.int64).reshape(-1, 2)
    width = int(xy[:, 0].max()) + 1 if xy.size else 1
    height = int(xy[:, 1].max()) + 1 if xy.size else 1
    energy = np.asarray(report["energy_by_core_j"], np.float64)
    e_unit, e_scale = energy_unit(float(report["energy_j"]))
    grid = np.full((height, width), np.nan)
    if xy.size:
        grid[xy[:, 1], xy[:, 0]] = energy / e_scale
    cmap = colormaps["viridis"].with_extremes(bad="#eeeeee")
    vmax = float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0
    im = ax_mesh.imshow(grid, cmap=cmap, origin="upper", vmin=0, vmax=vmax if vmax > 0 else 1,
                        interpolation="nearest", aspect="auto")
    fig.colorbar(im, ax=ax_mesh, shrink=0.85, label=f"energy of the core ({e_unit})")
    if n <= 48 and width <= 24:
        narrow = width > 8  # names turned upright so that neighbours do not overlap
        for c in range(n):
            x, y = int(xy[c, 0]), int(xy[c, 1])
            val = energy[c] / e_scale
            ax_mesh.text(x, y, f"{names[int(core_pop[c])]} {_compact(val)}" if narrow else
                         f"{names[int(core_pop[c])]}\n{_compact(val)}", ha="center",
                         va="center", fontsize=6.5, rotation=90 if narrow else 0,
                         color="black" if vmax > 0 and val > 0.6 * vmax else "white")
    ax_mesh.set_xlabel("mesh x")
    ax_mesh.set_ylabel("mesh y")
    ax_mesh.set_xticks(range(width) if width <= 32 else ax_mesh.get_xticks())
    ax_mesh.set_yticks(range(height) if height <= 32 else ax_mesh.get_yticks())
    ax_mesh.set_title(f"energy per core on the mesh ({height} of the mesh rows in use)",
                      fontsize=10)
    fig.suptitle(f"Load: {n} cores used ({report['profile']} prices; grey: no core)",
                 fontsize=10)
    save_figure(fig, path)


def energy_breakdown(report: dict, path) -> None:
    """Energy by category, by population (stacked by category), and the three levels per
    inference beside the conventions and the same network as an ANN; one unit throughout."""
    fig = _figure(13.0, 5.2)
    axes = fig.subplots(1, 3, width_ratios=[1.1, 1.1, 1.2])
    total = report["energy_j"]
    n_inf = max(int(report.get("inferences", 1)), 1)
    levels = report["energy_levels_j"]
    per_inf = {k: v / n_inf for k, v in levels.items()}
    compare = [(f"SNN, {lv}", per_inf[lv], "#1f77b4") for lv in ("operations", "dynamic",
                                                                  "total")]
    compare += [(f"SNN x {report['convention_ac_pj']:g} pJ/AC",
                 report["convention_energy_j"] / n_inf, "#9467bd"),
                (f"ANN, one pass, on {report['profile']}", report["ann_equivalent_energy_j"],
                 "#ff7f0e"),
                (f"ANN, one pass x {report['convention_mac_pj']:g} pJ/MAC",
                 report["ann_convention_energy_j"], "#8c564b")]
    largest = max([total] + [v for _, v, _ in compare if v is not None])
    unit, scale = energy_unit(largest)
    by_cat = report["energy_by_category_j"]
    cats = list(CATEGORIES)
    vals = [by_cat[c] / scale for c in cats]
    ax = axes[0]
    ax.barh(range(len(cats)), vals, color=[CATEGORY_COLORS[c] for c in cats])
    lvl = report.get("level_of_category", {})
    ax.set_yticks(range(len(cats)), [f"{c} ({lvl.get(c, '')})" for c in cats], fontsize=8)
    ax.invert_yaxis()
    for i, c in enumerate(cats):
        share = f"{100 * by_cat[c] / total:.1f}%" if total > 0 else "0%"
        ax.text(vals[i], i, f" {share}", va="center", fontsize=8)
    ax.set_xlabel(f"energy over the run ({unit})")
    ax.set_xlim(0, max(vals) * 1.3 if max(vals) > 0 else 1)
    ax.set_title("by category (level it first counts at)", fontsize=10)

    ax = axes[1]
    pops = list(report["energy_by_population_j"])
    rows = [*pops, "chip-wide"]
    left = np.zeros(len(rows))
    for cat in cats:
        part = np.array([report["energy_by_population_category_j"][p][cat] / scale
                         for p in pops] + [0.0])
        if cat in report.get("energy_chip_j", {}):
            part[-1] = report["energy_chip_j"][cat] / scale
        if part.any():
            ax.barh(range(len(rows)), part, left=left, color=CATEGORY_COLORS[cat], label=cat)
        left += part
    for i in range(len(rows)):
        share = f"{100 * left[i] * scale / total:.1f}%" if total > 0 else "0%"
        ax.text(left[i], i, f" {share}", va="center", fontsize=8)
    ax.set_yticks(range(len(rows)), rows)
    ax.invert_yaxis()
    ax.set_xlabel(f"energy over the run ({unit})")
    ax.set_xlim(0, left.max() * 1.3 if left.size and left.max() > 0 else 1)
    if total > 0:
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=4,
                  frameon=False)
    ax.set_title("by population's cores, and chip-wide", fontsize=10)

    ax = axes[2]
    known = [v for _, v, _ in compare if v is not None and v > 0]
    if known:
        lo, hi = min(known) / scale, max(known) / scale
        for i, (_, v, color) in enumerate(compare):
            if v is None:
                ax.text(lo / 2.5, i, " no MAC figure for this profile", va="center",
                        fontsize=8, color="gray")
            elif v > 0:
                ax.barh(i, v / scale, color=color)
                ax.text(v / scale, i, f" {v / scale:.3g} {unit}", va="center", fontsize=8)
        ax.set_yticks(range(len(compare)), [label for label, _, _ in compare], fontsize=8)
        ax.set_xscale("log")
        ax.set_xlim(lo / 3, hi * 40)
        ax.invert_yaxis()
    else:
        ax.text(0.5, 0.5, "no energy", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel(f"energy per inference ({unit}, log scale)")
    ax.set_title(f"per inference ({n_inf} in the run): levels, conventions, ANN", fontsize=9)
    fig.suptitle(f"Energy: {total / scale:.4g} {unit} in total for {report['network']} on "
                 f"{report['profile']} ({report['evidence']}, {report['scope']}); most in "
                 f"{report['dominant_category']}", fontsize=10)
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
