"""The weights a plastic run ends with: per projection, and as a network to save."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import NeuroemuError


def _final(result) -> tuple:
    cfg, w = result.config, getattr(result, "weights", None)
    if w is None or cfg is None:
        raise NeuroemuError("this run adapted no weights (run with plasticity=ne.BCM(...)); "
                            "a saved run keeps its counters, not its weights")
    return cfg, w


def adapted_weights(result, projection: str) -> tuple:
    """``(source, target, weight)`` of ``projection``'s synapses after the run, neurons
    numbered within their populations and weights in register units (mantissa << exponent,
    what a spike adds to its target's input)."""
    cfg, w = _final(result)
    names = [p.name for p in cfg.network.projections]
    if projection not in names:
        raise NeuroemuError(f"network {cfg.network.name!r} has no projection {projection!r} "
                            f"(it has {', '.join(names)})")
    proj = cfg.network.projections[names.index(projection)]
    sel = cfg.syn_proj == names.index(projection)
    s0 = int(cfg.pop_offset[cfg.pop_index(proj.source)])
    t0 = int(cfg.pop_offset[cfg.pop_index(proj.target)])
    return cfg.syn_src[sel] - s0, cfg.syn_tgt[sel] - t0, w[sel].copy()


def adapted_network(result):
    """The run's network with every projection whose weights the run changed replaced by a
    sparse one holding the adapted weights, in the network's own units (divided by the
    target population's scale and by ``2**weight_exp``). An integer network saved this
    way maps back to the same registers; a float network may map at another scale."""
    cfg, w = _final(result)
    net = cfg.network
    projs = []
    for k, proj in enumerate(net.projections):
        sel = cfg.syn_proj == k
        if np.array_equal(w[sel], cfg.syn_w[sel]):
            projs.append(proj)
            continue
        src, tgt, eff = adapted_weights(result, proj.name)
        scale = float(cfg.quantization.scales[proj.target]) * 2.0 ** proj.weight_exp
        vals = eff / scale
        whole = np.asarray(proj.weight).dtype.kind in "iu" and np.all(vals == np.round(vals))
        projs.append(replace(proj, kind="sparse",
                             weight=vals.astype(np.int64) if whole else vals,
                             src=src.astype(np.int64), tgt=tgt.astype(np.int64)))
    return replace(net, projections=tuple(projs))
