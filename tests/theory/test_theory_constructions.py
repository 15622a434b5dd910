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


def _naive_path_delays(c):
    """(shortest, longest) input-to-output delay by plain recursion over the synapse list."""
    syn = c.synapses

    def span(name):
        lo, hi = float("inf"), float("-inf")
        for s in syn:
            if s.dst == name:
                a, b = (s.delay, s.delay) if isinstance(s.src, int) else (
                    span(s.src)[0] + s.delay, span(s.src)[1] + s.delay)
                lo, hi = min(lo, a), max(hi, b)
        return lo, hi

    return span(c.output)


def test_path_delays_equal_the_naive_recursion(rng):
    for _ in range(30):
        c = Circuit(d=2)
        names = [c.unit(f"u{i}", f"p{i}") for i in range(5)] + [c.unit("o", "out")]
        for i, dst in enumerate(names):
            for src in [0, 1] + names[:i]:
                if rng.random() < 0.4:
                    c.connect(src, dst, 1, delay=int(rng.integers(1, 4)))
        if c.n_synapses and any(s.dst == "o" for s in c.synapses):
            lo, hi = _naive_path_delays(c)
            if lo != float("inf"):
                assert c.path_delays() == (lo, hi)


def test_path_delays_of_a_long_chain_and_a_loop():
    c = Circuit(d=1)
    prev = 0
    for i in range(5000):  # the recursive version stopped at Python's recursion limit
        prev = c.unit(f"s{i}", "out" if i == 4999 else f"p{i}")
        c.connect(0 if i == 0 else f"s{i - 1}", prev, 2, delay=1 + i % 2)
    assert c.path_delays() == (7500, 7500)
    c = Circuit(d=1)
    c.unit("a", "p")
    c.unit("o", "out")
    c.connect(0, "a", 2)
    c.connect("a", "o", 2)
    c.connect("o", "a", 2)
    with pytest.raises(NetworkError, match="on a loop"):
        c.path_delays()


def test_connect_many_equals_connect():
    a, b = Circuit(d=2), Circuit(d=2)
    for c in (a, b):
        c.unit("h", "hid")
        c.unit("o", "out")
    for src, dst, w, dl in ((0, "h", Fraction(2, 3), 1), (1, "h", Fraction(-4, 6), 2),
                            ("h", "o", 2, 1)):
        a.connect(src, dst, w, dl)
    b.connect_many([b.code(0), b.code(1), b.code("h")], [b.index("h"), b.index("h"),
                   b.index("o")], [2, -4, 2], [3, 6, 1], [1, 2, 1])
    assert a.synapses == b.synapses and a.scales() == b.scales() == {"h": 3, "o": 1}
    for pa, pb in zip(a.network("x").projections, b.network("x").projections):
        assert pa.name == pb.name
        np.testing.assert_array_equal(pa.weight, pb.weight)
    with pytest.raises(NetworkError, match="not there"):
        b.connect_many([b.code(0)], [7], 1, 1, 1)


def test_float_weights_round_half_away_at_a_given_scale():
    # Fraction(0.3) has a 2**54 denominator: S * w must not overflow int64
    con = C.unit([0.3, -0.3], 3.0, scale=1 << 14)
    np.testing.assert_array_equal(next(iter(con.net.projections)).weight, [4915, -4915])


def test_tight_variants_sit_on_the_interval_ends():
    con = C.at_least(3, 2, tight=True)  # w = 1: two inputs 2 > 1, one input 1 = threshold
    np.testing.assert_array_equal(con.net.population("out").neuron.threshold, [1])
    np.testing.assert_array_equal(_weights(con, "in->out").weight, [1, 1, 1])
    con = C.clock_m(4, tight=True)  # w = 1/3: threshold 3, weight 1
    np.testing.assert_array_equal(con.net.population("out").neuron.threshold, [3])
    np.testing.assert_array_equal(_weights(con, "in->out").weight, [1])
    con = C.clear(3)  # threshold 2, +1 and -3
    np.testing.assert_array_equal(con.net.population("out").neuron.threshold, [2])
    np.testing.assert_array_equal(_weights(con, "in->out").weight, [1, -3])
    np.testing.assert_array_equal(_weights(C.and_not(True), "in->out").weight, [2, -1])


def test_clear_target_by_hand():
    x = np.zeros((2, 12), bool)
    x[0, [0, 1, 3, 4, 5, 6, 8, 9, 10]] = True
    x[1, [3, 8]] = True  # clears; x0 at a clearing instant does not count
    # counts: 0 ->1, 1 ->2, 3 clear, 4 ->1, 5 ->2, 6 ->3 fire, 8 clear, 9 ->1, 10 ->2
    np.testing.assert_array_equal(np.flatnonzero(C.clear(3).target(x)), [6])
    np.testing.assert_array_equal(C.clear(3).state(x), [1, 2, 2, 0, 1, 2, 0, 0, 0, 1, 2, 2])


def test_truth_table_layout_and_random_tables():
    # one input, memory 3: bit j*m + k of the pattern is instant t - 2 + k
    fn = C.table_function(1, 3, 1 << 0b100)  # true only when the current instant alone spiked
    win = np.zeros((3, 1, 3), bool)
    win[0, 0, 2] = True
    win[1, 0, 0] = True
    win[2, 0, [0, 2]] = True
    np.testing.assert_array_equal(fn(win), [True, False, False])
    assert C.random_table(10, 3) == C.random_table(10, 3) != C.random_table(10, 4)
    assert bin(C.random_table(10, 3)).count("1") in range(400, 624)
    with pytest.raises(NetworkError, match="truth table"):
        C.table_bits(1 << 16, 4)


@pytest.mark.parametrize("table, neurons, weights", [
    (0x6996, 1 + 4 + 4 + 4, 4 * 2 + 4 * 2 + 2 + 4 * 3 + 4),  # parity of 4 window bits
    (0xFFFF, 1 + 4 + 0 + 4, 4 * 2 + 1 + 4 + 4),  # always true: selects are SKIPs of A
    (0x0000, 1, 0),
])
def test_split_sizes(table, neurons, weights):
    """n = 4, a = b = 2 bits. Parity: each A pattern wants the two B patterns of the
    other parity (half: positive form, A + 2 B edges); all four A and B minterms."""
    con = C.memory_table(1, 4, table, "split")
    assert (con.neurons, con.weights, con.delay) == (neurons, weights, 3)
