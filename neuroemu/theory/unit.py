"""The spiking unit of spike-train representation theory, and its chip configuration.

The model (Hundrieser, Tuchel, Kong and Schmidt-Hieber, "On the Universal
Representation Property of Spiking Neural Networks", arXiv 2512.16872,
as the paper states it): a unit with input spike trains ``I_1 .. I_d`` and
weights ``w_j`` keeps a potential ``P``. At each input instant ``t`` (a time at
which at least one input spikes), with ``t⁻`` the previous input instant::

    P(t) = ( 1[P(t⁻) <= 1] * P(t⁻) * exp(-(t - t⁻) / h)  +  sum_{j: t in I_j} w_j )_+

It spikes at ``t`` when ``P(t) > 1`` (strict) and then restarts from 0 (the
indicator drops the old potential at the next instant). ``h = 0`` keeps no
memory between instants; ``h = inf`` is a perfect integrator.

On the chip (integer ticks, one register ``v`` per unit)
---------------------------------------------------------
The unit is a neuroemu ``'lif'`` neuron with

* ``decay_v = 1 - exp(-1/h)``: the fraction lost per tick, stored as a 12-bit
  fraction; the register keeps ``q = mul_v / 4096`` with
  ``mul_v = 4096 - round(4096 * decay_v)``. ``h = 0`` gives ``mul_v = 0`` and
  ``h = inf`` gives ``mul_v = 4096``, both exact;
* ``v_min = 0`` for the positive part, ``fire_on = '>'`` for the strict
  threshold, ``reset = 'zero'`` for the restart;
* potentials and weights in register units: the threshold 1 becomes an integer
  scale ``S`` (the register holds ``v = S * P``) and a weight ``w`` becomes
  ``S * w``. The constructions of :mod:`neuroemu.theory.constructions` take,
  for each unit, the smallest ``S`` that makes all its weights integers (weights
  are exact fractions), so ``v == S * P`` holds exactly when ``h`` is 0 or inf.

Where the chip's order of operations matches the formula. Within tick ``t`` the
chip (``neuroemu.ir.network``, step 2) computes, in this order:

1. decay: ``v <- keep(v, q)``  — the model's ``P(t⁻) * exp(-(t - t⁻)/h)``;
2. add: ``v <- v + a``, where ``a`` already holds the sum of every synapse
   delivering at ``t`` — simultaneous inputs are summed before anything else,
   as in the formula's ``sum_{j: t in I_j} w_j``;
3. clamp to the register width (saturation; never reached by these
   constructions) and floor ``v <- max(v, 0)`` — the positive part ``(.)_+``
   of the whole sum, taken once after all inputs of the instant;
4. compare ``v > S`` (strict, as ``P > 1``) and reset ``v <- 0`` on a spike.
   The model keeps ``P(t) > 1`` and multiplies it by ``1[P(t⁻) <= 1] = 0`` at
   the next instant; the chip zeroes it at once. Both make the next instant
   start from 0, so the indicator and the reset agree.

Where the per-tick fixed-point decay differs from ``exp(-(t - t⁻)/h)``. The
model decays once over the gap ``Δ = t - t⁻``; the chip decays on every tick,
``Δ`` times, each product rounded (toward zero on Loihi, ``sign(p)(|p| >> 12)``;
floor on other profiles):

* ``q`` is ``exp(-1/h)`` rounded to 12 bits (error up to ``2**-13``), so
  ``q**Δ`` drifts from ``exp(-Δ/h)`` geometrically over long gaps;
* every tick's product loses up to one register unit, so after ``Δ`` ticks the
  chip can be up to ``Δ`` units (``Δ / S`` in ``P``) below ``S * P * q**Δ``;
  rounding toward zero also takes a small potential to exactly 0 in finitely
  many ticks, which the model never does;
* the two agree exactly when ``q`` is 0 or 1 (``h = 0`` or ``h = inf``): then
  no rounding happens at all. For finite ``h`` the threshold decisions agree
  unless ``P`` comes within those errors of 1; a larger ``S`` shrinks the
  rounding part (not the 12-bit part).

Decaying on ticks with no input is equivalent to decaying over the gap at
once, because the decay composes (``exp(-a/h) exp(-b/h) = exp(-(a+b)/h)``);
only the rounding above breaks that identity. Spikes are otherwise only
possible at input instants in both: a unit with no input has ``a = 0`` and
``v <= S`` after the floor and decay, so it cannot cross the threshold.

The one thing the model lacks is delay: on the chip a spike fired at tick
``t`` reaches its targets at ``t + delay`` with ``delay >= 1``, so every layer
adds at least one tick (see :mod:`neuroemu.theory.circuit`).
"""

from __future__ import annotations

import math

import numpy as np

from ..hw.fixed import ONE
from ..ir import Neuron, neuron
from ..mapping.quantize import round_half_away


def decay_fraction(h) -> np.ndarray | float:
    """Fraction of the potential lost per tick, ``1 - exp(-1/h)``.

    Parameters
    ----------
    h : float or float array
        Memory time constant in ticks; 0 forgets at once (decay 1), ``inf``
        integrates (decay 0).

    Returns
    -------
    float or float64 array like ``h``, in [0, 1].
    """
    h_arr = np.asarray(h, dtype=np.float64)
    if np.any(np.isnan(h_arr)) or np.any(h_arr < 0):
        from ..errors import NetworkError

        raise NetworkError(f"memory time constant h: {h!r} found, expected h >= 0 (or inf)")
    with np.errstate(divide="ignore"):
        out = np.where(h_arr == 0, 1.0, -np.expm1(-1.0 / np.where(h_arr == 0, 1.0, h_arr)))
    out = np.where(np.isinf(h_arr), 0.0, out)
    return float(out) if np.ndim(h) == 0 else out


def keep_register(h) -> np.ndarray | int:
    """The chip's 12-bit multiplier ``mul_v`` (``q = mul_v / 4096`` is kept per tick).

    This is the quantization rule of :mod:`neuroemu.mapping.quantize` applied to
    :func:`decay_fraction`: ``4096 - round_half_away(4096 * decay)``.
    """
    m = ONE - round_half_away(np.asarray(decay_fraction(h)) * ONE)
    return int(m) if np.ndim(h) == 0 else m


def unit_neuron(size: int = 1, *, h=0.0, threshold=1.0, where: str = "unit") -> Neuron:
    """The theory's unit as a neuroemu neuron configuration.

    Parameters
    ----------
    size : int
        Number of units.
    h : float or float array (size,)
        Memory time constant per unit (0, a positive number of ticks, or inf).
    threshold : float or array (size,)
        The scale ``S`` of each unit: the model's threshold 1 in register units.

    Returns
    -------
    Neuron
        ``'lif'``, ``decay_v = 1 - exp(-1/h)``, ``v_min = 0``, ``fire_on = '>'``,
        ``reset = 'zero'``.
    """
    return neuron("lif", size, threshold=threshold, decay_v=decay_fraction(h), reset="zero",
                  fire_on=">", v_min=0.0, where=where)


def model_response(x, w, h: float) -> np.ndarray:
    """The model's output spike train, computed with the exact formula in float64.

    Parameters
    ----------
    x : bool array (..., d, T)
        Input spike trains on the integer time grid 0..T-1.
    w : float array (d,)
        Weights in model units (threshold 1).
    h : float
        Memory time constant (0, positive, or inf).

    Returns
    -------
    bool array (..., T)
        ``True`` at the instants where ``P > 1``.
    """
    x = np.asarray(x, dtype=bool)
    w = np.asarray(w, dtype=np.float64)
    batch, (d, n_t) = x.shape[:-2], x.shape[-2:]
    if w.shape != (d,):
        raise ValueError(f"weights: expected {d} values, got shape {w.shape}")
    xs = x.reshape(-1, d, n_t)
    p = np.zeros(xs.shape[0])
    last = np.full(xs.shape[0], -1, dtype=np.int64)  # previous input instant (-1: none)
    out = np.zeros((xs.shape[0], n_t), dtype=bool)
    for t in range(n_t):
        now = xs[:, :, t].any(axis=1)
        gap = (t - last).astype(np.float64)
        if h == 0:
            keep = np.zeros_like(gap)
        elif math.isinf(h):
            keep = np.ones_like(gap)
        else:
            keep = np.exp(-gap / h)
        carried = np.where((last >= 0) & (p <= 1.0), p * keep, 0.0)
        new = np.maximum(carried + xs[:, :, t].astype(np.float64) @ w, 0.0)
        p = np.where(now, new, p)
        last = np.where(now, t, last)
        out[:, t] = now & (p > 1.0)
    return out.reshape(batch + (n_t,))
