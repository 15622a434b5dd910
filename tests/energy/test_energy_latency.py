"""Chip time: per-tick work and barrier, fixed ticks, first output, stable decision."""

from __future__ import annotations

import numpy as np
import pytest
from energy_nets import MODELS, chain, prices, run, small_cores, two_way

from neuroemu.energy import price
from neuroemu.energy.latency import decision_history, stable_decision


def test_loihi_chain_latency_closed_form():
    # 3 ticks of in -> a -> b (one neuron per core at (0,0), (1,0), (2,0); Loihi's tiles
    # are 2 x 2 cores, so the packets take 0 and 1 hops: 0.5 hops per packet on average):
    #   tick 0: a, b idle (5.3 ns each); the input spike is routed; barrier; host
    #   tick 1: a does 1 synaptic op + 1 active update; b idle; a's spike is routed
    #   tick 2: the same for b
    # The neuron cores a, b sit in 2 tiles of the 32 the barrier's whole-mesh figure spans:
    # 1/31 of the way from the one-tile to the whole-mesh figure. Every tick adds the
    # management cores' per-step work (tick_overhead_ns); no I/O per spike on Loihi.
    t = prices("loihi")["latency"]
    route = t["packet_ns"] + t["hop_ns"] * 0.5
    work = t["synaptic_op_ns"] + t["neuron_update_ns"]
    barrier = t["barrier_min_ns"] + (t["barrier_ns"] - t["barrier_min_ns"]) * (2 - 1) / (32 - 1)
    host = t["tick_overhead_ns"]
    ticks_ns = [t["neuron_idle_ns"] + route + barrier + host,
                work + route + barrier + host,
                work + route + barrier + host]
    tr = run(chain(), small_cores("loihi"), 3, [0], [0])
    r = price(tr, small_cores("loihi"))
    assert r["latency_s"] == pytest.approx(sum(ticks_ns) * 1e-9, rel=1e-12)
    # the cores' part, written out: 5.3 + 2 x 11.9 (work) + 3 x 4.75 (routing)
    # + 3 x (113 + 352 / 31) (barrier) = 402.41... ns
    assert sum(ticks_ns) - 3 * host == pytest.approx(5.3 + 23.8 + 14.25 + 339 + 1056 / 31)
    assert r["latency_parts_s"]["barrier_s"] == pytest.approx(barrier * 1e-9, rel=1e-12)
    assert r["latency_parts_s"]["host_s"] == pytest.approx(host * 1e-9, rel=1e-12)
    assert r["first_output_tick"] == 2
    assert r["time_to_first_output_s"] == pytest.approx(sum(ticks_ns) * 1e-9, rel=1e-12)
    assert (r["decision_tick"], r["decision_class"]) == (2, 0)
    assert r["tick_s"]["max"] == pytest.approx(ticks_ns[1] * 1e-9, rel=1e-12)


def test_barrier_grows_with_the_tiles_in_use():
    # one tile: the one-tile figure (113 ns); all 32 tiles: the whole-mesh figure (465 ns)
    from neuroemu.hw import load_profile
    from neuroemu.ir import Network, Population, neuron, projection

    t = prices("loihi")["latency"]
    one = small_cores("loihi", width=2, height=2)  # 2 x 2 cores: one tile
    tr = run(chain(), one, 3, [0], [0])
    assert price(tr, one)["latency_parts_s"]["barrier_s"] == pytest.approx(
        t["barrier_min_ns"] * 1e-9, rel=1e-12)
    # 127 neurons, one per core, after the input's core: cores 1..127 cover every tile
    full = load_profile("loihi").with_registers(neurons_per_core=1)
    pops = (Population("in", (1,)), Population("a", (127,), neuron("if", 127, threshold=5)))
    net = Network("wide", pops, (projection("w", "in", "a", "dense",
                                            np.ones((127, 1), np.int64)),), input="in")
    tr = run(net, full, 2, [0], [0])
    assert price(tr, full)["latency_parts_s"]["barrier_s"] == pytest.approx(
        t["barrier_ns"] * 1e-9, rel=1e-12)


def test_host_io_per_spike_adds_time_and_energy(tmp_path):
    # a profile with host I/O figures: each injected spike costs input_spike_ns/pJ in
    # its tick, each spike of the readout population output_spike_ns/pJ
    from neuroemu.hw import load_profile

    text = (MODELS / "loihi.toml").read_text()
    text = text.replace("input_spike_ns = 0.0", "input_spike_ns = 1000.0").replace(
        "output_spike_ns = 0.0", "output_spike_ns = 300.0").replace(
        "input_spike_pj = 0.0", "input_spike_pj = 7.0").replace(
        "output_spike_pj = 0.0", "output_spike_pj = 11.0")
    path = tmp_path / "io.toml"
    path.write_text(text)
    prof = load_profile(path).with_registers(neurons_per_core=1, mesh_width=4, mesh_height=4)
    tr = run(chain(), small_cores("loihi"), 3, [0], [0])
    base, io = price(tr, small_cores("loihi")), price(tr, prof)
    # one spike injected (tick 0), one read out (b at tick 2)
    assert io["latency_s"] - base["latency_s"] == pytest.approx((1000.0 + 300.0) * 1e-9,
                                                               rel=1e-9)
    assert io["energy_by_category_j"]["input_io"] == pytest.approx(7.0e-12, rel=1e-12)
    assert io["energy_by_category_j"]["output_io"] == pytest.approx(11.0e-12, rel=1e-12)
    assert io["operations_by_category"]["input_io"] == 1
    assert io["operations_by_category"]["output_io"] == 1


def test_fixed_and_real_time_ticks():
    tr = run(chain(), small_cores("truenorth"), 4, [0], [0], tick_us=250.0)
    r = price(tr, small_cores("truenorth"))
    assert r["latency_s"] == pytest.approx(4 * 1e-3)  # TrueNorth: 1 ms per tick, always
    assert r["time_to_first_output_s"] == pytest.approx(3 * 1e-3)  # end of tick 2
    r = price(tr, small_cores("horowitz45nm"))
    assert r["latency_s"] == pytest.approx(4 * 250e-6)  # the run's own tick
    assert r["real_time_s"] == pytest.approx(4 * 250e-6)


def test_decision_changes_then_settles():
    # in[0] at tick 0 and in[1] at ticks 2 and 3: r0 fires at 1, r1 at 3 and 4.
    # Running counts: t1 [1, 0] -> 0; t3 [1, 1] -> 0 (tie, lowest index); t4 [1, 2] -> 1.
    tr = run(two_way(), small_cores("loihi"), 7, [0, 2, 3], [0, 1, 1])
    assert decision_history(tr) == [(1, 0), (3, 0), (4, 1)]
    assert stable_decision(tr) == (4, 1)
    assert tr.readout_class == 1  # the engine's readout agrees with the final decision
    r = price(tr, small_cores("truenorth"))
    assert r["first_output_tick"] == 1 and r["decision_tick"] == 4
    assert r["time_to_decision_s"] == pytest.approx(5e-3)


def test_first_spike_decision_is_the_first_spike():
    tr = run(two_way("first_spike"), small_cores("loihi"), 7, [0, 2, 3], [1, 0, 0])
    assert stable_decision(tr) == (1, 1)


def test_membrane_readout_has_no_decision_time():
    tr = run(two_way("last_membrane"), small_cores("loihi"), 5, [0], [0])
    r = price(tr, small_cores("loihi"))
    assert r["decision_tick"] is None and r["time_to_decision_s"] is None
    assert any("membrane" in n for n in r["notes"])


def test_silent_run_has_no_output():
    tr = run(chain(), small_cores("loihi"), 3, [], [])
    r = price(tr, small_cores("loihi"))
    assert r["first_output_tick"] is None and r["time_to_first_output_s"] is None
    assert r["decision_tick"] is None


def test_per_tick_figures_in_blocks_equal_one_dense_computation(rng, monkeypatch):
    """Tick times, core work and idle counts are worked out in blocks of ticks from the
    sparse per-tick counters: the same floats, bit for bit, as the latency module's
    formula on the whole run's dense (T, C) counts."""
    from randnet import random_case

    from neuroemu.energy.costs import load_costs
    from neuroemu.energy.latency import (
        core_work,
        idle_by_core,
        io_spikes_per_tick,
        neuron_core_mask,
        tick_seconds,
    )
    from neuroemu.engine import simulate, tick_counts
    from neuroemu.hw import load_profile
    from neuroemu.results.build import from_chip_run

    for _ in range(6):
        cfg, stim, ticks = random_case(rng)
        trace = from_chip_run(simulate(cfg, stim, ticks))
        costs = load_costs(load_profile("loihi"))  # per_tick_work, every_tick
        assert costs.latency_mode == "per_tick_work" and costs.neuron_policy == "every_tick"
        dense = {k: c.dense() for k, c in trace.per_tick.items()}
        neurons = np.where(neuron_core_mask(trace), trace.core_neurons, 0)
        idle = np.maximum(neurons[None, :] - dense["neuron_updates"], 0)
        ns = costs.latency_ns
        work = (dense["synaptic_ops"] * ns["synaptic_op_ns"]
                + dense["neuron_updates"] * ns["neuron_update_ns"] + idle * ns["neuron_idle_ns"])
        whole = tick_seconds(trace, costs)
        for block in (1, 2, 3 * cfg.n_cores):  # one tick, two ticks, three ticks a block
            monkeypatch.setattr(tick_counts, "BLOCK_COUNTS", block)
            busiest, busy = core_work(trace, costs)
            np.testing.assert_array_equal(busiest, work.max(axis=1))
            np.testing.assert_array_equal(busy, work.sum(axis=0))
            sec, parts = tick_seconds(trace, costs)
            np.testing.assert_array_equal(sec, whole[0])
            assert parts == whole[1]
        np.testing.assert_array_equal(idle_by_core(trace, "every_tick"), idle.sum(axis=0))
        injected, _ = io_spikes_per_tick(trace)
        np.testing.assert_array_equal(injected, dense["spikes"][:, ~neuron_core_mask(trace)]
                                      .sum(axis=1))


def _history_tick_by_tick(kind, tick, who, val, n):
    """The running decision after each tick with readout spikes, one tick at a time."""
    state = np.zeros(n, np.int64) if kind == "count" else np.full(n, np.iinfo(np.int64).max)
    out = []
    for t in np.unique(tick):
        m = tick == t
        for w, v in zip(who[m], val[m]):
            if kind == "count":
                state[w] += v
            elif v > 0:
                state[w] = min(state[w], t)
        if kind == "count":
            out.append((int(t), int(np.argmax(state)) if state.any() else None))
        else:
            made = state < np.iinfo(np.int64).max
            out.append((int(t), int(np.argmin(state)) if made.any() else None))
    return out


@pytest.mark.parametrize("kind", ["count", "first_spike"])
@pytest.mark.parametrize("block", [1, 7, 1 << 20])
def test_decision_history_matches_a_tick_by_tick_count(kind, block, monkeypatch):
    from types import SimpleNamespace

    import neuroemu.energy.latency as latency

    monkeypatch.setattr(latency, "BLOCK_CELLS", block)
    rng = np.random.default_rng(block)
    for case in range(60):
        n = int(rng.integers(1, 6))
        spikes = int(rng.integers(0, 40))
        tick = np.sort(rng.integers(0, 25, spikes))
        who = rng.integers(0, n, spikes)
        val = rng.choice([-2, -1, 1, 1, 2], spikes)  # counts return to zero: no decision
        other = 3  # a population before the readout's, whose spikes are not counted
        trace = SimpleNamespace(
            readout_kind=kind, readout_population="out", pop_names=["hid", "out"],
            pop_offset=np.array([0, other, other + n]),
            spike_tick=tick, spike_neuron=who + other, spike_value=val)
        expected = _history_tick_by_tick(kind, tick, who, val, n)
        assert latency.decision_history(trace) == expected, case
        if case == 0:
            # another population's spikes interleaved change nothing
            extra = rng.integers(0, 25, 5)
            order = np.argsort(np.r_[tick, extra], kind="stable")
            trace.spike_tick = np.r_[tick, extra][order]
            trace.spike_neuron = np.r_[who + other, rng.integers(0, other, 5)][order]
            trace.spike_value = np.r_[val, np.ones(5, np.int64)][order]
            assert latency.decision_history(trace) == expected
