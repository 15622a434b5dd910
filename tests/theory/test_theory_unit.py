"""The model unit: its decay register, the float model, and the chip against the model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuroemu.engine import make_stimulus, simulate
from neuroemu.mapping import map_network
from neuroemu.theory.batch import map_single, run_trains
from neuroemu.theory.constructions import unit
from neuroemu.theory.unit import decay_fraction, keep_register, model_response, unit_neuron
from neuroemu.theory.verify import enumerate_trains, verify


def test_decay_register_is_exact_at_both_ends():
    assert decay_fraction(0.0) == 1.0 and decay_fraction(math.inf) == 0.0
    assert keep_register(0.0) == 0 and keep_register(math.inf) == 4096
    # h = 1: the tick keeps e^-1 = 0.367879..., the fraction lost is 0.632121 * 4096 = 2589.2
    assert keep_register(1.0) == 4096 - 2589
    # h = 3: e^(-1/3) = 0.716531..., lost 0.283469 * 4096 = 1161.1
    assert keep_register(3.0) == 4096 - 1161
    np.testing.assert_array_equal(keep_register(np.array([0.0, 1.0, np.inf])), [0, 1507, 4096])


def test_unit_neuron_is_the_model_configuration():
    n = unit_neuron(3, h=np.array([0.0, 2.0, np.inf]), threshold=[1, 5, 12])
    assert n.model == "lif" and n.fire_on == ">" and n.reset == "zero" and n.v_min == 0.0
    np.testing.assert_array_equal(n.threshold, [1, 5, 12])
    assert n.decay_v[0] == 1.0 and n.decay_v[2] == 0.0
    assert n.decay_v[1] == pytest.approx(1 - math.exp(-0.5))


def test_model_response_by_hand():
    one = lambda *ts: np.isin(np.arange(6), ts)[None]  # noqa: E731
    # integrator, w = 1/2: potentials 0.5, 1.0 (not > 1), 1.5 -> spike, then restart
    got = model_response(one(0, 1, 2, 3, 4, 5), [0.5], math.inf)
    np.testing.assert_array_equal(got, [0, 0, 1, 0, 0, 1])
    # no memory: two simultaneous 0.6 inputs give 1.2 > 1; one alone never fires
    x = np.zeros((2, 6), bool)
    x[0, [0, 2]] = True
    x[1, [2, 3]] = True
    np.testing.assert_array_equal(model_response(x, [0.6, 0.6], 0.0), [0, 0, 1, 0, 0, 0])
    # h = 2, w = 0.6: after 0, 1 the potential is 0.6 e^-1/2 + 0.6 = 0.964; a third gives 1.185
    np.testing.assert_array_equal(model_response(one(0, 1, 2), [0.6], 2.0), [0, 0, 1, 0, 0, 0])
    # the decay runs over the gap: 0 and 2 give 0.6 e^-1 + 0.6 = 0.82, then 3 gives 1.097
    assert 0.6 * math.exp(-1) + 0.6 < 1 < (0.6 * math.exp(-1) + 0.6) * math.exp(-0.5) + 0.6
    np.testing.assert_array_equal(model_response(one(0, 2, 3), [0.6], 2.0), [0, 0, 0, 1, 0, 0])
    # negative input: the positive part floors the potential at 0 after the sum
    x = np.zeros((2, 6), bool)
    x[1, 0] = True
    x[0, [1, 2, 3]] = True
    np.testing.assert_array_equal(model_response(x, [0.5, -5.0], math.inf), [0, 0, 0, 1, 0, 0])


def _chip_trace(con, train):
    cfg = map_network(con.net, "generic")
    ticks = np.flatnonzero(train)
    res = simulate(cfg, make_stimulus(ticks, np.zeros(ticks.size, np.int64), 1),
                   train.size + 1, probes=[cfg.neurons_of("out").start])
    return res.probe_v[:, 0]


def test_chip_decay_rounds_every_tick_toward_zero():
    """The register follows v <- trunc(v * q) + w each tick, q the 12-bit keep fraction."""
    con = unit([0.3], 3.0, scale=64)  # w -> round(0.3 * 64) = 19; keep 2935 / 4096
    train = np.zeros(12, bool)
    train[:9] = True
    v, want = 0, []
    for t in range(13):
        v = (v * 2935) >> 12  # v >= 0, so >> is truncation toward zero
        if 1 <= t <= 9:  # input instant t - 1 arrives at tick t
            v += 19
        want.append(v)
    np.testing.assert_array_equal(_chip_trace(con, train), want)


def test_chip_departs_from_the_model_near_threshold_and_agrees_with_more_bits():
    """Nine consecutive spikes of w = 0.3 at h = 3 reach P = 1.0053: the model fires.

    With eight or fewer spikes P <= 0.3 (1 - q^8) / (1 - q) = 0.985 < 1, so no train
    with a smaller index (fewer spikes in instants 0..8) can make the model fire. At
    scale 64 the register loses up to one unit (1/64) per tick to rounding and stays
    below threshold; at scale 2**14 the rounding is too small to matter.
    """
    q = math.exp(-1 / 3)
    p9 = 0.3 * (1 - q**9) / (1 - q)
    assert 1.0 < p9 < 1.01 and 0.3 * (1 - q**8) / (1 - q) < 1
    r = verify(unit([0.3], 3.0, scale=64), 12, profile="generic")
    assert r.method == "literal" and r.cases == 4096 and r.mismatches > 0
    assert r.first_failure["train_index"] == 2**9 - 1
    assert r.first_failure["expected"] == [9] and r.first_failure["got"] == []
    assert verify(unit([0.3], 3.0, scale=1 << 14), 12, profile="generic").exact


@pytest.mark.parametrize("h", [0.0, math.inf])
def test_chip_is_exact_for_no_memory_and_for_integrators(h):
    # weights 1/2 and 1/4 are exact at scale 4; no rounding happens at h = 0 or inf
    r = verify(unit([0.5, 0.25], h, scale=4), 6)
    assert r.method == "literal" and r.cases == 4096 and r.exact


def test_the_catalogue_unit_departs_by_per_tick_truncation_alone():
    """What `neuroemu theory verify unit` (w = 0.6, 0.6; h = 2; scale 64) reports, and why.

    On all 65,536 trains of length 8: (1) the chip is exactly the documented register
    recurrence v <- trunc(v * 2484 / 4096) + 38 * inputs, floor 0, fire above 64, reset
    to 0, so the engine is right; (2) the same recurrence without the truncation agrees
    with the float model on every train, even with the rounded weight 38/64 and the
    12-bit keep 2484/4096, so the 272 mismatching trains come from rounding each tick's
    product toward zero (the register loses up to 1/64 of the threshold per tick), the
    departure neuroemu.theory.unit documents. The example is listed as deliberately
    failing (Construction.expect)."""
    con = unit([0.6, 0.6], 2.0, scale=64)
    assert con.expect and keep_register(2.0) == 2484
    x = enumerate_trains(2, 8)
    chip = run_trains([con], [map_single(con, "loihi")], x).outputs[0][:, 1:]

    def register(trunc):
        v = np.zeros(x.shape[0])
        out = np.zeros((x.shape[0], 8), bool)
        for t in range(8):
            v = v * 2484 / 4096
            v = np.maximum((np.trunc(v) if trunc else v) + 38.0 * x[:, :, t].sum(axis=1), 0)
            out[:, t] = v > 64
            v[out[:, t]] = 0
        return out

    model = model_response(x, [0.6, 0.6], 2.0)
    np.testing.assert_array_equal(chip, register(trunc=True))
    np.testing.assert_array_equal(register(trunc=False), model)
    assert int((chip != model).any(axis=1).sum()) == 272
    assert verify(con, 8).mismatches == 272
