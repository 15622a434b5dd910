"""The float64 simulator of the IR's equations (neuroemu.engine.float_reference)."""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.engine import make_stimulus, simulate
from neuroemu.engine.float_reference import simulate_float
from neuroemu.errors import NeuroemuError
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network


def _exact_population(rng, name: str, size: int):
    """A population whose fixed-point arithmetic is exact: decays 0 or 1, no KLIF scale."""
    model = str(rng.choice(["if", "lif", "cuba"]))
    kw = dict(
        threshold=rng.integers(1, 12, size=size),
        bias=rng.integers(-2, 4, size=size) * (rng.random() < 0.5),
        leak=rng.integers(0, 2, size=size) * (rng.random() < 0.3),
        reset=str(rng.choice(["zero", "subtract", "none"])),
        fire_on=str(rng.choice([">=", ">"])),
        refractory=int(rng.integers(0, 3)),
        signed=bool(rng.random() < 0.3),
        neg_threshold=-float(rng.integers(0, 3)),
    )
    if rng.random() < 0.3:
        kw["max_count"] = int(rng.integers(1, 4))
    if rng.random() < 0.3:
        kw["reset_interval"] = int(rng.integers(2, 9))
        kw["reset_offset"] = int(rng.integers(0, kw["reset_interval"]))
    if rng.random() < 0.3:
        kw["v_min"] = -float(rng.integers(0, 6))
    if model != "if":
        kw["decay_v"] = rng.integers(0, 2, size=size).astype(float)
    if model == "cuba":
        kw["decay_u"] = rng.integers(0, 2, size=size).astype(float)
    kw["v_init"] = np.maximum(rng.integers(-3, 4, size=size), kw.get("v_min", -99))
    return Population(name, (size,), neuron(model, size, where=name, **kw))


@pytest.mark.parametrize("case", range(25))
def test_equals_the_dense_reference_where_fixed_point_is_exact(case, rng):
    """On integer networks with decays 0 or 1 and wide registers, the fixed-point reference
    engine does exact arithmetic: the float simulator must give the same spikes and registers."""
    pops = [Population("in", (int(rng.integers(1, 6)),))]
    for i in range(int(rng.integers(1, 4))):
        pops.append(_exact_population(rng, f"p{i}", int(rng.integers(1, 7))))
    projs = []
    for k in range(int(rng.integers(1, 6))):
        src = pops[int(rng.integers(0, len(pops)))]
        tgt = pops[int(rng.integers(1, len(pops)))]
        w = rng.integers(-6, 8, size=(tgt.size, src.size))
        projs.append(projection(f"w{k}", src.name, tgt.name, "dense", w,
                                delay=int(rng.integers(1, 4)), weight_exp=int(rng.integers(0, 2))))
    net = Network("exact", tuple(pops), tuple(projs), input="in",
                  readout=Readout(pops[-1].name, "count"))
    ticks = int(rng.integers(5, 30))
    n_ev = int(rng.integers(0, 4 * ticks))
    stim = make_stimulus(rng.integers(0, ticks, n_ev), rng.integers(0, pops[0].size, n_ev),
                         pops[0].size, value=rng.integers(1, 3, n_ev))
    cfg = map_network(net, load_profile("generic"))
    n = cfg.n_neurons
    ref = simulate(cfg, stim, ticks, engine="reference", probes=np.arange(n))
    flt = simulate_float(net, stim, ticks, probes=np.arange(n))
    assert ref.first_overflow is None
    np.testing.assert_array_equal(flt.spike_tick, ref.spike_tick)
    np.testing.assert_array_equal(flt.spike_neuron, ref.spike_neuron)
    np.testing.assert_array_equal(flt.spike_value, ref.spike_value)
    np.testing.assert_array_equal(flt.v, ref.v.astype(float))
    np.testing.assert_array_equal(flt.u, ref.u.astype(float))
    np.testing.assert_array_equal(flt.count, ref.count)
    np.testing.assert_array_equal(flt.probe_v, ref.probe_v.astype(float))
    assert flt.readout()[0] == ref.readout()[0]


def _one(model: str, weight: float, **kw) -> Network:
    pops = (Population("in", (1,)), Population("n", (1,), neuron(model, 1, where="n", **kw)))
    return Network("one", pops, (projection("w", "in", "n", "dense", [[weight]]),),
                   input="in", readout=Readout("n", "last_membrane"))


def test_lif_membrane_follows_the_closed_form_without_rounding():
    """A spike on every tick from tick 0 reaches the neuron from tick 1 on (delay 1):
    v_t = w (1 - k^t) / (1 - k) with k = 1 - decay, no rounding (0.3 is not a 12-bit fraction)."""
    decay, w = 0.3, 0.7
    net = _one("lif", w, threshold=1e9, decay_v=decay)
    ticks = 12
    stim = make_stimulus(np.arange(ticks), np.zeros(ticks, np.int64), 1)
    r = simulate_float(net, stim, ticks, probes=[1])
    t = np.arange(ticks)
    k = 1 - decay
    np.testing.assert_allclose(r.probe_v[:, 0], w * (1 - k**t) / (1 - k), rtol=1e-14, atol=0)


def test_cuba_current_feeds_the_membrane_in_the_same_tick():
    """u = u (1 - du) + a; v = v (1 - dv) + u: one spike at tick 0, weight 1, du = dv = 0.5,
    arriving at tick 1: u = 1, .5, .25, .125; v = 1, 1, .75, .5 (pinned by hand)."""
    net = _one("cuba", 1.0, threshold=100.0, decay_u=0.5, decay_v=0.5)
    r = simulate_float(net, make_stimulus([0], [0], 1), 5, probes=[1])
    np.testing.assert_array_equal(r.probe_u[:, 0], [0, 1, 0.5, 0.25, 0.125])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 1, 1, 0.75, 0.5])


def test_strict_threshold_reset_and_readouts():
    """IF, threshold 1, input 0.5 per tick from tick 1: v = .5, 1.0 (not > 1), 1.5 -> spike."""
    net = _one("if", 0.5, threshold=1.0, fire_on=">")
    ticks = 8
    stim = make_stimulus(np.arange(ticks), np.zeros(ticks, np.int64), 1)
    r = simulate_float(net, stim, ticks, probes=[1])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, .5, 1, 0, .5, 1, 0, .5])
    tick, who, val = r.spikes_of("n")
    np.testing.assert_array_equal(tick, [3, 6])
    assert r.spike_counts() == {"in": 0, "n": 2}
    assert r.readout() == (0, pytest.approx(np.array([0.5])))


def test_periodic_reset_returns_to_the_initial_state():
    net = _one("if", 1.0, threshold=100.0, v_init=2.0, reset_interval=4, reset_offset=3)
    ticks = 9
    stim = make_stimulus(np.arange(ticks), np.zeros(ticks, np.int64), 1)
    r = simulate_float(net, stim, ticks, probes=[1])
    # +1 per tick from tick 1; back to 2 before the update of ticks 3 and 7
    np.testing.assert_array_equal(r.probe_v[:, 0], [2, 3, 4, 3, 4, 5, 6, 3, 4])


def test_input_value_is_the_payload():
    net = _one("if", 0.25, threshold=100.0)
    r = simulate_float(net, make_stimulus([0, 0, 2], [0, 0, 0], 1, value=[3, 2, 4]), 4,
                       probes=[1])
    np.testing.assert_array_equal(r.probe_v[:, 0], [0, 1.25, 1.25, 2.25])


def test_errors_name_the_problem():
    net = _one("if", 1.0)
    with pytest.raises(NeuroemuError, match="ticks: 0"):
        simulate_float(net, None, 0)
    with pytest.raises(NeuroemuError, match="2 channels.*has 1"):
        simulate_float(net, make_stimulus([0], [1], 2), 3)
    with pytest.raises(NeuroemuError, match="probes"):
        simulate_float(net, None, 3, probes=[5])
