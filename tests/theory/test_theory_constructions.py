"""Constructions: their integer networks, sizes and target functions."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from neuroemu.errors import NetworkError
from neuroemu.theory import constructions as C
from neuroemu.theory.circuit import Circuit, make


def _weights(con, proj_name):
    return next(p for p in con.net.projections if p.name == proj_name)


def test_threshold_units_sit_mid_interval():
    # at least 2 of 3: w = 2/3, scale 3 -> threshold 3, weights 2; 1 input 2 <= 3 < 4 = 2 inputs
    con = C.at_least(3, 2)
    np.testing.assert_array_equal(con.net.population("out").neuron.threshold, [3])
    np.testing.assert_array_equal(_weights(con, "in->out").weight, [2, 2, 2])
    # CLOCK_3: midpoint of (1/3, 1/2] is 5/12: threshold 12, weight 5; 2*5 <= 12 < 3*5
    con = C.clock_m(3)
    np.testing.assert_array_equal(con.net.population("out").neuron.threshold, [12])
    np.testing.assert_array_equal(_weights(con, "in->out").weight, [5])
    assert con.net.population("out").neuron.decay_v[0] == 0.0
    nrn = C.xor().net.population("out").neuron
    assert nrn.fire_on == ">" and nrn.reset == "zero" and nrn.v_min == 0 and nrn.decay_v[0] == 1


def test_minterm_weights():
    # pattern 0b011 of 3 inputs (k = 2): ones 2/3, zero -4/3 -> scale 3: +2, +2, -4
    con = C.boolean(3, 1 << 3)
    np.testing.assert_array_equal(con.net.population("minterm").neuron.threshold, [3])
    proj = _weights(con, "in->minterm")
    np.testing.assert_array_equal(proj.weight[np.argsort(proj.src)], [2, 2, -4])
    # the all-zero pattern takes the clock (+2) and -2 from every input, scale 1
    con = C.boolean(2, 1)
    assert con.clock and con.n_inputs == 3
    proj = _weights(con, "in->minterm")
    np.testing.assert_array_equal(proj.weight[np.argsort(proj.src)], [-2, -2, 2])


@pytest.mark.parametrize("con, neurons, weights, delay", [
    (C.identity(), 1, 1, 1),
    (C.or_(3), 1, 3, 1),
    (C.not_(), 1, 2, 1),
    (C.xor(), 4, 7, 2),  # SKIP a, SKIP b, AND, out: 2 + 2 + 3
    (C.xor("delay"), 2, 5, 2),
    (C.clock_m(4), 1, 1, 1),
    (C.boolean(3, 0x96), 5, 16, 2),  # 4 odd patterns x 3 inputs + 4 into the OR
    (C.boolean(3, 0xFF), 9, 33, 2),  # 8 x 3 + the clock + 8
    (C.boolean(3, 0x00), 1, 0, 2),
    (C.exactly_one(3, 3), 6, 17, 3),  # 3 window units x 3 lags, 2 x 3 counters, 2
    (C.exactly_one(3, 3, "skip"), 12, 23, 3),  # + 2 SKIP units per input
    (C.parity(4), 12, 21, 4),  # 3 XORs
    (C.parity(3), 8, 14, 4),  # 2 XORs, the third input delayed by a projection
])
def test_sizes(con, neurons, weights, delay):
    assert (con.neurons, con.weights, con.delay) == (neurons, weights, delay)


def _naive_window_one(x, m):
    """Exactly one input spiked in [t-m+1, t], by loops."""
    d, n_t = x.shape
    out = np.zeros(n_t, bool)
    for t in range(n_t):
        seen = [any(x[j, s] for s in range(max(0, t - m + 1), t + 1)) for j in range(d)]
        out[t] = sum(seen) == 1
    return out


def test_targets_against_direct_definitions(rng):
    x = rng.random((40, 3, 9)) < 0.4
    np.testing.assert_array_equal(C.xor().target(x[:, :2]), x[:, 0] != x[:, 1])
    np.testing.assert_array_equal(C.parity(3).target(x), x.sum(axis=1) % 2 == 1)
    np.testing.assert_array_equal(C.parity(3, "flat").target(x), x.sum(axis=1) % 2 == 1)
    np.testing.assert_array_equal(C.boolean(3, 0xE8).target(x), x.sum(axis=1) >= 2)  # majority
    np.testing.assert_array_equal(C.not_().target(x[:, :1]), ~x[:, 0])
    for row in x:
        want = _naive_window_one(row, 3)
        np.testing.assert_array_equal(C.exactly_one(3, 3).target(row), want)
        np.testing.assert_array_equal(
            C.finite_memory(3, 3, C.exactly_one_in_window).target(row), want)
        spikes = np.flatnonzero(row[0])
        every3 = spikes[2::3]
        np.testing.assert_array_equal(np.flatnonzero(C.clock_m(3).target(row[:1])), every3)


def test_composition_target_and_delay():
    con = C.compose(C.clock_m(2), [C.xor()])
    assert con.delay == 3 and con.memory is None
    x = np.zeros((2, 8), bool)
    x[0, [0, 2, 5]] = True
    x[1, [2, 3, 6]] = True  # xor at 0, 3, 5, 6 -> every 2nd: 3, 6
    np.testing.assert_array_equal(np.flatnonzero(con.target(x)), [3, 6])


def test_windows_layout():
    x = np.zeros((1, 4), bool)
    x[0, 1] = True
    w = C.windows(x, 2)  # (T, d, m): entry k is instant t - 1 + k
    assert w.shape == (4, 1, 2)
    np.testing.assert_array_equal(w[:, 0, :], [[0, 0], [0, 1], [1, 0], [0, 0]])


def test_unlayered_circuit_is_refused():
    c = Circuit(d=2)
    c.unit("a", "hidden")
    c.unit("o", "out")
    c.connect(0, "a", 2)
    c.connect("a", "o", 2)
    c.connect(1, "o", 2)  # one tick short of the other path
    with pytest.raises(NetworkError, match="path delays"):
        make("bad", c, lambda x: x[..., 0, :], 1)


def test_bad_parameters_are_refused():
    with pytest.raises(NetworkError, match="k = 4"):
        C.at_least(3, 4)
    with pytest.raises(NetworkError, match="table"):
        C.boolean(2, 16)
    with pytest.raises(NetworkError, match="m = 0"):
        C.clock_m(0)
    assert "broken" in C.clock_m(3, Fraction(1, 3)).description
