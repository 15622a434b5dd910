"""The dense reference's steps for Xylo populations (the arithmetic of :mod:`neuroemu.hw.xylo`).

:func:`neuroemu.engine.reference.run_reference` calls these in place of its
accumulate and :func:`~neuroemu.engine.reference.update_neurons` when the
configuration runs Xylo arithmetic: a spike is added to its targets'
currents at delivery, saturating, source by source (input channels first,
then neurons by index), and the update decays and integrates them.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..hw import xylo
from ..mapping.codes import MODEL_INPUT, MODEL_XYLO


def delivery_order(cfg, value: np.ndarray) -> np.ndarray:
    """The sources firing in ``value`` in the chip's order: input channels, then neurons."""
    who = np.flatnonzero(value)
    is_input = cfg.pop_model[cfg.pop_of[who]] == MODEL_INPUT
    return np.concatenate([who[is_input], who[~is_input]])


_BY_SOURCE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def by_source(cfg) -> tuple:
    """(ptr, tgt, w, port): the synapses sorted by source (kept while ``cfg`` lives)."""
    view = _BY_SOURCE.get(cfg)
    if view is None:
        order = np.argsort(cfg.syn_src, kind="stable")
        ptr = np.searchsorted(cfg.syn_src[order], np.arange(cfg.n_neurons + 1))
        view = _BY_SOURCE[cfg] = (ptr, cfg.syn_tgt[order], cfg.syn_w[order],
                                  cfg.syn_port[order])
    return view


def deliver(cfg, state: dict, value: np.ndarray) -> tuple[dict, np.ndarray]:
    """Step 1: deliver the spikes of ``value`` (N,), the counts fired one tick ago.

    Returns the new state (currents ``u``, ``u2`` changed) and a bool array (N,)
    of the neurons whose current saturated.
    """
    state = dict(state, u=state["u"].copy(), u2=state["u2"].copy())
    saturated = xylo.deliver(state["u"], state["u2"], delivery_order(cfg, value), *by_source(cfg),
                             value)
    return state, saturated


def input_counts(cfg, value: np.ndarray) -> np.ndarray:
    """Input spike payloads as the chip takes them: counts cut to 0..15."""
    limit = cfg.profile.tables["chip"]["max_input_count"]
    return np.clip(value, 0, limit)


def update(cfg, state: dict, saturated_u: np.ndarray):
    """Step 2 for every Xylo neuron; returns like :func:`reference.update_neurons`."""
    x = cfg.pop_model[cfg.pop_of] == MODEL_XYLO
    v, u, u2, count = (state[k].copy() for k in ("v", "u", "u2", "count"))
    v[x], u[x], u2[x], spikes, sat_v = xylo.update(
        v[x], u[x], u2[x], cfg.dash_v[x], cfg.dash_u[x], cfg.dash_u2[x], cfg.bias[x],
        cfg.thr[x], cfg.pop_maxspikes[cfg.pop_of[x]])
    value = np.zeros(v.size, np.int64)
    value[x] = spikes
    over_v = np.zeros(v.size, bool)
    over_v[x] = sat_v
    new = dict(state, v=v, u=u, u2=u2, count=count + value)
    return new, value, saturated_u & x, over_v
