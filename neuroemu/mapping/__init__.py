"""From the logical network to a hardware configuration: quantize, partition, place."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..hw.profile import Profile, load_profile
from ..ir import Network, synapses
from .codes import RESET_CODES, model_code
from .config import HardwareConfig
from .partition import core_graph, partition, place
from .quantize import Quantized, quantize
from .xylo import check_synapses, check_xylo, xylo_arrays

__all__ = ["HardwareConfig", "Quantized", "core_graph", "map_network", "quantize"]


def map_network(net: Network, profile: Profile | str = "loihi", scale=None,
                headroom: float = 256.0) -> HardwareConfig:
    """Quantize ``net`` to ``profile``'s registers and place it on its cores.

    ``scale`` and ``headroom`` are passed to :func:`~neuroemu.mapping.quantize.quantize`.
    """
    if not isinstance(profile, Profile):
        profile = load_profile(profile)
    q = quantize(net, profile, scale, headroom)
    check_xylo(net, profile, q.weights)
    pops = net.populations
    offset = np.zeros(len(pops) + 1, dtype=np.int64)
    offset[1:] = np.cumsum([p.size for p in pops])
    index = {p.name: i for i, p in enumerate(pops)}
    src, tgt, w, delay, pidx = [], [], [], [], []
    for k, proj in enumerate(net.projections):
        s_pop, t_pop = net.population(proj.source), net.population(proj.target)
        mant, exp = q.weights[proj.name]
        s, t, wt = synapses(replace(proj, weight=mant), s_pop, t_pop)
        src.append(s + offset[index[proj.source]])
        tgt.append(t + offset[index[proj.target]])
        w.append(wt.astype(np.int64) << exp)
        delay.append(np.full(s.size, proj.delay, np.int64))
        pidx.append(np.full(s.size, k, np.int64))

    def cat(parts):
        """``parts`` as one int64 array, emptying the list (one array's parts and
        its whole at a time: a large network's peak memory)."""
        whole = (np.concatenate(parts).astype(np.int64, copy=False) if parts
                 else np.zeros(0, np.int64))
        parts.clear()
        return whole

    syn_src, syn_tgt, syn_w, syn_delay, syn_proj = map(cat, (src, tgt, w, delay, pidx))

    xylo = xylo_arrays(net, offset, syn_proj)
    check_synapses(profile, syn_src, syn_tgt, xylo["syn_port"])

    def per_pop(fn, default=0):
        return np.array([default if p.neuron is None else fn(p) for p in pops], dtype=np.int64)

    core_of, core_pop, core_syn, core_ax = partition(
        [p.name for p in pops], offset, [p.is_input for p in pops], syn_src, syn_tgt, profile
    )
    return HardwareConfig(
        network=net,
        profile=profile,
        quantization=q,
        pop_offset=offset,
        pop_model=np.array([model_code(p) for p in pops], dtype=np.int64),
        pop_reset=per_pop(lambda p: RESET_CODES[p.neuron.reset]),
        pop_strict=per_pop(lambda p: p.neuron.fire_on == ">"),
        pop_floor=per_pop(lambda p: p.neuron.v_min is not None),
        pop_vmin=per_pop(lambda p: q.v_min[p.name] or 0),
        pop_refractory=per_pop(lambda p: p.neuron.refractory),
        pop_signed=per_pop(lambda p: p.neuron.signed),
        pop_negthr=per_pop(lambda p: q.neg_threshold[p.name]),
        pop_maxcount=per_pop(lambda p: p.neuron.max_count),
        pop_reset_interval=per_pop(lambda p: p.neuron.reset_interval),
        pop_reset_offset=per_pop(lambda p: p.neuron.reset_offset),
        thr=q.thr, bias=q.bias, v_init=q.v_init, leak=q.leak,
        mul_v=q.mul_v, mul_u=q.mul_u, mul_k=q.mul_k,
        syn_src=syn_src, syn_tgt=syn_tgt, syn_w=syn_w, syn_delay=syn_delay, syn_proj=syn_proj,
        core_of=core_of, core_pop=core_pop, core_xy=place(core_pop.size, profile),
        core_synapses=core_syn, core_axons=core_ax, **xylo,
    )
