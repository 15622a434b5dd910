"""Mutation testing: small changes to the constructions and to the neuron model.

Every mutant is a copy of a construction's integer network with one change:

* a synapse's register weight +1, -1, negated or removed;
* a neuron's threshold +1 or -1;
* a projection's delay +1 or -1;
* a population's neuron model: ``>=`` instead of ``>``, reset by subtraction
  instead of to zero, no floor (no positive part), or the 12-bit decay
  multiplier one step off (``mul_v`` +-1).

Each mutant is verified with the construction's own train length and method
(``verify(mutant)``: window or state search, both covering every train of
every length). The verdict is checked against an independent oracle, the
literal method on every train of a fixed length, and against the original
construction's chip:

* a mutant the literal oracle catches must be caught by verify;
* a mutant verify passes must come with a proof for every length, and its chip
  must give the original's output on every train of the oracle's length (it
  is shown equivalent by exhaustive comparison);
* a mutant verify catches and the oracle does not must fail on a train longer
  than the oracle's, and that train, run alone, must really fail.

The boundary-weight ("tight") constructions have no slack: every weight and
threshold change of one register unit is caught there, except more inhibition
(an inhibitory weight only has to be strong enough: below the floor, more
changes nothing).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from neuroemu.theory import constructions as C
from neuroemu.theory.batch import map_single, run_trains
from neuroemu.theory.verify import enumerate_trains, verify

ORACLE_TRAINS = 1 << 12  # trains of the literal oracle: length 12 for d = 1, 6 for 2, 4 for 3


def _net_with(con, projections=None, populations=None):
    net = con.net
    net = replace(net, projections=tuple(projections if projections is not None
                                         else net.projections),
                  populations=tuple(populations if populations is not None
                                    else net.populations))
    return replace(con, net=net)


def mutants(con):
    """(label, kind, mutated construction) for every one-point change of ``con``."""
    net = con.net
    projs = list(net.projections)
    for i, proj in enumerate(projs):
        for k, w in enumerate(proj.weight.tolist()):
            for label, new in (("+1", w + 1), ("-1", w - 1), ("negated", -w), ("removed", 0)):
                if new == w:
                    continue
                weight = proj.weight.copy()
                weight[k] = new
                changed = projs[:i] + [replace(proj, weight=weight)] + projs[i + 1:]
                kind = "more inhibition" if new < w < 0 else "weight"
                yield f"{proj.name}[{k}] weight {label}", kind, _net_with(con, changed)
        for step in (1, -1):
            if proj.delay + step >= 1:
                changed = projs[:i] + [replace(proj, delay=proj.delay + step)] + projs[i + 1:]
                yield f"{proj.name} delay {step:+d}", "delay", _net_with(con, changed)
    pops = list(net.populations)
    for i, pop in enumerate(pops):
        if pop.neuron is None:
            continue
        nrn = pop.neuron

        def with_neuron(i=i, pop=pop, nrn=nrn, **kw):
            return _net_with(con, populations=pops[:i] + [replace(pop, neuron=replace(nrn, **kw))]
                             + pops[i + 1:])

        for k in range(pop.size):
            for step in (1, -1):
                thr = nrn.threshold.copy()
                thr[k] += step
                if thr[k] >= 1:
                    yield f"{pop.name}[{k}] threshold {step:+d}", "threshold", \
                        with_neuron(threshold=thr)
        yield f"{pop.name} fires on >=", "model", with_neuron(fire_on=">=")
        yield f"{pop.name} resets by subtraction", "model", with_neuron(reset="subtract")
        yield f"{pop.name} has no floor", "model", with_neuron(v_min=None)
        for step in (1, -1):
            decay = nrn.decay_v + step / 4096
            if np.all((decay >= 0) & (decay <= 1)):
                yield f"{pop.name} mul_v {-step:+d}", "model", with_neuron(decay_v=decay)


def _outputs(con, x):
    return run_trains([con], [map_single(con, "loihi")], x).outputs[0]


def _check(con):
    """Verify every mutant of ``con`` against the oracle; return the tallies."""
    d = con.d
    t_lit = max(1, int(np.log2(ORACLE_TRAINS)) // d)
    x = enumerate_trains(d, t_lit)
    original = _outputs(con, x)
    caught, equivalent = [], []
    for label, kind, mut in mutants(con):
        r = verify(mut)
        lit = verify(mut, t_lit, method="literal")
        where = f"{con.name}: {label}"
        if lit.mismatches:
            assert r.mismatches, where
        if r.mismatches:
            caught.append((label, kind))
            if not lit.mismatches:
                f = r.first_failure
                train = np.array(f["input"], dtype=bool)[None]
                assert train.shape[-1] > t_lit, where
                bad = _outputs(mut, train)[0]
                want = np.zeros_like(bad)
                want[mut.delay:] = mut.target(train)[0]
                assert not np.array_equal(bad, want), where
        else:
            assert r.all_lengths and r.exhaustive, where
            np.testing.assert_array_equal(_outputs(mut, x), original, err_msg=where)
            equivalent.append((label, kind))
    return caught, equivalent


TIGHT = [C.and_(3, tight=True), C.at_least(3, 2, tight=True), C.and_not(tight=True),
         C.clock_m(3, tight=True), C.clear(3)]


@pytest.mark.parametrize("con", TIGHT, ids=lambda c: c.name)
def test_tight_constructions_catch_every_unit_change(con):
    caught, equivalent = _check(con)
    slack = [label for label, kind in equivalent if kind in ("weight", "threshold")]
    assert slack == [], slack


def test_model_changes_are_caught_where_the_model_decides():
    """Strictness by the tight units, the positive part by the clear, reset by the counter."""
    caught = {}
    for con in TIGHT + [C.clock_m(5)]:
        caught[con.name] = {label for label, _ in _check(con)[0]}
    assert "out fires on >=" in caught["and3-tight"]
    assert "out fires on >=" in caught["clock3-tight"]
    assert "out has no floor" in caught["clear3"]
    assert "out resets by subtraction" in caught["clock5"]  # only after the 9th spike
    assert "out mul_v -1" in caught["clock3-tight"]  # an integrator that leaks


def test_mid_interval_slack_is_shown_equivalent():
    """CLOCK_5 at the midpoint: weight 9 against threshold 40 leaves room, and a
    comparison >= never meets a sum equal to 40; both are equivalent mutants."""
    caught, equivalent = _check(C.clock_m(5))
    labels = {label for label, _ in equivalent}
    assert {"out fires on >=", "out[0] threshold +1", "out[0] threshold -1"} <= labels
    assert "in->out[0] weight negated" in {label for label, _ in caught}


@pytest.mark.slow
@pytest.mark.parametrize("con", [C.identity(), C.not_(), C.xor(), C.xor("delay"),
                                 C.boolean(3, 0x96), C.exactly_one(2, 2), C.parity(3),
                                 C.memory_table(1, 4, 0x6996, "split"),
                                 C.compose(C.clock_m(2), [C.xor()])],
                         ids=lambda c: c.name)
def test_every_mutant_of_the_other_constructions(con):
    """The same check on the rest of the catalogue (about a minute)."""
    caught, equivalent = _check(con)
    assert caught
