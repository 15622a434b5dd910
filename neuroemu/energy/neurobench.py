"""NeuroBench's complexity metrics, computed on the logical network from a run's spikes.

Definitions follow NeuroBench (Yik et al., "NeuroBench: A Framework for
Benchmarking Neuromorphic Computing Algorithms and Systems", arXiv:2304.04640;
Nature Communications 2025) and its harness (the ``neurobench`` package,
``neurobench/metrics``). A run of neuroemu is one sample. NeuroBench counts the
model's own layers, so the metrics are computed on the *logical* network, not
on the chip's folded one: a projection that the NIR import composed from a
pooling node and a Conv2d or Affine node (its ``nir_provenance`` keeps the
path) counts as those layers, and pooling counts as no connection layer.

logical layers
    Each projection of the network, except a projection composed from
    ``SumPool2d``/``AvgPool2d`` [-> ``Flatten``] -> ``Conv2d``/``Affine``/``Linear``,
    which is its last node fed by the pooled activations (the pooling sums of
    the source's spikes). ``sumpool2d`` projections are pooling: no operations.
synaptic operations (NeuroBench ``SynapticOperations``)
    ``Dense``: every connection of every logical layer once per time step, zero
    weights included, padding excluded — ``connections x ticks``.
    ``Effective``: one operation per non-zero activation and non-zero weight it
    reaches; a layer's operations in a tick are ``Effective_ACs`` when every
    activation it receives then is binary (a spike of +1 or -1, or a pooled sum
    of 0 or +-1) and ``Effective_MACs`` otherwise (a pooled sum of several
    spikes, a graded spike, an input carrying an event count). Activations are
    the recorded spikes of the source population. The input population's
    spikes are counted, not recorded: a layer fed by the input takes the
    accumulates the engine counted on its target's cores (less those of the
    target's other inputs, recomputed from their spikes), scaled from the
    chip's stored synapses to the layer's non-zero connections; pooled, they are
    MACs; with ``binning='count'`` and ``E`` events in ``S`` input spikes, at most
    ``E - S`` spikes carried a count above one, and that share of the layer's
    operations (``min(1, (E - S) / S)``) is counted as MACs, the rest as ACs (the
    trace does not record which ticks they fell in, which NeuroBench would count
    whole). The weights of a composed layer's original
    node are not kept (only their product is): its connections are all taken
    as non-zero, as trained float weights are.
activation sparsity (``ActivationSparsity``)
    Zero activations over all activations, over every neuron layer and time
    step: ``1 - neuron spikes / (neurons x ticks)``, input population excluded
    (it is data, not a neuron layer). 0.0 for a run without neurons, as the
    harness returns.
connection sparsity (``ConnectionSparsity``)
    Zero weights over all weights of the connection layers: a dense
    projection's matrix, a convolution's kernel, a sparse projection as the
    ``n_target x n_source`` matrix it masks; pooling is not a connection layer
    in NeuroBench and is left out.
footprint (``Footprint``)
    Bytes of the model's parameters and buffers: the logical layers' weights
    (a composed layer's original node: ``C_out x C_in/groups x kH x kW`` or
    ``in x out``; float weights as float32, 4 bytes, as the frameworks store
    them; integer weights at the profile's ``w_bits`` rounded up to bytes) plus
    each neuron's state registers (``v``, and ``u`` for CUBA neurons, in whole
    bytes of the profile's widths). Per-population parameters (threshold, bias,
    decays) are not counted.

Without the network (a trace whose network file is gone) the metrics fall back
to the chip's mapping (the engine's accumulates as ACs, its stored synapses as
connections) and a note says so.
"""

from __future__ import annotations

import json
import weakref
from dataclasses import dataclass

import numpy as np

from ..ir import Population, projection, synapses
from ..mapping.codes import MODEL_CUBA, MODEL_INPUT
from .latency import neuron_core_mask

_POOLS = {"SumPool2d": 1.0, "AvgPool2d": None}
_LAYERS = ("Conv2d", "Affine", "Linear")


@dataclass(frozen=True)
class LogicalLayer:
    """One connection layer of the logical network (module docstring).

    Attributes
    ----------
    projection, source : str
        The network's projection it belongs to, and the population feeding it.
    pool : tuple of arrays or None
        ``(ptr, unit, weight)``: source neuron ``i`` -> pooled units
        ``unit[ptr[i]:ptr[i + 1]]`` (``weight`` each), for a layer fed by pooled
        activations; None when fed by the source's spikes directly.
    fanout : int64 array (inputs,)
        Non-zero connections of each input (source neuron, or pooled unit).
    connections : int
        Every connection of the layer (zero weights included): its dense operations
        per time step.
    params : int
        Its weights, for the footprint.
    float_weights : bool
    stored : int
        Synapses the chip stores for the whole projection.
    """

    projection: str
    source: str
    pool: tuple | None
    fanout: np.ndarray
    connections: int
    params: int
    float_weights: bool
    stored: int


def _provenance(network) -> dict:
    meta = dict(network.meta) if network.meta else {}
    try:
        prov = json.loads(meta.get("nir_provenance") or "{}")
    except ValueError:
        return {}
    return prov.get("projections", {}) if isinstance(prov, dict) else {}


def _composed(path) -> tuple[dict, dict] | None:
    """(pool node, layer node) when ``path`` is pool [-> Flatten] -> Conv2d/Affine/Linear."""
    if not isinstance(path, list) or len(path) < 2:
        return None
    kinds = [n.get("type") for n in path]
    if kinds[0] not in _POOLS or kinds[-1] not in _LAYERS or any(
            k != "Flatten" for k in kinds[1:-1]):
        return None
    return path[0], path[-1]


def _pool_map(pool: dict, src_pop) -> tuple:
    """(ptr, unit, weight) of a pooling node over ``src_pop`` (shape (C, H, W)): source
    neuron ``i`` feeds pooled units ``unit[ptr[i]:ptr[i + 1]]`` (:class:`LogicalLayer`)."""
    kernel = tuple(pool.get("kernel_size") or pool.get("kernel"))
    out_shape = tuple(pool["out_shape"])
    weight = _POOLS[pool["type"]] or 1.0 / (kernel[0] * kernel[1])
    proj = projection("pool", src_pop.name, "pooled", "sumpool2d", np.array(1), kernel=kernel,
                      stride=tuple(pool.get("stride") or kernel),
                      padding=tuple(pool.get("padding") or (0, 0)))
    s, u, _ = synapses(proj, src_pop, Population("pooled", out_shape))
    order = np.argsort(s, kind="stable")
    ptr = np.zeros(src_pop.size + 1, np.int64)
    np.cumsum(np.bincount(s, minlength=src_pop.size), out=ptr[1:])
    return ptr, np.asarray(u, np.int64)[order], float(weight)


def _layer_of_node(node: dict) -> tuple[np.ndarray, int, int]:
    """(fanout, connections, params) of a Conv2d or Affine/Linear node, all weights non-zero."""
    if node["type"] == "Conv2d":
        in_shape, out_shape = tuple(node["in_shape"]), tuple(node["out_shape"])
        groups = int(node.get("groups", 1))
        kernel = tuple(node["kernel"])
        w = np.ones((out_shape[0], in_shape[0] // groups, *kernel), np.int64)
        proj = projection("c", "a", "b", "conv2d", w, stride=tuple(node.get("stride", (1, 1))),
                          padding=tuple(node.get("padding", (0, 0))),
                          dilation=tuple(node.get("dilation", (1, 1))), groups=groups)
        s, _, _ = synapses(proj, Population("a", in_shape), Population("b", out_shape))
        n_in = int(np.prod(in_shape))
        return np.bincount(s, minlength=n_in).astype(np.int64), int(s.size), int(w.size)
    n_in = int(np.prod(node["in_shape"]))
    n_out = int(np.prod(node["out_shape"]))
    return np.full(n_in, n_out, np.int64), n_in * n_out, n_in * n_out


#: network -> its logical layers (they depend on the network only; pricing each run of a
#: dataset would otherwise expand every projection's synapses again)
_BY_NETWORK: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def logical_layers(network) -> list[LogicalLayer]:
    """The connection layers of ``network`` as NeuroBench counts them (module docstring)."""
    if network not in _BY_NETWORK:
        _BY_NETWORK[network] = _logical_layers(network)
    return list(_BY_NETWORK[network])


def _logical_layers(network) -> list[LogicalLayer]:
    prov = _provenance(network)
    out = []
    for proj in network.projections:
        if proj.kind == "sumpool2d":
            continue
        s_pop, t_pop = network.population(proj.source), network.population(proj.target)
        s, _, w = synapses(proj, s_pop, t_pop, sort=False)  # only counted
        stored = int(s.size)
        is_float = np.asarray(proj.weight).dtype.kind == "f"
        comp = _composed((prov.get(proj.name) or {}).get("path"))
        if comp is not None and len(s_pop.shape) == 3:
            try:
                pool = _pool_map(comp[0], s_pop)
                fanout, conns, params = _layer_of_node(comp[1])
            except (KeyError, TypeError, ValueError):
                comp = None
            else:
                if fanout.size == int(np.prod(comp[0]["out_shape"])):
                    out.append(LogicalLayer(proj.name, proj.source, pool, fanout, conns,
                                            params, True, stored))
                    continue
        fanout = np.bincount(s[np.asarray(w) != 0], minlength=s_pop.size).astype(np.int64)
        params = int(np.count_nonzero(w)) if proj.kind == "sparse" else int(
            np.asarray(proj.weight).size)
        out.append(LogicalLayer(proj.name, proj.source, None, fanout, stored, params,
                                is_float, stored))
    return out


def connection_sparsity(network) -> float:
    """Zero weights over all weights of ``network``'s connection layers (module docstring)."""
    zeros = total = 0
    for proj in network.projections:
        w = np.asarray(proj.weight)
        if proj.kind == "sumpool2d":
            continue
        if proj.kind == "sparse":
            n_s = network.population(proj.source).size
            n_t = network.population(proj.target).size
            size = n_s * n_t
            nonzero = min(int(np.count_nonzero(w)), size)
            zeros += size - nonzero
            total += size
        else:
            zeros += int(w.size - np.count_nonzero(w))
            total += int(w.size)
    return zeros / total if total else 0.0


def _state_bytes(trace, profile) -> int:
    sizes = np.diff(np.asarray(trace.pop_offset, np.int64))
    models = np.asarray(trace.pop_model, np.int64)
    neurons = int(sizes[models != MODEL_INPUT].sum())
    cuba = int(sizes[models == MODEL_CUBA].sum())
    return int(neurons * -(-profile.v_bits // 8) + cuba * -(-profile.u_bits // 8))


def footprint_bytes(trace, profile, layers=None) -> int:
    """Weights plus neuron state registers, in bytes (module docstring); without
    ``layers``, the chip's stored synapses at ``w_bits``."""
    if layers is None:
        synapses_ = int(np.asarray(trace.proj_synapses, np.int64).sum())
        return int(-(-synapses_ * profile.w_bits // 8) + _state_bytes(trace, profile))
    weight_bytes = 0
    int_params = 0
    for layer in layers:
        if layer.float_weights:
            weight_bytes += 4 * layer.params
        else:
            int_params += layer.params
    weight_bytes += -(-int_params * profile.w_bits // 8)
    return int(weight_bytes + _state_bytes(trace, profile))


def _source_spikes(trace, population: str):
    """(tick, local neuron, value) int64 arrays of a neuron population's recorded spikes."""
    p = list(trace.pop_names).index(population)
    lo, hi = int(trace.pop_offset[p]), int(trace.pop_offset[p + 1])
    neuron = np.asarray(trace.spike_neuron, np.int64)
    m = (neuron >= lo) & (neuron < hi)
    return (np.asarray(trace.spike_tick, np.int64)[m], neuron[m] - lo,
            np.asarray(trace.spike_value, np.float64)[m])


def _effective(layer: LogicalLayer, tick, who, val) -> tuple[int, int]:
    """(ACs, MACs) of ``layer`` fed by the spikes ``(tick, who, val)`` of its source."""
    if layer.pool is not None:
        ptr, unit, weight = layer.pool
        lo = ptr[who]
        reps = ptr[who + 1] - lo
        idx = np.repeat(lo, reps) + (np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps,
                                                                       reps))
        tick = np.repeat(tick, reps)
        who = unit[idx]
        val = np.repeat(val, reps) * weight
        n_units = int(layer.fanout.size)
        key, inv = np.unique(tick * n_units + who, return_inverse=True)
        summed = np.bincount(inv, weights=val, minlength=key.size)
        keep = summed != 0
        key, summed = key[keep], summed[keep]
        tick, who, val = key // n_units, key % n_units, summed
    if not tick.size:
        return 0, 0
    ops = layer.fanout[who]
    binary = np.abs(val) == 1
    ticks, inv = np.unique(tick, return_inverse=True)
    tick_binary = np.bincount(inv, weights=~binary, minlength=ticks.size) == 0
    per_tick = np.bincount(inv, weights=ops, minlength=ticks.size)
    acs = int(per_tick[tick_binary].sum())
    return acs, int(per_tick.sum()) - acs


def neurobench_metrics(trace, profile, network=None) -> tuple[dict, list[str]]:
    """NeuroBench's metrics for the run (see the module docstring).

    Returns
    -------
    metrics : dict
        'effective_acs', 'effective_macs', 'dense_synaptic_ops' (int; Dense over the
        run), 'dense_synaptic_ops_per_tick' (int: one pass over the logical network's
        connections, also the MACs of the same network as an ANN), 'activation_sparsity'
        (float), 'connection_sparsity' (float or None), 'footprint_bytes' (int),
        'neurobench_network' ('logical' or 'chip').
    notes : list of str
    """
    notes = []
    ticks = int(trace.ticks)
    neuron_cores = neuron_core_mask(trace)
    neurons = int(np.asarray(trace.core_neurons, np.int64)[neuron_cores].sum())
    spikes = int(np.asarray(trace.counters_by_core["spikes"], np.int64)[neuron_cores].sum())
    activations = neurons * ticks
    syn_core = np.asarray(trace.counters_by_core["synaptic_ops"], np.int64)
    out = {"activation_sparsity": (activations - spikes) / activations if activations else 0.0,
           "connection_sparsity": None if network is None else connection_sparsity(network)}
    if network is None:
        synapses_ = int(np.asarray(trace.proj_synapses, np.int64).sum())
        out.update(effective_acs=int(syn_core.sum()), effective_macs=0,
                   dense_synaptic_ops=synapses_ * ticks, dense_synaptic_ops_per_tick=synapses_,
                   footprint_bytes=footprint_bytes(trace, profile), neurobench_network="chip")
        notes.append("NeuroBench metrics computed on the chip's mapping (stored synapses, "
                     "every accumulate an AC): the network was not given")
        return out, notes
    layers = logical_layers(network)
    acs = macs = 0
    core_pop = np.asarray(trace.core_population, np.int64)
    names = list(trace.pop_names)
    input_name = network.input
    for layer in layers:
        if layer.source != input_name:
            a, m = _effective(layer, *_source_spikes(trace, layer.source))
            acs += a
            macs += m
            continue
        # the input's spikes are not recorded: the engine's count on the target's cores,
        # less the target's other inputs recomputed from their spikes
        proj = next(p for p in network.projections if p.name == layer.projection)
        target = names.index(proj.target)
        counted = int(syn_core[core_pop == target].sum())
        for other in network.projections:
            if other.target != proj.target or other.name == proj.name \
                    or other.source == input_name:
                continue
            s, _, _ = synapses(other, network.population(other.source),
                               network.population(other.target), sort=False)
            stored = np.bincount(s, minlength=network.population(other.source).size)
            _, who, _ = _source_spikes(trace, other.source)
            counted -= int(stored[who].sum())
        ops = max(counted, 0) * (int(layer.fanout.sum()) / layer.stored if layer.stored else 0)
        ops = int(round(ops))
        if layer.pool is not None:
            macs += ops
            continue
        in_spikes = int(np.asarray(trace.counters_by_core["spikes"], np.int64)[~neuron_cores]
                        .sum())
        extra = int(trace.input_events) - in_spikes
        if (trace.settings or {}).get("binning") == "count" and extra > 0 and in_spikes:
            # at most ``extra`` spikes carried more than one event: their share of the ops
            share = int(round(ops * min(1.0, extra / in_spikes)))
            macs += share
            acs += ops - share
        else:
            acs += ops
    if any(layer.source == input_name for layer in layers):
        notes.append("NeuroBench: the input's spikes are not recorded; the input layer's "
                     "operations are the engine's accumulates on its target's cores, scaled "
                     "to its non-zero connections")
    if any(layer.pool is not None for layer in layers):
        composed = ", ".join(repr(layer.projection) for layer in layers
                             if layer.pool is not None)
        notes.append(f"NeuroBench: projections {composed} are counted as the pooling and "
                     "layer they were composed from (their pooled inputs are not binary: MACs)")
    dense_tick = int(sum(layer.connections for layer in layers))
    out.update(effective_acs=int(acs), effective_macs=int(macs),
               dense_synaptic_ops=dense_tick * ticks, dense_synaptic_ops_per_tick=dense_tick,
               footprint_bytes=footprint_bytes(trace, profile, layers),
               neurobench_network="logical")
    return out, notes
