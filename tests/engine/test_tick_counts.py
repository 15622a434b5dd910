"""Per-tick, per-core counts kept sparse (TickCounts): the same counts as dense arrays, in
memory that grows with the run's events, not with ticks x cores."""

from __future__ import annotations

import tracemalloc

import numpy as np
from randnet import random_case

from neuroemu.engine import make_stimulus, simulate
from neuroemu.engine.tick_counts import TickCounts
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import map_network


def random_dense(rng, ticks: int, cores: int) -> np.ndarray:
    """Counts (T, C), most of them zero."""
    dense = rng.integers(1, 50, size=(ticks, cores))
    return np.where(rng.random((ticks, cores)) < 0.1, dense, 0)


def test_counts_equal_the_dense_ones_they_come_from(rng):
    for _ in range(20):
        ticks, cores = int(rng.integers(0, 40)), int(rng.integers(1, 9))
        dense = random_dense(rng, ticks, cores)
        counts = TickCounts.from_dense(dense)
        assert counts.shape == (ticks, cores)
        np.testing.assert_array_equal(counts.dense(), dense)
        np.testing.assert_array_equal(counts.per_tick(), dense.sum(axis=1))
        np.testing.assert_array_equal(counts.per_core(), dense.sum(axis=0))
        mask = rng.random(cores) < 0.5
        np.testing.assert_array_equal(counts.per_tick(mask), dense[:, mask].sum(axis=1))
        assert counts.total() == dense.sum()
        assert counts.value.size == np.count_nonzero(dense)
        # blocks of ticks, and parts of the run made one, give the same counts
        size = int(rng.integers(1, 7))
        blocks = [b for _, b in counts.blocks(size)]
        np.testing.assert_array_equal(np.concatenate(blocks) if blocks else
                                      np.zeros((0, cores)), dense)
        cut = int(rng.integers(0, ticks + 1))
        parts = [TickCounts.from_dense(dense[:cut]), TickCounts.from_dense(dense[cut:], cut)]
        assert TickCounts.concat(parts, ticks, cores) == counts
        t0, t1 = sorted(int(x) for x in rng.integers(0, ticks + 1, size=2))
        np.testing.assert_array_equal(counts.dense(t0, t1), dense[t0:t1])


def test_the_engine_counts_per_tick_what_it_counts_per_core(rng):
    """Summed over the ticks, each core's per-tick counts are its counters (counted
    apart in the kernel), and summed over the cores, the spikes of each tick are the
    recorded ones plus the input's."""
    for _ in range(4):
        cfg, stim, ticks = random_case(rng)
        r = simulate(cfg, stim, ticks, chunk_ticks=int(rng.integers(1, 9)))
        for name, counts in r.per_tick.items():
            assert counts.shape == (r.ticks, cfg.n_cores)
            np.testing.assert_array_equal(counts.per_core(), r.counters[name], err_msg=name)
            key = counts.tick.astype(np.int64) * cfg.n_cores + counts.core
            assert np.all(np.diff(key) > 0) and np.all(counts.value != 0), name
        recorded = np.bincount(r.spike_tick, minlength=r.ticks)
        inputs = np.bincount(stim.tick[stim.tick < r.ticks], minlength=r.ticks)
        np.testing.assert_array_equal(r.per_tick["spikes"].per_tick(), recorded + inputs)


def test_a_long_run_on_many_cores_keeps_its_per_tick_counts_small():
    """10^5 ticks on 1,001 cores are 3 x 10^8 counts (1.2 GB at int32, dense): a spike
    every 1,000 ticks keeps 3 counts a spike, and the run never holds ticks x cores."""
    n, ticks = 2000, 100_000
    prof = load_profile("generic").with_registers(neurons_per_core=2, mesh_width=32,
                                                  mesh_height=32)
    net = Network("sparse", (Population("in", (1,)),
                             Population("a", (n,), neuron("if", n, threshold=10))),
                  (projection("w", "in", "a", "sparse", [20], src=[0], tgt=[n - 1]),),
                  input="in")
    cfg = map_network(net, prof)
    assert cfg.n_cores == 1 + n // 2
    stim = make_stimulus(np.arange(0, ticks, 1000), np.zeros(ticks // 1000, np.int64), 1)
    simulate(cfg, stim, 10)  # compile outside the measurement
    tracemalloc.start()
    r = simulate(cfg, stim, ticks)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    spikes = ticks // 1000
    # each input spike: 1 spike on the input core, then 1 synaptic op, 1 update, 1 spike
    assert r.per_tick["synaptic_ops"].value.size == spikes
    assert r.per_tick["spikes"].total() == 2 * spikes
    nbytes = sum(c.nbytes for c in r.per_tick.values())
    assert nbytes <= 3 * 2 * spikes * 10  # int32 tick and value, int16 core
    dense = 3 * ticks * cfg.n_cores * 4
    assert peak < dense / 20  # a kernel call's block of 1,000 ticks, not the run's


_TWO_WIDTHS = """
import json
import numpy as np
from neuroemu.engine import make_stimulus, simulate
from neuroemu.engine.event import kernel_compiles, kernel_view, table_types
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, neuron, projection
from neuroemu.mapping import map_network

rng = np.random.default_rng(0)
prof = load_profile("generic").with_registers(v_bits=32, w_bits=16, max_weight_exp=24,
                                              neurons_per_core=3)
stim = make_stimulus(rng.integers(0, 30, 60), rng.integers(0, 4, 60), 4)
out = []
for shift in (0, 8):
    w = rng.integers(-(1 << 15), 1 << 15, size=(7, 4)) << shift
    net = Network("wide", (Population("in", (4,)), Population(
        "a", (7,), neuron("if", 7, threshold=1 << 30, v_min=-(1 << 30)))),
        (projection("w", "in", "a", "dense", w),), input="in")
    cfg = map_network(net, prof)
    first = simulate(cfg, stim, 30)
    again = simulate(cfg, stim, 30)
    out.append({"w": str(kernel_view(cfg).syn_w.dtype), "types": table_types(kernel_view(cfg)),
                "first": first.compile_s, "again": again.compile_s,
                "compiles_after": kernel_compiles(cfg)})
print(json.dumps(out))
"""


def test_each_width_of_the_tables_is_a_kernel_version_of_its_own():
    """Tables narrowed to their values (int16 or int32 weights here) are two versions of
    the kernel: in a new process, each one's first run loads (or compiles) its own version
    before the clock starts, and neither would compile again after."""
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _TWO_WIDTHS], capture_output=True,
                          text=True, check=True, timeout=600)
    runs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert [r["w"] for r in runs] == ["int16", "int32"]
    assert runs[0]["types"] != runs[1]["types"]
    assert all(r["first"] > 0 and r["again"] == 0.0 for r in runs), runs
    assert not any(r["compiles_after"] for r in runs)
