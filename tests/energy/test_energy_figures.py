"""The energy figures: one energy unit per figure, and core_load draws time per core."""

from __future__ import annotations

import re

import numpy as np
import pytest
from energy_nets import chain, run, small_cores

from neuroemu.energy import price
from neuroemu.reports import figures

UNITS = re.compile(r"(?<![A-Za-z])(J|mJ|uJ|nJ|pJ)(?![A-Za-z])")


def _drawn(monkeypatch, draw, *args) -> list[str]:
    """Every text of the figure ``draw`` makes (titles, labels, ticks, annotations)."""
    captured = []
    monkeypatch.setattr(figures, "save_figure", lambda fig, path, dpi=110: captured.append(fig))
    draw(*args, "unused.png")
    (fig,) = captured
    fig.canvas.draw()
    texts = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in texts if t]


def test_energy_breakdown_uses_one_unit(monkeypatch):
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    r = price(tr, small_cores("horowitz45nm"), network=chain())  # ANN figures exist here
    texts = _drawn(monkeypatch, figures.energy_breakdown, r)
    units = {m for t in texts for m in UNITS.findall(t)}
    assert len(units) == 1, units
    joined = " ".join(texts)
    assert "one pass" in joined and "per inference" in joined
    for level in ("operations", "dynamic", "total"):
        assert f"SNN, {level}" in joined


def test_core_load_draws_time_per_core(monkeypatch):
    # 16 cores in one row of the mesh used to be a thin strip of operations: now one bar of
    # working time per core, beside the chip time
    prof = small_cores("loihi", width=16, height=8)
    from neuroemu.ir import Network, Population, neuron, projection

    pops = (Population("in", (1,)), Population("a", (15,), neuron("if", 15, threshold=5)))
    net = Network("row", pops, (projection("w", "in", "a", "dense",
                                           np.ones((15, 1), np.int64)),), input="in")
    tr = run(net, prof, 4, [0, 1], [0, 0])
    r = price(tr, prof)
    assert len(r["busy_s_by_core"]) == 16
    # core work by hand: each neuron core receives 2 accumulates and updates twice, and
    # sits idle on the other 2 ticks (3.5 + 8.4 ns per active tick, 5.3 ns per idle one)
    assert r["busy_s_by_core"][1] == pytest.approx((2 * (3.5 + 8.4) + 2 * 5.3) * 1e-9)
    assert r["busy_s_by_core"][0] == 0.0  # the input's core
    texts = _drawn(monkeypatch, figures.core_load, tr, r)
    joined = " ".join(texts)
    assert "time the core works over the run (ns)" in joined
    assert sum("of chip time" in t for t in texts) == 16


def test_core_load_without_times_draws_operations(monkeypatch):
    tr = run(chain(), small_cores("loihi"), 5, [0], [0])
    r = price(tr, small_cores("horowitz45nm"))
    assert r["busy_s_by_core"] is None
    joined = " ".join(_drawn(monkeypatch, figures.core_load, tr, r))
    assert "synaptic operations (profile horowitz45nm gives no per-operation times)" in joined
