r"""Rate-coded conversion: data-based max-norm / percentile normalisation, and L4-norm adjustment.

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

L4-norm adjustment (after Allred & Roy, arXiv 2111.09446)
---------------------------------------------------------
With Poisson input of rates ``r_i``, the per-tick input to neuron ``j`` is
``I_j = Σ_i w_ji s_i + b_j`` with ``s_i`` Bernoulli(``r_i``): its mean is the
normalised pre-activation ``μ_j = Σ w r + b`` and its variance

.. math::  \sigma_j^2 = \sum_i w_{ji}^2\, r_i (1 - r_i)
           \le \lVert w_j \rVert_4^2\, \lVert r (1 - r) \rVert_2

(Cauchy–Schwarz on the vectors ``w²`` and ``r(1-r)``). So the membrane's
per-tick noise is bounded by the L4 norm of the neuron's weight vector times a
factor ``ρ_l = ||r(1-r)||_2^{1/2}`` that depends only on the layer's input; a
neuron whose weight mass sits on few large synapses has a large L4 norm and a
noisy membrane even when its L2 norm (and its mean drive) is ordinary.

A rate-coded IF neuron can fire at most once per tick. When its mean drive is
near the threshold (rate near 1), every tick whose noisy drive falls short
loses a spike that cannot be made up (there is no spare tick), so the count
falls below ``μ T`` by an amount of order ``σ``. Max-norm puts the largest mean
drive exactly at the threshold. The adjustment keeps ``κ`` standard deviations
of head-room: layer ``l`` is normalised by

.. math::  \lambda_l^{L4} = \lambda_l + \kappa\, \hat\sigma_l, \qquad
           \hat\sigma_l = \lambda_{l-1}\, \rho_l\, \max_j \lVert W_{l,j} \rVert_4

(``σ̂_l`` in ANN units: a spike of layer ``l-1`` carries ``λ_{l-1}``; ``ρ_l``
the mean over calibration samples of ``||r(1-r)||_2^{1/2}`` with
``r = a_{l-1}/λ_{l-1}``), i.e. the weights into layer ``l`` are scaled by
``λ_l / λ_l^{L4}`` relative to max-norm and the next layer's by the inverse,
which leaves the network's function unchanged in expectation. ``κ = 1`` by
default. The price is lower rates (fewer spikes, and a coarser rate code at
small T), which is what the table shows.
"""

from __future__ import annotations

import numpy as np

from ..ir import neuron
from .ann import ANN, ConversionError
from .build import assemble
from .qcfs import WINDOW_RESET


def _calibrate(ann: ANN, data, percentile: float):
    x = np.asarray(data, np.float64).reshape(len(data), -1) * ann.input_scale
    outs = ann.forward(x, all_stages=True)
    lam0 = float(np.max(x))
    if not lam0 > 0:
        raise ConversionError("calibration: the calibration data is all zero")
    lam = []
    for k, a in enumerate(outs[:-1]):
        v = float(np.percentile(a, percentile))
        if not v > 0:
            raise ConversionError(f"calibration: hidden layer {k} is silent on the calibration "
                                  f"data (its {percentile}th percentile activation is {v})")
        lam.append(v)
    return x, outs, lam0, lam


def l4_sigma(ann: ANN, x, outs, lam0: float, lam: list) -> list:
    """σ̂_l of every stage (ANN units), as in the module docstring."""
    sig = []
    prev = [x] + outs[:-1]
    scales = [lam0] + lam
    for k, st in enumerate(ann.stages):
        r = np.clip(prev[k].reshape(len(x), -1) / scales[k], 0.0, 1.0)
        rho = float(np.mean(np.sqrt(np.linalg.norm(r * (1 - r), axis=1))))
        w = st.weight
        if st.kind == "dense":
            l4 = np.max(np.sum(w ** 4, axis=1) ** 0.25)
        elif st.kind == "conv2d":
            l4 = np.max(np.sum(w.reshape(w.shape[0], -1) ** 4, axis=1) ** 0.25)
        else:
            per = np.zeros(st.n_out)
            np.add.at(per, st.tgt, w ** 4)
            l4 = np.max(per ** 0.25)
        sig.append(scales[k] * rho * float(l4))
    return sig


def rate_snn(ann: ANN, calibration, percentile: float = 100.0, ticks: int = 32,
             l4: bool = False, kappa: float = 1.0, v_init: float = 0.0,
             name: str | None = None):
    """Max-norm / percentile (``l4=False``) or L4-adjusted conversion for Poisson input.

    Parameters
    ----------
    ann : ANN with ReLU (or QCFS, treated as its clipped ReLU) hidden layers
    calibration : integer data (N, n_in) for the normalisation
    percentile : float in (0, 100]
    ticks : int
        Default window T (stored for eval; also sizes the output's never-reached threshold).
    kappa : float
        Head-room in standard deviations for the L4 adjustment.
    v_init : float
        Initial membrane of hidden neurons in thresholds (0 classic; 0.5 the QCFS shift).

    Returns
    -------
    network : Network
    info : dict with 'lambda' (per hidden layer, as used), 'lambda0', 'sigma' (L4 only)
    """
    if not 0 < percentile <= 100:
        raise ConversionError(f"percentile {percentile} found, expected 0 < p <= 100")
    x, outs, lam0, lam = _calibrate(ann, calibration, percentile)
    info = {"lambda0": lam0, "lambda_maxnorm": list(lam)}
    if l4:
        sig = l4_sigma(ann, x, outs, lam0, lam)
        lam = [lam[k] + kappa * sig[k] for k in range(len(lam))]
        info["sigma"] = sig
    info["lambda"] = list(lam)
    stages = ann.stages
    scales = [lam0] + lam
    m = float(np.max(np.abs(outs[-1]))) or 1.0
    neurons, weights = [], []
    for k, st in enumerate(stages):
        window = dict(reset_interval=WINDOW_RESET, reset_offset=k + 1)
        where = f"{'l4' if l4 else 'maxnorm'} layer {k + 1}"
        if k < len(stages) - 1:
            weights.append(st.weight * scales[k] / scales[k + 1])
            neurons.append(neuron("if", st.n_out, threshold=1.0, bias=st.bias / scales[k + 1],
                                  v_init=v_init, reset="subtract", where=where, **window))
        else:
            weights.append(st.weight * scales[k] / m)
            neurons.append(neuron("if", st.n_out, threshold=4.0 * max(ticks, 1),
                                  bias=st.bias / m, reset="none", max_count=1, where=where,
                                  **window))
    meta = {"convert.method": "l4" if l4 else "maxnorm", "convert.coding": "poisson",
            "convert.input_gain": repr(ann.input_scale / lam0), "convert.T": str(int(ticks)),
            "convert.percentile": repr(float(percentile))}
    if l4:
        meta["convert.kappa"] = repr(float(kappa))
    net = assemble(ann, neurons, weights, [0] * len(stages), meta,
                   name or f"{ann.name}_{'l4' if l4 else 'maxnorm'}")
    return net, info
