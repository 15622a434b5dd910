"""tools/bench_engine.py's measuring loops run on the kernel's own steps and tables: they
must keep up with the kernel's signatures, and its limits must add the events the engine
delivered (else the ratios it prints compare different work)."""

from __future__ import annotations

import numpy as np
import pytest
from tooling import load_tool

from neuroemu.engine import simulate
from neuroemu.engine.event import kernel_view


@pytest.fixture(scope="module")
def bench():
    return load_tool("bench_engine")


def last_tick_fan_out(cfg, stim, res, ticks: int) -> int:
    """The synapses of the spikes of the run's last tick (inputs and neurons), which the
    engine queued but did not deliver (every delay here is one tick)."""
    k = kernel_view(cfg)
    first = k.syn_ptr[k.seg_ptr[k.grp_ptr]].astype(np.int64)
    fan_out = np.diff(first)
    src = np.concatenate([stim.channel[stim.tick == ticks - 1],
                          res.spike_neuron[res.spike_tick == ticks - 1]])
    return int(fan_out[src].sum())


def test_the_spread_update_it_times_is_the_kernels(bench):
    """The bench calls the kernel's whole update itself (``threaded.update_whole``), with
    its signature of the day: a change of it fails here, not at the end of a bench run."""
    lim = bench.thread_limits(2, n=8192, reps=2)
    assert lim["update_n"] == 8192
    assert lim["update_1_thread_us"] > 0 and lim["update_threads_us"] > 0


def test_the_w1_limit_adds_the_rows_the_engine_delivered(bench):
    ticks = 30
    cfg, stim = bench.feedforward(np.random.default_rng(1), 0.05, ticks)
    res = simulate(cfg, stim, ticks, threads=1)
    events, timer = bench.limit_loop(cfg, stim, res, ticks)
    assert events == res.total("synaptic_ops") + last_tick_fan_out(cfg, stim, res, ticks)
    assert timer() > 0


def test_the_w2_limit_scatters_the_synapses_the_engine_delivered(bench):
    ticks = 40
    cfg, stim = bench.recurrent(np.random.default_rng(2), ticks, n=1000, k=20, n_ext=100,
                                ext_rate=0.2)
    res = simulate(cfg, stim, ticks, threads=1)
    events, timer = bench.scatter_limit_loop(cfg, stim, res, ticks)
    assert res.spike_tick.size > 100
    assert events == res.total("synaptic_ops") + last_tick_fan_out(cfg, stim, res, ticks)
    assert timer() > 0


def test_the_thread_threshold_bench_weighs_work_as_the_kernel_does():
    """tools/bench_thread_min.py, which sets THREAD_MIN's third, weighs a tick as the
    kernel does (synaptic events plus half the neurons updated), from one run's counts."""
    tool = load_tool("bench_thread_min")
    row = tool.measure(1000, 20, 2)
    res = simulate(*tool.recurrent(np.random.default_rng(2), 20, n=1000, n_ext=100), 20,
                   threads=1)
    assert row["neurons"] == 1000 and row["work_per_tick"] > 0
    assert row["work_per_tick"] == (res.total("synaptic_ops")
                                    + res.total("neuron_updates") / 2) / 20
    assert row["one_thread_us"] > 0 and row["spread_us"] > 0


def test_the_floor_of_a_tick_updates_every_neuron_but_the_input(bench):
    """The bench's least cost of a W1 tick (its adds at the limit's rate and the whole
    update) updates the neurons a tick of W1 updates: every hidden and output neuron,
    with the engine's own step."""
    cfg, stim = bench.feedforward(np.random.default_rng(1), 0.005, 300)
    us, neurons = bench.update_floor_us(cfg, reps=20)
    assert neurons == 1024 + 1024 + 10 == cfg.n_neurons - 1024
    res = simulate(cfg, stim, 300, threads=1)
    # once the first layer fires, every hidden neuron gets input at every tick, at a tenth
    # of the input too: the engine updates (nearly) all
    per_tick = res.per_tick["neuron_updates"].per_tick()[100:]
    assert np.all(per_tick <= neurons) and per_tick.mean() >= 0.95 * neurons
    assert us > 0


def test_versions_that_repeat_another_are_found_and_specialisations_are_not():
    wasted_versions = load_tool("bench_compile").wasted_versions
    sigs = [("int64", "Literal[int](0)", "array(int32, 1d, C)"),
            ("int64", "int64", "array(int32, 1d, C)"),
            ("uint64", "int64", "array(int32, 1d, C)"),
            ("uint64", "Literal[int](0)", "array(int32, 1d, C)"),
            ("int64", "int64", "array(int64, 1d, C)"),
            ("Literal[bool](True)", "int64", "array(int64, 1d, C)"),
            ("Literal[bool](False)", "int64", "array(int64, 1d, C)")]
    # three repeats of version 1 (one by two arguments); the other array type and the two
    # literal values, which have no plain twin, are versions of their own
    assert wasted_versions(sigs) == [0, 2, 3]
    assert wasted_versions(sigs[4:]) == []
    assert wasted_versions([("Literal[bool](True)",), ("bool",)]) == [0]
