r"""The seeds' neuron features at inference, as neuroemu neurons.

Learnable initial membrane potential (IMP)
------------------------------------------
A network trained with a learnable initial membrane starts every neuron at its
own ``V[0] = v_init`` and then runs ordinary LIF/IF dynamics. neuroemu stores
``v_init`` per neuron (float in the IR and in ``net.h5``) and quantizes it like
every membrane parameter (``round(v_init · S)`` in register units, see
:mod:`neuroemu.mapping.quantize`). QCFS's ``θ/2`` and PASCAL's ``θ/2 + bias``
are the same register. :func:`imp_lif`.

LTS and mean-membrane readouts
------------------------------
``Readout(population, 'last_membrane')`` reads ``V`` after the last tick
(last-time-step, LTS), ``'mean_membrane'`` its mean over the run's ticks; both
in the population's own units (:mod:`neuroemu.engine.readout`).

KLIF (Jiang & Zhang, 2023)
--------------------------
With ``V_reset = 0`` and the input not decayed (SpikingJelly's
``decay_input=False``)::

    H[t] = V[t-1] - V[t-1]/τ + X[t]
    F[t] = ReLU(k H[t])
    S[t] = Θ(F[t] - V_th)
    V[t] = F[t] (1 - S[t])            hard reset
    V[t] = F[t] - S[t] V_th           soft reset

which is neuroemu's ``klif`` model with ``decay_v = 1/τ``, ``scale_k = k``,
``v_min = 0`` and reset ``'zero'`` or ``'subtract'``. With ``decay_input=True``
(``H = V + (X - V)/τ``) the input's ``1/τ`` belongs to the incoming weights:
:func:`klif` returns that factor. ``k`` is a 12-bit fraction on the chip.

CLIF (Huang et al., ICML 2024): why it does not fit
---------------------------------------------------
CLIF adds a complementary potential ``M`` to LIF::

    H[t] = (1 - 1/τ) V[t-1] + X[t]
    M[t] = M[t-1] · σ(H[t]/τ) + S[t]             (σ the logistic function)
    V[t] = H[t] - S[t] (V_th + σ(M[t]))          (soft reset plus σ(M))

``M`` decays by a factor that depends on the membrane through a sigmoid, and
the reset subtracts another sigmoid of ``M``. The register model has one
optional second register ``u`` that decays by a *fixed* fraction and feeds
``v`` additively, no nonlinear function of a register, and a reset that
subtracts a fixed threshold, so neither ``M``'s update nor the reset can be
expressed, exactly or by a fixed-point approximation of the same structure.
CLIF's authors deploy a CLIF-trained network as LIF with a hard reset to a
small negative value; :func:`lif_reset_to` builds that LIF on neuroemu's
registers (reset to zero in shifted coordinates).
"""

from __future__ import annotations

import numpy as np

from ..ir import neuron
from .ann import ConversionError


def imp_lif(size: int, v_init, threshold=1.0, tau: float | None = None, reset="subtract",
            **kw):
    """IF (``tau`` None) or LIF (decay ``1/tau``) neurons with a per-neuron initial membrane."""
    decay = 0.0 if tau is None else 1.0 / tau
    return neuron("if" if tau is None else "lif", size, threshold=threshold, v_init=v_init,
                  decay_v=decay, reset=reset, **kw)


def klif(size: int, tau: float, k, threshold=1.0, reset: str = "zero",
         decay_input: bool = False, **kw):
    """KLIF neurons (module docstring); returns ``(neuron, input_factor)``.

    ``input_factor`` (``1/tau`` when ``decay_input``, else 1) multiplies the
    incoming weights.
    """
    if tau < 1:
        raise ConversionError(f"KLIF tau {tau} found, expected tau >= 1")
    if reset not in ("zero", "subtract"):
        raise ConversionError(f"KLIF reset {reset!r}: expected 'zero' (hard) or 'subtract'")
    nrn = neuron("klif", size, threshold=threshold, decay_v=1.0 / tau, scale_k=k, v_min=0.0,
                 reset=reset, **kw)
    return nrn, (1.0 / tau if decay_input else 1.0)


def lif_reset_to(size: int, v_reset: float, tau: float, threshold=1.0, **kw):
    """LIF with a hard reset to ``v_reset`` (not only 0), in shifted coordinates.

    The chip resets to 0, so the register holds ``v' = v - v_reset``: threshold
    ``θ - v_reset``, initial ``-v_reset`` (``v`` starts at 0), and the decay of
    ``v`` toward 0 becomes a decay of ``v'`` plus the constant current
    ``-v_reset/τ`` (``v'_{t+1} = (1 - 1/τ) v'_t + x_t - v_reset/τ``). Membrane
    readouts are then ``v - v_reset``.
    """
    if threshold - v_reset <= 0:
        raise ConversionError(f"reset value {v_reset} must lie below the threshold {threshold}")
    d = 1.0 / tau
    return neuron("lif", size, threshold=np.asarray(threshold) - v_reset, v_init=-v_reset,
                  bias=-v_reset * d, decay_v=d, reset="zero", **kw)


def clif(*_args, **_kwargs):
    """CLIF cannot be expressed in neuroemu's registers (see the module docstring)."""
    raise ConversionError(
        "CLIF's complementary potential M[t] = M[t-1]·sigmoid(H[t]/tau) + S[t] and its reset "
        "V -= S·(V_th + sigmoid(M)) need a state-dependent nonlinear decay and reset that no "
        "register of the chip model has; deploy a CLIF-trained network as LIF with a hard "
        "reset to a small negative value (neuroemu.convert.neurons.lif_reset_to)")
