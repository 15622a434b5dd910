"""The seeds' neuron features on the fixed-point engine against float loops of their equations.

Each test drives one population through a dense projection from random input
spikes and compares the engine (generic profile: 32-bit membrane, so the
fixed-point error is ~1e-6 of the threshold) with a plain float loop of the
published equations: spikes must be identical, membranes equal to 1e-4.
"""

from __future__ import annotations

import numpy as np
import pytest

from neuroemu.convert.ann import ConversionError
from neuroemu.convert.neurons import clif, imp_lif, klif, lif_reset_to
from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, projection
from neuroemu.mapping import map_network
from neuroemu.mapping.quantize import round_half_away
from neuroemu.networks.network_h5 import read_network, write_network

PROFILE = load_profile("generic")
N_IN, N, T = 6, 5, 40


def network(nrn, w, readout="count"):
    return Network("seed", (Population("in", (N_IN,)), Population("p", (N,), nrn)),
                   (projection("w", "in", "p", "dense", w),), input="in",
                   readout=Readout("p", readout))


def drive(rng):
    """Random input spikes (T, N_IN) and the per-tick input X[t] they give (delay 1)."""
    s = rng.random((T, N_IN)) < 0.4
    tick, chan = np.nonzero(s)
    return make_stimulus(tick, chan, N_IN), s


def inputs(s, w):
    x = np.zeros((T, N))
    x[1:] = s[:-1].astype(float) @ w.T  # a spike at t arrives at t + 1
    return x


def run(net, stim):
    cfg = map_network(net, PROFILE)
    sl = cfg.neurons_of("p")
    res = simulate(cfg, stim, T, probes=np.arange(sl.start, sl.stop))
    scale = cfg.quantization.scales["p"]
    spikes = np.zeros((T, N), np.int64)
    tick, who, val = res.spikes_of("p")
    spikes[tick, who] = val
    assert res.total("overflow_v") == 0, "the membrane left the register: rescale the test"
    return res, spikes, res.probe_v / scale, cfg


def check(spikes, v, ref_spikes, ref_v, margin):
    assert margin > 1e-4, "test data too close to the threshold for a float comparison"
    np.testing.assert_array_equal(spikes, ref_spikes)
    np.testing.assert_allclose(v, ref_v, atol=1e-4)


def test_learnable_initial_membrane_is_stored_quantized_and_run(tmp_path, rng):
    """Per-neuron V[0] (IMP): kept in net.h5, quantized as round(v_init S), LIF from there."""
    tau, theta = 4.0, 1.0
    v0 = rng.uniform(-0.5, 0.9, N)
    w = rng.uniform(-0.3, 0.6, (N, N_IN))
    net = network(imp_lif(N, v0, threshold=theta, tau=tau, reset="subtract"), w)
    write_network(tmp_path / "imp.h5", net)
    back, _ = read_network(tmp_path / "imp.h5")
    np.testing.assert_array_equal(back.population("p").neuron.v_init, v0)
    cfg = map_network(back, PROFILE)
    S = cfg.quantization.scales["p"]
    np.testing.assert_array_equal(cfg.v_init[cfg.neurons_of("p")], round_half_away(v0 * S))

    stim, s = drive(rng)
    x = inputs(s, w)
    V, ref_s, ref_v, margin = v0.copy(), np.zeros((T, N), np.int64), np.zeros((T, N)), np.inf
    for t in range(T):
        V = V * (1 - 1 / tau) + x[t]
        margin = min(margin, np.min(np.abs(V - theta)))
        fire = V >= theta
        V = V - theta * fire
        ref_s[t], ref_v[t] = fire, V
    _, spikes, v, _ = run(back, stim)
    check(spikes, v, ref_s, ref_v, margin)


@pytest.mark.parametrize("reset", ["zero", "subtract"])
def test_klif_matches_its_equations(rng, reset):
    """KLIF: H = V - V/τ + X, F = ReLU(k H), S = [F >= θ], V = F(1-S) or F - Sθ."""
    tau, theta = 2.0, 1.0
    k = np.array([0.5, 0.75, 1.0, 1.25, 1.5])
    w = rng.uniform(-0.6, 0.45, (N, N_IN))
    nrn, factor = klif(N, tau, k, threshold=theta, reset=reset)
    assert factor == 1.0
    stim, s = drive(rng)
    x = inputs(s, w)
    V, ref_s, ref_v, margin = np.zeros(N), np.zeros((T, N), np.int64), np.zeros((T, N)), np.inf
    for t in range(T):
        H = V - V / tau + x[t]
        F = np.maximum(k * H, 0.0)
        margin = min(margin, np.min(np.abs(F - theta)))
        S = F >= theta
        V = F * (1 - S) if reset == "zero" else F - S * theta
        ref_s[t], ref_v[t] = S, V
    _, spikes, v, _ = run(network(nrn, w), stim)
    assert ref_s.sum() > 0 and (ref_v == 0).any()  # fires, and the ReLU floor is reached
    check(spikes, v, ref_s, ref_v, margin)


def test_klif_decay_input_folds_into_the_weights():
    _, factor = klif(3, 4.0, 1.0, decay_input=True)
    assert factor == 0.25


@pytest.mark.parametrize("kind", ["last_membrane", "mean_membrane"])
def test_lts_and_mean_membrane_readouts(rng, kind):
    """LTS = V after the last tick; mean membrane = mean over ticks of V (after reset)."""
    tau, theta = 2.0, 1.0
    w = rng.uniform(-0.4, 0.7, (N, N_IN))
    nrn = imp_lif(N, 0.0, threshold=theta, tau=tau, reset="zero")
    stim, s = drive(rng)
    x = inputs(s, w)
    V, vs = np.zeros(N), []
    for t in range(T):
        V = V * (1 - 1 / tau) + x[t]
        V = np.where(V >= theta, 0.0, V)
        vs.append(V)
    res, _, _, _ = run(network(nrn, w, readout=kind), stim)
    cls, values = res.readout()
    ref = vs[-1] if kind == "last_membrane" else np.mean(vs, axis=0)
    np.testing.assert_allclose(values, ref, atol=1e-4)
    assert cls == int(np.argmax(values))


def test_lif_with_hard_reset_to_a_negative_value(rng):
    """CLIF-trained nets deploy as LIF resetting to v_r < 0: shifted register, same spikes."""
    tau, theta, v_r = 2.0, 1.0, -0.06
    w = rng.uniform(-0.3, 0.8, (N, N_IN))
    stim, s = drive(rng)
    x = inputs(s, w)
    V, ref_s, ref_v, margin = np.zeros(N), np.zeros((T, N), np.int64), np.zeros((T, N)), np.inf
    for t in range(T):
        V = V * (1 - 1 / tau) + x[t]
        margin = min(margin, np.min(np.abs(V - theta)))
        fire = V >= theta
        V = np.where(fire, v_r, V)
        ref_s[t], ref_v[t] = fire, V
    _, spikes, v, _ = run(network(lif_reset_to(N, v_r, tau, threshold=theta), w), stim)
    assert ref_s.sum() > 0
    check(spikes, v + v_r, ref_s, ref_v, margin)


def test_clif_is_refused_with_the_reason():
    with pytest.raises(ConversionError, match="sigmoid.*lif_reset_to"):
        clif(4)
