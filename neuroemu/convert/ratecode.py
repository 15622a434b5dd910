r"""Rate-coded conversion: data-based max-norm / percentile normalisation, L4-norm adjustments.

Max-norm and percentile normalisation (Diehl et al., IJCNN 2015; Rueckauer et al., 2017)
-----------------------------------------------------------------------------------------
With calibration data, ``λ_l`` is the ``p``-th percentile of hidden layer
``l``'s ReLU activations (``p = 100``: the maximum, Diehl's max-norm;
Rueckauer's robust normalisation uses 99.9 or 99.99), ``λ_0`` the largest
input. The SNN uses IF neurons with threshold 1, reset by subtraction and

.. math::  \tilde W_l = W_l\, \lambda_{l-1}/\lambda_l, \qquad \tilde b_l = b_l/\lambda_l

(bias as a current on every tick), so that a neuron's firing rate (spikes per
tick) approximates ``a_l / λ_l`` clipped to [0, 1]. The input is Poisson: a
channel with ANN input ``x`` spikes on each tick with probability ``x/λ_0``.
The output layer integrates ``W a + b`` without firing; its last-tick membrane
is the class score (LTS readout). Each layer's T-tick window starts one tick
after the previous layer's (its registers return to their initial state at
tick ``l``).

L4-norm weight adjustment (Allred & Roy, arXiv 2111.09446): ``l4``
------------------------------------------------------------------
With Poisson input of rates ``r_i`` (spikes per tick), the per-tick input of
neuron ``j`` (in thresholds, weights ``w̃`` as above) is
``I_j = Σ_i w̃_ji s_i + b̃_j`` with ``s_i`` Bernoulli(``r_i``): its mean is the
normalised pre-activation ``μ_j = Σ w̃ r + b̃`` and its variance

.. math::  \sigma_j^2 = \sum_i \tilde w_{ji}^2\, r_i (1 - r_i)
           \le \lVert \tilde w_j \rVert_4^2\, \lVert r (1 - r) \rVert_2

(Cauchy–Schwarz on the vectors ``w̃²`` and ``r(1-r)``). So the membrane's
per-tick standard deviation is proportional to the L4 norm of the neuron's
weight vector, ``σ̂_j = ρ_l ||w̃_j||_4``, where ``ρ_l = ||r(1-r)||_2^{1/2}``
depends only on the layer's input (neuroemu takes its mean over the
calibration samples). A neuron whose weight mass sits on a few large synapses
has a large L4 norm and a noisy membrane even when its mean drive is ordinary;
the noise is rectified (see below), so such a neuron fires more than its ANN
activation asks. The paper's remedy adjusts the *weights* by the L4 norm;
neuroemu scales every hidden neuron's incoming weights and its bias by

.. math::  s_j = \frac{1 + \kappa\, \bar\sigma_l}{1 + \kappa\, \hat\sigma_j}, \qquad
           \tilde w_j \leftarrow s_j \tilde w_j,\ \tilde b_j \leftarrow s_j \tilde b_j

(``σ̄_l`` the mean of ``σ̂`` over the layer's neurons, ``κ`` the adjustment's
strength, default 1): a neuron noisier than its layer's average gets a smaller
drive, a quieter one a larger, and a layer whose neurons are equally noisy is
left as max-norm made it, so the adjustment redistributes drive by noise and
leaves the layer's normalisation to λ. The paper's abstract states the premise
(the pre-firing membrane's standard deviation is proportional to the L4 norm of
the neuron's weight vector) and that the weights are adjusted by that norm
during conversion; the form of ``s_j``, its normalisation per layer, ``κ`` and
the treatment of biases, the output layer and shortcuts are neuroemu's choices,
not taken from the paper's equations. The output layer is not adjusted (it
does not fire). A shortcut (``add`` layer) is left out of σ̂ (an identity
shortcut is one synapse more per neuron, a projection shortcut a 1x1 kernel
beside the main one); its weights get the neuron's factor ``s_j`` with the rest.

The bias variant: ``l4-bias``
-----------------------------
What the noise does to a count. With reset by subtraction the net count after
T ticks follows the running maximum of the membrane, ``n_T ≈ floor(max_{t<=T}
V_t)`` (threshold 1), and the ANN's ReLU corresponds to the mean path. For a
neuron whose mean drive is near zero (ANN output near 0) the path is a
driftless random walk of step deviation ``σ``; by the reflection principle
``P(max_{t<=T} W_t >= k) = 2 P(W_T >= k)``, so it fires on average

.. math::  c(s) = \sum_{k \ge 1} 2\,\big(1 - \Phi(k/s)\big), \qquad s = \sigma\sqrt{T}

spurious spikes in the window, all of the same sign: rectified noise. Neurons
well above zero lose nothing to rectification. The downstream layer therefore
sees every near-silent neuron biased upward by about ``c(σ_j √T)/T`` per tick.
``l4-bias`` removes that expected excess with the bound ``σ̂_j``, leaving the
weights alone:

.. math::  \tilde b_j \leftarrow \tilde b_j - \kappa\, c(\hat\sigma_j \sqrt{T}) / T

(a per-tick current, ``κ = 1`` by default; T is the window the network is
converted for). This variant is neuroemu's, not the paper's. It is additive because
the excess is: scaling a
neuron's weights scales its mean and its noise alike and cannot remove a bias
that does not depend on the mean; it costs strongly active neurons
``c(σ̂√T)`` spikes out of many. It matters most at moderate T: for small
``σ̂√T`` spurious crossings are rare and ``c`` vanishes, for large T the rate
error ``c/T`` shrinks anyway.
"""

from __future__ import annotations

import numpy as np

from ..ir import neuron
from .ann import ANN, ConversionError
from .build import assemble
from .qcfs import WINDOW_RESET, layer_percentiles


def _calibrate(ann: ANN, data, percentile: float):
    x = np.asarray(data, np.float64).reshape(len(data), -1) * ann.input_scale
    outs = ann.forward(x, all_stages=True)
    lam0 = float(np.max(x))
    if not lam0 > 0:
        raise ConversionError("calibration: the calibration data is all zero")
    return x, outs, lam0, layer_percentiles(outs, percentile)


def spurious_count(s) -> np.ndarray:
    """``c(s) = Σ_{k>=1} 2 (1 - Φ(k/s))``: mean spurious spikes of a driftless walk (module doc)."""
    from math import erfc, sqrt

    s = np.asarray(s, np.float64)
    out = np.zeros(s.shape)
    for idx, v in np.ndenumerate(s):
        if v > 0:
            out[idx] = sum(erfc(k / (v * sqrt(2.0))) for k in range(1, int(10 * v) + 12))
    return out


def l4_sigma(ann: ANN, x, outs, scales: list) -> list:
    """σ̂_j = ρ_l ||w̃_j||_4 of every hidden neuron (thresholds per tick), one array per layer."""
    sig = []
    prev = [x] + outs[:-1]
    for k, st in enumerate(ann.stages[:-1]):
        r = np.clip(prev[k].reshape(len(x), -1) / scales[k], 0.0, 1.0)
        rho = float(np.mean(np.sqrt(np.linalg.norm(r * (1 - r), axis=1))))
        w4 = (st.weight * scales[k] / scales[k + 1]) ** 4
        if st.kind == "dense":
            l4 = np.sum(w4, axis=1) ** 0.25
        elif st.kind == "conv2d":
            per_channel = np.sum(w4.reshape(w4.shape[0], -1), axis=1) ** 0.25
            l4 = np.repeat(per_channel, st.n_out // w4.shape[0])
        else:
            per = np.zeros(st.n_out)
            np.add.at(per, st.tgt, w4)
            l4 = per ** 0.25
        sig.append(rho * l4)
    return sig


ADJUSTMENTS = ("none", "l4", "l4-bias")


def l4_scale(sigma, kappa: float = 1.0) -> np.ndarray:
    """The ``l4`` weight factors ``s_j = (1 + κ σ̄) / (1 + κ σ̂_j)`` of one layer (module doc).

    Parameters
    ----------
    sigma : float array (n_neurons,)
        σ̂_j of the layer's neurons (thresholds per tick).
    """
    sigma = np.asarray(sigma, np.float64)
    return (1.0 + kappa * np.mean(sigma)) / (1.0 + kappa * sigma)


def rate_snn(ann: ANN, calibration, percentile: float = 100.0, ticks: int = 32,
             adjust: str = "none", kappa: float = 1.0, v_init: float = 0.0,
             name: str | None = None):
    """Max-norm / percentile conversion for Poisson input, optionally L4-adjusted.

    Parameters
    ----------
    ann : ANN with ReLU (or QCFS, treated as its clipped ReLU) hidden layers
    calibration : integer data (N, n_in) for the normalisation
    percentile : float in (0, 100]
    ticks : int
        Default window T (stored for eval; sizes ``l4-bias``'s correction and the
        output's never-reached threshold).
    adjust : {'none', 'l4', 'l4-bias'}
        'l4': the paper's weight adjustment; 'l4-bias': the bias shift (module docstring).
    kappa : float
        Strength of the L4 adjustment.
    v_init : float
        Initial membrane of hidden neurons in thresholds (0 classic; 0.5 the QCFS shift).

    Returns
    -------
    network : Network
    info : dict with 'lambda' (per hidden layer), 'lambda0'; L4: mean 'sigma', and
        mean 'scale' (l4) or 'shift' (l4-bias) per hidden layer
    """
    if not 0 < percentile <= 100:
        raise ConversionError(f"percentile {percentile} found, expected 0 < p <= 100")
    if adjust not in ADJUSTMENTS:
        raise ConversionError(f"adjust {adjust!r} is not one of {', '.join(ADJUSTMENTS)}")
    x, outs, lam0, lam = _calibrate(ann, calibration, percentile)
    info = {"lambda0": lam0, "lambda": list(lam)}
    stages = ann.stages
    scales = [lam0] + lam
    shift = [np.zeros(st.n_out) for st in stages]
    gain = [np.ones(st.n_out) for st in stages]
    if adjust != "none":
        sig = l4_sigma(ann, x, outs, scales)
        info["sigma"] = [float(np.mean(s)) for s in sig]
        if adjust == "l4":
            gain[:-1] = [l4_scale(s, kappa) for s in sig]
            info["scale"] = [float(np.mean(g)) for g in gain[:-1]]
        else:
            shift[:-1] = [kappa * spurious_count(s * np.sqrt(ticks)) / ticks for s in sig]
            info["shift"] = [float(np.mean(d)) for d in shift[:-1]]
    method = "maxnorm" if adjust == "none" else adjust
    m = float(np.max(np.abs(outs[-1]))) or 1.0
    neurons, weights, skips = [], [], []
    for k, st in enumerate(stages):
        window = dict(reset_interval=WINDOW_RESET, reset_offset=k + 1)
        where = f"{method} layer {k + 1}"
        to = scales[k + 1] if k < len(stages) - 1 else m
        skips.append(None if st.skip is None else (_skip_weight(st, scales[st.skip] / to,
                                                                gain[k]), 0))
        if k < len(stages) - 1:
            weights.append(_scale_rows(st, st.weight * scales[k] / scales[k + 1], gain[k]))
            neurons.append(neuron("if", st.n_out, threshold=1.0,
                                  bias=gain[k] * st.bias / scales[k + 1] - shift[k],
                                  v_init=v_init, reset="subtract", where=where, **window))
        else:
            weights.append(st.weight * scales[k] / m)
            neurons.append(neuron("if", st.n_out, threshold=4.0 * max(ticks, 1),
                                  bias=st.bias / m, reset="none", max_count=1, where=where,
                                  **window))
    meta = {"convert.method": method, "convert.coding": "poisson",
            "convert.input_gain": repr(ann.input_scale / lam0), "convert.T": str(int(ticks)),
            "convert.percentile": repr(float(percentile))}
    if adjust != "none":
        meta["convert.kappa"] = repr(float(kappa))
    net = assemble(ann, neurons, weights, [0] * len(stages), meta,
                   name or f"{ann.name}_{method}", skips)
    return net, info


def _scale_rows(stage, weight: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``weight`` (the stage's layout) with every output neuron's synapses times ``gain[j]``.

    For a convolution the gain is one value per output channel (σ̂ is: every position
    of a channel has the same kernel).
    """
    if np.all(gain == 1.0):
        return weight
    if stage.kind == "dense":
        return weight * gain[:, None]
    if stage.kind == "sparse":
        return weight * gain[stage.tgt]
    per_channel = gain.reshape(weight.shape[0], -1)[:, 0]
    return weight * per_channel.reshape((-1,) + (1,) * (weight.ndim - 1))


def _skip_weight(stage, factor: float, gain: np.ndarray) -> np.ndarray:
    """A shortcut's weights: ``factor`` (λ_source / λ_l) times the projection's kernel, if
    any, and every output neuron's ``gain``."""
    if stage.skip_weight is None:
        return factor * gain
    per = gain.reshape(stage.skip_weight.shape[0], -1)
    if np.any(per != per[:, :1]):  # a pooled conv's neurons have factors of their own
        raise ConversionError(
            "l4: a projection shortcut into a convolution after pooling would need a factor "
            "per neuron, which its convolution cannot hold; convert with maxnorm or l4-bias, "
            "or move the pooling")
    return stage.skip_weight * factor * per[:, :1].reshape(-1, 1, 1, 1)
