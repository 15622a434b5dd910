"""Rate-coded conversion: max-norm scaling and the L4-norm noise correction's derivation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from neuroemu.convert import ANN, Layer, convert, load_ann
from neuroemu.convert.evaluate import load_dataset
from neuroemu.convert.ratecode import l4_sigma, spurious_count
from neuroemu.engine import make_stimulus, simulate
from neuroemu.hw import load_profile
from neuroemu.ir import Network, Population, Readout, neuron, projection
from neuroemu.mapping import map_network

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("w, T", [(0.25, 64), (0.125, 64), (0.25, 16)])
def test_spurious_count_of_a_driftless_neuron_on_the_engine(w, T):
    """c(σ√T) predicts the mean count of an IF neuron whose drive has zero mean.

    Two Poisson inputs of rate 1/2 with weights +w and -w: per-tick drive of mean 0
    and variance 2 w² (1/2)(1/2) = w²/2. Threshold 1, reset by subtraction, v(0) = 0.
    """
    net = Network("walk", (Population("in", (2,)),
                           Population("p", (1,), neuron("if", 1, threshold=1.0,
                                                        reset="subtract"))),
                  (projection("w", "in", "p", "dense", np.array([[w, -w]])),), input="in",
                  readout=Readout("p", "count"))
    cfg = map_network(net, load_profile("generic"))
    rng = np.random.default_rng(7)
    counts = []
    for _ in range(1000):
        tick, chan = np.nonzero(rng.random((T, 2)) < 0.5)
        counts.append(simulate(cfg, make_stimulus(tick, chan, 2), T + 1).count[-1])
    predicted = float(spurious_count(np.sqrt(w * w / 2) * np.sqrt(T)))
    se = np.std(counts) / np.sqrt(len(counts))
    assert abs(np.mean(counts) - predicted) < 4 * se + 0.01


def test_spurious_count_limits():
    assert spurious_count(0.0) == 0.0
    assert spurious_count(0.2) < 1e-6  # the walk never reaches one threshold
    # for large s the count grows like E[max W_t] = s sqrt(2/π) (minus about 1/2)
    s = 40.0
    assert abs(spurious_count(s) - (s * np.sqrt(2 / np.pi) - 0.5)) < 0.05


def test_l4_bound_dominates_the_membrane_deviation(rng):
    """σ̂_j = ρ ||w̃_j||_4 bounds sqrt(Σ w̃² r(1-r)) for every calibration sample's mean."""
    ann = load_ann(MODELS / "digits_mlp.npz")
    calib = load_dataset("digits-calib")
    x = calib.x * ann.input_scale
    outs = ann.forward(x, all_stages=True)
    conv = convert(ann, "maxnorm", "loihi", calibration=calib.x)
    scales = [conv.info["lambda0"]] + conv.info["lambda"]
    sig = l4_sigma(ann, x, outs, scales)
    prev = [x] + outs[:-1]
    for k, st in enumerate(ann.stages[:-1]):
        r = np.clip(prev[k] / scales[k], 0, 1)
        w = st.weight * scales[k] / scales[k + 1]
        exact = np.sqrt((r * (1 - r)) @ (w ** 2).T)  # (samples, neurons)
        rho_per_sample = np.sqrt(np.linalg.norm(r * (1 - r), axis=1))
        bound = rho_per_sample[:, None] * np.sum(w ** 4, axis=1) ** 0.25
        assert np.all(exact <= bound + 1e-12)
        np.testing.assert_allclose(sig[k], np.mean(rho_per_sample) * np.sum(w ** 4, axis=1)
                                   ** 0.25)


def test_maxnorm_weights_and_l4_bias_correction():
    """Max-norm: W λ_{l-1}/λ_l, b/λ_l, threshold 1. l4-bias: same weights, biases lowered."""
    ann = load_ann(MODELS / "digits_mlp.npz")
    calib = load_dataset("digits-calib")
    m = convert(ann, "maxnorm", "loihi", calibration=calib.x, ticks=16)
    l4 = convert(ann, "l4-bias", "loihi", calibration=calib.x, ticks=16)
    lam = [m.info["lambda0"]] + m.info["lambda"]
    acts = ann.forward(calib.x * ann.input_scale, all_stages=True)
    assert lam[0] == 1.0 and lam[1] == pytest.approx(float(np.max(acts[0])))
    for k, st in enumerate(ann.stages[:-1]):
        pm = m.network.projections[k]
        np.testing.assert_allclose(pm.weight, st.weight * lam[k] / lam[k + 1])
        np.testing.assert_array_equal(l4.network.projections[k].weight, pm.weight)
        nm = m.network.populations[k + 1].neuron
        nl = l4.network.populations[k + 1].neuron
        np.testing.assert_allclose(nm.bias, st.bias / lam[k + 1])
        np.testing.assert_array_equal(nm.threshold, 1.0)
        assert np.all(nl.bias < nm.bias)


def test_l4_weight_adjustment_by_hand():
    """The paper's ``l4``: each hidden neuron's weights and bias times (1 + κσ̄)/(1 + κσ̂_j).

    Input scale 1/2, calibration data (1, 2) and (2, 1): λ0 = 1, rates (1/2, 1) and
    (1, 1/2), so ||r(1-r)||_2 = 1/4 for both samples and ρ = 1/2. Hidden weights
    [[1, 0], [1/2, 1/2]] (no bias) give activations (1/2, 3/4) and (1, 3/4): λ1 = 1,
    w̃ = W. L4 norms 1 and (2/16)^(1/4); σ̂ = ρ ||w̃||_4.
    """
    w1 = np.array([[1.0, 0.0], [0.5, 0.5]])
    b1 = np.array([0.0, 0.25])
    w2 = np.array([[1.0, -1.0], [-1.0, 1.0]])
    ann = ANN((2,), (Layer("dense", weight=w1, bias=np.zeros(2)), Layer("relu"),
                     Layer("dense", weight=w2)), input_scale=0.5)
    calib = np.array([[1, 2], [2, 1]])
    sigma = np.array([0.5 * 1.0, 0.5 * (2 / 16) ** 0.25])
    for kappa in (1.0, 3.0):
        s = (1 + kappa * sigma.mean()) / (1 + kappa * sigma)
        conv = convert(ann, "l4", "generic", calibration=calib, kappa=kappa)
        assert conv.info["lambda0"] == 1.0 and conv.info["lambda"] == [1.0]
        np.testing.assert_allclose(conv.info["sigma"], [sigma.mean()])
        np.testing.assert_allclose(conv.network.projections[0].weight, w1 * s[:, None])
        np.testing.assert_allclose(conv.network.projections[1].weight,
                                   convert(ann, "maxnorm", "generic",
                                           calibration=calib).network.projections[1].weight)
    # the bias is scaled with its neuron's weights
    ann_b = ANN((2,), (Layer("dense", weight=w1, bias=b1), Layer("relu"),
                       Layer("dense", weight=w2)), input_scale=0.5)
    conv = convert(ann_b, "l4", "generic", calibration=calib)
    # activations (1/2, 1) and (1, 1): λ1 = 1 again, σ̂ as above
    s = (1 + sigma.mean()) / (1 + sigma)
    np.testing.assert_allclose(conv.network.projections[0].weight, w1 * s[:, None])
    np.testing.assert_allclose(conv.network.populations[1].neuron.bias, s * b1)
