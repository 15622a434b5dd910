"""NeuroBench's complexity metrics, computed from a run's counters.

Definitions follow NeuroBench (Yik et al., "NeuroBench: A Framework for
Benchmarking Neuromorphic Computing Algorithms and Systems", arXiv:2304.04640;
Nature Communications 2025) and its harness (the ``neurobench`` package,
``neurobench/metrics``). A run of neuroemu is one sample.

synaptic operations (NeuroBench ``SynapticOperations``)
    ``Dense``: every synapse once per time step, zero activations and zero
    weights included — ``synapses x ticks`` here. ``Effective_ACs``: operations
    of binary (0, +1, -1) activations on a connection; ``Effective_MACs``: of
    non-binary ones. neuroemu delivers every spike as an event and the engine
    counts one accumulate per stored synapse of a delivered spike, so
    ``effective_acs`` is the engine's ``synaptic_ops`` and ``effective_macs``
    is 0. Two differences from the harness, both from what a trace records:
    input spikes that carry a count (``binning='count'``) are counted as ACs
    although NeuroBench would count a non-binary input as a MAC; and synapses
    stored with weight zero (dense and convolutional weight arrays keep them)
    are counted, which NeuroBench's effective counts skip.
activation sparsity (``ActivationSparsity``)
    Zero activations over all activations, over every neuron layer and time
    step: ``1 - neuron spikes / (neurons x ticks)``, input population excluded
    (it is data, not a neuron layer). 0.0 for a run without neurons, as the
    harness returns.
connection sparsity (``ConnectionSparsity``)
    Zero weights over all weights of the connection layers: a dense
    projection's matrix, a convolution's kernel, a sparse projection as the
    ``n_target x n_source`` matrix it masks; pooling is not a connection layer
    in NeuroBench and is left out. Needs the network's weights, which a trace
    does not hold: computed from the network given (a live run's own, or the
    one :func:`neuroemu.load_run` found or was given), else None.
footprint (``Footprint``)
    Bytes of the model's parameters and buffers: here the synapses as the chip
    stores them (``synapses x w_bits``, rounded up to bytes) plus each neuron's
    state registers (``v``, and ``u`` for CUBA neurons, each in whole bytes).
    Per-population parameters (threshold, bias, decays) are not counted.
"""

from __future__ import annotations

import numpy as np

from ..mapping.codes import MODEL_CUBA
from .latency import neuron_core_mask


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


def footprint_bytes(trace, profile) -> int:
    """Synapse memory plus neuron state registers, in bytes (module docstring)."""
    synapses = int(np.asarray(trace.proj_synapses, np.int64).sum())
    sizes = np.diff(np.asarray(trace.pop_offset, np.int64))
    models = np.asarray(trace.pop_model, np.int64)
    neurons = int(sizes[models != 0].sum())
    cuba = int(sizes[models == MODEL_CUBA].sum())
    weight_bytes = -(-synapses * profile.w_bits // 8)
    return int(weight_bytes + neurons * -(-profile.v_bits // 8) + cuba * -(-profile.u_bits // 8))


def neurobench_metrics(trace, profile, network=None) -> dict:
    """NeuroBench's metrics for the run (see the module docstring).

    Returns
    -------
    dict with 'effective_acs', 'effective_macs', 'dense_synaptic_ops' (int),
    'activation_sparsity' (float), 'connection_sparsity' (float or None),
    'footprint_bytes' (int).
    """
    ticks = int(trace.ticks)
    synapses = int(np.asarray(trace.proj_synapses, np.int64).sum())
    neuron_cores = neuron_core_mask(trace)
    neurons = int(np.asarray(trace.core_neurons, np.int64)[neuron_cores].sum())
    spikes = int(np.asarray(trace.counters_by_core["spikes"], np.int64)[neuron_cores].sum())
    activations = neurons * ticks
    return {
        "effective_acs": int(np.asarray(trace.counters_by_core["synaptic_ops"], np.int64).sum()),
        "effective_macs": 0,
        "dense_synaptic_ops": synapses * ticks,
        "activation_sparsity": (activations - spikes) / activations if activations else 0.0,
        "connection_sparsity": None if network is None else connection_sparsity(network),
        "footprint_bytes": footprint_bytes(trace, profile),
    }
