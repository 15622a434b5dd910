"""Xylo arithmetic (SynSense Xylo Audio 2, SYNS61201) in plain numpy.

The readable twin of the event kernel's Xylo update
(:mod:`neuroemu.engine.kernels.xylo`); the dense reference engine uses it.
The semantics are those of SynSense's bit-accurate simulator of the core
(``xylosim.v2``), which the tests run side by side with both engines.

Registers
    Membrane ``v`` and synaptic currents ``i_syn`` (``u``) and ``i_syn2``
    (``u2``) are 16-bit signed, ``-32768..32767``. Every addition saturates at
    those bounds (*clamp*); nothing wraps except the one case noted below.

Delivery (step 1 of a tick)
    A spike of count ``c`` through a synapse of weight ``w`` (8-bit) and its
    projection's weight shift ``e`` (0..7) adds ``w << e`` to the target's
    current ``c`` times, each addition saturating; as the additions all have one
    sign this is ``clamp(i + c * (w << e))``. Spikes are delivered source by
    source in a fixed order, input channels first, then neurons by index, so
    the saturating additions into one register happen in the chip's order.
    Input counts above 15 are cut to 15 (the chip's input limit).

Neuron update (step 2), with ``decay(x, d) = x >> d`` (floor), or ``sign(x)``
where that is 0, so that a non-zero register always moves toward 0::

    u  -= decay(u,  dash_u)
    u2 -= decay(u2, dash_u2)
    dv  = wrap16(-decay(v, dash_v))          (-(-32768) wraps to -32768)
    dv  = clamp(dv + u + u2)
    dv  = clamp(dv + bias)
    v   = clamp(v + dv)
    n   = min(v // threshold, max_spikes) if v >= threshold else 0
    v  -= n * threshold                      (the neuron fires n spikes)

``threshold >= 1``. Hidden neurons fire up to 31 spikes a tick, output
neurons one (``max_spikes``). An overflow of ``u`` is a saturated delivery;
of ``v``, a saturated addition in the update.
"""

from __future__ import annotations

import numpy as np

BITS = 16
LO, HI = -(1 << (BITS - 1)), (1 << (BITS - 1)) - 1
MAX_INPUT_COUNT = 15


def clamp(x):
    """(value, saturated): ``x`` brought into the 16-bit register by saturation."""
    x = np.asarray(x, dtype=np.int64)
    return np.clip(x, LO, HI), (x < LO) | (x > HI)


def decay(x, dash):
    """The bit-shift decay step of register ``x``: ``x >> dash``, at least one toward 0."""
    x = np.asarray(x, dtype=np.int64)
    d = x >> np.asarray(dash, dtype=np.int64)
    return np.where(d == 0, np.sign(x), d)


def wrap16(x):
    """``x`` as a 16-bit two's-complement value."""
    return ((np.asarray(x, dtype=np.int64) - LO) & 0xFFFF) + LO


def deliver(u, u2, src_order, syn_ptr, syn_tgt, syn_w, syn_port, value):
    """Step 1: add each spike to its targets' currents, source by source, saturating.

    Parameters
    ----------
    u, u2 : int64 arrays (N,)
        The currents, updated in place.
    src_order : int64 array (K,)
        The firing sources in delivery order.
    syn_ptr : int64 array (N + 1,)
        Source ``s``'s synapses are ``syn_ptr[s] .. syn_ptr[s + 1]`` of the next arrays.
    syn_tgt, syn_w, syn_port : int64 arrays (S,)
        Synapses by source (weights already shifted; port 0 is ``u``, 1 is ``u2``).
    value : int64 array (N,)
        The spike count of each neuron (input counts already cut to 15).

    Returns
    -------
    saturated : bool array (N,), the neurons whose current saturated
    """
    saturated = np.zeros(u.size, bool)
    for s in src_order:
        k = slice(syn_ptr[s], syn_ptr[s + 1])
        for port, reg in ((0, u), (1, u2)):
            mine = syn_port[k] == port
            tgt = syn_tgt[k][mine]
            reg[tgt], over = clamp(reg[tgt] + syn_w[k][mine] * value[s])
            saturated[tgt] |= over
    return saturated


def update(v, u, u2, dash_v, dash_u, dash_u2, bias, threshold, max_spikes):
    """Step 2 for Xylo neurons (arrays of one shape); returns the new registers.

    Returns
    -------
    v, u, u2 : int64 arrays
    spikes : int64 array, spikes fired (0..max_spikes)
    saturated : bool array, an addition into ``v`` saturated
    """
    u = u - decay(u, dash_u)
    u2 = u2 - decay(u2, dash_u2)
    dv = wrap16(-decay(v, dash_v))
    dv, s1 = clamp(dv + u + u2)
    dv, s2 = clamp(dv + bias)
    v, s3 = clamp(v + dv)
    spikes = np.where(v >= threshold, np.minimum(v // threshold, max_spikes), 0)
    return v - spikes * threshold, u, u2, spikes, s1 | s2 | s3
