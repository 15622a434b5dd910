"""NeuroBench's metrics on the logical network: composed pooling layers, count inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from energy_nets import chain, run, small_cores

from neuroemu.energy import price
from neuroemu.ir import Network, Population, neuron, projection

ROOT = Path(__file__).resolve().parents[2]


def _valid_taps(size: int, out: int, k: int, stride: int, pad: int) -> int:
    """Kernel taps that land inside the input, summed over the output positions (naive)."""
    return sum(1 for o in range(out) for j in range(k) if 0 <= o * stride - pad + j < size)


def _conv_connections(c_in, h, w, c_out, ho, wo, k, stride, pad) -> int:
    return (c_out * c_in * _valid_taps(h, ho, k, stride, pad)
            * _valid_taps(w, wo, k, stride, pad))


def pooled_net() -> Network:
    """in (1,2,2) -> a (1,2,2) one-to-one; a -> b (1) composed from SumPool2d 2x2 ->
    Flatten -> Affine 1 -> 1 (weight 1): the chip stores 4 synapses, the logical layer has
    one connection fed by the pooled sum of a's 4 spikes."""
    pops = (Population("in", (1, 2, 2)),
            Population("a", (1, 2, 2), neuron("if", 4, threshold=1)),
            Population("b", (1,), neuron("if", 1, threshold=100)))
    projs = (projection("in->a", "in", "a", "sparse", np.ones(4, np.int64),
                        src=np.arange(4), tgt=np.arange(4)),
             projection("a->b", "a", "b", "dense", np.ones((1, 4))))
    path = [{"type": "SumPool2d", "kernel_size": [2, 2], "stride": [2, 2], "padding": [0, 0],
             "out_shape": [1, 1, 1], "node": "p"},
            {"type": "Flatten", "start_dim": 0, "end_dim": -1, "out_shape": [1], "node": "f"},
            {"type": "Affine", "dtype": "float32", "in_shape": [1], "out_shape": [1],
             "node": "l"}]
    prov = {"projections": {"a->b": {"source": "a", "target": "b", "path": path}}}
    return Network("pooled", pops, projs, input="in",
                   meta=(("nir_provenance", json.dumps(prov)),))


def test_a_composed_pooling_layer_counts_macs_by_hand():
    # in[0], in[1] at tick 0 -> a[0], a[1] fire at tick 1: the pooled sum is 2 (not binary):
    # 1 MAC; in[3] at tick 2 -> a[3] fires at tick 3: pooled sum 1: 1 AC. The input layer:
    # 3 input spikes, one connection each: 3 ACs.
    net = pooled_net()
    prof = small_cores("loihi")
    tr = run(net, prof, 6, [0, 0, 2], [0, 1, 3])
    r = price(tr, prof, network=net)
    assert r["synaptic_ops"] == 3 + 3 * 1  # the chip: 3 input accumulates + 3 spikes of a
    assert (r["effective_acs"], r["effective_macs"]) == (3 + 1, 1)
    # dense, per tick: 4 one-to-one connections + the 1 x 1 affine (pooling: none)
    assert r["dense_synaptic_ops_per_tick"] == 5 and r["dense_synaptic_ops"] == 5 * 6
    assert r["ann_macs"] == 5  # the same network as an ANN: one pass over them
    # footprint: 4 integer weights of 8 bits + the affine's 1 float32 weight (4 bytes)
    # + a 24-bit v for each of 5 neurons
    assert r["footprint_bytes"] == 4 + 4 + 5 * 3
    assert r["neurobench_network"] == "logical"
    assert any("'a->b'" in n and "composed" in n for n in r["notes"])


def test_inputs_carrying_counts_are_macs():
    # one input spike carrying 2 events (binning 'count'): NeuroBench's first layer sees a
    # non-binary input (1 MAC); a fires a binary spike into b (1 AC)
    prof = small_cores("loihi")
    tr = run(chain(), prof, 5, [0, 0], [0, 0], settings={"binning": "count"})
    tr.input_events = 2
    r = price(tr, prof, network=chain())
    assert r["input_spikes"] == 1
    assert (r["effective_acs"], r["effective_macs"]) == (1, 1)
    clipped = run(chain(), prof, 5, [0], [0], settings={"binning": "clip"})
    clipped.input_events = 1
    assert (price(clipped, prof, network=chain())["effective_macs"]) == 0


def test_without_the_network_the_metrics_fall_back_to_the_chip_and_say_so():
    prof = small_cores("loihi")
    tr = run(pooled_net(), prof, 6, [0, 0, 2], [0, 1, 3])
    r = price(tr, prof)
    assert r["neurobench_network"] == "chip"
    assert (r["effective_acs"], r["effective_macs"]) == (6, 0)
    assert r["dense_synaptic_ops_per_tick"] == 4 + 4
    assert any("chip's mapping" in n for n in r["notes"])


def test_nmnist_cnn_counted_on_its_logical_layers():
    """The shipped N-MNIST CNN: two of its projections are composed from pooling and a
    Conv2d / Affine. Dense operations are the logical layers' connections (the chip's
    composed kernels count 34 % more), and the pooled inputs make MACs."""
    import neuroemu as ne

    net = ne.load(ROOT / "models" / "nmnist_cnn.h5")
    res = ne.run(net, ROOT / "traces" / "nmnist_4.aedat", profile="loihi", progress=False)
    r = res.price()
    logical = (_conv_connections(2, 34, 34, 16, 16, 16, 5, 2, 1)       # conv1
               + _conv_connections(16, 16, 16, 16, 16, 16, 3, 1, 1)    # conv2
               + _conv_connections(16, 8, 8, 8, 8, 8, 3, 1, 1)         # pool -> conv3
               + 128 * 256 + 256 * 10)                                 # pool -> fc1, fc2
    assert r["dense_synaptic_ops_per_tick"] == logical
    assert r["dense_synaptic_ops"] == logical * res.ticks
    chip = int(np.asarray(res.proj_synapses).sum())
    assert chip / logical == pytest.approx(1.34, abs=0.005)
    assert r["effective_macs"] > 0 and r["effective_acs"] > 0
    # the effective operations never exceed one per connection and tick
    assert r["effective_acs"] + r["effective_macs"] <= r["dense_synaptic_ops"]
