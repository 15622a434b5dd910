"""Short expected sequences, derived by hand from the tick of neuroemu.engine.reference."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.engine import make_stimulus, simulate
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network

ENGINES = ("event", "reference")


def one_neuron(profile="loihi", weight=1, delay=1, readout="count", **kw):
    net = Network("one", (Population("in", (1,)), Population("n", (1,), neuron(size=1, **kw))),
                  (projection("w", "in", "n", "dense", [[weight]], delay=delay),), input="in",
                  readout=Readout("n", readout))
    return map_network(net, profile)


def run(cfg, ticks, engine, spikes=(), probes=(1,)):
    t = [s for s in spikes]
    stim = make_stimulus(t, [0] * len(t), 1)
    return simulate(cfg, stim, ticks, engine=engine, probes=probes)


@pytest.mark.parametrize("engine", ENGINES)
def test_if_integrates_after_one_tick_of_delay_and_resets(engine):
    # input spikes at ticks 0..3, weight 2, threshold 5: v after ticks 1..4 = 2, 4, 6->0 (fire), 2
    cfg = one_neuron(model="if", threshold=5, weight=2)
    r = run(cfg, 6, engine, spikes=[0, 1, 2, 3])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 2, 4, 0, 2, 2])
    np.testing.assert_array_equal(r.spike_tick, [3])


@pytest.mark.parametrize("engine", ENGINES)
def test_reset_by_subtraction_keeps_the_remainder(engine):
    cfg = one_neuron(model="if", threshold=5, weight=3, reset="subtract")
    r = run(cfg, 5, engine, spikes=[0, 1, 2, 3])
    # v: 3, 6->1 (fire), 4, 7->2 (fire)
    np.testing.assert_array_equal(r.probe_v[1:, 0], [3, 1, 4, 2])
    np.testing.assert_array_equal(r.spike_tick, [2, 4])


@pytest.mark.parametrize("engine", ENGINES)
def test_strict_threshold_and_delay(engine):
    cfg = one_neuron(model="if", threshold=4, weight=2, fire_on=">", delay=3)
    r = run(cfg, 8, engine, spikes=[0, 1, 2])
    # arrivals at 3, 4, 5: v = 2, 4 (not > 4), 6 > 4 fires at 5
    np.testing.assert_array_equal(r.spike_tick, [5])


@pytest.mark.parametrize("engine", ENGINES)
def test_loihi_lif_decay_rounds_toward_zero(engine):
    # decay_v 1024/4096: v keeps 3/4, magnitude shifted: 100 -> 75 -> 56 -> 42; -100 -> -75 -> -56
    for v0, want in ((100, [75, 56, 42, 31]), (-100, [-75, -56, -42, -31])):
        cfg = one_neuron(model="lif", threshold=1000, decay_v=0.25, v_init=v0)
        r = run(cfg, 4, engine)
        np.testing.assert_array_equal(r.probe_v[:, 0], want)


@pytest.mark.parametrize("engine", ENGINES)
def test_floor_rounding_is_arithmetic_shift(engine):
    prof = map_network.__globals__["load_profile"]("loihi").with_registers(rounding="floor")
    cfg = one_neuron(prof, model="lif", threshold=1000, decay_v=0.25, v_init=-100)
    r = run(cfg, 3, engine)
    # floor(-100 * 3 / 4) = -75, floor(-75 * 3/4) = floor(-56.25) = -57, floor(-42.75) = -43
    np.testing.assert_array_equal(r.probe_v[:, 0], [-75, -57, -43])


@pytest.mark.parametrize("engine", ENGINES)
def test_cuba_current_feeds_voltage(engine):
    # Loihi CUBA: u = keep(u) + in; v = keep(v) + u. decay_u = 0.5, decay_v = 0 (IF-like v)
    cfg = one_neuron(model="cuba", threshold=10**6, decay_u=0.5, weight=64)
    r = run(cfg, 5, engine, spikes=[0])
    # tick 1: u = 64, v = 64; tick 2: u = 32, v = 96; tick 3: u = 16, v = 112; tick 4: 8, 120
    np.testing.assert_array_equal(r.probe_u[:, 0], [0, 64, 32, 16, 8])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 64, 96, 112, 120])


@pytest.mark.parametrize("engine", ENGINES)
def test_saturation_and_wrap_are_counted(engine):
    prof = map_network.__globals__["load_profile"]("loihi").with_registers(
        v_bits=8, u_bits=8, u_overflow="wrap")
    cfg = one_neuron(prof, model="cuba", threshold=127, weight=100)
    r = run(cfg, 3, engine, spikes=[0, 1])
    # tick 1: u = 100, v = 100; tick 2: u = 200 wraps to -56, v = 100 - 56 = 44
    np.testing.assert_array_equal(r.probe_u[:, 0], [0, 100, -56])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 100, 44])
    assert r.total("overflow_u") == 1 and r.total("overflow_v") == 0
    assert r.first_overflow == (2, 1, 0)
    cfg = one_neuron(prof, model="if", threshold=127, weight=100, reset="none")
    r = run(cfg, 3, engine, spikes=[0, 1])
    # saturating v: 100, then 200 -> 127 (symmetric limit), which fires (>=)
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 100, 127])
    assert r.total("overflow_v") == 1


@pytest.mark.parametrize("engine", ENGINES)
def test_refractory_holds_v_for_the_given_ticks(engine):
    cfg = one_neuron(model="if", threshold=2, weight=2, refractory=2)
    r = run(cfg, 7, engine, spikes=[0, 1, 2, 3, 4])
    # fire at 1 (v=2), ticks 2 and 3 refractory (input ignored), tick 4 v=2 fires, 5, 6 held
    np.testing.assert_array_equal(r.spike_tick, [1, 4])


@pytest.mark.parametrize("engine", ENGINES)
def test_signed_neuron_fires_reverse_spikes_and_caps_its_count(engine):
    # QCFS/PASCAL-style: v_init = θ/2, subtract reset, reverse spike when v < 0 with count > 0
    net = Network("s", (Population("in", (2,)),
                        Population("n", (1,), neuron("if", 1, threshold=4, v_init=2,
                                                     reset="subtract", signed=True,
                                                     max_count=2))),
                  (projection("w", "in", "n", "dense", [[6, -6]]),), input="in")
    cfg = map_network(net, "loihi")
    stim = make_stimulus([0, 1, 2], [0, 0, 1], 2)
    r = simulate(cfg, stim, 8, engine=engine, probes=[2])
    # t1: v=8 fire (4), t2: 4+6=10 fire (6), t3: 6-6=0, t4: 0 ... cap 2 reached at t2,
    # t3: v = 6 - 6 = 0 (no reverse: 0 is not < 0)
    np.testing.assert_array_equal(r.spike_tick, [1, 2])
    np.testing.assert_array_equal(r.spike_value, [1, 1])
    stim = make_stimulus([0, 1, 2], [0, 1, 1], 2)
    r = simulate(cfg, stim, 8, engine=engine, probes=[2])
    # t1: 8 -> fire, v=4; t2: 4-6=-2 < 0 -> reverse, v=2, count 0; t3: 2-6=-4, count 0: no spike
    np.testing.assert_array_equal(r.spike_tick, [1, 2])
    np.testing.assert_array_equal(r.spike_value, [1, -1])
    assert r.count[2] == 0


@pytest.mark.parametrize("engine", ENGINES)
def test_periodic_reset_returns_to_initial_state(engine):
    cfg = one_neuron(model="if", threshold=100, weight=3, v_init=1, reset_interval=3,
                     reset_offset=2)
    r = run(cfg, 7, engine, spikes=[0, 1, 2, 3, 4, 5])
    # v: t0 1, t1 4, t2 reset to 1 then +3 = 4, t3 7, t4 10, t5 reset 1+3 = 4, t6 7
    np.testing.assert_array_equal(r.probe_v[:, 0], [1, 4, 4, 7, 10, 4, 7])


@pytest.mark.parametrize("engine", ENGINES)
def test_klif_scales_and_rectifies(engine):
    cfg = one_neuron(model="klif", threshold=1000, scale_k=0.5, v_min=0, weight=40)
    r = run(cfg, 4, engine, spikes=[0, 1, 2])
    # v = k * (v + in): 20, (20+40)/2 = 30, (30+40)/2 = 35
    np.testing.assert_array_equal(r.probe_v[1:, 0], [20, 30, 35])
    cfg = one_neuron(model="klif", threshold=1000, scale_k=0.5, v_min=0, weight=-40)
    r = run(cfg, 3, engine, spikes=[0])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 0, 0])  # rectified


@pytest.mark.parametrize("kind,want,want_class", [
    ("count", [0, 1], 1),
    ("first_spike", [5, 3], 1),
    ("last_membrane", [30, 3], 0),
    ("mean_membrane", [120 / 5, 6 / 5], 0),
])
def test_readouts(kind, want, want_class):
    """o0 gets 30 from tick 1 on: v = 0, 30, 30, 30, 30. o1 gets 3 at ticks 2, 3, 4 with
    threshold 5: v = 0, 0, 3, 6 -> fires at 3 and resets to 0, 3."""
    net = Network("r", (Population("in", (2,)),
                        Population("o", (2,), neuron("if", 2, threshold=[100, 5]))),
                  (projection("w", "in", "o", "dense", [[30, 0], [0, 3]]),), input="in",
                  readout=Readout("o", kind))
    cfg = map_network(net, "loihi")
    stim = make_stimulus([0, 1, 2, 3], [0, 1, 1, 1], 2)
    for engine in ENGINES:
        cls, values = simulate(cfg, stim, 5, engine=engine).readout()
        np.testing.assert_array_equal(values, want)
        assert cls == want_class


def test_on_overflow_raise_names_the_neuron():
    from neuroemu.errors import RegisterOverflow

    prof = map_network.__globals__["load_profile"]("loihi").with_registers(v_bits=8)
    cfg = one_neuron(prof, model="if", threshold=127, weight=100, reset="none")
    with pytest.raises(RegisterOverflow, match=r"register v of neuron 0 of population 'n' "
                                               r"overflowed at tick 2 \(8-bit, saturate\)"):
        simulate(cfg, make_stimulus([0, 1, 2], [0, 0, 0], 1), 10, on_overflow="raise")
    with pytest.warns(UserWarning, match="overflowed at tick 2"):
        simulate(cfg, make_stimulus([0, 1, 2], [0, 0, 0], 1), 10, on_overflow="warn")
