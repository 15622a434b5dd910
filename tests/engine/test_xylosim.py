"""Xylo arithmetic against SynSense's bit-accurate simulator ``xylosim`` (the oracle).

Random configurations (input, recurrent and output weights on both synaptic
currents, weight shifts, dashes, thresholds, biases; from one hidden neuron to
the chip's 1000 and 8 outputs) run on random input rasters in xylosim, in the
event engine and in the dense reference: every register (v, i_syn, i_syn2 of
hidden and output neurons) and every spike count must agree at every step.
300 configurations x 200 steps in 10 batches.
"""

from __future__ import annotations

import numpy as np
import pytest
from xylo_configs import N_IN, random_raster, random_spec, run_xylosim, stimulus_of, to_network

from neuroemu.engine.event import run_event
from neuroemu.engine.reference import run_reference
from neuroemu.errors import MappingError
from neuroemu.ir import network as irn
from neuroemu.mapping import map_network

STEPS = 200
BATCHES = 10
PER_BATCH = 30


def _size(rng, batch: int, i: int) -> tuple[int, int]:
    """Hidden and output sizes: mostly small, some medium, the chip's limit in some batches."""
    if i == 0 and batch % 5 == 0:
        return 1000, 8
    if i % 10 == 1:
        return int(rng.integers(100, 400)), int(rng.integers(1, 9))
    return int(rng.integers(1, 64)), int(rng.integers(1, 9))


def _spike_raster(res, n_hidden, n_out, ticks):
    sp = np.zeros((ticks, n_hidden + n_out), np.int64)
    m = res.spike_neuron >= N_IN
    sp[res.spike_tick[m], res.spike_neuron[m] - N_IN] = res.spike_value[m]
    return sp


def _mismatches(res, oracle, h, o, ticks) -> dict:
    """Registers and spikes that differ from xylosim's, counted per record."""
    sp = _spike_raster(res, h, o, ticks)
    pairs = {
        "v": (res.probe_v[:, :h], oracle["v"]), "i_syn": (res.probe_u[:, :h], oracle["u"]),
        "i_syn2": (res.probe_u2[:, :h], oracle["u2"]), "spikes": (sp[:, :h], oracle["spikes"]),
        "v_out": (res.probe_v[:, h:], oracle["v_out"]),
        "i_syn_out": (res.probe_u[:, h:], oracle["u_out"]),
        "spikes_out": (sp[:, h:], oracle["spikes_out"]),
    }
    return {k: int(np.count_nonzero(a != b)) for k, (a, b) in pairs.items()
            if a.shape != b.shape or np.any(a != b)}


@pytest.mark.parametrize("batch", range(BATCHES))
def test_xylosim_agreement(batch):
    pytest.importorskip("xylosim")
    rng = np.random.default_rng(17_000 + batch)
    saturated = multi = 0
    for i in range(PER_BATCH):
        h, o = _size(rng, batch, i)
        spec = random_spec(rng, h, o, max_rec_density=0.3 if h < 500 else 0.03)
        raster = random_raster(rng, STEPS)
        oracle = run_xylosim(spec, raster)
        cfg = map_network(to_network(spec), "xylo")
        probes = np.arange(N_IN, N_IN + h + o)
        for run in (run_event, run_reference):
            res = run(cfg, stimulus_of(raster), STEPS + 1, probes=probes)
            bad = _mismatches(res, oracle, h, o, STEPS + 1)
            assert not bad, f"{run.__name__}, batch {batch} config {i} ({h} hidden): {bad}"
        saturated += int(res.total("overflow_u") + res.total("overflow_v") > 0)
        multi += int(np.any(oracle["spikes"] > 1))
    # the draws reach what is hard to get right: saturation and several spikes a step
    assert saturated >= PER_BATCH // 4 and multi >= PER_BATCH // 4


def test_engines_agree_on_counters(rng):
    """The event engine's counters and first overflow equal the reference's."""
    for _ in range(5):
        h, o = int(rng.integers(1, 80)), int(rng.integers(1, 9))
        cfg = map_network(to_network(random_spec(rng, h, o)), "xylo")
        stim = stimulus_of(random_raster(rng, 120))
        a, b = run_reference(cfg, stim, 121), run_event(cfg, stim, 121)
        for k in a.counters:
            np.testing.assert_array_equal(a.counters[k], b.counters[k], err_msg=k)
            if k in a.per_tick:
                assert a.per_tick[k] == b.per_tick[k], k
        assert a.first_overflow == b.first_overflow
        np.testing.assert_array_equal(a.u2, b.u2)


def test_decay_and_saturation_by_hand():
    """Short sequences derived by hand from the chip's equations."""
    from neuroemu.hw import xylo

    # v = 100, dash 2: 100 - 25 = 75, 75 - 18 = 57; a small value still moves by 1
    v, u, u2, n, _ = xylo.update(np.array([100, 3, -3]), np.zeros(3, np.int64),
                                 np.zeros(3, np.int64), 2, 0, 0, 0, 10_000, 31)
    np.testing.assert_array_equal(v, [75, 2, -2])
    # a current of 30000 on both synapses saturates dv and v; threshold 1000, 31 spikes max
    v, u, u2, n, sat = xylo.update(np.array([0]), np.array([30000]), np.array([30000]),
                                   15, 15, 15, 0, 1000, 31)
    assert (int(u[0]), int(u2[0]), bool(sat[0])) == (29999, 29999, True)
    assert int(n[0]) == 31 and int(v[0]) == 32767 - 31 * 1000
    # dash 0 on v = -32768: -(-32768) wraps to -32768, and v stays at the bottom
    v, *_ = xylo.update(np.array([-32768]), np.zeros(1, np.int64), np.zeros(1, np.int64),
                        0, 0, 0, 0, 1, 31)
    assert int(v[0]) == -32768


def _net(h=4, o=2, n_in=16, **kw):
    hid = irn.neuron("xylo", h, threshold=10, reset="subtract", max_spikes=kw.pop("ms", 31),
                     dash_v=kw.pop("dash_v", 1))
    out = irn.neuron("xylo", o, threshold=10, reset="subtract", max_spikes=kw.pop("ms_out", 1))
    projs = (irn.projection("in", "input", "hidden", "dense", np.ones((h, n_in), int),
                            delay=kw.pop("delay", 1)),
             irn.projection("out", "hidden", "output", "dense", np.ones((o, h), int)))
    return irn.Network("x", (irn.Population("input", (n_in,)), irn.Population("hidden", (h,), hid),
                             irn.Population("output", (o,), out)), projs, input="input",
                       readout=irn.Readout("output"))


@pytest.mark.parametrize("kw, message", [
    (dict(h=1001), "1001 hidden neurons, the chip has 1000"),
    (dict(o=9), "9 output neurons, the chip has 8"),
    (dict(n_in=17), "17 input channels, the chip has 16"),
    (dict(dash_v=16), "4-bit dash holds 0..15"),
    (dict(ms=32), "fire at most 31 a tick"),
    (dict(ms_out=2), "fire at most 1 a tick"),
    (dict(delay=2), "delivers at the next tick (delay 1)"),
])
def test_mapping_refuses_what_the_chip_cannot_hold(kw, message):
    with pytest.raises(MappingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        map_network(_net(**kw), "xylo")


def test_xylo_neurons_need_the_xylo_profile():
    with pytest.raises(MappingError, match="run only on a Xylo profile"):
        map_network(_net(), "loihi")
