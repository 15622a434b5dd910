"""Plain QCFS conversion: exact for one layer with constant input and T = L, not beyond."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from neuroemu.convert.ann import ANN, Layer
from neuroemu.convert.qcfs import pascal, qcfs_snn
from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.mapping import map_network

PROFILE = load_profile("generic")


def current_input(sample, T: int):
    """The data value as a graded spike on every tick 0..T-1 (constant current)."""
    chan = np.flatnonzero(sample)
    return make_stimulus(np.repeat(np.arange(T), chan.size), np.tile(chan, T), len(sample),
                         value=np.tile(np.asarray(sample)[chan], T))


def window_counts(res, pop: str, start: int, T: int) -> np.ndarray:
    """Net spikes of ``pop`` fired in its window, ticks start .. start + T - 1."""
    tick, who, val = res.spikes_of(pop)
    sl = res.config.neurons_of(pop)
    out = np.zeros(sl.stop - sl.start, np.int64)
    keep = (tick >= start) & (tick < start + T)
    np.add.at(out, who[keep], val[keep])
    return out


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_in=st.integers(1, 6), n_h=st.integers(1, 6),
       L=st.sampled_from([1, 2, 4, 8]), lam_exp=st.integers(-1, 3), bits=st.integers(0, 3))
def test_single_layer_constant_input_T_equals_L_is_exact(seed, n_in, n_h, L, lam_exp, bits):
    """One QCFS layer, constant current x for T = L ticks, v(0) = θ/2: count = QCFS activation.

    Per tick the neuron receives I = W x + b (in thresholds θ = λ: I/θ = z/λ). With
    one spike per tick and reset by subtraction, while 0 <= I <= θ the count after t
    ticks is floor(1/2 + t I/θ); at t = L that is floor(z L/λ + 1/2). I > θ fires
    every tick (count L = the clip) and I < 0 never fires (count 0 = the clip).
    """
    rng = np.random.default_rng(seed)
    w = rng.integers(-8, 9, (n_h, n_in)) / 2.0**bits
    b = rng.integers(-8, 9, n_h) / 2.0**bits
    lam = 2.0**lam_exp
    ann = ANN((n_in,), (Layer("dense", weight=w, bias=b), Layer("qcfs", threshold=lam, levels=L),
                        Layer("dense", weight=np.ones((1, n_h)))), input_scale=0.5)
    net, ref = qcfs_snn(ann, PROFILE, ticks=L)
    assert all(ref.exact)
    cfg = map_network(net, PROFILE)
    for x in rng.integers(-4, 12, (3, n_in)):
        z = w @ (x * 0.5) + b
        expected = np.clip(np.floor(z * L / lam + 0.5), 0, L).astype(np.int64)
        res = simulate(cfg, current_input(x, L), L + 2)
        np.testing.assert_array_equal(window_counts(res, "h1", 1, L), expected)


def counterexample_ann() -> ANN:
    """Two inputs of 1/4 each drive two QCFS neurons (λ = 1, L = 2) that feed one more."""
    return ANN((2,), (
        Layer("dense", weight=np.eye(2), bias=np.zeros(2)),
        Layer("qcfs", threshold=1.0, levels=2),
        Layer("dense", weight=np.array([[1.0, 1.0]]), bias=np.zeros(1)),
        Layer("qcfs", threshold=1.0, levels=2),
        Layer("dense", weight=np.ones((1, 1))),
    ), input_scale=0.25)


def test_multilayer_qcfs_counterexample():
    """Plain QCFS is not exact beyond one layer: two inputs of 1/4, L = T = 2, weights (1, 1).

    ANN: layer 1 gets z = 1/4, so n1 = floor(1/4 * 2 + 1/2) = 1 and a1 = 1/2 for each
    of the two neurons; layer 2 gets z = 1/2 + 1/2 = 1, n2 = floor(1 * 2 + 1/2) = 2,
    a2 = 1.

    SNN (threshold θ = λ = 1, v(0) = 1/2, reset by subtraction, T = 2 ticks per
    layer): each layer-1 neuron integrates 1/4 per tick, v = 3/4 then 1, so it fires
    once, on its second tick. Layer 2 therefore receives nothing on its first tick
    and both spikes (worth λ = 1 each) on its second: v = 1/2, then 1/2 + 2 = 5/2 >= 1,
    one spike (at most one per tick), v = 3/2, and the window is over. Count 1, rate
    1/2, while the ANN says 1: the input arrived unevenly (all at the end), and a
    neuron that may fire once per tick cannot catch up in T = L ticks. Layer 1 alone
    is exact (constant input).

    In register units (θ = L D = 4, D = 2): layer 1 gets current 1 per tick from
    v(0) = 2, layer 2 gets weights 4 per spike.
    """
    ann = counterexample_ann()
    net, ref = qcfs_snn(ann, PROFILE, ticks=2)
    assert ref.D[:2] == [2, 2]
    np.testing.assert_array_equal(net.population("h1").neuron.threshold, [4, 4])
    cfg = map_network(net, PROFILE)
    res = simulate(cfg, current_input(np.array([1, 1]), 2), 2 + 3)
    np.testing.assert_array_equal(window_counts(res, "h1", 1, 2), [1, 1])  # exact
    np.testing.assert_array_equal(window_counts(res, "h2", 2, 2), [1])     # ANN: 2
    tick, _, _ = res.spikes_of("h1")
    np.testing.assert_array_equal(tick, [2, 2])  # layer 1 fires on its second tick

    # PASCAL on the same ANN: the reverse-spike neuron with enough ticks gets n2 = 2
    pnet, pref = pascal(ann, PROFILE)
    pcfg = map_network(pnet, PROFILE)
    stim = make_stimulus(np.zeros(2, np.int64), np.arange(2), 2, value=np.array([1, 1]))
    pres = simulate(pcfg, stim, sum(pref.levels) + 2)
    np.testing.assert_array_equal(pres.count[pcfg.neurons_of("h2")], [2])
