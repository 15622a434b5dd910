"""Chip time: per-tick work and barrier, fixed ticks, first output, stable decision."""

from __future__ import annotations

import pytest
from energy_nets import chain, prices, run, small_cores, two_way

from neuroemu.energy import price
from neuroemu.energy.latency import decision_history, stable_decision


def test_loihi_chain_latency_closed_form():
    # 3 ticks of in -> a -> b (one neuron per core, 1 hop per packet):
    #   tick 0: a, b idle (5.3 ns each); the input spike is routed; barrier
    #   tick 1: a does 1 synaptic op + 1 active update; b idle; a's spike is routed; barrier
    #   tick 2: the same for b
    t = prices("loihi")["latency"]
    route = t["packet_ns"] + t["hop_ns"] * 1.0
    work = t["synaptic_op_ns"] + t["neuron_update_ns"]
    ticks_ns = [t["neuron_idle_ns"] + route + t["barrier_ns"],
                work + route + t["barrier_ns"],
                work + route + t["barrier_ns"]]
    tr = run(chain(), small_cores("loihi"), 3, [0], [0])
    r = price(tr, small_cores("loihi"))
    assert r["latency_s"] == pytest.approx(sum(ticks_ns) * 1e-9, rel=1e-12)
    assert sum(ticks_ns) == pytest.approx(1446.3)  # 477.7 + 484.3 + 484.3 ns
    assert r["first_output_tick"] == 2
    assert r["time_to_first_output_s"] == pytest.approx(sum(ticks_ns) * 1e-9, rel=1e-12)
    assert (r["decision_tick"], r["decision_class"]) == (2, 0)
    assert r["tick_s"]["max"] == pytest.approx(ticks_ns[1] * 1e-9, rel=1e-12)


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
