"""Exhaustive verification on the emulated chip, and the machinery that makes it fast."""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import product

import numpy as np
import pytest

from neuroemu.engine import make_stimulus, simulate
from neuroemu.errors import NeuroemuError
from neuroemu.hw import load_profile
from neuroemu.mapping import map_network
from neuroemu.theory import constructions as C
from neuroemu.theory.batch import map_single, run_trains
from neuroemu.theory.circuit import Construction
from neuroemu.theory.constructions import unit
from neuroemu.theory.verify import de_bruijn, enumerate_trains, forgets, verify


def test_de_bruijn_contains_every_window_once():
    for k, n in [(2, 5), (4, 3), (8, 2), (3, 1)]:
        seq = de_bruijn(k, n)
        assert seq.size == k**n + n - 1
        wins = [tuple(seq[i:i + n]) for i in range(k**n)]
        assert sorted(wins) == sorted(product(range(k), repeat=n))


def test_train_numbering():
    x = enumerate_trains(2, 3, 5, 6)[0]  # 5 = bits 0 and 2: input 0 at instants 0 and 2
    np.testing.assert_array_equal(x, [[1, 0, 1], [0, 0, 0]])
    x = enumerate_trains(2, 3, 8, 9)[0]  # bit 3 = input 1 at instant 0
    np.testing.assert_array_equal(x, [[0, 0, 0], [1, 0, 0]])


def _alone(con, train, engine="event"):
    """Output of ``con`` for one train, in a run of its own (no batching, no reset)."""
    cfg = map_network(con.net, "loihi")
    d, n_t = train.shape
    j, t = np.nonzero(train)
    if con.clock:
        j = np.concatenate([j, np.full(n_t, d)])
        t = np.concatenate([t, np.arange(n_t)])
    res = simulate(cfg, make_stimulus(t, j, con.n_inputs), n_t + con.delay, engine=engine)
    out = np.zeros(n_t + con.delay, bool)
    out[res.spikes_of("out")[0]] = True
    return out


@pytest.mark.parametrize("con", [C.xor(), C.clock_m(3), C.exactly_one(2, 3), C.not_(),
                                 C.compose(C.clock_m(2), [C.xor()])],
                         ids=lambda c: c.name)
def test_batched_runs_equal_runs_of_one_train(con, rng):
    x = rng.random((23, con.d, 7)) < 0.5
    cfg = map_single(con, "loihi")
    # 3 copies side by side, 8 trains in a row on each (periodic reset between trains)
    got = run_trains([con], [cfg], x, copies=3).outputs[0]
    for n in range(x.shape[0]):
        np.testing.assert_array_equal(got[n], _alone(con, x[n]), err_msg=f"train {n}")
    for n in range(3):
        np.testing.assert_array_equal(got[n], _alone(con, x[n], engine="reference"))


def test_xor_exhaustive_T8():
    r = verify(C.xor(), 8)
    assert (r.method, r.cases, r.covers, r.mismatches) == ("literal", 2**16, 2**16, 0)
    assert r.exhaustive and r.exact and (r.neurons, r.weights) == (4, 7)


@pytest.mark.parametrize("m", [2, 3, 4, 5])
def test_clock_m_exhaustive_T8(m):
    r = verify(C.clock_m(m), 8)
    assert (r.method, r.cases, r.mismatches) == ("literal", 256, 0)


def test_all_boolean_functions_of_3_inputs_T8():
    cons = [C.boolean(3, t) for t in range(256)]
    r = verify(cons, 8)
    assert r.method == "window" and r.exhaustive and r.functions == 256
    assert r.covers == 2**24 and r.window == 2 and r.all_lengths
    # the output at tick τ reads instant τ - 2 only (every path and the clock's take 2
    # ticks): one de Bruijn train of the 8 patterns of one instant, no short trains
    assert r.cases == 1 and "one de Bruijn train of 8 instants" in r.note
    assert r.mismatches == 0 and r.failing_functions == []


def test_finite_memory_exhaustive_T8():
    for con in (C.exactly_one(3, 3), C.finite_memory(3, 3, C.exactly_one_in_window),
                C.exactly_one(3, 3, "skip")):
        r = verify(con, 8)
        assert r.method == "window" and r.exhaustive and r.covers == 2**24, con.name
        assert r.exact, con.name


def test_window_method_agrees_with_literal_on_broken_constructions():
    """Two-bit weights break many minterms; both methods must find the same functions."""
    prof = load_profile("loihi").with_registers(w_bits=2)
    cons = [C.boolean(3, t) for t in range(256)]
    lit = verify(cons, 3, method="literal", profile=prof, scale=1.0)
    win = verify(cons, 8, method="window", profile=prof, scale=1.0)
    assert lit.method == "literal" and lit.cases == 2**9
    assert lit.failing_functions and lit.failing_functions == win.failing_functions


def test_window_method_catches_delay_misalignment():
    # inputs straight to the output (delay 1), AND's inhibition a tick later (delay 2)
    for method in ("literal", "window"):
        r = verify(C.xor("naive"), 8 if method == "window" else 4, method=method)
        assert r.mismatches > 0, method
    r = verify(C.xor("naive"), 4, method="literal")
    # train 1: input 0 spikes at instant 0; excitation fires the output at tick 1, the
    # target (shifted by 2) wants tick 2
    f = r.first_failure
    assert (f["train_index"], f["expected"], f["got"]) == (1, [2], [1])


@pytest.mark.parametrize("m", [3, 4, 5])
def test_weight_outside_the_clock_interval_is_caught(m):
    # w = 1/m: m spikes give exactly 1, not > 1, so the unit fires at the (m+1)-th spike.
    # The first train with m spikes is 2**m - 1 (instants 0..m-1); the output was due at
    # tick m (instant m - 1 plus the delay 1).
    r = verify(C.clock_m(m, Fraction(1, m)), 8)
    f = r.first_failure
    assert r.mismatches > 0 and (f["train_index"], f["expected"], f["got"]) == (
        2**m - 1, [m], [])
    # w just above 1/(m-1): it fires at the (m-1)-th spike, first seen in train 2**(m-1) - 1
    # (scale 1000 needs the 16-bit weights of the generic profile)
    r = verify(C.clock_m(m, Fraction(1, m - 1) + Fraction(1, 1000)), 8, profile="generic")
    f = r.first_failure
    assert (f["train_index"], f["expected"], f["got"]) == (2**(m - 1) - 1, [], [m - 1])


def test_method_choice_and_honest_counts():
    ok, why = forgets(map_single(C.clock_m(3), "loihi"))
    assert not ok and "keeps part of v" in why
    assert forgets(map_single(C.xor(), "loihi"))[0]
    r = verify(C.clock_m(3), 30)  # 2**30 trains, unbounded memory, a declared state
    assert (r.method, r.exhaustive, r.all_lengths, r.mismatches) == ("states", True, True, 0)
    r = verify(C.clock_m(3), 30, samples=500, method="random")
    assert (r.method, r.cases, r.covers, r.exhaustive) == ("random", 500, 500, False)
    assert r.mismatches == 0
    r = verify(unit([0.5, 0.25], math.inf, scale=4), 30, samples=500)  # no declared state
    assert (r.method, r.cases, r.exhaustive) == ("random", 500, False)
    assert "declares no state" in r.note
    with pytest.raises(NeuroemuError, match="window method does not apply"):
        verify(C.clock_m(3), 30, method="window")


def test_wrong_declared_memory_is_not_trusted():
    con = C.exactly_one(2, 3)
    lying = Construction(**{**con.__dict__, "memory": 1})
    with pytest.raises(NeuroemuError, match="more than its memory"):
        verify(lying, 8, method="window")


def test_construction_that_does_not_map():
    prof = load_profile("loihi").with_registers(w_bits=2)
    r = verify(C.clock_m(3), 4, profile=prof)  # integer weight 5 needs 4 bits
    assert not r.exact and r.mapping_error and "does not fit" in r.mapping_error


def test_all_boolean_functions_literally_for_short_trains():
    """Every train of length 4 (4096 per function), each from the initial state."""
    r = verify([C.boolean(3, t) for t in range(256)], 4, method="literal")
    assert (r.cases, r.functions, r.mismatches) == (4096, 256, 0)


@pytest.mark.slow
def test_majority_literally_all_2_24_trains():
    """The window argument's claim, checked literally for one function (~35 s)."""
    r = verify(C.boolean(3, 0xE8), 8, method="literal")
    assert (r.cases, r.mismatches) == (2**24, 0)


@pytest.mark.slow
def test_exactly_one_literally_all_2_24_trains():
    """The finite-memory construction on all 2**24 trains of length 8 (~150 s)."""
    r = verify(C.exactly_one(3, 3), 8, method="literal")
    assert (r.cases, r.mismatches) == (2**24, 0)


def _random_clocked_circuit(rng, i):
    """Two inputs and a clock: XOR with a clock added, or random h = 0 units and delays."""
    from neuroemu.theory.circuit import Circuit, make

    xor = lambda x: np.asarray(x, bool)[..., 0, :] ^ np.asarray(x, bool)[..., 1, :]  # noqa: E731
    c = Circuit(d=2, clock=True)
    if i % 2:  # XOR with inputs at delay 2, and a weak clock at a random delay: still XOR
        c.unit("and", "and")
        c.unit("o", "out")
        for j in range(2):
            c.connect(j, "and", Fraction(2, 3))
            c.connect(j, "o", 2, delay=2)
        c.connect("and", "o", -4)
        c.connect(2, "o", Fraction(-1, 2), delay=int(rng.integers(1, 4)))
        return make(f"xor-clock{i}", c, xor, 1, check_layered=False, delay=2)
    c.unit("a", "hidden")
    c.unit("b", "hidden")
    c.unit("o", "out")
    for dst, srcs in (("a", [0, 1, 2]), ("b", [0, 1, 2]), ("o", [0, 1, 2, "a", "b"])):
        for s in srcs:
            if rng.random() < 0.7:
                c.connect(s, dst, Fraction(int(rng.integers(-3, 4)), 2),
                          delay=int(rng.integers(1, 3)))
    return make(f"random{i}", c, xor, 1, check_layered=False, delay=int(rng.integers(1, 4)))


def test_window_method_equals_literal_on_random_clocked_circuits(rng):
    """Clocks at other delays than the output's, inputs faster than the output delay:
    whichever short trains the window plan runs, its verdict equals the literal one on
    trains longer than its window."""
    agree = {True: 0, False: 0}
    shorts = set()
    for i in range(40):
        con = _random_clocked_circuit(rng, i)
        win = verify(con, 8, method="window")
        lit = verify(con, win.window + 2, method="literal")
        assert (win.mismatches > 0) == (lit.mismatches > 0), (i, win.note)
        agree[win.exact] += 1
        shorts.add(win.cases > 1)
    assert agree[True] and agree[False] and shorts == {True, False}  # every branch ran


def test_window_plan_runs_the_prefix_trains_an_early_input_needs():
    """Inputs that reach the output a tick before its delay, a clock exactly at it: the
    ticks before the delay see the first instant with the clock off, so the 4 trains of
    one instant are run besides the de Bruijn train.

    Here the output at τ gets 2 x0(τ-1) + 4 x1(τ-2) - 2 clock(τ-2) against threshold 1:
    with the clock on it is x1(τ-2) whatever x0 does, but at tick 1 (clock off) x0 at
    instant 0 fires it. Only the short trains can show that."""
    from neuroemu.theory.circuit import Circuit, make

    c = Circuit(d=2, clock=True)
    c.unit("o", "out")
    c.connect(0, "o", 2, delay=1)
    c.connect(1, "o", 4, delay=2)
    c.connect(2, "o", -2, delay=2)
    con = make("early", c, lambda x: np.asarray(x, bool)[..., 1, :], 1, check_layered=False,
               delay=2)
    win = verify(con, 8, method="window")
    assert win.cases == 1 + 4 and "all 4 trains of length 1" in win.note
    lit = verify(con, win.window + 2, method="literal")
    assert win.mismatches == 2 and lit.mismatches > 0  # trains 1 and 3: x0 at instant 0
    assert win.first_failure["case"] == "train of length 1"
    assert (win.first_failure["train_index"], win.first_failure["got"]) == (1, [1])
