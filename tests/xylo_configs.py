"""Random Xylo configurations, built both as a neuroemu network and as SynSense's xylosim layer.

One configuration: 16 input channels, ``n_hidden`` hidden neurons with two
synaptic currents, ``n_out`` output neurons; input, recurrent and output
weights (8-bit, sparse), one weight shift per matrix, dashes, thresholds and
biases drawn at random, some large enough to saturate the 16-bit registers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import neuroemu as ne
from neuroemu.ir import network as irn

N_IN = 16


@dataclass
class XyloSpec:
    w_in: np.ndarray  # (16, H, 2) int
    w_rec: np.ndarray  # (H, H, 2) int
    w_out: np.ndarray  # (H, O) int
    shift_in: int
    shift_rec: int
    shift_out: int
    dash_v: np.ndarray  # (H,)
    dash_u: np.ndarray
    dash_u2: np.ndarray
    threshold: np.ndarray
    bias: np.ndarray
    dash_v_out: np.ndarray  # (O,)
    dash_u_out: np.ndarray
    threshold_out: np.ndarray
    bias_out: np.ndarray


def _sparse_weights(rng, shape, density):
    w = rng.integers(-128, 128, size=shape)
    return np.where(rng.random(shape) < density, w, 0)


def random_spec(rng, n_hidden: int, n_out: int, max_rec_density: float = 0.3) -> XyloSpec:
    """A random configuration; the draws reach saturation and multi-spike firing often."""
    big = rng.random() < 0.5  # large thresholds and shifts: registers near their bounds
    thr_hi = 32767 if big else 2000
    return XyloSpec(
        w_in=_sparse_weights(rng, (N_IN, n_hidden, 2), rng.uniform(0.05, 0.6)),
        w_rec=_sparse_weights(rng, (n_hidden, n_hidden, 2), rng.uniform(0.0, max_rec_density)),
        w_out=_sparse_weights(rng, (n_hidden, n_out), rng.uniform(0.05, 0.6)),
        shift_in=int(rng.integers(0, 8)), shift_rec=int(rng.integers(0, 8)),
        shift_out=int(rng.integers(0, 8)),
        dash_v=rng.integers(0, 16, n_hidden), dash_u=rng.integers(0, 16, n_hidden),
        dash_u2=rng.integers(0, 16, n_hidden),
        threshold=rng.integers(1, thr_hi + 1, n_hidden),
        bias=np.where(rng.random(n_hidden) < 0.3, rng.integers(-3000, 3000, n_hidden), 0),
        dash_v_out=rng.integers(0, 16, n_out), dash_u_out=rng.integers(0, 16, n_out),
        threshold_out=rng.integers(1, thr_hi + 1, n_out),
        bias_out=np.where(rng.random(n_out) < 0.3, rng.integers(-3000, 3000, n_out), 0),
    )


def to_network(spec: XyloSpec) -> ne.Network:
    """The configuration as a neuroemu network (input, hidden, output populations)."""
    h, o = spec.w_out.shape
    hidden = irn.neuron("xylo", h, threshold=spec.threshold, bias=spec.bias, reset="subtract",
                        dash_v=spec.dash_v, dash_u=spec.dash_u, dash_u2=spec.dash_u2,
                        max_spikes=31)
    out = irn.neuron("xylo", o, threshold=spec.threshold_out, bias=spec.bias_out,
                     reset="subtract", dash_v=spec.dash_v_out, dash_u=spec.dash_u_out,
                     max_spikes=1)
    projs = []
    for port in (0, 1):
        projs.append(irn.projection(f"in{port}", "input", "hidden", "dense",
                                    spec.w_in[:, :, port].T, weight_exp=spec.shift_in,
                                    synapse=port))
        projs.append(irn.projection(f"rec{port}", "hidden", "hidden", "dense",
                                    spec.w_rec[:, :, port].T, weight_exp=spec.shift_rec,
                                    synapse=port))
    projs.append(irn.projection("out", "hidden", "output", "dense", spec.w_out.T,
                                weight_exp=spec.shift_out))
    return irn.Network(
        name="xylo_random",
        populations=(irn.Population("input", (N_IN,)), irn.Population("hidden", (h,), hidden),
                     irn.Population("output", (o,), out)),
        projections=tuple(projs), input="input", readout=irn.Readout("output", "count"))


def run_xylosim(spec: XyloSpec, raster: np.ndarray) -> dict:
    """Run SynSense's xylosim on ``raster`` (T, 16) counts; registers (T + 1, neurons) per name.

    xylosim runs one step more, first, with no input: neuroemu delivers an input
    spike of tick s at tick s + 1, so its tick 0 is an update with no input
    (biases act), xylosim's step 0 here, and its tick s + 1 is the step that
    takes ``raster[s]``."""
    raster = np.concatenate([np.zeros((1, raster.shape[1]), raster.dtype), raster])
    from xylosim.v2 import XyloLayer, XyloSynapse

    h, o = spec.w_out.shape

    def syn_lists(w):  # (pre, post, ports)
        out = []
        for pre in range(w.shape[0]):
            lst = []
            for port in range(w.shape[2]):
                for post in np.flatnonzero(w[pre, :, port]):
                    lst.append(XyloSynapse(int(post), port, int(w[pre, post, port])))
            out.append(lst)
        return out

    bias_on = bool(np.any(spec.bias != 0) or np.any(spec.bias_out != 0))
    # the layer keeps pointers to the synapse objects: they must outlive it
    keep = [syn_lists(spec.w_in), syn_lists(spec.w_rec), syn_lists(spec.w_out[:, :, None])]
    layer = XyloLayer(
        synapses_in=keep[0], synapses_rec=keep[1], synapses_out=keep[2],
        aliases=[[] for _ in range(h)],
        threshold=[int(x) for x in spec.threshold],
        threshold_out=[int(x) for x in spec.threshold_out],
        has_bias=bias_on, bias=[int(x) for x in spec.bias],
        bias_out=[int(x) for x in spec.bias_out],
        weight_shift_inp=spec.shift_in, weight_shift_rec=spec.shift_rec,
        weight_shift_out=spec.shift_out,
        dash_mem=[int(x) for x in spec.dash_v], dash_mem_out=[int(x) for x in spec.dash_v_out],
        dash_syns=[[int(a), int(b)] for a, b in zip(spec.dash_u, spec.dash_u2)],
        dash_syns_out=[[int(a)] for a in spec.dash_u_out], name="oracle")
    out_spikes = np.array(layer.evolve(raster.astype(int).tolist()))
    return {
        "v": np.array(layer.rec_v_mem).T, "u": np.array(layer.rec_i_syn).T,
        "u2": np.array(layer.rec_i_syn2).T, "spikes": np.array(layer.rec_recurrent_spikes),
        "v_out": np.array(layer.rec_v_mem_out).T, "u_out": np.array(layer.rec_i_syn_out).T,
        "spikes_out": out_spikes,
    }


def random_raster(rng, steps: int) -> np.ndarray:
    """(steps, 16) input counts 0..15, sparse or dense at random."""
    rate = rng.uniform(0.02, 0.6)
    counts = rng.integers(1, 16, size=(steps, N_IN))
    return np.where(rng.random((steps, N_IN)) < rate, counts, 0)


def stimulus_of(raster: np.ndarray):
    """The raster as neuroemu input: row s at tick s (delivered at tick s + 1)."""
    tick, chan = np.nonzero(raster)
    return ne.inputs.stimulus.make_stimulus(tick, chan, N_IN, raster[tick, chan])
