"""On-chip plasticity at inference: BCM homeostatic weight adaptation (DWAM), in fixed point.

A plastic run keeps, besides the neuron registers, an activity trace ``x`` for
every neuron of a plastic projection and a sliding threshold ``theta`` for every
target neuron, all integers. With ``B = trace_bits``, ``s = log2(tau_rate)``,
``r = log2(tau_theta)``, ``k = -log2(eta)``, ``c0 = round(target_rate * 2**B)``
(the target neuron's population's rate, when the rule gives one per population)
and ``>>`` the arithmetic (floor) shift, tick ``t`` of
:mod:`neuroemu.engine.reference` gains two steps after its third:

4. **traces**: every neuron's trace decays and takes its spike of ``t`` (a neuron
   fired, or an input spike was injected, whatever the spike's value)::

       x = min(x - (x >> s) + (2**(B - s) if spiked else 0), 2**B - 1)

   so a neuron firing at rate ``f`` per tick holds ``x ~ f * 2**B``; then every
   target neuron's threshold follows ``x**2 / c0``::

       theta = theta + ((x * x // c0 - theta) >> r)

5. **weights**, at the end of every epoch (``(t + 1) % epoch == 0``): every
   synapse ``j -> i`` of a plastic projection whose source trace ``x_j`` is not 0
   is visited (a weight update) and moves by::

       phi_i = (x_i * (x_i - theta_i)) >> B
       dw    = (x_j * phi_i + 2**(B + k - 1)) >> (B + k)       # rounded to nearest
       w     = clip(w + dw, -2**(w_bits - 1), 2**(w_bits - 1) - 1)

   on the weight's mantissa (its exponent is kept); a clipped result counts as a
   weight overflow. A neuron firing above the target rate for long raises its
   threshold above its activity (``x**2 / c0 > x`` when ``x > c0``), so its input
   weights fall; one firing below it has them rise: the BCM sliding threshold, as
   DWAM applies it at inference. DWAM also mixes the activity's variability into
   the threshold; that term is not modelled.

The new weights take effect from tick ``t + 1`` on: a spike fired at ``t`` is
delivered at ``t + d >= t + 1`` with them. Counters (per core of the neuron or
synapse's target, per tick): ``trace_updates`` (a trace written: its neuron
spiked or its trace was not 0), ``weight_updates`` (synapses visited), and
``weight_overflows``. A profile prices weight updates with ``[energy]
synaptic_update_pj`` (and ``[latency] synaptic_update_ns``); a profile without
it has no on-chip learning, and a plastic run on it is refused.
"""

from __future__ import annotations

from .rule import BCM, parse_power_of_two

__all__ = ["BCM", "parse_power_of_two"]
